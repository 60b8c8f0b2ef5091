//! Threads: folder pages and counts, reading a thread, sending, replying (the Veteran's side
//! and the care team's).

use super::super::rules;
use super::super::{
    CareTeamOption, Category, Draft, Folder, FolderSummary, MessageView, NewMessage, Page,
    PageCursor, Reply, ReplyExpected, SentMessage, Sort, ThreadRow, ThreadView,
};
use super::drafts::{DraftRecord, DRAFT_SELECT};
use super::signatures::signature_text;
use super::{append, category_from, folder_from, into_page, mailbox, page, Mailbox, Outgoing};
use crate::email::ssr::notices::TeamAlert;
use crate::error::AppError;
use crate::server::access::{MessagingCapability, TeamCapability};
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::YesNo;
use crate::server::db::{is_unique_violation, Db, Notes, Sql, Tx};
use sqlx::{Any, AnyConnection, Executor, FromRow};

/// A stored category (`threads.category`, `drafts.category`); an unknown one is a decode
/// error. Records read one as `#[sqlx(try_from = "String")] category: Category`.
impl TryFrom<String> for Category {
    type Error = sqlx::Error;

    fn try_from(value: String) -> Result<Category, sqlx::Error> {
        category_from(&value)
    }
}

/// The two columns a person's folder is stored in (`thread_views.folder`, `folder_id`).
/// Records read them as `#[sqlx(flatten, try_from = "FolderColumns")] folder: Folder`.
#[derive(FromRow)]
pub(super) struct FolderColumns {
    folder: String,
    folder_id: Option<i64>,
}

impl TryFrom<FolderColumns> for Folder {
    type Error = sqlx::Error;

    fn try_from(columns: FolderColumns) -> Result<Folder, sqlx::Error> {
        folder_from(&columns.folder, columns.folder_id)
    }
}

/// The columns of a list row, from a person's views joined to threads and teams. Callers
/// append the scope (`v.user_id`, `v.veteran_id`) and filters after `WHERE`.
pub(super) const ROW_SELECT: &str = "SELECT v.thread_id, v.folder, v.folder_id, v.unread, \
     v.last_message_at, t.subject, t.category, t.team_id, ct.name AS care_team \
     FROM thread_views v JOIN threads t ON t.id = v.thread_id \
     JOIN care_teams ct ON ct.id = t.team_id WHERE ";

/// A list row as `ROW_SELECT` reads it.
#[derive(FromRow)]
pub(super) struct RowRecord {
    thread_id: i64,
    #[sqlx(flatten, try_from = "FolderColumns")]
    folder: Folder,
    #[sqlx(try_from = "YesNo")]
    unread: bool,
    last_message_at: i64,
    subject: String,
    #[sqlx(try_from = "String")]
    category: Category,
    team_id: i64,
    care_team: String,
}

impl From<RowRecord> for ThreadRow {
    fn from(row: RowRecord) -> ThreadRow {
        ThreadRow {
            thread_id: row.thread_id,
            care_team_id: row.team_id,
            care_team: row.care_team,
            subject: row.subject,
            category: row.category,
            last_message_at: row.last_message_at,
            unread: row.unread,
            folder: row.folder,
        }
    }
}

/// Scopes `sql` to the rows of one folder of the mailbox. A custom folder must be the
/// viewer's own (`NotFound` otherwise); Drafts are listed by `list_drafts`.
pub(super) async fn filter_folder(
    db: &Db,
    mailbox: &Mailbox,
    folder: Folder,
    sql: &mut Sql,
) -> Result<(), AppError> {
    // `folder_id IS NULL` is implied for system folders, but saying it lets both databases
    // walk the paging index (user, veteran, folder, folder_id, time, id) in order.
    match folder {
        Folder::Inbox => sql.push(" AND v.folder = 'inbox' AND v.folder_id IS NULL"),
        Folder::Sent => sql.push(" AND v.folder = 'sent' AND v.folder_id IS NULL"),
        Folder::Trash => sql.push(" AND v.folder = 'trash' AND v.folder_id IS NULL"),
        Folder::Custom(id) => {
            super::organize::owned_folder(&db.pool, mailbox.viewer_id, id).await?;
            sql.push(" AND v.folder = 'custom' AND v.folder_id = ")
                .push_int(id)
        }
        Folder::Drafts => {
            return Err(AppError::invalid(
                "folder",
                "Drafts are listed on their own page.",
            ))
        }
    };
    Ok(())
}

