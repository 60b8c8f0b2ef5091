//! The one event hub behind live updates (DESIGN.md §4).
//!
//! Whatever changes a thread publishes here; every open `/events` stream of this process
//! hears it and passes on what its person may see. With one server process that is all
//! (an in-process broadcast channel). When several server processes share a PostgreSQL
//! database, each also sends what it publishes through PostgreSQL (`NOTIFY sm_events`) and
//! listens there (`LISTEN sm_events`) for what the others publish; an `origin` id per
//! process keeps a process from hearing its own events twice.
//!
//! Events carry ids and, for "… is replying", a staff member's name; never a subject, a
//! body or a Veteran's name.

use super::db::{Backend, Db};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// The PostgreSQL channel every process listens on.
const CHANNEL: &str = "sm_events";

/// Events a slow stream may fall behind by before it is told to reload everything.
const BACKLOG: usize = 1024;

/// Something changed that somebody may be looking at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HubEvent {
    /// A thread changed (message, note, assignment, completion, reassignment). `team_id` is
    /// the team it belongs to now; `previous_team_id` the one it left, on reassignment.
    ThreadChanged {
        thread_id: i64,
        team_id: i64,
        veteran_id: i64,
        previous_team_id: Option<i64>,
    },
    /// A care team member began or stopped writing a reply draft in a thread of
    /// `team_id` ("… is writing a reply"): the team's pages reload; the Veteran's side
    /// never hears of it, and neither does the writer.
    WritingChanged {
        thread_id: i64,
        team_id: i64,
        user_id: i64,
    },
    /// A message was sent in a thread (never a note): as `ThreadChanged`, and the people it
    /// reached are told a new message arrived. `author_id` wrote it (for a Veteran,
    /// possibly through a caregiver); `from_team` says which side wrote it.
    MessageArrived {
        thread_id: i64,
        team_id: i64,
        veteran_id: i64,
        author_id: i64,
        from_team: bool,
    },
    /// A care team member is typing a reply.
    Replying {
        thread_id: i64,
        team_id: i64,
        user_id: i64,
        name: String,
    },
}

/// What travels through PostgreSQL: the event and the process that sent it.
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: String,
    event: HubEvent,
}

#[derive(Clone)]
pub struct EventHub {
    sender: broadcast::Sender<HubEvent>,
    origin: Arc<str>,
    db: Db,
}

impl EventHub {
    /// A hub for this process. On PostgreSQL, call `listen` too so events from the other
    /// processes arrive.
    pub fn new(db: Db) -> EventHub {
        let (sender, _) = broadcast::channel(BACKLOG);
        EventHub {
            sender,
            origin: uuid::Uuid::new_v4().simple().to_string().into(),
            db,
        }
    }

    /// Every event from now on, from this process and (on PostgreSQL) the others.
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.sender.subscribe()
    }

    /// Tells this process's streams at once, and the other processes through PostgreSQL.
    /// A failure to notify the others is logged, not returned: the change itself is made,
    /// and their pages still show it on the next load.
    pub async fn publish(&self, event: HubEvent) {
        // No open stream is not an error.
        let _ = self.sender.send(event.clone());
        if self.db.backend != Backend::Postgres {
            return;
        }
        let envelope = Envelope {
            origin: self.origin.to_string(),
            event,
        };
        let payload = match serde_json::to_string(&envelope) {
            Ok(payload) => payload,
            Err(cause) => return tracing::warn!(%cause, "could not encode a live event"),
        };
        if let Err(cause) = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&self.db.pool)
            .await
        {
            tracing::warn!(%cause, "could not send a live event to the other processes");
        }
    }

    /// Listens on PostgreSQL for the other processes' events and passes them to this
    /// process's streams, reconnecting after a failure. Does nothing on SQLite (one process).
    pub fn listen(&self, database_url: &str) {
        if self.db.backend != Backend::Postgres {
            return;
        }
        let hub = self.clone();
        let url = database_url.to_string();
        tokio::spawn(async move {
            loop {
                if let Err(cause) = hub.relay(&url).await {
                    tracing::warn!(%cause, "live events from other processes interrupted; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        });
    }

    /// Starts listening at once and relays in the background; an error means it could not
    /// start. For tests, which must not miss the first event.
    pub async fn listen_ready(&self, database_url: &str) -> Result<(), sqlx::Error> {
        let mut listener = sqlx::postgres::PgListener::connect(database_url).await?;
        listener.listen(CHANNEL).await?;
        let hub = self.clone();
        tokio::spawn(async move {
            if let Err(cause) = hub.relay_from(listener).await {
                tracing::warn!(%cause, "live events from other processes interrupted");
            }
        });
        Ok(())
    }

    async fn relay(&self, url: &str) -> Result<(), sqlx::Error> {
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        self.relay_from(listener).await
    }

    async fn relay_from(
        &self,
        mut listener: sqlx::postgres::PgListener,
    ) -> Result<(), sqlx::Error> {
        loop {
            let notification = listener.recv().await?;
            let Ok(envelope) = serde_json::from_str::<Envelope>(notification.payload()) else {
                continue;
            };
            if *envelope.origin != *self.origin {
                let _ = self.sender.send(envelope.event);
            }
        }
    }
}

/// Publishes that `thread_id` changed, looking up whose it is. For server functions, after
/// the change has been committed.
pub async fn thread_changed(hub: &EventHub, db: &Db, thread_id: i64) {
    thread_moved(hub, db, thread_id, None).await;
}

/// Publishes that `author_id` sent a message in `thread_id` (from the team's side or the
/// Veteran's). For server functions, after the message has been committed.
pub async fn message_arrived(
    hub: &EventHub,
    db: &Db,
    thread_id: i64,
    author_id: i64,
    from_team: bool,
) {
    let row: Result<Option<(i64, i64)>, sqlx::Error> =
        sqlx::query_as("SELECT team_id, veteran_id FROM threads WHERE id = $1")
            .bind(thread_id)
            .fetch_optional(&db.pool)
            .await;
    match row {
        Ok(Some((team_id, veteran_id))) => {
            hub.publish(HubEvent::MessageArrived {
                thread_id,
                team_id,
                veteran_id,
                author_id,
                from_team,
            })
            .await
        }
        Ok(None) => {}
        Err(cause) => tracing::warn!(%cause, "could not look up a thread with a new message"),
    }
}

/// As `thread_changed`, for a thread that has just left `previous_team_id`.
pub async fn thread_moved(hub: &EventHub, db: &Db, thread_id: i64, previous_team_id: Option<i64>) {
    let row: Result<Option<(i64, i64)>, sqlx::Error> =
        sqlx::query_as("SELECT team_id, veteran_id FROM threads WHERE id = $1")
            .bind(thread_id)
            .fetch_optional(&db.pool)
            .await;
    match row {
        Ok(Some((team_id, veteran_id))) => {
            hub.publish(HubEvent::ThreadChanged {
                thread_id,
                team_id,
                veteran_id,
                previous_team_id,
            })
            .await
        }
        Ok(None) => {}
        Err(cause) => tracing::warn!(%cause, "could not look up a changed thread"),
    }
}
