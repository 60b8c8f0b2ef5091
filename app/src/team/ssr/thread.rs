//! One thread for the care team: reading it, replying, internal notes, completing it.

use super::super::types::{NoteInput, OtherThread, TeamThread, ThreadEvent, ThreadEventKind};
use super::{
    audit_event, coverage_join, decode_error, head, my_teams_sql, person, CoverageColumns,
    COVERAGE_COLUMNS,
};
use crate::error::AppError;
use crate::messages::ssr::thread_messages;
use crate::messages::{rules, Category, MessageView, Reply, SentMessage};
use crate::server::access::TeamCapability;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::Db;
use crate::server::db::YesNo;
use crate::server::db::{is_unique_violation, Notes, Sql, Tx};
use sqlx::{AnyConnection, FromRow};

/// How many of the Veteran's other threads with the team are shown beside a thread.
const OTHER_THREADS: i64 = 5;

/// Says why "Mark complete" did nothing: the Veteran's side wrote something nobody on the
/// team has opened (it may have arrived while the page was open).
pub const UNOPENED_MESSAGE: &str =
    "A new message arrived in this conversation. Read it before you mark the conversation complete.";

/// Opens a thread of one of the person's teams (`NotFound` otherwise): every message in
/// order, internal notes included and flagged; the thread's status, history and the
/// Veteran's other recent threads with this team. The Veteran-side messages not yet opened
/// become "Opened by your care team" (first opening only), and the read is audited as
/// `thread_read` (who, which patient, which thread, from `from`). The reads share one
/// snapshot outside the write turn; the opening and the audit event are written together
/// after them, and nothing is returned unless both were.
pub async fn open_thread(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    from: Option<&str>,
) -> Result<TeamThread, AppError> {
    read_thread(db, capability, thread_id, from, None).await
}

/// Opens a thread to print it: a read like `open_thread` (audited `thread_read`, its
/// `detail` saying it was printed and whether internal notes were included), with the
/// internal notes left out unless `internal_notes`.
pub async fn print_thread(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    internal_notes: bool,
    from: Option<&str>,
) -> Result<TeamThread, AppError> {
    let detail = serde_json::json!({ "printed": true, "internal_notes": internal_notes });
    let mut thread = read_thread(db, capability, thread_id, from, Some(detail)).await?;
    if !internal_notes {
        thread.messages.retain(|m| !m.internal_note);
    }
    Ok(thread)
}

/// `open_thread`, with `detail` on the audit event of the read.
async fn read_thread(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    from: Option<&str>,
    detail: Option<serde_json::Value>,
) -> Result<TeamThread, AppError> {
    let now = db.now_ms();
    let mut reading = db.begin_read().await?;
    let thread: Option<ThreadRecord> = sqlx::query_as(&format!(
        "SELECT t.id, t.veteran_id, u.name AS veteran_name, \
         u.date_of_birth AS veteran_date_of_birth, t.team_id, ct.name AS team_name, \
         f.time_zone, t.subject, t.category, t.created_at, t.last_message_at, t.waiting_since, \
         t.due_at, t.completed_at, t.urgent_language, t.assigned_to, a.name AS assignee_name, \
         {COVERAGE_COLUMNS} \
         FROM threads t JOIN users u ON u.id = t.veteran_id \
         JOIN care_teams ct ON ct.id = t.team_id JOIN facilities f ON f.id = ct.facility_id \
         LEFT JOIN users a ON a.id = t.assigned_to{coverage_join} \
         WHERE t.id = $1 AND t.team_id IN ({teams})",
        coverage_join = coverage_join("t.assigned_to", "$3"),
        teams = my_teams_sql("$2"),
    ))
    .bind(thread_id)
    .bind(capability.user().id)
    .bind(now)
    .fetch_optional(&mut *reading)
    .await?;
    let Some(thread) = thread else {
        reading.commit().await?;
        // Another team's thread, or none: refused alike, and on the record (without the
        // Veteran, whom the record must not reveal either).
        let mut refused = AuditEvent::new(Action::ThreadRead, Outcome::Denied)
            .actor(capability.user().id)
            .target(format!("thread:{thread_id}"));
        if let Some(address) = from {
            refused = refused.from_address(address);
        }
        audit::record(&db.pool, &refused).await?;
        return Err(AppError::NotFound);
    };
    let (veteran_id, team_id) = (thread.veteran_id, thread.team_id);
    let mut messages = thread_messages(&mut reading, thread_id, Notes::Included).await?;
    let history = history_of(&mut reading, thread_id).await?;
    let other_threads = other_threads(&mut reading, veteran_id, team_id, thread_id).await?;
    reading.commit().await?;

    // Opened now: the Veteran-side messages shown here that nobody on the team had opened.
    // One that arrived since the reads above stays unopened until it is shown.
    let opening: Vec<i64> = messages
        .iter()
        .filter(|m| m.opened_by_team == Some(false))
        .map(|m| m.message_id)
        .collect();
    let mut tx = db.begin_write().await?;
    let mut opened_now = false;
    if !opening.is_empty() {
        let mut sql = Sql::new("UPDATE messages SET opened_by_team_at = ");
        sql.push_int(now)
            .push(" WHERE thread_id = ")
            .push_int(thread_id)
            .push(" AND opened_by_team_at IS NULL AND id IN (");
        let ids: Vec<String> = opening.iter().map(|&id| sql.int(id)).collect();
        sql.push(&ids.join(", ")).push(")");
        opened_now = sql.query().execute(&mut *tx).await?.rows_affected() > 0;
    }
    let mut read = audit_event(capability, Action::ThreadRead, veteran_id, thread_id, from);
    if let Some(detail) = detail {
        read = read.detail(detail);
    }
    audit::record(&mut *tx, &read).await?;
    tx.commit().await?;
    for message in messages
        .iter_mut()
        .filter(|m| opening.contains(&m.message_id))
    {
        message.opened_by_team = Some(true);
    }
    Ok(thread.into_thread(now, messages, history, other_threads, opened_now))
}