/// One page of a folder (10 threads), newest or oldest first, with unread marks.
pub async fn list_folder(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    folder: Folder,
    sort: Sort,
    after: Option<PageCursor>,
) -> Result<Page<ThreadRow>, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    let mut sql = Sql::new(ROW_SELECT);
    sql.push("v.user_id = ")
        .push_int(mailbox.viewer_id)
        .push(" AND v.veteran_id = ")
        .push_int(mailbox.veteran_id);
    filter_folder(db, &mailbox, folder, &mut sql).await?;
    page(&mut sql, "v.last_message_at", "v.thread_id", sort, after);
    let rows = sql
        .query()
        .try_map(|row| RowRecord::from_row(&row).map(ThreadRow::from))
        .fetch_all(&db.pool)
        .await?;
    Ok(into_page(rows, |row| PageCursor {
        at: row.last_message_at,
        id: row.thread_id,
    }))
}

/// The navigation: Inbox, Sent, Drafts, Trash, then the viewer's own folders by name,
/// each with its unread and total counts for this mailbox only.
pub async fn folders(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
) -> Result<Vec<FolderSummary>, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    let tallies: Vec<Tally> = sqlx::query_as(
        "SELECT folder, folder_id, COUNT(*) AS total, \
         COUNT(CASE WHEN unread = 1 THEN 1 END) AS unread \
         FROM thread_views WHERE user_id = $1 AND veteran_id = $2 GROUP BY folder, folder_id",
    )
    .bind(mailbox.viewer_id)
    .bind(mailbox.veteran_id)
    .fetch_all(&db.pool)
    .await?;
    let tally = |folder: Folder| {
        tallies
            .iter()
            .find(|tally| tally.folder == folder)
            .map_or((0, 0), |tally| (tally.unread, tally.total))
    };
    let drafts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM drafts WHERE author_id = $1 AND veteran_id = $2")
            .bind(mailbox.viewer_id)
            .bind(mailbox.veteran_id)
            .fetch_one(&db.pool)
            .await?;
    let custom: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM folders WHERE owner_id = $1 ORDER BY name_key, id")
            .bind(mailbox.viewer_id)
            .fetch_all(&db.pool)
            .await?;

    let mut summaries = Vec::new();
    for folder in Folder::SYSTEM {
        let (unread, total) = if folder == Folder::Drafts {
            (0, drafts)
        } else {
            tally(folder)
        };
        summaries.push(FolderSummary {
            folder,
            name: folder.system_name().unwrap_or_default().to_string(),
            unread,
            total,
        });
    }
    for (id, name) in custom {
        let folder = Folder::Custom(id);
        let (unread, total) = tally(folder);
        summaries.push(FolderSummary {
            folder,
            name,
            unread,
            total,
        });
    }
    Ok(summaries)
}

/// A folder's counts, as `folders` reads them.
#[derive(FromRow)]
struct Tally {
    #[sqlx(flatten, try_from = "FolderColumns")]
    folder: Folder,
    unread: i64,
    total: i64,
}

/// The care teams a Veteran is associated with, for the "To" list. Teams that cannot be
/// written to now are included with the reason (explained, not missing).
pub async fn care_teams(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
) -> Result<Vec<CareTeamOption>, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    let teams: Vec<TeamOption> = sqlx::query_as(
        "SELECT ct.id, ct.name, f.name AS facility, f.phone, ct.accepting_messages, vt.blocked \
         FROM veteran_teams vt JOIN care_teams ct ON ct.id = vt.team_id \
         JOIN facilities f ON f.id = ct.facility_id \
         WHERE vt.veteran_id = $1 ORDER BY ct.name, ct.id",
    )
    .bind(mailbox.veteran_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(teams.into_iter().map(CareTeamOption::from).collect())
}

