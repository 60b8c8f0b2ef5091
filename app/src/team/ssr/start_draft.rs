//! A clinician's new-conversation draft: the row in `drafts` that holds the files attached
//! on "Start a message" until "Send" moves them onto the new thread's first message
//! (`messages::ssr::team_start_thread`, in its transaction, which deletes the row).
//!
//! One per clinician and Veteran (`starts_thread` = 1, by the unique index): `author_id`
//! the clinician, `veteran_id` the Veteran, no thread and no team (the team is chosen on
//! the form and checked at the send). It holds files only: the text goes with the form's
//! post, and a refused post keeps it (`crate::ui::kept`). The Veteran's side never sees
//! it, because every query there is scoped to the viewer as author; the clinician reaches
//! it only while they share a team with the Veteran (`attachments::ssr::owner`).

use super::start::veteran_choice;
use crate::attachments::ssr::records;
use crate::attachments::Attachment;
use crate::error::AppError;
use crate::server::access::TeamCapability;
use crate::server::db::Db;

/// The person's new-conversation draft for a Veteran of one of their teams, made when there
/// is none (attaching the first file makes it). Answers its id; `NotFound` for a Veteran
/// who is not one of theirs.
pub async fn start_draft_for_files(
    db: &Db,
    capability: &TeamCapability,
    veteran_id: i64,
) -> Result<i64, AppError> {
    veteran_choice(db, capability, veteran_id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let draft_id: i64 = sqlx::query_scalar(
        "INSERT INTO drafts (author_id, veteran_id, starts_thread, created_at, updated_at) \
         VALUES ($1, $2, 1, $3, $3) \
         ON CONFLICT (author_id, veteran_id) WHERE starts_thread = 1 \
         DO UPDATE SET updated_at = excluded.updated_at RETURNING id",
    )
    .bind(capability.user().id)
    .bind(veteran_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(draft_id)
}

/// The person's new-conversation draft for the Veteran, when there is one they may still
/// reach, with its files (the form lists them again).
pub async fn start_draft(
    db: &Db,
    capability: &TeamCapability,
    veteran_id: i64,
) -> Result<Option<(i64, Vec<Attachment>)>, AppError> {
    let draft_id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM drafts WHERE author_id = $1 AND veteran_id = $2 AND starts_thread = 1",
    )
    .bind(capability.user().id)
    .bind(veteran_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(draft_id) = draft_id else {
        return Ok(None);
    };
    match records::draft_attachments(db, capability, draft_id).await {
        Ok(files) => Ok(Some((draft_id, files))),
        // No longer theirs to reach (they share no team with the Veteran now).
        Err(AppError::NotFound) => Ok(None),
        Err(error) => Err(error),
    }
}
