//! `/events`: the live-update stream of one open page (server-sent events).
//!
//! The gate has already checked who is asking. Each event from the hub is passed on only
//! to those allowed to see its thread: the members of its team (and of the team it left),
//! the Veteran, and caregivers with live access. A caregiver's access is checked again for
//! each event, so a revoked caregiver hears nothing more; whether the account is still
//! active, and a clinician's teams, are checked again every `STANDING_FOR`. What goes out is
//! an id (`LiveEvent`), never content. The stream ends soon after its session does.

use app::account::session_time::ssr::{ACTIVE_AT_KEY, SIGNED_IN_AT_KEY};
use app::account::session_time::SessionClock;
use app::auth::{Role, SignedInUser};
use app::live::LiveEvent;
use app::server::events::HubEvent;
use app::server::session_store::{DbSessionStore, GENERATION_KEY, USER_ID_KEY};
use app::server::state::AppState;
use app::server::users;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use futures_util::stream::{self, Stream};
use sqlx::AnyPool;
use std::convert::Infallible;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::session::Id;
use tower_sessions::{Session, SessionStore};

pub async fn events(
    State(state): State<AppState>,
    Extension(person): Extension<SignedInUser>,
    session: Session,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.events.subscribe();
    let listener = Listener {
        person,
        teams: Vec::new(),
        checked: None,
        session: session.id(),
        next_session_check: tokio::time::Instant::now() + SESSION_CHECKED_EVERY,
    };
    let stream = stream::unfold(
        (receiver, state, listener),
        |(mut receiver, state, mut listener)| async move {
            loop {
                let received = tokio::select! {
                    received = receiver.recv() => received,
                    // Now and then, busy or quiet: is the session still there to listen for?
                    () = tokio::time::sleep_until(listener.next_session_check) => {
                        if listener.session_lasts(&state).await.is_err() {
                            return None;
                        }
                        listener.next_session_check += SESSION_CHECKED_EVERY;
                        continue;
                    }
                };
                let event = match received {
                    Ok(event) => event,
                    // Fell behind: say "something changed" so the page reloads what it shows.
                    Err(RecvError::Lagged(_)) => {
                        let reload = LiveEvent::ThreadChanged { thread_id: 0 };
                        return Some((Ok(sse(&reload)), (receiver, state, listener)));
                    }
                    Err(RecvError::Closed) => return None,
                };
                match listener.hears(&state.db.pool, event).await {
                    Ok(Some(live)) => return Some((Ok(sse(&live)), (receiver, state, listener))),
                    Ok(None) => continue,
                    // Deactivated or the database is gone: end the stream.
                    Err(()) => return None,
                }
            }
        },
    );
    // A comment every 20 s keeps proxies from closing a quiet stream.
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}

fn sse(event: &LiveEvent) -> Event {
    Event::default().data(serde_json::to_string(event).unwrap_or_default())
}

/// How long a stream trusts what it last learned about its person (still active, which
/// teams): a thousand open streams then cost a few queries per event, not thousands.
/// Caregiver access is checked on every event all the same (revocation is immediate).
const STANDING_FOR: Duration = Duration::from_secs(10);

/// How often a quiet stream checks that its session still lasts: a stream ends at most this
/// long after its session did (sign-out, "Sign out of all other devices", a reset, the idle
/// or absolute limit).
const SESSION_CHECKED_EVERY: Duration = Duration::from_secs(15);

/// One open stream's person, and what it last learned about them.
struct Listener {
    person: SignedInUser,
    /// For a clinician: the teams they belong to.
    teams: Vec<i64>,
    checked: Option<Instant>,
    /// The session the stream was opened in, and when to check it next.
    session: Option<Id>,
    next_session_check: tokio::time::Instant,
}

impl Listener {
    /// Whether the session this stream was opened in still stands for its person: stored,
    /// theirs, in their current session generation, within its limits. Ends it otherwise.
    async fn session_lasts(&self, state: &AppState) -> Result<(), ()> {
        let id = self.session.ok_or(())?;
        let store = DbSessionStore::new(state.db.pool.clone());
        let record = store.load(&id).await.map_err(|_| ())?.ok_or(())?;
        let number = |key: &str| record.data.get(key).and_then(|value| value.as_i64());
        if number(USER_ID_KEY) != Some(self.person.id) {
            return Err(());
        }
        let generation = number(GENERATION_KEY).unwrap_or(0);
        match users::active_user_in_generation(&state.db.pool, self.person.id, generation).await {
            Ok(Some(_)) => {}
            _ => return Err(()),
        }
        let now = state.db.now_ms();
        let clock = SessionClock {
            signed_in_at: number(SIGNED_IN_AT_KEY).unwrap_or(now),
            active_at: number(ACTIVE_AT_KEY).unwrap_or(now),
        };
        match state.config.session_limits.ended(clock, now) {
            Some(_) => Err(()),
            None => Ok(()),
        }
    }

