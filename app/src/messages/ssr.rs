//! The messaging data layer: server only (STYLE.md habit 3).
//!
//! Every public function starts from a capability and, for the Veteran's side, the Veteran
//! being acted for. `mailbox` turns those into a `Mailbox` only when the person may act for
//! that Veteran right now (a caregiver's grant is checked on every call), and every query
//! below is scoped to that mailbox's viewer and Veteran, or for a clinician to the teams
//! they belong to. Another person's thread, draft or folder answers `AppError::NotFound`,
//! exactly like one that does not exist (DESIGN.md §3).
//!
//! Changes and their audit events commit in one transaction. Times are epoch milliseconds.
//! Queries use `$n` placeholders, valid on SQLite and PostgreSQL alike; only full-text
//! search differs by backend.

mod drafts;
mod organize;
mod search;
mod signatures;
mod team_start;
mod threads;

pub use drafts::{
    delete_draft, get_draft, list_drafts, remove_stale_drafts, save_draft, STALE_DRAFT_MS,
};
pub use organize::{
    create_folder, delete_folder, move_thread, rename_folder, restore_thread, trash_thread,
};
pub use search::search;
pub use signatures::{set_signature, signature, Signer};
pub use team_start::team_start_thread;
pub use threads::{
    care_teams, folders, list_folder, open_thread, reply, send_message, team_reply, thread_messages,
};
pub use threads::{seed_thread, DemoMessage};

use super::{Category, Folder, Page, PageCursor, Sort, PAGE_SIZE};
use crate::error::AppError;
use crate::pages::veteran_home::ssr::veterans_for;
use crate::server::access::MessagingCapability;
use crate::server::audit::{Action, AuditEvent, Outcome};
use crate::server::db::{Db, Sql, Tx, YesNo};

/// The Veteran's messages as one person sees them: the Veteran themself, or a caregiver
/// acting for them with a live grant. Made only by `mailbox`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    /// The person asking, whose folders, unread marks and drafts these are.
    pub viewer_id: i64,
    pub viewer_name: String,
    /// The Veteran whose threads these are.
    pub veteran_id: i64,
    pub veteran_name: String,
    /// The client's address, for the audit trail.
    pub address: Option<String>,
}

impl Mailbox {
    /// A caregiver acting for the Veteran (their messages record `on_behalf_of`).
    pub fn is_caregiver(&self) -> bool {
        self.viewer_id != self.veteran_id
    }

    /// An audit event by the viewer, about the Veteran, from their address, noting the
    /// proxy when there is one.
    pub(crate) fn audit(&self, action: Action) -> AuditEvent {
        let mut event = AuditEvent::new(action, Outcome::Success)
            .actor(self.viewer_id)
            .patient(self.veteran_id);
        if let Some(address) = &self.address {
            event = event.from_address(address.clone());
        }
        if self.is_caregiver() {
            event.on_behalf_of(self.veteran_id)
        } else {
            event
        }
    }
}

/// Opens `veteran_id`'s messages for the person asking, or answers `NotFound` when they
/// may not act for that Veteran (anyone else's id, a revoked or expired caregiver grant).
/// Server functions call this through the public functions; the UI may call it to show
/// "Acting for Alex Rivera".
pub async fn mailbox(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
) -> Result<Mailbox, AppError> {
    let (veteran_id, veteran_name) = veterans_for(&db.pool, capability)
        .await?
        .into_iter()
        .find(|(id, _)| *id == veteran_id)
        .ok_or(AppError::NotFound)?;
    let user = capability.user();
    let mailbox = Mailbox {
        viewer_id: user.id,
        viewer_name: user.name.clone(),
        veteran_id,
        veteran_name,
        address: capability.address().map(str::to_string),
    };
    if mailbox.is_caregiver() {
        backfill_views(db, &mailbox).await?;
    }
    Ok(mailbox)
}