/// Whether a Veteran may write to a team: the team's `accepting_messages` and the
/// association's `blocked`.
#[derive(FromRow)]
struct Openness {
    #[sqlx(try_from = "YesNo")]
    accepting_messages: bool,
    #[sqlx(try_from = "YesNo")]
    blocked: bool,
}

impl Openness {
    /// Why not, in the page's words.
    fn problem(&self) -> Option<&'static str> {
        rules::team_problem(self.accepting_messages, self.blocked)
    }
}

/// A team of the "To" list, as `care_teams` reads it.
#[derive(FromRow)]
struct TeamOption {
    id: i64,
    name: String,
    facility: String,
    phone: String,
    #[sqlx(flatten)]
    openness: Openness,
}

impl From<TeamOption> for CareTeamOption {
    fn from(team: TeamOption) -> CareTeamOption {
        let why_not = team.openness.problem();
        CareTeamOption {
            care_team_id: team.id,
            name: team.name,
            facility: team.facility,
            can_write: why_not.is_none(),
            blocked: team.openness.blocked,
            why_not: why_not.map(|why| rules::with_phone(why, &team.phone)),
        }
    }
}

/// What the thread page needs to know about a thread before its messages, as
/// `HEAD_COLUMNS` reads it.
#[derive(FromRow)]
struct ThreadHead {
    #[sqlx(rename = "id")]
    thread_id: i64,
    veteran_id: i64,
    veteran_name: String,
    team_id: i64,
    care_team: String,
    #[sqlx(try_from = "YesNo")]
    accepting_messages: bool,
    /// Where the Veteran is told to call when they cannot reply ("" when not set).
    facility_phone: String,
    /// `None` when the Veteran is no longer associated with the team (e.g. the team
    /// reassigned the thread): replies are then still allowed.
    blocked: Option<YesNo>,
    subject: String,
    #[sqlx(try_from = "String")]
    category: Category,
    created_at: i64,
    last_message_at: i64,
    response_target_days: i64,
    /// The team's due time while the thread waits for its answer.
    reply_due_at: Option<i64>,
    /// Where the viewer keeps it (`ViewerHead`); `None` for a care team member.
    #[sqlx(skip)]
    folder: Option<Folder>,
}

/// A thread's head with the viewer's folder, as `head_for_viewer` reads it.
#[derive(FromRow)]
struct ViewerHead {
    #[sqlx(flatten)]
    head: ThreadHead,
    #[sqlx(flatten, try_from = "FolderColumns")]
    folder: Folder,
}

impl ThreadHead {
    /// Why the Veteran's side may not reply now, in the page's words.
    fn reply_problem(&self, now: i64) -> Option<&'static str> {
        if !rules::can_reply(self.last_message_at, now) {
            Some(rules::REPLY_WINDOW_CLOSED)
        } else {
            let blocked = self.blocked.is_some_and(bool::from);
            rules::team_problem(self.accepting_messages, blocked)
        }
    }
}

const HEAD_COLUMNS: &str = "SELECT t.id, t.veteran_id, u.name AS veteran_name, t.team_id, \
     ct.name AS care_team, ct.accepting_messages, \
     (SELECT f.phone FROM facilities f WHERE f.id = ct.facility_id) AS facility_phone, \
     (SELECT vt.blocked FROM veteran_teams vt \
      WHERE vt.veteran_id = t.veteran_id AND vt.team_id = t.team_id) AS blocked, \
     t.subject, t.category, t.created_at, t.last_message_at, ct.response_target_days, \
     CASE WHEN t.waiting_since IS NOT NULL THEN t.due_at END AS reply_due_at";