/// A thread as `open_thread` reads it.
#[derive(FromRow)]
struct ThreadRecord {
    #[sqlx(rename = "id")]
    thread_id: i64,
    veteran_id: i64,
    veteran_name: String,
    veteran_date_of_birth: Option<String>,
    team_id: i64,
    team_name: String,
    time_zone: String,
    subject: String,
    #[sqlx(try_from = "String")]
    category: Category,
    created_at: i64,
    last_message_at: i64,
    waiting_since: Option<i64>,
    due_at: Option<i64>,
    completed_at: Option<i64>,
    #[sqlx(try_from = "YesNo")]
    urgent_language: bool,
    assigned_to: Option<i64>,
    assignee_name: Option<String>,
    #[sqlx(flatten)]
    coverage: CoverageColumns,
}

impl ThreadRecord {
    /// The thread page at `now`, with what was read besides the thread itself.
    fn into_thread(
        self,
        now: i64,
        messages: Vec<MessageView>,
        history: Vec<ThreadEvent>,
        other_threads: Vec<OtherThread>,
        opened_now: bool,
    ) -> TeamThread {
        TeamThread {
            thread_id: self.thread_id,
            veteran_id: self.veteran_id,
            veteran_name: self.veteran_name,
            veteran_born: crate::server::date_of_birth::words(
                self.veteran_date_of_birth.as_deref(),
            ),
            team_id: self.team_id,
            team_name: self.team_name,
            facility_time_zone: self.time_zone,
            subject: self.subject,
            category: self.category,
            created_at: self.created_at,
            last_message_at: self.last_message_at,
            waiting_since: self.waiting_since,
            due_at: self.due_at,
            overdue: self.completed_at.is_none() && self.due_at.is_some_and(|due| due <= now),
            completed_at: self.completed_at,
            urgent_language: self.urgent_language,
            assignee: person(self.assigned_to, self.assignee_name),
            assignee_coverage: self.coverage.coverage(),
            messages,
            history,
            other_threads,
            opened_now,
        }
    }
}

async fn history_of(
    connection: &mut AnyConnection,
    thread_id: i64,
) -> Result<Vec<ThreadEvent>, sqlx::Error> {
    let events: Vec<EventRecord> = sqlx::query_as(
        "SELECT e.at, e.kind, e.actor_id, actor.name AS actor_name, \
         e.assignee_id, assignee.name AS assignee_name, \
         e.covering_for_id, away.name AS covering_for_name, \
         from_team.name AS from_team, to_team.name AS to_team, e.reason \
         FROM thread_events e JOIN users actor ON actor.id = e.actor_id \
         LEFT JOIN users assignee ON assignee.id = e.assignee_id \
         LEFT JOIN users away ON away.id = e.covering_for_id \
         LEFT JOIN care_teams from_team ON from_team.id = e.from_team_id \
         LEFT JOIN care_teams to_team ON to_team.id = e.to_team_id \
         WHERE e.thread_id = $1 ORDER BY e.at, e.id",
    )
    .bind(thread_id)
    .fetch_all(&mut *connection)
    .await?;
    events.into_iter().map(ThreadEvent::try_from).collect()
}

