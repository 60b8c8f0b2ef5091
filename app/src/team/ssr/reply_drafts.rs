//! A care team member's reply draft: the row in `drafts` that holds what they are writing
//! to the Veteran in one thread, and the files attached to it, until "Reply" sends them
//! (`messages::ssr::team_reply` moves the files to the message and deletes the row in its
//! transaction). The reply box saves its text here as they type (`crate::ui::autosave`),
//! so it comes back after a reload, a sign-out or a restart.
//!
//! The row is the author's alone: `author_id` the clinician, `veteran_id` the thread's
//! Veteran, `thread_id` set (one per author and thread, by the unique index). The Veteran's
//! side never sees it, because every query there is scoped to the viewer as author. The
//! team side reaches it only while the author is on the thread's current team
//! (`attachments::ssr::owner::DraftOwner::TeamMember`), and the two changes that end that —
//! a member taken off the team, a thread moved to another team — delete such drafts and
//! their files (`drop_stranded_reply_drafts`), so nothing is kept that nobody can reach.
//!
//! Colleagues see who is writing ([`writing`]): names only, never the text.

use super::{head, my_teams_sql};
use crate::attachments::ssr::records;
use crate::error::AppError;
use crate::messages::rules;
use crate::server::access::TeamCapability;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::Tx;
use crate::server::db::{Db, Sql};
use crate::team::reply_draft::{TeamReplyDraft, WRITING_SHOWN_FOR_MS};