    /// Whether the person is still active, and their teams, when last learned too long ago.
    async fn refresh(&mut self, pool: &AnyPool) -> Result<(), ()> {
        if self.checked.is_some_and(|at| at.elapsed() < STANDING_FOR) {
            return Ok(());
        }
        // Still an active account (deactivation ends everything).
        if !matches!(users::active_user(pool, self.person.id).await, Ok(Some(_))) {
            return Err(());
        }
        if self.person.role == Role::Clinician {
            self.teams = teams_of(pool, self.person.id).await?;
        }
        self.checked = Some(Instant::now());
        Ok(())
    }

    /// What this person may hear of `event`: `Ok(None)` when it is not theirs, `Err` when
    /// they may hear nothing at all any more.
    async fn hears(&mut self, pool: &AnyPool, event: HubEvent) -> Result<Option<LiveEvent>, ()> {
        let mut arrived = false;
        let (thread_id, teams, veteran_id, replying) = match event {
            HubEvent::ThreadChanged {
                thread_id,
                team_id,
                veteran_id,
                previous_team_id,
            } => (
                thread_id,
                [Some(team_id), previous_team_id],
                Some(veteran_id),
                None,
            ),
            HubEvent::WritingChanged {
                thread_id,
                team_id,
                user_id,
            } => {
                // The writer's own page knows; the Veteran's side never hears of drafts.
                if user_id == self.person.id {
                    return Ok(None);
                }
                (thread_id, [Some(team_id), None], None, None)
            }
            HubEvent::MessageArrived {
                thread_id,
                team_id,
                veteran_id,
                author_id,
                from_team,
            } => {
                // Announced to the side that did not write it; the writer and their
                // colleagues only reload.
                let team_side = self.person.role == Role::Clinician;
                arrived = author_id != self.person.id && team_side != from_team;
                (thread_id, [Some(team_id), None], Some(veteran_id), None)
            }
            HubEvent::Replying {
                thread_id,
                team_id,
                user_id,
                name,
            } => {
                // Not to the person typing, and never to the Veteran's side.
                if user_id == self.person.id {
                    return Ok(None);
                }
                (thread_id, [Some(team_id), None], None, Some(name))
            }
        };
        self.refresh(pool).await?;
        let allowed = match self.person.role {
            Role::Clinician => teams.into_iter().flatten().any(|t| self.teams.contains(&t)),
            Role::Veteran => veteran_id == Some(self.person.id),
            Role::Caregiver => match veteran_id {
                Some(veteran_id) => has_live_grant(pool, self.person.id, veteran_id).await?,
                None => false,
            },
            Role::Administrator => false,
        };
        if !allowed {
            return Ok(None);
        }
        Ok(Some(match replying {
            Some(name) => LiveEvent::Replying { thread_id, name },
            None if arrived => LiveEvent::MessageArrived { thread_id },
            None => LiveEvent::ThreadChanged { thread_id },
        }))
    }
}

async fn teams_of(pool: &AnyPool, user_id: i64) -> Result<Vec<i64>, ()> {
    sqlx::query_scalar::<_, i64>("SELECT team_id FROM team_members WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(pool)
        .await
        .map_err(|cause| tracing::warn!(%cause, "live events: team lookup failed"))
}

async fn has_live_grant(pool: &AnyPool, caregiver_id: i64, veteran_id: i64) -> Result<bool, ()> {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM caregiver_grants \
         WHERE caregiver_id = $1 AND veteran_id = $2 AND revoked_at IS NULL",
    )
    .bind(caregiver_id)
    .bind(veteran_id)
    .fetch_one(pool)
    .await
    .map(|n| n > 0)
    .map_err(|cause| tracing::warn!(%cause, "live events: caregiver check failed"))
}