/// An event of a thread's history, as `history_of` reads it.
#[derive(FromRow)]
struct EventRecord {
    at: i64,
    #[sqlx(try_from = "String")]
    kind: ThreadEventKind,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    covering_for_id: Option<i64>,
    covering_for_name: Option<String>,
    from_team: Option<String>,
    to_team: Option<String>,
    reason: Option<String>,
}

impl TryFrom<EventRecord> for ThreadEvent {
    type Error = sqlx::Error;

    fn try_from(event: EventRecord) -> Result<ThreadEvent, sqlx::Error> {
        Ok(ThreadEvent {
            at: event.at,
            actor: person(event.actor_id, event.actor_name)
                .ok_or_else(|| decode_error("event actor"))?,
            kind: event.kind,
            assignee: person(event.assignee_id, event.assignee_name),
            covering_for: person(event.covering_for_id, event.covering_for_name),
            from_team: event.from_team,
            to_team: event.to_team,
            reason: event.reason,
        })
    }
}

/// The Veteran's most recent other threads with this team.
async fn other_threads(
    connection: &mut AnyConnection,
    veteran_id: i64,
    team_id: i64,
    thread_id: i64,
) -> Result<Vec<OtherThread>, sqlx::Error> {
    let threads: Vec<OtherRecord> = sqlx::query_as(
        "SELECT id, subject, category, last_message_at, completed_at FROM threads \
         WHERE veteran_id = $1 AND team_id = $2 AND id <> $3 \
         ORDER BY last_message_at DESC, id DESC LIMIT $4",
    )
    .bind(veteran_id)
    .bind(team_id)
    .bind(thread_id)
    .bind(OTHER_THREADS)
    .fetch_all(&mut *connection)
    .await?;
    Ok(threads.into_iter().map(OtherThread::from).collect())
}

/// One of the Veteran's other threads, as `other_threads` reads it.
#[derive(FromRow)]
struct OtherRecord {
    id: i64,
    subject: String,
    #[sqlx(try_from = "String")]
    category: Category,
    last_message_at: i64,
    completed_at: Option<i64>,
}

impl From<OtherRecord> for OtherThread {
    fn from(thread: OtherRecord) -> OtherThread {
        OtherThread {
            thread_id: thread.id,
            subject: thread.subject,
            category: thread.category,
            last_message_at: thread.last_message_at,
            completed: thread.completed_at.is_some(),
        }
    }
}

/// "Reply": the care team's answer, through the messaging data layer's
/// `messages::ssr::team_reply` (one bookkeeping for every message). It carries the
/// clinician's signature, marks the Veteran's messages opened, stops the team's clock
/// (`waiting_since` and `due_at` cleared), is unread for the Veteran and their caregivers,
/// and is audited as `message_sent`. `NotFound` for a thread of another team.
pub async fn reply(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    reply: &Reply,
) -> Result<SentMessage, AppError> {
    crate::messages::ssr::team_reply(db, capability, thread_id, reply).await
}