/// A thread of the mailbox, as its viewer sees it, or `NotFound`.
async fn head_for_viewer<'e, E>(
    executor: E,
    mailbox: &Mailbox,
    thread_id: i64,
) -> Result<ThreadHead, AppError>
where
    E: Executor<'e, Database = Any>,
{
    let viewer: ViewerHead = sqlx::query_as(&format!(
        "{HEAD_COLUMNS}, v.folder, v.folder_id \
         FROM thread_views v JOIN threads t ON t.id = v.thread_id \
         JOIN care_teams ct ON ct.id = t.team_id JOIN users u ON u.id = t.veteran_id \
         WHERE v.user_id = $1 AND v.thread_id = $2 AND v.veteran_id = $3"
    ))
    .bind(mailbox.viewer_id)
    .bind(thread_id)
    .bind(mailbox.veteran_id)
    .fetch_optional(executor)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(ThreadHead {
        folder: Some(viewer.folder),
        ..viewer.head
    })
}

/// A thread of one of the clinician's teams, or `NotFound`.
async fn head_for_team_member<'e, E>(
    executor: E,
    capability: &TeamCapability,
    thread_id: i64,
) -> Result<ThreadHead, AppError>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_as(&format!(
        "{HEAD_COLUMNS} FROM threads t \
         JOIN team_members tm ON tm.team_id = t.team_id AND tm.user_id = $1 \
         JOIN care_teams ct ON ct.id = t.team_id JOIN users u ON u.id = t.veteran_id \
         WHERE t.id = $2"
    ))
    .bind(capability.user().id)
    .bind(thread_id)
    .fetch_optional(executor)
    .await?
    .ok_or(AppError::NotFound)
}

