//! A care team member's reply draft (issue 5, "Attach file" on the team's reply): the row
//! in `drafts` that holds the files attached to a reply until "Reply" sends them with it
//! (`messages::ssr::team_reply` moves them to the message in its transaction).
//!
//! The row is the author's alone: `author_id` the clinician, `veteran_id` the thread's
//! Veteran, `thread_id` set (one per author and thread, by the unique index). The Veteran's
//! side never sees it, because every query there is scoped to the viewer as author. The
//! team side reaches it only while the author is on the thread's current team
//! (`attachments::ssr::owner::DraftOwner::TeamMember`), and the two changes that end that —
//! a member taken off the team, a thread moved to another team — delete such drafts and
//! their files (`drop_stranded_reply_drafts`), so nothing is kept that nobody can reach.
//!
//! The text stays in the form (and, after a refused post, in the session like every team
//! form's), not here: the team has no autosave, and a stale copy would come back unasked.

use super::{head, my_teams_sql};
use crate::attachments::ssr::records;
use crate::error::AppError;
use crate::server::access::TeamCapability;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::Db;
use crate::server::db::Tx;

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
) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT d.id FROM drafts d JOIN threads t ON t.id = d.thread_id \
         WHERE d.author_id = $1 AND d.thread_id = $2 AND t.team_id IN ({})",
        my_teams_sql("$1")
    ))
    .bind(capability.user().id)
    .bind(thread_id)
    .fetch_optional(&db.pool)
    .await?)
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
/// Only clinicians' drafts: a Veteran's or caregiver's reply draft never depends on a team.
pub(crate) async fn drop_stranded_reply_drafts(
    tx: &mut Tx,
    stranded: Stranded,
    actor: i64,
    from: Option<&str>,
) -> Result<Vec<String>, sqlx::Error> {
    let (filter, value, why) = stranded.filter();
    let stranded: Vec<(i64, i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT d.id, d.author_id, d.veteran_id, d.thread_id FROM drafts d \
         JOIN threads t ON t.id = d.thread_id JOIN users u ON u.id = d.author_id \
         WHERE {filter} AND u.role = 'clinician' AND NOT EXISTS \
         (SELECT 1 FROM team_members tm WHERE tm.team_id = t.team_id AND tm.user_id = d.author_id)"
    ))
    .bind(value)
    .fetch_all(&mut **tx)
    .await?;
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