/// "Add internal note": a message for the team only (`is_internal_note = 1`). The Veteran's
/// side never sees it: their thread view, lists, search and "last message" leave notes out,
/// and it neither stops nor starts the team's clock. Audited as `internal_note_added`.
/// A retry with the same client key returns the first note's id. Returns the message id.
pub async fn add_internal_note(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    note: &NoteInput,
    from: Option<&str>,
) -> Result<i64, AppError> {
    rules::validate_client_key(&note.client_key)?;
    rules::validate_reply(&note.body)?;
    let author = capability.user().id;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let head = head(db, &mut tx, capability, thread_id, false).await?;
    if let Some(id) = retried_note(&mut tx, author, &note.client_key, thread_id).await? {
        return Ok(id);
    }
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO messages (thread_id, author_id, sent_by_team, is_internal_note, body, \
         sent_at, client_key) VALUES ($1, $2, 1, 1, $3, $4, $5) RETURNING id",
    )
    .bind(thread_id)
    .bind(author)
    .bind(note.body.as_str())
    .bind(now)
    .bind(note.client_key.as_str())
    .fetch_one(&mut *tx)
    .await;
    let message_id = match inserted {
        Ok(id) => id,
        Err(error) if is_unique_violation(&error) => {
            // The same key was used for a message elsewhere.
            return Err(AppError::Conflict {
                message: "This form was already used. Reload the page and try again.".into(),
            });
        }
        Err(error) => return Err(error.into()),
    };
    audit::record(
        &mut *tx,
        &audit_event(
            capability,
            Action::InternalNoteAdded,
            head.veteran_id,
            thread_id,
            from,
        )
        .detail(serde_json::json!({ "message_id": message_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(message_id)
}

/// The note this author already added with this client key, when it is in this thread.
async fn retried_note(
    tx: &mut Tx,
    author_id: i64,
    client_key: &str,
    thread_id: i64,
) -> Result<Option<i64>, AppError> {
    let note: Option<(i64, i64)> = sqlx::query_as(
        "SELECT id, thread_id FROM messages WHERE author_id = $1 AND client_key = $2",
    )
    .bind(author_id)
    .bind(client_key)
    .fetch_optional(&mut **tx)
    .await?;
    match note {
        None => Ok(None),
        Some((id, in_thread)) if in_thread == thread_id => Ok(Some(id)),
        Some(_) => Err(AppError::Conflict {
            message: "This form was already used. Reload the page and try again.".into(),
        }),
    }
}

/// "Mark complete": the team is done with the thread; nothing waits any more (no due time,
/// no overdue report). A new message from the Veteran's side reopens it
/// (`messages::ssr::append`). Already complete: nothing changes.
///
/// Refused with `Conflict` (`UNOPENED_MESSAGE`) while a Veteran-side message nobody on the
/// team has opened is in the thread, so a message that arrives as the button is pressed
/// leaves the thread open whichever commits first: the thread row is locked before the
/// check, and a message committed after it reopens the thread.
pub async fn mark_complete(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    from: Option<&str>,
) -> Result<(), AppError> {
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let head = head(db, &mut tx, capability, thread_id, true).await?;
    if head.completed_at.is_some() {
        return Ok(());
    }
    let unopened: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM messages WHERE thread_id = $1 AND sent_by_team = 0 \
         AND opened_by_team_at IS NULL LIMIT 1",
    )
    .bind(thread_id)
    .fetch_optional(&mut *tx)
    .await?;
    if unopened.is_some() {
        return Err(AppError::Conflict {
            message: UNOPENED_MESSAGE.to_string(),
        });
    }
    sqlx::query(
        "UPDATE threads SET completed_at = $1, waiting_since = NULL, due_at = NULL, \
         overdue_notified_at = NULL WHERE id = $2",
    )
    .bind(now)
    .bind(thread_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO thread_events (thread_id, at, actor_id, kind) VALUES ($1, $2, $3, $4)",
    )
    .bind(thread_id)
    .bind(now)
    .bind(capability.user().id)
    .bind(ThreadEventKind::Completed.as_str())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &audit_event(
            capability,
            Action::ThreadCompleted,
            head.veteran_id,
            head.thread_id,
            from,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// "Reopen": a completed thread goes back to the team's open work. Someone reopens a
/// thread because something is left to do, so it waits on the team again from now, with a
/// new due time from the team's response target (the Overdue filter and the leads' notice
/// then keep it from being forgotten); a reply from the team ends the wait as usual. Who
/// had it assigned keeps it. Already open: nothing changes.
pub async fn reopen(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    from: Option<&str>,
) -> Result<(), AppError> {
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let head = head(db, &mut tx, capability, thread_id, true).await?;
    if head.completed_at.is_none() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE threads SET completed_at = NULL, waiting_since = $1, due_at = NULL, \
         overdue_notified_at = NULL WHERE id = $2",
    )
    .bind(now)
    .bind(thread_id)
    .execute(&mut *tx)
    .await?;
    crate::team::ssr::start_due_clock(&mut tx, thread_id).await?;
    sqlx::query(
        "INSERT INTO thread_events (thread_id, at, actor_id, kind) VALUES ($1, $2, $3, $4)",
    )
    .bind(thread_id)
    .bind(now)
    .bind(capability.user().id)
    .bind(ThreadEventKind::Reopened.as_str())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &audit_event(
            capability,
            Action::ThreadReopened,
            head.veteran_id,
            head.thread_id,
            from,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
