//! The delivery worker's steps: claim due emails, send each, record what happened.
//!
//! A claim moves the email's `next_attempt_at` past a lease and counts the attempt, in one
//! short transaction: on PostgreSQL under `FOR UPDATE SKIP LOCKED`, so instances running
//! the worker at once each take different emails; on SQLite (one process) `begin_write`
//! makes the claim exclusive. The email is then sent outside any transaction. If the process
//! dies mid-send, the lease runs out and the email is sent again with the same Message-ID
//! (at least once, never lost). A failed attempt is retried after a growing wait; after
//! [`MAX_ATTEMPTS`], or at once for a permanent refusal, the email is given up on and counts
//! as failed on the administrator's overview. A delivered or abandoned email keeps no
//! bodies: a set-password link in one is a secret.

use super::smtp::Mailer;
use crate::error::AppError;
use crate::server::db::Db;
use sqlx::FromRow;

/// Attempts before an email is given up on: with the backoff below, about twelve hours of
/// trying, enough to outlast a mail server's restart or a night's outage.
pub const MAX_ATTEMPTS: i64 = 12;

/// How long a claimed email is left to its worker before another may try it again. Longer
/// than the SMTP client's own timeout, so a slow send is not doubled.
pub const LEASE_MS: i64 = 5 * 60 * 1000;

/// Emails claimed per round: short transactions, bounded memory.
const BATCH: i64 = 50;

/// An email claimed for one attempt.
#[derive(Clone, Debug, FromRow)]
pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub message_id: String,
    /// Attempts begun, this one included.
    pub attempts: i64,
}

/// What one round of delivery did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: u64,
    /// Failed this time; tried again later.
    pub retrying: u64,
    /// Given up on this time.
    pub failed: u64,
}

/// The wait before attempt `attempts + 1` after `attempts` failed ones: 30 seconds,
/// doubling, at most 4 hours.
pub fn backoff_ms(attempts: i64) -> i64 {
    let doublings = attempts.clamp(1, 20) - 1;
    (30_000i64 << doublings).min(4 * 60 * 60 * 1000)
}

/// Claims up to `limit` emails due at `now` for this worker.
pub async fn claim_due(db: &Db, now: i64, limit: i64) -> Result<Vec<Claimed>, AppError> {
    let mut tx = db.begin_write().await?;
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM email_outbox \
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2{}",
        db.claim_rows()
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        let email: Claimed = sqlx::query_as(
            "UPDATE email_outbox SET attempts = attempts + 1, next_attempt_at = $1 \
             WHERE id = $2 RETURNING id, recipient, subject, text_body, html_body, message_id, \
             attempts",
        )
        .bind(now + LEASE_MS)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        claimed.push(email);
    }
    tx.commit().await?;
    Ok(claimed)
}

/// The email went out: it is done, and its bodies are emptied.
pub async fn record_sent(db: &Db, id: i64, now: i64) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE email_outbox SET sent_at = $1, text_body = '', html_body = '' \
         WHERE id = $2 AND sent_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// An attempt failed: try again after the backoff, or give up (bodies emptied) when it was
/// the last attempt or the refusal was permanent. Answers whether it gave up.
pub async fn record_failure(
    db: &Db,
    email: &Claimed,
    permanent: bool,
    now: i64,
) -> Result<bool, AppError> {
    let give_up = permanent || email.attempts >= MAX_ATTEMPTS;
    if give_up {
        sqlx::query(
            "UPDATE email_outbox SET failed_at = $1, text_body = '', html_body = '' \
             WHERE id = $2 AND sent_at IS NULL",
        )
        .bind(now)
        .bind(email.id)
        .execute(&db.pool)
        .await?;
    } else {
        sqlx::query(
            "UPDATE email_outbox SET next_attempt_at = $1 WHERE id = $2 AND sent_at IS NULL",
        )
        .bind(now + backoff_ms(email.attempts))
        .bind(email.id)
        .execute(&db.pool)
        .await?;
    }
    Ok(give_up)
}

/// One round: claims what is due and sends it, batch after batch, until nothing is due.
pub async fn deliver_due(db: &Db, mailer: &Mailer) -> Result<Delivered, AppError> {
    let mut delivered = Delivered::default();
    loop {
        let claimed = claim_due(db, db.now_ms(), BATCH).await?;
        for email in &claimed {
            match mailer.send(email).await {
                Ok(()) => {
                    record_sent(db, email.id, db.now_ms()).await?;
                    delivered.sent += 1;
                }
                Err(failure) => {
                    // The client's reason and the row's id only: never the address or words.
                    tracing::warn!(
                        email = email.id,
                        attempt = email.attempts,
                        permanent = failure.permanent,
                        reason = %failure.reason,
                        "could not deliver an email"
                    );
                    if record_failure(db, email, failure.permanent, db.now_ms()).await? {
                        delivered.failed += 1;
                    } else {
                        delivered.retrying += 1;
                    }
                }
            }
        }
        if (claimed.len() as i64) < BATCH {
            return Ok(delivered);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_four_hours() {
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(3), 120_000);
        assert_eq!(backoff_ms(30), 4 * 60 * 60 * 1000);
        let total: i64 = (1..MAX_ATTEMPTS).map(backoff_ms).sum();
        assert!(total > 12 * 60 * 60 * 1000, "{total}");
    }
}
