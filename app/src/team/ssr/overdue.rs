//! The overdue job and the in-app notifications it leaves for team leads when a
//! thread waits past its response target.
//!
//! `mark_overdue` runs in the server process on a timer. Each open thread waiting past its
//! due time is claimed once (`threads.overdue_notified_at`), and each active lead of its team
//! gets one notification per thread (`UNIQUE (user_id, thread_id, kind)`) and an email. On PostgreSQL
//! the claim is `FOR UPDATE SKIP LOCKED` inside a transaction, so several server processes
//! can run the job at once without telling anyone twice; SQLite is one process, and
//! `BEGIN IMMEDIATE` makes each batch exclusive.
//!
//! A wait ends when the team replies or completes the thread, which clears the claim: a
//! later wait that runs late is reported again, raising the same notification row (unread,
//! new time) rather than adding one.

use super::super::types::Notification;
use super::{my_teams_sql, set_due_at};
use crate::email::ssr::notices::{note_team_alert, TeamAlert};
use crate::error::AppError;
use crate::server::access::TeamCapability;
use crate::server::db::Db;

/// Threads claimed per transaction: short transactions, bounded memory.
const BATCH: i64 = 200;

/// Notifications listed at once, newest first.
const NOTIFICATIONS_SHOWN: i64 = 50;

/// Marks every open thread waiting past its due time at `now_ms` and not yet reported, and
/// notifies each active lead of its team, once per thread. Returns how many threads it
/// marked (0 on a second run at the same time).
pub async fn mark_overdue(db: &Db, now_ms: i64) -> Result<u64, AppError> {
    let lock = db.claim_rows();
    let claim = format!(
        "SELECT id, team_id FROM threads \
         WHERE due_at <= $1 AND overdue_notified_at IS NULL AND completed_at IS NULL \
         ORDER BY due_at, id LIMIT {BATCH}{lock}"
    );
    let mut marked = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let claimed: Vec<(i64, i64)> = sqlx::query_as(&claim)
            .bind(now_ms)
            .fetch_all(&mut *tx)
            .await?;
        for &(thread_id, team_id) in &claimed {
            sqlx::query("UPDATE threads SET overdue_notified_at = $1 WHERE id = $2")
                .bind(now_ms)
                .bind(thread_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO notifications (user_id, thread_id, kind, created_at) \
                 SELECT tm.user_id, $1, 'overdue', $2 FROM team_members tm \
                 JOIN users u ON u.id = tm.user_id \
                 WHERE tm.team_id = $3 AND tm.team_role = 'lead' AND u.active = 1 \
                 ON CONFLICT (user_id, thread_id, kind) DO UPDATE SET \
                 created_at = excluded.created_at, read_at = NULL",
            )
            .bind(thread_id)
            .bind(now_ms)
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
            // And by email, in the same transaction.
            note_team_alert(&mut tx, thread_id, TeamAlert::Overdue).await?;
        }
        tx.commit().await?;
        marked += claimed.len() as u64;
        if (claimed.len() as i64) < BATCH {
            return Ok(marked);
        }
    }
}

/// Gives a due time to open threads that wait on the team without one: threads that began
/// waiting before due times were stored. Run once at server start;
/// returns how many it filled.
pub async fn backfill_due_times(db: &Db) -> Result<u64, AppError> {
    let mut filled = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM threads WHERE due_at IS NULL AND waiting_since IS NOT NULL \
             AND completed_at IS NULL ORDER BY id LIMIT {BATCH}"
        ))
        .fetch_all(&mut *tx)
        .await?;
        for id in &ids {
            set_due_at(&mut tx, *id, true).await?;
        }
        tx.commit().await?;
        filled += ids.len() as u64;
        if (ids.len() as i64) < BATCH {
            return Ok(filled);
        }
    }
}

/// The person's notifications, newest first, about threads still on one of their teams.
pub async fn notifications(
    db: &Db,
    capability: &TeamCapability,
) -> Result<Vec<Notification>, AppError> {
    let notifications = sqlx::query_as(&format!(
        "SELECT n.id, n.kind, n.thread_id, t.subject, u.name AS veteran_name, \
         u.date_of_birth AS veteran_born, t.team_id, ct.name AS team_name, n.created_at, n.read_at \
         FROM notifications n JOIN threads t ON t.id = n.thread_id \
         JOIN users u ON u.id = t.veteran_id JOIN care_teams ct ON ct.id = t.team_id \
         WHERE n.user_id = $1 AND t.team_id IN ({}) \
         ORDER BY n.created_at DESC, n.id DESC LIMIT {NOTIFICATIONS_SHOWN}",
        my_teams_sql("$1")
    ))
    .bind(capability.user().id)
    .fetch_all(&db.pool)
    .await?;
    Ok(notifications
        .into_iter()
        .map(|notification: Notification| Notification {
            veteran_born: crate::server::date_of_birth::words(notification.veteran_born.as_deref()),
            ..notification
        })
        .collect())
}

/// How many of the person's notifications (about threads still on one of their teams) are
/// unread, for the navigation's count.
pub async fn unread_notifications(db: &Db, capability: &TeamCapability) -> Result<i64, AppError> {
    let count = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM notifications n JOIN threads t ON t.id = n.thread_id \
         WHERE n.user_id = $1 AND n.read_at IS NULL AND t.team_id IN ({})",
        my_teams_sql("$1")
    ))
    .bind(capability.user().id)
    .fetch_one(&db.pool)
    .await?;
    Ok(count)
}

/// Marks one of the person's notifications read (`NotFound` for anyone else's).
pub async fn mark_notification_read(
    db: &Db,
    capability: &TeamCapability,
    notification_id: i64,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3",
    )
    .bind(db.now_ms())
    .bind(notification_id)
    .bind(capability.user().id)
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
