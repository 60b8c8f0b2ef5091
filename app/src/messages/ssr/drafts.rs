//! Drafts: saved while typing, one reply draft per author and thread, deleted for good.
//!
//! A draft belongs to its author, for the Veteran they were acting for: a caregiver's
//! drafts are not the Veteran's, and the reverse. Autosaves are not audited (one every few
//! seconds would drown the trail); deleting a draft, which cannot be undone, is.

use super::super::rules;
use super::super::{Category, Draft, DraftInput, Page, PageCursor, Sort};
use super::{into_page, mailbox, page, Mailbox};
use crate::error::AppError;
use crate::server::access::MessagingCapability;
use crate::server::audit::{self, Action};
use crate::server::db::Db;
use crate::server::db::Sql;
use sqlx::FromRow;

pub(super) const DRAFT_SELECT: &str = "SELECT d.id, d.thread_id, d.team_id, \
     ct.name AS care_team, d.category, d.subject, d.body, d.updated_at \
     FROM drafts d LEFT JOIN care_teams ct ON ct.id = d.team_id";

/// A draft as `DRAFT_SELECT` reads it.
#[derive(FromRow)]
pub(super) struct DraftRecord {
    id: i64,
    thread_id: Option<i64>,
    team_id: Option<i64>,
    care_team: Option<String>,
    category: Option<String>,
    subject: String,
    body: String,
    updated_at: i64,
}

impl TryFrom<DraftRecord> for Draft {
    type Error = sqlx::Error;

    fn try_from(draft: DraftRecord) -> Result<Draft, sqlx::Error> {
        Ok(Draft {
            draft_id: draft.id,
            thread_id: draft.thread_id,
            care_team_id: draft.team_id,
            care_team: draft.care_team,
            category: draft.category.map(Category::try_from).transpose()?,
            subject: draft.subject,
            body: draft.body,
            updated_at: draft.updated_at,
        })
    }
}

async fn draft_of(db: &Db, mailbox: &Mailbox, draft_id: i64) -> Result<Draft, AppError> {
    let draft: DraftRecord = sqlx::query_as(&format!(
        "{DRAFT_SELECT} WHERE d.id = $1 AND d.author_id = $2 AND d.veteran_id = $3"
    ))
    .bind(draft_id)
    .bind(mailbox.viewer_id)
    .bind(mailbox.veteran_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Draft::try_from(draft)?)
}

/// Refuses a save that would take the person past what their drafts may hold: a new draft
/// beyond `MAX_DRAFTS`, or text that grows their drafts past `MAX_DRAFT_BYTES` (with their
/// files). A save that does not grow them always goes, so someone at the limit can still
/// cut a draft down. The refusal is a sentence the form shows; the text stays in the form.
async fn check_room(
    db: &Db,
    author_id: i64,
    existing: Option<i64>,
    text_chars: u64,
) -> Result<(), AppError> {
    if existing.is_none() {
        let drafts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM drafts WHERE author_id = $1")
            .bind(author_id)
            .fetch_one(&db.pool)
            .await?;
        if drafts >= rules::MAX_DRAFTS {
            return Err(AppError::Conflict {
                message: rules::TOO_MANY_DRAFTS.to_string(),
            });
        }
    }
    let before: i64 = match existing {
        Some(draft_id) => sqlx::query_scalar(
            "SELECT CAST(LENGTH(subject) + LENGTH(body) AS BIGINT) FROM drafts \
             WHERE id = $1 AND author_id = $2",
        )
        .bind(draft_id)
        .bind(author_id)
        .fetch_optional(&db.pool)
        .await?
        .unwrap_or(0),
        None => 0,
    };
    if text_chars > before.max(0) as u64 {
        let others =
            crate::attachments::ssr::records::person_draft_bytes(&db.pool, author_id, existing)
                .await?;
        if others + text_chars > rules::MAX_DRAFT_BYTES {
            return Err(AppError::Conflict {
                message: rules::DRAFTS_FULL.to_string(),
            });
        }
    }
    Ok(())
}

fn chars(text: &str) -> u64 {
    text.chars().count() as u64
}

