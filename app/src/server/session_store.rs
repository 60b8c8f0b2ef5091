//! tower-sessions storage in our own database (SQLite or PostgreSQL through `Any`).
//!
//! tower-sessions does the session work (ids, cookies, expiry, id renewal); this only keeps
//! its records. The signed-in person's id is copied into its own column so all of a
//! person's sessions can be ended at once (deactivation, password reset).

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

/// Ends every session of one person.
pub async fn end_all_sessions_of(
    pool: &AnyPool,
    user_id: i64,
) -> std::result::Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
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

    /// Saves a session, unless it is stored as it is, expiring less than
    /// [`EXPIRY_SLACK_MS`] earlier. The session layer saves after every request (so an idle
    /// timeout slides), and a write per request would make every page and every send wait
    /// for one more durable commit; reading the row instead costs no commit.
    async fn save(&self, record: &Record) -> Result<()> {
        let expires_at = expires_ms(record);
        let stored: Option<(Option<i64>, String, i64)> =
            sqlx::query_as("SELECT user_id, data, expires_at FROM sessions WHERE id = $1")
                .bind(record.id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        if let Some((stored_user, stored_data, stored_expiry)) = stored {
            // Compared as maps: the JSON text of the same map can list its keys in any order.
            let same_data = serde_json::from_str::<
                std::collections::HashMap<String, serde_json::Value>,
            >(&stored_data)
            .is_ok_and(|stored| stored == record.data);
            if stored_user == user_id(record)
                && same_data
                && (0..EXPIRY_SLACK_MS).contains(&(expires_at - stored_expiry))
            {
                return Ok(());
            }
        }
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        sqlx::query(
            "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, \
             expires_at = excluded.expires_at",
        )
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