/// The person's reply draft in a thread of one of their teams, made when there is none
/// (attaching the first file makes it). `NotFound` for a thread of another team.
pub async fn reply_draft_for_files(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
) -> Result<i64, AppError> {
    let mut tx = db.begin_write().await?;
    let head = head(db, &mut tx, capability, thread_id, false).await?;
    let now = db.now_ms();
    let draft_id: i64 = sqlx::query_scalar(
        "INSERT INTO drafts (author_id, veteran_id, team_id, thread_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (author_id, thread_id) WHERE thread_id IS NOT NULL \
         DO UPDATE SET updated_at = excluded.updated_at RETURNING id",
    )
    .bind(capability.user().id)
    .bind(head.veteran_id)
    .bind(head.team_id)
    .bind(thread_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(draft_id)
}

/// The person's reply draft in the thread, when there is one and the thread is on one of
/// their teams.
pub async fn reply_draft(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
) -> Result<Option<TeamReplyDraft>, AppError> {
    let draft: Option<(i64, String, i64)> = sqlx::query_as(&format!(
        "SELECT d.id, d.body, d.updated_at FROM drafts d JOIN threads t ON t.id = d.thread_id \
         WHERE d.author_id = $1 AND d.thread_id = $2 AND t.team_id IN ({})",
        my_teams_sql("$1")
    ))
    .bind(capability.user().id)
    .bind(thread_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(draft.map(|(draft_id, body, updated_at)| TeamReplyDraft {
        draft_id,
        body,
        updated_at,
    }))
}

/// What saving a reply draft did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedReply {
    pub draft: TeamReplyDraft,
    /// The thread's team.
    pub team_id: i64,
    /// Colleagues' "… is writing a reply" changes with this save (the person began, or
    /// emptied the box): their pages should hear of it.
    pub writing_changed: bool,
}

/// Saves the text of the person's reply draft in a thread of one of their teams, making the
/// draft when there is none (autosave). The text may be anything a reply may hold, or
/// nothing (the box was emptied); it is not audited, like the Veteran's side's autosaves.
/// `NotFound` for a thread of another team.
pub async fn save_reply_text(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    body: &str,
) -> Result<SavedReply, AppError> {
    rules::validate_draft("", body)?;
    let author = capability.user().id;
    let mut tx = db.begin_write().await?;
    let head = head(db, &mut tx, capability, thread_id, false).await?;
    let now = db.now_ms();
    let before: Option<(String, i64)> = sqlx::query_as(
        "SELECT body, updated_at FROM drafts WHERE author_id = $1 AND thread_id = $2",
    )
    .bind(author)
    .bind(thread_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (draft_id, updated_at): (i64, i64) = sqlx::query_as(
        "INSERT INTO drafts (author_id, veteran_id, team_id, body, thread_id, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (author_id, thread_id) WHERE thread_id IS NOT NULL \
         DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at \
         RETURNING id, updated_at",
    )
    .bind(author)
    .bind(head.veteran_id)
    .bind(head.team_id)
    .bind(body)
    .bind(thread_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let was_writing = before.is_some_and(|(body, at)| is_writing(&body, at, now));
    Ok(SavedReply {
        draft: TeamReplyDraft {
            draft_id,
            body: body.to_string(),
            updated_at,
        },
        team_id: head.team_id,
        writing_changed: was_writing != is_writing(body, updated_at, now),
    })
}

/// Whether a reply draft shows its author as writing at `now`: it holds text, and was
/// saved within `WRITING_SHOWN_FOR_MS`.
fn is_writing(body: &str, updated_at: i64, now: i64) -> bool {
    !body.trim().is_empty() && now.saturating_sub(updated_at) < WRITING_SHOWN_FOR_MS
}

/// Who else is writing a reply in each of `thread_ids`, as (thread, name), by thread and
/// name: members of the thread's team (not the person asking) whose reply draft holds text
/// saved within `WRITING_SHOWN_FOR_MS`. Threads that are not on the person's teams give
/// nothing, and neither does the Veteran's side's reply draft: its writer is on no team.
pub async fn writing(
    db: &Db,
    capability: &TeamCapability,
    thread_ids: &[i64],
) -> Result<Vec<(i64, String)>, AppError> {
    if thread_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::default();
    let me = sql.int(capability.user().id);
    let since = sql.int(db.now_ms().saturating_sub(WRITING_SHOWN_FOR_MS));
    let threads = thread_ids
        .iter()
        .map(|id| sql.int(*id))
        .collect::<Vec<_>>()
        .join(", ");
    sql.push(&format!(
        "SELECT d.thread_id, u.name FROM drafts d JOIN threads t ON t.id = d.thread_id \
         JOIN users u ON u.id = d.author_id \
         WHERE d.thread_id IN ({threads}) AND d.author_id <> {me} \
         AND d.updated_at > {since} AND TRIM(d.body) <> '' \
         AND t.team_id IN ({teams}) \
         AND EXISTS (SELECT 1 FROM team_members tm \
                     WHERE tm.team_id = t.team_id AND tm.user_id = d.author_id) \
         ORDER BY d.thread_id, u.name",
        teams = my_teams_sql(&me),
    ));
    let rows = sql
        .query()
        .try_map(|row| {
            use sqlx::Row;
            Ok((row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?))
        })
        .fetch_all(&db.pool)
        .await?;
    Ok(rows)
}

/// Whose reply drafts may have lost their reach.
#[derive(Clone, Copy, Debug)]
pub enum Stranded {
    /// This person was just taken off a team.
    Member(i64),
    /// This thread was just moved to another team.
    Thread(i64),
}

impl Stranded {
    fn filter(self) -> (&'static str, i64, &'static str) {
        match self {
            Stranded::Member(user_id) => ("d.author_id = $1", user_id, "author_left_team"),
            Stranded::Thread(thread_id) => ("d.thread_id = $1", thread_id, "thread_moved"),
        }
    }
}

/// Deletes, in the caller's transaction, the care team members' reply drafts that are no
/// longer on their author's teams, with their attachments' rows; each deletion is audited
/// as `draft_deleted` by `actor`. Returns the attachments' ids: the caller removes the
/// stored files once the transaction has committed (`records::delete_files`).
///
/// A member taken off a team also loses their new-conversation drafts ("Start a message")
/// for Veterans they no longer share a team with.
///
/// Only clinicians' drafts: a Veteran's or caregiver's reply draft never depends on a team.
pub(crate) async fn drop_stranded_reply_drafts(
    tx: &mut Tx,
    stranded: Stranded,
    actor: i64,
    from: Option<&str>,
) -> Result<Vec<String>, sqlx::Error> {
    let stranded_by = stranded;
    let (filter, value, why) = stranded.filter();
    let mut stranded: Vec<(i64, i64, i64, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT d.id, d.author_id, d.veteran_id, d.thread_id FROM drafts d \
         JOIN threads t ON t.id = d.thread_id JOIN users u ON u.id = d.author_id \
         WHERE {filter} AND u.role = 'clinician' AND NOT EXISTS \
         (SELECT 1 FROM team_members tm WHERE tm.team_id = t.team_id AND tm.user_id = d.author_id)"
    ))
    .bind(value)
    .fetch_all(&mut **tx)
    .await?;
    if let Stranded::Member(user_id) = stranded_by {
        // Their new-conversation drafts for Veterans they no longer share a team with.
        stranded.extend(
            sqlx::query_as::<_, (i64, i64, i64, Option<i64>)>(
                "SELECT d.id, d.author_id, d.veteran_id, d.thread_id FROM drafts d \
                 JOIN users u ON u.id = d.author_id \
                 WHERE d.author_id = $1 AND d.starts_thread = 1 AND u.role = 'clinician' \
                 AND NOT EXISTS (SELECT 1 FROM veteran_teams vt JOIN team_members tm \
                 ON tm.team_id = vt.team_id AND tm.user_id = d.author_id \
                 WHERE vt.veteran_id = d.veteran_id AND vt.blocked = 0)",
            )
            .bind(user_id)
            .fetch_all(&mut **tx)
            .await?,
        );
    }
    let mut files = Vec::new();
    for (draft_id, author_id, veteran_id, thread_id) in stranded {
        files.extend(records::detach_draft(tx, draft_id, author_id).await?);
        sqlx::query("DELETE FROM drafts WHERE id = $1")
            .bind(draft_id)
            .execute(&mut **tx)
            .await?;
        let mut event = AuditEvent::new(Action::DraftDeleted, Outcome::Success)
            .actor(actor)
            .patient(veteran_id)
            .target(format!("draft:{draft_id}"))
            .detail(serde_json::json!({
                "author_id": author_id,
                "thread_id": thread_id,
                "why": why,
            }));
        if let Some(address) = from {
            event = event.from_address(address);
        }
        audit::record(&mut **tx, &event).await?;
    }
    Ok(files)
}