/// The messages of a thread as they are shown, oldest first, each with its files: the one
/// query behind the Veteran's and the care team's thread pages. Internal notes come only
/// with `Notes::Included` (the care team's view).
pub async fn thread_messages(
    connection: &mut AnyConnection,
    thread_id: i64,
    notes: Notes,
) -> Result<Vec<MessageView>, sqlx::Error> {
    let notes = match notes {
        Notes::Included => "",
        Notes::Left => " AND m.is_internal_note = 0",
    };
    let records: Vec<MessageRecord> = sqlx::query_as(&format!(
        "SELECT m.id, a.name AS sender_name, b.name AS on_behalf_of_name, m.sent_by_team, \
         m.is_internal_note, m.body, m.signature, m.sent_at, m.opened_by_team_at \
         FROM messages m JOIN users a ON a.id = m.author_id \
         LEFT JOIN users b ON b.id = m.on_behalf_of_id \
         WHERE m.thread_id = $1{notes} ORDER BY m.sent_at, m.id"
    ))
    .bind(thread_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut messages: Vec<MessageView> = records.into_iter().map(MessageView::from).collect();
    crate::attachments::ssr::records::fill_attachments(connection, &mut messages).await?;
    Ok(messages)
}

/// A message as `thread_messages` reads it.
#[derive(FromRow)]
struct MessageRecord {
    id: i64,
    sender_name: String,
    on_behalf_of_name: Option<String>,
    #[sqlx(try_from = "YesNo")]
    sent_by_team: bool,
    #[sqlx(try_from = "YesNo")]
    is_internal_note: bool,
    body: String,
    signature: Option<String>,
    sent_at: i64,
    opened_by_team_at: Option<i64>,
}

impl From<MessageRecord> for MessageView {
    fn from(message: MessageRecord) -> MessageView {
        let from_team = message.sent_by_team;
        MessageView {
            message_id: message.id,
            sender_name: message.sender_name,
            on_behalf_of_name: message.on_behalf_of_name,
            from_team,
            internal_note: message.is_internal_note,
            body: message.body,
            signature: message.signature,
            sent_at: message.sent_at,
            opened_by_team: (!from_team).then_some(message.opened_by_team_at.is_some()),
            attachments: Vec::new(),
        }
    }
}

fn view_from(
    head: ThreadHead,
    messages: Vec<MessageView>,
    reply_problem: Option<&str>,
    reply_draft: Option<Draft>,
) -> ThreadView {
    ThreadView {
        thread_id: head.thread_id,
        veteran_id: head.veteran_id,
        veteran_name: head.veteran_name,
        care_team_id: head.team_id,
        care_team: head.care_team,
        subject: head.subject,
        category: head.category,
        folder: head.folder,
        created_at: head.created_at,
        last_message_at: head.last_message_at,
        can_reply: reply_problem.is_none(),
        reply_closed_reason: reply_problem.map(|why| rules::with_phone(why, &head.facility_phone)),
        messages,
        reply_draft,
        reply_expected: head.reply_due_at.map(|due_at| ReplyExpected {
            business_days: head.response_target_days,
            due_at,
        }),
    }
}

/// Opens a thread for the Veteran's side: its messages in order (no internal notes), each
/// Veteran-side message with its opened-by-team status, whether a reply is allowed, and the
/// viewer's reply draft. Marks it read for this viewer and audits `thread_read`: the reads
/// share one snapshot outside the write turn, then the mark and the audit event are
/// written together, and nothing is returned unless both were.
pub async fn open_thread(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    thread_id: i64,
) -> Result<ThreadView, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    let now = db.now_ms();
    let mut reading = db.begin_read().await?;
    let head = match head_for_viewer(&mut *reading, &mailbox, thread_id).await {
        Ok(head) => head,
        Err(AppError::NotFound) => {
            reading.commit().await?;
            // Someone else's thread, or none: refused alike, and on the record.
            let mut refused = mailbox
                .audit(Action::ThreadRead)
                .target(format!("thread:{thread_id}"));
            refused.outcome = Outcome::Denied;
            // Whose thread it is, if anyone's, is not for the record to reveal.
            refused.patient_id = None;
            audit::record(&db.pool, &refused).await?;
            return Err(AppError::NotFound);
        }
        Err(error) => return Err(error),
    };
    let messages = thread_messages(&mut reading, thread_id, Notes::Left).await?;
    let reply_draft = sqlx::query_as::<_, DraftRecord>(&format!(
        "{DRAFT_SELECT} WHERE d.author_id = $1 AND d.thread_id = $2"
    ))
    .bind(mailbox.viewer_id)
    .bind(thread_id)
    .fetch_optional(&mut *reading)
    .await?
    .map(Draft::try_from)
    .transpose()?;
    reading.commit().await?;

    // Read only what was shown: a message that arrived since the reads above stays unread.
    let shown_up_to = messages.iter().map(|m| m.sent_at).max().unwrap_or(0);
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE thread_views SET unread = 0, last_read_at = $1 \
         WHERE user_id = $2 AND thread_id = $3 AND last_message_at <= $4",
    )
    .bind(now)
    .bind(mailbox.viewer_id)
    .bind(thread_id)
    .bind(shown_up_to)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &mailbox
            .audit(Action::ThreadRead)
            .target(format!("thread:{thread_id}")),
    )
    .await?;
    tx.commit().await?;
    let problem = head.reply_problem(now);
    Ok(view_from(head, messages, problem, reply_draft))
}

/// The message this author already sent with this client key, if any.
pub(super) async fn already_sent(
    db: &Db,
    author_id: i64,
    client_key: &str,
) -> Result<Option<(SentMessage, i64)>, sqlx::Error> {
    let sent: Option<Sent> = sqlx::query_as(
        "SELECT m.id, m.thread_id, t.urgent_language, t.veteran_id \
         FROM messages m JOIN threads t ON t.id = m.thread_id \
         WHERE m.author_id = $1 AND m.client_key = $2",
    )
    .bind(author_id)
    .bind(client_key)
    .fetch_optional(&db.pool)
    .await?;
    Ok(sent.map(|sent| {
        (
            SentMessage {
                thread_id: sent.thread_id,
                message_id: sent.id,
                urgent_language: sent.urgent_language,
                already_sent: true,
            },
            sent.veteran_id,
        )
    }))
}