/// Saves a draft (autosave): the reply draft of `input.thread_id`, made or updated; or the
/// draft `input.draft_id`, updated; or a new draft. A draft may be incomplete, but not
/// longer than a message may be, and its team must be one of the Veteran's.
pub async fn save_draft(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    input: &DraftInput,
) -> Result<Draft, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    rules::validate_draft(&input.subject, &input.body)?;
    let now = db.now_ms();

    if let Some(thread_id) = input.thread_id {
        // The thread must be one this person sees; the draft copies its team and subject
        // so the Drafts list can show them.
        let (team_id, category, subject): (i64, String, String) = sqlx::query_as(
            "SELECT t.team_id, t.category, t.subject FROM thread_views v \
             JOIN threads t ON t.id = v.thread_id \
             WHERE v.user_id = $1 AND v.thread_id = $2 AND v.veteran_id = $3",
        )
        .bind(mailbox.viewer_id)
        .bind(thread_id)
        .bind(mailbox.veteran_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM drafts WHERE author_id = $1 AND thread_id = $2")
                .bind(mailbox.viewer_id)
                .bind(thread_id)
                .fetch_optional(&db.pool)
                .await?;
        check_room(
            db,
            mailbox.viewer_id,
            existing,
            chars(&subject) + chars(&input.body),
        )
        .await?;
        let draft_id: i64 = sqlx::query_scalar(
            "INSERT INTO drafts (author_id, veteran_id, team_id, category, subject, body, \
             thread_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (author_id, thread_id) WHERE thread_id IS NOT NULL \
             DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at RETURNING id",
        )
        .bind(mailbox.viewer_id)
        .bind(mailbox.veteran_id)
        .bind(team_id)
        .bind(category)
        .bind(subject)
        .bind(input.body.as_str())
        .bind(thread_id)
        .bind(now)
        .fetch_one(&db.pool)
        .await?;
        return draft_of(db, &mailbox, draft_id).await;
    }

    if let Some(team_id) = input.care_team_id {
        let associated: Option<i64> = sqlx::query_scalar(
            "SELECT team_id FROM veteran_teams WHERE veteran_id = $1 AND team_id = $2",
        )
        .bind(mailbox.veteran_id)
        .bind(team_id)
        .fetch_optional(&db.pool)
        .await?;
        if associated.is_none() {
            return Err(AppError::invalid("care_team", rules::TEAM_NOT_YOURS));
        }
    }
    let category = input.category.map(|c| c.as_str());
    let subject = input.subject.trim();
    check_room(
        db,
        mailbox.viewer_id,
        input.draft_id,
        chars(subject) + chars(&input.body),
    )
    .await?;
    let draft_id = match input.draft_id {
        Some(draft_id) => {
            let updated = sqlx::query(
                "UPDATE drafts SET team_id = $1, category = $2, subject = $3, body = $4, \
                 updated_at = $5 \
                 WHERE id = $6 AND author_id = $7 AND veteran_id = $8 AND thread_id IS NULL",
            )
            .bind(input.care_team_id)
            .bind(category)
            .bind(subject)
            .bind(input.body.as_str())
            .bind(now)
            .bind(draft_id)
            .bind(mailbox.viewer_id)
            .bind(mailbox.veteran_id)
            .execute(&db.pool)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(AppError::NotFound);
            }
            draft_id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO drafts (author_id, veteran_id, team_id, category, subject, body, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(mailbox.viewer_id)
            .bind(mailbox.veteran_id)
            .bind(input.care_team_id)
            .bind(category)
            .bind(subject)
            .bind(input.body.as_str())
            .bind(now)
            .fetch_one(&db.pool)
            .await?
        }
    };
    draft_of(db, &mailbox, draft_id).await
}

/// One draft of the person asking, to continue writing it.
pub async fn get_draft(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    draft_id: i64,
) -> Result<Draft, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    draft_of(db, &mailbox, draft_id).await
}

