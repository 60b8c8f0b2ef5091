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
    pool: &AnyPool,
    session: &tower_sessions::Session,
    user_id: i64,
) -> std::result::Result<u64, crate::error::AppError> {
    let mut tx = pool.begin().await?;
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

fn user_id(record: &Record) -> Option<i64> {
    record.data.get(USER_ID_KEY).and_then(|v| v.as_i64())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // Ids are 128 random bits; on the unthinkable clash, draw again.
        loop {
            let data =
                serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
            let done = sqlx::query(
                "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(user_id(record))
            .bind(data)
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

    /// Saves a session that is stored, unless it is stored as it is, expiring less than
    /// [`EXPIRY_SLACK_MS`] earlier. The session layer saves after every request (so an idle
    /// timeout slides), and a write per request would make every page and every send wait
    /// for one more durable commit; reading the row instead costs no commit. A session that
    /// is no longer stored (signed out, or ended by a reset meanwhile) stays gone: only
    /// `create` makes a session.
    async fn save(&self, record: &Record) -> Result<()> {
        let expires_at = expires_ms(record);
        let stored: Option<(Option<i64>, String, i64)> =
            sqlx::query_as("SELECT user_id, data, expires_at FROM sessions WHERE id = $1")
                .bind(record.id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        let Some((stored_user, stored_data, stored_expiry)) = stored else {
            return Ok(());
        };
        // Compared as maps: the JSON text of the same map can list its keys in any order.
        let same_data =
            serde_json::from_str::<std::collections::HashMap<String, serde_json::Value>>(
                &stored_data,
            )
            .is_ok_and(|stored| stored == record.data);
        if stored_user == user_id(record)
            && same_data
            && (0..EXPIRY_SLACK_MS).contains(&(expires_at - stored_expiry))
        {
            return Ok(());
        }
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        sqlx::query("UPDATE sessions SET user_id = $2, data = $3, expires_at = $4 WHERE id = $1")
            .bind(record.id.to_string())
            .bind(user_id(record))
            .bind(data)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
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
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?,
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