/// A message already sent, as `already_sent` reads it.
#[derive(FromRow)]
struct Sent {
    id: i64,
    thread_id: i64,
    #[sqlx(try_from = "YesNo")]
    urgent_language: bool,
    veteran_id: i64,
}

/// A retry from the Veteran's side: the first message, when it belongs to this mailbox.
async fn retried_send(
    db: &Db,
    mailbox: &Mailbox,
    client_key: &str,
) -> Result<Option<SentMessage>, AppError> {
    match already_sent(db, mailbox.viewer_id, client_key).await? {
        Some((sent, veteran_id)) if veteran_id == mailbox.veteran_id => Ok(Some(sent)),
        Some(_) => Err(AppError::Conflict {
            message: "This form was already used to send a message. Reload the page and try again."
                .to_string(),
        }),
        None => Ok(None),
    }
}

/// Sends a new message: a new thread to one of the Veteran's care teams.
///
/// Checks the fields, then that the team may be written to now (associated, accepting
/// messages, not blocked; otherwise a "care_team" field error saying why). Crisis language
/// in the subject or body marks the thread for the team. The thread, the message, every
/// viewer's state, the draft's removal and the `message_sent` audit event commit together.
/// A retry with the same client key returns the first message and makes nothing new.
pub async fn send_message(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    message: &NewMessage,
) -> Result<SentMessage, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    rules::validate_client_key(&message.client_key)?;
    if let Some(sent) = retried_send(db, &mailbox, &message.client_key).await? {
        return Ok(sent);
    }
    rules::validate_new_message(
        message.care_team_id,
        message.category,
        &message.subject,
        &message.body,
    )?;
    let (Some(team_id), Some(category)) = (message.care_team_id, message.category) else {
        return Err(AppError::internal(
            "validated message lost its team or category",
        ));
    };
    check_team_accepts(db, mailbox.veteran_id, team_id).await?;
    let subject = message.subject.trim();
    let urgent_language =
        rules::has_crisis_language(subject) || rules::has_crisis_language(&message.body);
    let signature = signature_text(&db.pool, mailbox.viewer_id).await?;

    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let thread_id: i64 = sqlx::query_scalar(
        "INSERT INTO threads (veteran_id, team_id, subject, category, created_at, last_message_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(mailbox.veteran_id)
    .bind(team_id)
    .bind(subject)
    .bind(category.as_str())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let outgoing = Outgoing {
        thread_id,
        veteran_id: mailbox.veteran_id,
        author_id: mailbox.viewer_id,
        on_behalf_of: mailbox.is_caregiver().then_some(mailbox.veteran_id),
        from_team: false,
        body: &message.body,
        signature,
        client_key: Some(&message.client_key),
        urgent_language,
        at: now,
    };
    let appended = match append(&mut tx, &outgoing).await {
        Ok(appended) => appended,
        Err(error) if is_unique_violation(&error) => {
            // The same send raced itself: the other one won. Undo this one, answer with it.
            tx.rollback().await?;
            return retried_send(db, &mailbox, &message.client_key)
                .await?
                .ok_or_else(|| AppError::internal(error));
        }
        Err(error) => return Err(error.into()),
    };
    let message_id = appended.message_id;
    if urgent_language {
        // Every team member on duty hears of it by email at once (naming nothing).
        crate::email::ssr::notices::note_team_alert(&mut tx, thread_id, TeamAlert::Urgent).await?;
    }
    if let Some(draft_id) = message.draft_id {
        // The draft's files travel with the message.
        crate::attachments::ssr::records::link_to_message(
            &mut tx,
            draft_id,
            mailbox.viewer_id,
            mailbox.veteran_id,
            message_id,
        )
        .await?;
        sqlx::query("DELETE FROM drafts WHERE id = $1 AND author_id = $2 AND veteran_id = $3")
            .bind(draft_id)
            .bind(mailbox.viewer_id)
            .bind(mailbox.veteran_id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut *tx,
        &mailbox
            .audit(Action::MessageSent)
            .target(format!("thread:{thread_id}"))
            .detail(serde_json::json!({ "message_id": message_id, "new_thread": true })),
    )
    .await?;
    tx.commit().await?;
    Ok(SentMessage {
        thread_id,
        message_id,
        urgent_language,
        already_sent: false,
    })
}

/// Refuses, on the "care_team" field, a team the Veteran may not write to now.
async fn check_team_accepts(db: &Db, veteran_id: i64, team_id: i64) -> Result<(), AppError> {
    let openness: Option<Openness> = sqlx::query_as(
        "SELECT ct.accepting_messages, vt.blocked FROM veteran_teams vt \
         JOIN care_teams ct ON ct.id = vt.team_id WHERE vt.veteran_id = $1 AND vt.team_id = $2",
    )
    .bind(veteran_id)
    .bind(team_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(openness) = openness else {
        return Err(AppError::invalid("care_team", rules::TEAM_NOT_YOURS));
    };
    match openness.problem() {
        Some(problem) => Err(AppError::invalid("care_team", problem)),
        None => Ok(()),
    }
}

/// Replies in a thread for the Veteran's side. Refused on the "body" field (the reply
/// form's only field) past the 45-day window, or when the team no longer accepts messages
/// or the association is blocked. The viewer's reply draft is removed with the send.
pub async fn reply(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    thread_id: i64,
    reply: &Reply,
) -> Result<SentMessage, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    rules::validate_client_key(&reply.client_key)?;
    if let Some(sent) = retried_send(db, &mailbox, &reply.client_key).await? {
        return Ok(sent);
    }
    let head = head_for_viewer(&db.pool, &mailbox, thread_id).await?;
    rules::validate_reply(&reply.body)?;
    let now = db.now_ms();
    if let Some(problem) = head.reply_problem(now) {
        return Err(AppError::invalid("body", problem));
    }
    let urgent_language = rules::has_crisis_language(&reply.body);
    let signature = signature_text(&db.pool, mailbox.viewer_id).await?;

    let mut tx = db.begin_write().await?;
    let outgoing = Outgoing {
        thread_id,
        veteran_id: mailbox.veteran_id,
        author_id: mailbox.viewer_id,
        on_behalf_of: mailbox.is_caregiver().then_some(mailbox.veteran_id),
        from_team: false,
        body: &reply.body,
        signature,
        client_key: Some(&reply.client_key),
        urgent_language,
        at: now,
    };
    let appended = match append(&mut tx, &outgoing).await {
        Ok(appended) => appended,
        Err(error) if is_unique_violation(&error) => {
            tx.rollback().await?;
            return retried_send(db, &mailbox, &reply.client_key)
                .await?
                .ok_or_else(|| AppError::internal(error));
        }
        Err(error) => return Err(error.into()),
    };
    let message_id = appended.message_id;
    if urgent_language {
        crate::email::ssr::notices::note_team_alert(&mut tx, thread_id, TeamAlert::Urgent).await?;
    }
    crate::attachments::ssr::records::link_reply_draft(
        &mut tx,
        thread_id,
        mailbox.viewer_id,
        message_id,
    )
    .await?;
    sqlx::query("DELETE FROM drafts WHERE author_id = $1 AND thread_id = $2")
        .bind(mailbox.viewer_id)
        .bind(thread_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        &mailbox
            .audit(Action::MessageSent)
            .target(format!("thread:{thread_id}"))
            .detail(serde_json::json!({ "message_id": message_id, "new_thread": false })),
    )
    .await?;
    tx.commit().await?;
    Ok(SentMessage {
        thread_id,
        message_id,
        urgent_language: appended.urgent_language,
        already_sent: false,
    })
}

/// A care team member's reply (what the team workspace and the tests use). The clinician
/// must be on the thread's team (`NotFound` otherwise).
/// The message carries their signature and the files of their reply draft in the thread,
/// marks the Veteran's messages opened, stops the team's clock, is unread for the Veteran
/// and their caregivers, and is noted for their new-message emails.
pub async fn team_reply(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    reply: &Reply,
) -> Result<SentMessage, AppError> {
    let clinician = capability.user();
    rules::validate_client_key(&reply.client_key)?;
    let head = head_for_team_member(&db.pool, capability, thread_id).await?;
    if let Some((sent, _)) = already_sent(db, clinician.id, &reply.client_key).await? {
        return Ok(sent);
    }
    rules::validate_reply(&reply.body)?;
    let signature = signature_text(&db.pool, clinician.id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let outgoing = Outgoing {
        thread_id,
        veteran_id: head.veteran_id,
        author_id: clinician.id,
        on_behalf_of: None,
        from_team: true,
        body: &reply.body,
        signature,
        client_key: Some(&reply.client_key),
        urgent_language: false,
        at: now,
    };
    let appended = match append(&mut tx, &outgoing).await {
        Ok(appended) => appended,
        Err(error) if is_unique_violation(&error) => {
            tx.rollback().await?;
            return already_sent(db, clinician.id, &reply.client_key)
                .await?
                .map(|(sent, _)| sent)
                .ok_or_else(|| AppError::internal(error));
        }
        Err(error) => return Err(error.into()),
    };
    let message_id = appended.message_id;
    // The Veteran and their caregivers hear of it by email, by their choice in Settings.
    crate::email::ssr::notices::note_new_message(&mut tx, head.veteran_id).await?;
    // The files attached to the reply travel with it, and its draft is done.
    crate::attachments::ssr::records::link_reply_draft(
        &mut tx,
        thread_id,
        clinician.id,
        message_id,
    )
    .await?;
    sqlx::query("DELETE FROM drafts WHERE author_id = $1 AND thread_id = $2")
        .bind(clinician.id)
        .bind(thread_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        &AuditEvent::new(Action::MessageSent, Outcome::Success)
            .actor(clinician.id)
            .patient(head.veteran_id)
            .target(format!("thread:{thread_id}"))
            .detail(serde_json::json!({ "message_id": message_id, "new_thread": false })),
    )
    .await?;
    tx.commit().await?;
    Ok(SentMessage {
        thread_id,
        message_id,
        urgent_language: false,
        already_sent: false,
    })
}

/// One message of a demo thread.
pub struct DemoMessage<'a> {
    pub author_id: i64,
    pub on_behalf_of: Option<i64>,
    pub from_team: bool,
    pub body: &'a str,
    pub sent_at: i64,
}

/// Seeds one thread with backdated messages through the same bookkeeping as real sends
/// (demo mode only). Returns the thread id.
pub async fn seed_thread(
    tx: &mut Tx,
    veteran_id: i64,
    team_id: i64,
    subject: &str,
    category: Category,
    messages: &[DemoMessage<'_>],
) -> Result<i64, sqlx::Error> {
    let created_at = messages.first().map_or(0, |m| m.sent_at);
    let thread_id: i64 = sqlx::query_scalar(
        "INSERT INTO threads (veteran_id, team_id, subject, category, created_at, last_message_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(veteran_id)
    .bind(team_id)
    .bind(subject)
    .bind(category.as_str())
    .bind(created_at)
    .fetch_one(&mut **tx)
    .await?;
    for message in messages {
        append(
            tx,
            &Outgoing {
                thread_id,
                veteran_id,
                author_id: message.author_id,
                on_behalf_of: message.on_behalf_of,
                from_team: message.from_team,
                body: message.body,
                signature: None,
                client_key: None,
                urgent_language: rules::has_crisis_language(message.body),
                at: message.sent_at,
            },
        )
        .await?;
    }
    Ok(thread_id)
}