/// The Drafts folder: the asker's drafts for this Veteran, by last change, 10 a page.
pub async fn list_drafts(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    sort: Sort,
    after: Option<PageCursor>,
) -> Result<Page<Draft>, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    let mut sql = Sql::new(DRAFT_SELECT);
    sql.push(" WHERE d.author_id = ")
        .push_int(mailbox.viewer_id)
        .push(" AND d.veteran_id = ")
        .push_int(mailbox.veteran_id);
    page(&mut sql, "d.updated_at", "d.id", sort, after);
    let drafts = sql
        .query()
        .try_map(|row| Draft::try_from(DraftRecord::from_row(&row)?))
        .fetch_all(&db.pool)
        .await?;
    Ok(into_page(drafts, |draft| PageCursor {
        at: draft.updated_at,
        id: draft.draft_id,
    }))
}

/// Deletes a draft for good (DESIGN.md §2; the page asks first), with its attachments'
/// rows. Returns the ids of those attachments: the caller removes the stored files once
/// this has committed (`attachments::ssr::records::delete_files`).
pub async fn delete_draft(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    draft_id: i64,
) -> Result<Vec<String>, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    let mut tx = db.begin_write().await?;
    let attachment_ids =
        crate::attachments::ssr::records::detach_draft(&mut tx, draft_id, mailbox.viewer_id)
            .await?;
    let deleted =
        sqlx::query("DELETE FROM drafts WHERE id = $1 AND author_id = $2 AND veteran_id = $3")
            .bind(draft_id)
            .bind(mailbox.viewer_id)
            .bind(mailbox.veteran_id)
            .execute(&mut *tx)
            .await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut *tx,
        &mailbox
            .audit(Action::DraftDeleted)
            .target(format!("draft:{draft_id}")),
    )
    .await?;
    tx.commit().await?;
    Ok(attachment_ids)
}

/// How long a draft may lie untouched before it is removed with its files: drafts are kept
/// until sent or deleted, but one forgotten for three months holds health information
/// (and files) for nothing.
pub const STALE_DRAFT_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// Drafts removed per transaction.
const STALE_BATCH: i64 = 200;

/// Removes every draft (the Veteran's side's and care team members' reply drafts alike)
/// untouched since 90 days before `now_ms`, with its files: in batches, each batch's rows
/// and audit events in one transaction, the stored files once it has committed. Returns
/// how many drafts went. On PostgreSQL several instances may run it at once: each claims
/// its drafts with `FOR UPDATE SKIP LOCKED`, which also passes over a draft a file is
/// being attached to right now.
pub async fn remove_stale_drafts(
    db: &Db,
    store: &crate::attachments::ssr::storage::AttachmentStore,
    now_ms: i64,
) -> Result<u64, AppError> {
    use crate::attachments::ssr::records;
    use crate::server::audit::{AuditEvent, Outcome};
    let claim = format!(
        "SELECT id, author_id, veteran_id FROM drafts WHERE updated_at < $1 \
         ORDER BY updated_at, id LIMIT {STALE_BATCH}{}",
        db.claim_rows()
    );
    let mut removed = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let claimed: Vec<(i64, i64, i64)> = sqlx::query_as(&claim)
            .bind(now_ms.saturating_sub(STALE_DRAFT_MS))
            .fetch_all(&mut *tx)
            .await?;
        let mut files = Vec::new();
        for &(draft_id, author_id, veteran_id) in &claimed {
            files.extend(records::detach_draft(&mut tx, draft_id, author_id).await?);
            sqlx::query("DELETE FROM drafts WHERE id = $1")
                .bind(draft_id)
                .execute(&mut *tx)
                .await?;
            // Nobody did this: the event has no actor, and says whose draft it was.
            audit::record(
                &mut *tx,
                &AuditEvent::new(Action::DraftDeleted, Outcome::Success)
                    .patient(veteran_id)
                    .target(format!("draft:{draft_id}"))
                    .detail(serde_json::json!({
                        "author_id": author_id,
                        "reason": "untouched for 90 days",
                    })),
            )
            .await?;
        }
        tx.commit().await?;
        records::delete_files(store, &files).await;
        removed += claimed.len() as u64;
        if (claimed.len() as i64) < STALE_BATCH {
            return Ok(removed);
        }
    }
}
