//! tower-sessions storage in our own database (SQLite or PostgreSQL through `Any`).
//!
//! tower-sessions does the session work (ids, cookies, expiry, id renewal); this only keeps
//! its records. The signed-in person's id is copied into its own column so all of a
//! person's sessions can be ended at once (deactivation, password reset).
//!
//! Ending them is certain two ways over. Saving only updates a stored session and never
//! makes one again, so a request still in flight when its session was deleted cannot write
//! it back. And each session carries its person's session generation from sign-in: ending
//! all of a person's sessions moves them to the next generation, and the gate takes a
//! session of an older one as signed out.

use super::now_ms;
use async_trait::async_trait;
use sqlx::AnyPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};
use tower_sessions::SessionStore;

/// How far an unchanged session's expiry may lag behind before it is written again: an
/// idle timeout then ends at most this much early.
pub const EXPIRY_SLACK_MS: i64 = 60_000;

/// The session key that holds the signed-in person's id.
pub const USER_ID_KEY: &str = "user_id";

/// The session key that holds the person's session generation at sign-in.
pub const GENERATION_KEY: &str = "session_generation";

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    pool: AnyPool,
}

impl DbSessionStore {
    pub fn new(pool: AnyPool) -> Self {
        DbSessionStore { pool }
    }

    /// Removes sessions past their expiry. Run now and then by the server.
    pub async fn delete_expired(&self) -> std::result::Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// Ends every session of one person, inside the caller's transaction (or alone, given the
/// pool): moves them to their next session generation and deletes the stored sessions.
/// Answers how many were deleted.
pub async fn end_all_sessions_of(
    connection: &mut sqlx::AnyConnection,
    user_id: i64,
) -> std::result::Result<u64, sqlx::Error> {
    sqlx::query("UPDATE users SET session_generation = session_generation + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut *connection)
        .await?;
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *connection)
        .await?;
    Ok(done.rows_affected())
}

/// Marks `session` as signed in for `user_id`, in their current session generation, with
/// its session clocks starting now.
pub async fn sign_in(
    db: &super::db::Db,
    session: &tower_sessions::Session,
    user_id: i64,
) -> std::result::Result<(), crate::error::AppError> {
    let generation = generation_of(&db.pool, user_id).await?;
    session.insert(USER_ID_KEY, user_id).await?;
    session.insert(GENERATION_KEY, generation).await?;
    crate::account::session_time::ssr::start(session, db.now_ms()).await
}

/// "Sign out of all other devices": every other session of the person ends (a new
/// generation), and `session`, the one asking, moves to the new generation with them.
/// Answers how many were ended.
pub async fn end_other_sessions(
    db: &crate::server::db::Db,
    session: &tower_sessions::Session,
    user_id: i64,
) -> std::result::Result<u64, crate::error::AppError> {
    let mut tx = db.begin_write().await?;
    let keep = session.id().map(|id| id.to_string()).unwrap_or_default();
    let (ended, generation) = end_sessions_but(&mut tx, user_id, &keep).await?;
    tx.commit().await?;
    session.insert(GENERATION_KEY, generation).await?;
    Ok(ended)
}

/// Ends every session of one person but the one whose id is `keep`, inside the caller's
/// transaction: moves them to their next session generation and deletes the other stored
/// sessions. Answers how many ended and the new generation, which the kept session must
/// carry from now on (its caller writes it there after the commit).
pub async fn end_sessions_but(
    connection: &mut sqlx::AnyConnection,
    user_id: i64,
    keep: &str,
) -> std::result::Result<(u64, i64), sqlx::Error> {
    sqlx::query("UPDATE users SET session_generation = session_generation + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut *connection)
        .await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&mut *connection)
        .await?
        .rows_affected();
    let generation: i64 = sqlx::query_scalar("SELECT session_generation FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *connection)
        .await?;
    Ok((ended, generation))
}

/// The person's current session generation.
pub async fn generation_of(pool: &AnyPool, user_id: i64) -> std::result::Result<i64, sqlx::Error> {
    let generation: Option<i64> =
        sqlx::query_scalar("SELECT session_generation FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(generation.unwrap_or(0))
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

fn expires_ms(record: &Record) -> i64 {
    (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64
}

fn user_id(data: &Data) -> Option<i64> {
    data.get(USER_ID_KEY).and_then(|v| v.as_i64())
}

/// A session's data: its keys and their values.
type Data = std::collections::HashMap<String, serde_json::Value>;

/// The key under which a loaded record keeps a copy of its data as loaded, so that saving
/// can tell what its request changed. Never stored.
const LOADED_KEY: &str = "__loaded";

/// The key under which a loaded record keeps its stored expiry as loaded, so that saving an
/// unchanged session whose expiry has not moved far asks the database nothing. Never stored.
const LOADED_EXPIRY_KEY: &str = "__loaded_expires_at";

/// How many times a save merges again when other requests of its session keep saving first.
const MERGE_TRIES: usize = 8;

/// What one request did to its session's data.
enum Change {
    /// Keys set (to these values) and keys removed, since the session was loaded.
    Keys { set: Data, removed: Vec<String> },
    /// The whole data, as for a record that was never loaded or that was cleared.
    Whole(Data),
}

impl Change {
    fn of(record: &Record) -> Change {
        let mut now = record.data.clone();
        now.remove(LOADED_EXPIRY_KEY);
        let Some(serde_json::Value::Object(loaded)) = now.remove(LOADED_KEY) else {
            return Change::Whole(now);
        };
        let removed = loaded
            .keys()
            .filter(|key| !now.contains_key(*key))
            .cloned()
            .collect();
        now.retain(|key, value| loaded.get(key) != Some(value));
        Change::Keys { set: now, removed }
    }

    /// Nothing set, nothing removed.
    fn is_none(&self) -> bool {
        matches!(self, Change::Keys { set, removed } if set.is_empty() && removed.is_empty())
    }

    fn onto(&self, mut stored: Data) -> Data {
        match self {
            Change::Whole(data) => data.clone(),
            Change::Keys { set, removed } => {
                for key in removed {
                    stored.remove(key);
                }
                stored.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
                stored
            }
        }
    }
}

/// The data to store for a record: without the copy of it as loaded.
fn stored_data(record: &Record) -> Data {
    let mut data = record.data.clone();
    data.remove(LOADED_KEY);
    data.remove(LOADED_EXPIRY_KEY);
    data
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // Ids are 128 random bits; on the unthinkable clash, draw again.
        let data = stored_data(record);
        loop {
            let text = serde_json::to_string(&data).map_err(|e| Error::Encode(e.to_string()))?;
            let done = sqlx::query(
                "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(user_id(&data))
            .bind(text)
            .bind(expires_ms(record))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Saves what this request changed in a session that is stored. Requests of one session
    /// run side by side (the session timer's "still here" beside a form post), each with the
    /// session as it loaded it, so a save writes only the keys its request set or removed,
    /// onto the stored data as it is now: one request's keys never undo another's. The
    /// write succeeds only if the stored data is still what it merged onto, and otherwise
    /// merges again.
    ///
    /// An unchanged session is written again only once its expiry has moved by
    /// [`EXPIRY_SLACK_MS`]: the session layer saves after every request (so an idle timeout
    /// slides), and a write per request would make every page and every send wait for one
    /// more durable commit. Most requests change nothing and come within that slack of the
    /// expiry they loaded, and those ask the database nothing at all. A session that is no
    /// longer stored (signed out, or ended by a reset meanwhile) stays gone: only `create`
    /// makes a session.
    async fn save(&self, record: &Record) -> Result<()> {
        let expires_at = expires_ms(record);
        let change = Change::of(record);
        let loaded_expiry = record
            .data
            .get(LOADED_EXPIRY_KEY)
            .and_then(serde_json::Value::as_i64);
        if change.is_none()
            && loaded_expiry.is_some_and(|loaded| expires_at - loaded < EXPIRY_SLACK_MS)
        {
            return Ok(());
        }
        for _ in 0..MERGE_TRIES {
            let stored: Option<(String, i64)> =
                sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1")
                    .bind(record.id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
            let Some((stored_text, stored_expiry)) = stored else {
                return Ok(());
            };
            let stored_data: Data =
                serde_json::from_str(&stored_text).map_err(|e| Error::Decode(e.to_string()))?;
            let merged = change.onto(stored_data.clone());
            // Expiry only moves later (the idle timeout slides), never back.
            let expiry_current = expires_at - stored_expiry < EXPIRY_SLACK_MS;
            if merged == stored_data && expiry_current {
                return Ok(());
            }
            let data = serde_json::to_string(&merged).map_err(|e| Error::Encode(e.to_string()))?;
            let done = sqlx::query(
                "UPDATE sessions SET user_id = $2, data = $3, expires_at = $4 \
                 WHERE id = $1 AND data = $5",
            )
            .bind(record.id.to_string())
            .bind(user_id(&merged))
            .bind(data)
            .bind(expires_at.max(stored_expiry))
            .bind(stored_text)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 1 {
                return Ok(());
            }
        }
        Err(Error::Backend(
            "the session kept changing while it was saved".to_string(),
        ))
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let stored: Option<(String, i64)> = sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some((data, expires_at)) = stored else {
            return Ok(None);
        };
        let expiry_date =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_at) * 1_000_000)
                .map_err(|e| Error::Decode(e.to_string()))?;
        let mut data: Data =
            serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?;
        let loaded = serde_json::Value::Object(data.clone().into_iter().collect());
        data.insert(LOADED_KEY.to_string(), loaded);
        data.insert(LOADED_EXPIRY_KEY.to_string(), expires_at.into());
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