/// A caregiver granted access after some threads began has no view of them yet: give them
/// one, read, in the thread's home folder. Checked first with a read so the usual case
/// takes no write lock.
async fn backfill_views(db: &Db, mailbox: &Mailbox) -> Result<(), sqlx::Error> {
    const MISSING: &str = "FROM threads t WHERE t.veteran_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM thread_views v WHERE v.user_id = $2 AND v.thread_id = t.id)";
    let missing: Option<i64> = sqlx::query_scalar(&format!("SELECT t.id {MISSING} LIMIT 1"))
        .bind(mailbox.veteran_id)
        .bind(mailbox.viewer_id)
        .fetch_optional(&db.pool)
        .await?;
    if missing.is_none() {
        return Ok(());
    }
    sqlx::query(&format!(
        "INSERT INTO thread_views \
         (user_id, thread_id, veteran_id, folder, folder_id, unread, last_read_at, last_message_at) \
         SELECT $2, t.id, t.veteran_id, {home}, NULL, 0, NULL, t.last_message_at {MISSING}",
        home = home_folder_sql("t.id"),
    ))
    .bind(mailbox.veteran_id)
    .bind(mailbox.viewer_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// SQL for the folder a thread lives in when the person has not filed it: Inbox once the
/// care team has written (not counting internal notes), Sent before. `thread` is the SQL
/// expression naming the thread id.
fn home_folder_sql(thread: &str) -> String {
    format!(
        "CASE WHEN EXISTS (SELECT 1 FROM messages hm WHERE hm.thread_id = {thread} \
         AND hm.sent_by_team = 1 AND hm.is_internal_note = 0) THEN 'inbox' ELSE 'sent' END"
    )
}

fn decode_error(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unexpected {what} in the database").into())
}

fn category_from(value: &str) -> Result<Category, sqlx::Error> {
    Category::parse(value).ok_or_else(|| decode_error("category"))
}

fn folder_from(folder: &str, folder_id: Option<i64>) -> Result<Folder, sqlx::Error> {
    match (folder, folder_id) {
        ("inbox", _) => Ok(Folder::Inbox),
        ("sent", _) => Ok(Folder::Sent),
        ("trash", _) => Ok(Folder::Trash),
        ("custom", Some(id)) => Ok(Folder::Custom(id)),
        _ => Err(decode_error("folder")),
    }
}

/// Appends keyset paging to `sql`: rows after `after` in `sort` order by (`at`, `id`),
/// then the order and one row more than a page (to know whether there is a next page).
fn page(sql: &mut Sql, at: &str, id: &str, sort: Sort, after: Option<PageCursor>) {
    let (comparison, direction) = match sort {
        Sort::NewestFirst => ("<", "DESC"),
        Sort::OldestFirst => (">", "ASC"),
    };
    if let Some(cursor) = after {
        sql.push(&format!(" AND ({at}, {id}) {comparison} ("))
            .push_int(cursor.at)
            .push(", ")
            .push_int(cursor.id)
            .push(")");
    }
    sql.push(&format!(
        " ORDER BY {at} {direction}, {id} {direction} LIMIT {}",
        PAGE_SIZE + 1
    ));
}

/// Cuts a fetched page to `PAGE_SIZE` rows and notes where the next one starts.
fn into_page<T>(mut rows: Vec<T>, cursor_of: impl Fn(&T) -> PageCursor) -> Page<T> {
    let next = if rows.len() > PAGE_SIZE {
        rows.truncate(PAGE_SIZE);
        rows.last().map(cursor_of)
    } else {
        None
    };
    Page { rows, next }
}

/// A message about to be stored.
struct Outgoing<'a> {
    thread_id: i64,
    veteran_id: i64,
    author_id: i64,
    on_behalf_of: Option<i64>,
    from_team: bool,
    body: &'a str,
    signature: Option<String>,
    client_key: Option<&'a str>,
    urgent_language: bool,
    at: i64,
}

/// Stores a message and brings everything that depends on it up to date, inside the
/// caller's transaction: the thread's latest time and team status, "opened" marks, and
/// every viewer's folder and unread mark. Returns the message id and whether the thread
/// now carries crisis language.
///
/// Viewers: the Veteran and each active caregiver with a live grant. The author has read
/// it; everyone else has something unread. A thread in Trash comes back to its home
/// folder, and one in Sent moves to Inbox once the team has written; a thread in a custom
/// folder stays where its viewer put it.
async fn append(tx: &mut Tx, message: &Outgoing<'_>) -> Result<Appended, sqlx::Error> {
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (thread_id, author_id, on_behalf_of_id, sent_by_team, body, \
         signature, sent_at, client_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(message.thread_id)
    .bind(message.author_id)
    .bind(message.on_behalf_of)
    .bind(i64::from(message.from_team))
    .bind(message.body)
    .bind(message.signature.as_deref())
    .bind(message.at)
    .bind(message.client_key)
    .fetch_one(&mut **tx)
    .await?;

    let urgent_language = if message.from_team {
        // The team spoke: nothing is waiting for it (no due time, nothing left to report as
        // overdue), and replying means it read what the Veteran's side wrote.
        let urgent: YesNo = sqlx::query_scalar(
            "UPDATE threads SET last_message_at = $1, waiting_since = NULL, due_at = NULL, \
             overdue_notified_at = NULL WHERE id = $2 RETURNING urgent_language",
        )
        .bind(message.at)
        .bind(message.thread_id)
        .fetch_one(&mut **tx)
        .await?;
        mark_opened_by_team(tx, message.thread_id, message.at).await?;
        urgent.into()
    } else {
        // A Veteran message starts (or keeps) the team's clock and reopens a completed
        // thread (DESIGN.md §2 "Complete").
        let (urgent, due_at): (YesNo, Option<i64>) = sqlx::query_as(
            "UPDATE threads SET last_message_at = $1, waiting_since = COALESCE(waiting_since, $1), \
             completed_at = NULL, \
             urgent_language = CASE WHEN $2 = 1 THEN 1 ELSE urgent_language END WHERE id = $3 \
             RETURNING urgent_language, due_at",
        )
        .bind(message.at)
        .bind(i64::from(message.urgent_language))
        .bind(message.thread_id)
        .fetch_one(&mut **tx)
        .await?;
        // When waiting has just started, the due time in business days.
        if due_at.is_none() {
            crate::team::ssr::start_due_clock(tx, message.thread_id).await?;
        }
        urgent.into()
    };

    sqlx::query(&format!(
        "INSERT INTO thread_views \
         (user_id, thread_id, veteran_id, folder, folder_id, unread, last_read_at, last_message_at) \
         SELECT v.user_id, $1, $2, {home}, NULL, \
         CASE WHEN v.user_id = $3 THEN 0 ELSE 1 END, \
         CASE WHEN v.user_id = $3 THEN $4 ELSE NULL END, $4 \
         FROM (SELECT $2 AS user_id UNION \
               SELECT g.caregiver_id FROM caregiver_grants g \
               JOIN users u ON u.id = g.caregiver_id \
               WHERE g.veteran_id = $2 AND g.revoked_at IS NULL AND u.active = 1) v \
         WHERE true \
         ON CONFLICT (user_id, thread_id) DO UPDATE SET \
         folder = CASE WHEN thread_views.folder IN ('sent', 'trash') \
                  THEN excluded.folder ELSE thread_views.folder END, \
         unread = excluded.unread, \
         last_read_at = COALESCE(excluded.last_read_at, thread_views.last_read_at), \
         last_message_at = excluded.last_message_at",
        home = home_folder_sql("$1"),
    ))
    .bind(message.thread_id)
    .bind(message.veteran_id)
    .bind(message.author_id)
    .bind(message.at)
    .execute(&mut **tx)
    .await?;
    Ok(Appended {
        message_id,
        urgent_language,
    })
}

/// What `append` stored.
struct Appended {
    message_id: i64,
    urgent_language: bool,
}

/// Marks every Veteran-side message of a thread "Opened by your care team".
async fn mark_opened_by_team(tx: &mut Tx, thread_id: i64, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE messages SET opened_by_team_at = $1 \
         WHERE thread_id = $2 AND sent_by_team = 0 AND opened_by_team_at IS NULL",
    )
    .bind(at)
    .bind(thread_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
