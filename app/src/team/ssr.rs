//! The care team workspace's data layer: server only (STYLE.md habit 3).
//!
//! Every public function but the overdue job starts from a `TeamCapability` and scopes
//! every query to the care teams the capability's person belongs to (`team_members`): a
//! thread, template or team they do not serve answers `AppError::NotFound`, exactly like one
//! that does not exist (DESIGN.md §3). Team leads alone manage templates (`Forbidden` for
//! other members).
//!
//! Changes and their audit events commit in one transaction; reads of a thread are audited
//! too. Concurrent changes are decided by the database, not by what a page showed: an
//! assignment is a conditional `UPDATE` (the row it expects, or nothing), and completion
//! locks the thread row (PostgreSQL `FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` serializes
//! writers) before it looks for unopened Veteran messages.
//!
//! Due times are stored on the thread (`threads.due_at`) when waiting starts, computed with
//! `business_days::due_time_ms` from the team's target and the facility's zone, so "Overdue"
//! and the default order are plain index work.

mod assignment;
mod inbox;
mod members;
mod overdue;
mod reply_drafts;
mod start;
mod start_draft;
mod templates;
mod thread;

pub use assignment::{assign_to_me, assign_to_member, reassign_team, unassign};
pub use inbox::{inbox_counts, list_inbox};
pub use members::{
    clear_coverage, my_coverage, my_teams, reassign_choices, set_coverage, team_members,
};
pub use overdue::{
    backfill_due_times, mark_notification_read, mark_overdue, notifications, unread_notifications,
};
pub(crate) use reply_drafts::drop_stranded_reply_drafts;
pub use reply_drafts::{
    reply_draft, reply_draft_for_files, save_reply_text, writing, SavedReply, Stranded,
};
pub use start::{find_veterans, start_thread, veteran_choice, FIND_VETERANS_LIMIT};
pub use start_draft::{start_draft, start_draft_for_files};
pub use templates::{create_template, delete_template, templates, update_template};
pub use thread::{
    add_internal_note, mark_complete, open_thread, print_thread, reopen, reply, UNOPENED_MESSAGE,
};

use super::business_days::due_time_ms;
use super::types::{Coverage, NotificationKind, Person, ThreadEventKind};
use crate::error::AppError;
use crate::server::access::TeamCapability;
use crate::server::audit::{Action, AuditEvent, Outcome};
use crate::server::clock::DEFAULT_TIME_ZONE;
use crate::server::db::{Db, Tx};
use sqlx::{AnyConnection, FromRow};

/// SQL naming the teams the person `$n` belongs to, for `team_id IN (…)`.
fn my_teams_sql(person: &str) -> String {
    format!("SELECT tm.team_id FROM team_members tm WHERE tm.user_id = {person}")
}

/// What the changes below need to know about a thread.
#[derive(FromRow)]
struct Head {
    #[sqlx(rename = "id")]
    thread_id: i64,
    veteran_id: i64,
    team_id: i64,
    assigned_to: Option<i64>,
    completed_at: Option<i64>,
}

/// A thread of one of the person's teams, or `NotFound`; locked for this transaction when
/// `lock` (on PostgreSQL; on SQLite the transaction already excludes other writers).
async fn head(
    db: &Db,
    tx: &mut Tx,
    capability: &TeamCapability,
    thread_id: i64,
    lock: bool,
) -> Result<Head, AppError> {
    sqlx::query_as(&format!(
        "SELECT t.id, t.veteran_id, t.team_id, t.assigned_to, t.completed_at FROM threads t \
         WHERE t.id = $1 AND t.team_id IN ({}){}",
        my_teams_sql("$2"),
        if lock { db.lock_rows() } else { "" },
    ))
    .bind(thread_id)
    .bind(capability.user().id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::NotFound)
}

/// Whether the person belongs to the team; `NotFound` when not (or no such team), so a
/// team's existence is not given away either. Returns whether they lead it.
async fn membership(
    connection: &mut AnyConnection,
    capability: &TeamCapability,
    team_id: i64,
) -> Result<bool, AppError> {
    let role: Option<String> = sqlx::query_scalar(
        "SELECT team_role FROM team_members WHERE team_id = $1 AND user_id = $2",
    )
    .bind(team_id)
    .bind(capability.user().id)
    .fetch_optional(connection)
    .await?;
    role.map(|role| role == "lead").ok_or(AppError::NotFound)
}

/// An audit event by the clinician about one thread of a Veteran, from where they asked.
fn audit_event(
    capability: &TeamCapability,
    action: Action,
    veteran_id: i64,
    thread_id: i64,
    from: Option<&str>,
) -> AuditEvent {
    let event = AuditEvent::new(action, Outcome::Success)
        .actor(capability.user().id)
        .patient(veteran_id)
        .target(format!("thread:{thread_id}"));
    match from {
        Some(address) => event.from_address(address),
        None => event,
    }
}

/// An audit event by the clinician that is about no one thread, from where they asked.
fn audit_event_for(capability: &TeamCapability, action: Action) -> AuditEvent {
    let event = AuditEvent::new(action, Outcome::Success).actor(capability.user().id);
    match capability.address() {
        Some(address) => event.from_address(address),
        None => event,
    }
}

/// Starts the team's clock: when the thread waits on the team and has no due time yet,
/// stores one. Called in the same transaction as each message from the Veteran's side
/// (`messages::ssr::append`).
pub(crate) async fn start_due_clock(tx: &mut Tx, thread_id: i64) -> Result<(), sqlx::Error> {
    set_due_at(tx, thread_id, true).await
}

/// Stores `due_at` for a waiting thread from its team's target and its facility's zone:
/// only when missing, or always (after the thread moved to another team).
async fn set_due_at(tx: &mut Tx, thread_id: i64, only_if_missing: bool) -> Result<(), sqlx::Error> {
    let missing = if only_if_missing {
        " AND t.due_at IS NULL"
    } else {
        ""
    };
    let waiting: Option<(i64, i64, String)> = sqlx::query_as(&format!(
        "SELECT t.waiting_since, ct.response_target_days, f.time_zone FROM threads t \
         JOIN care_teams ct ON ct.id = t.team_id JOIN facilities f ON f.id = ct.facility_id \
         WHERE t.id = $1 AND t.waiting_since IS NOT NULL{missing}"
    ))
    .bind(thread_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((waiting_since, target, zone)) = waiting else {
        return Ok(());
    };
    let due_at = due_time_ms(
        waiting_since,
        u32::try_from(target).unwrap_or(super::business_days::DEFAULT_RESPONSE_TARGET_DAYS),
        time_zone(&zone),
    );
    sqlx::query("UPDATE threads SET due_at = $1 WHERE id = $2")
        .bind(due_at)
        .bind(thread_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A facility's zone. Zones are checked when a facility is saved; should a stored one not
/// parse, business days are counted in the default zone and the fault is logged.
fn time_zone(name: &str) -> chrono_tz::Tz {
    name.parse().unwrap_or_else(|_| {
        tracing::warn!(zone = %name, "unknown facility time zone; using the default");
        DEFAULT_TIME_ZONE
            .parse()
            .unwrap_or(chrono_tz::America::New_York)
    })
}

fn decode_error(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unexpected {what} in the database").into())
}

/// A stored `thread_events.kind`; an unknown one is a decode error.
impl TryFrom<String> for ThreadEventKind {
    type Error = sqlx::Error;

    fn try_from(value: String) -> Result<ThreadEventKind, sqlx::Error> {
        ThreadEventKind::parse(&value).ok_or_else(|| decode_error("event kind"))
    }
}

/// A stored `notifications.kind`; an unknown one is a decode error.
impl TryFrom<String> for NotificationKind {
    type Error = sqlx::Error;

    fn try_from(value: String) -> Result<NotificationKind, sqlx::Error> {
        match value.as_str() {
            "overdue" => Ok(NotificationKind::Overdue),
            "urgent" => Ok(NotificationKind::Urgent),
            _ => Err(decode_error("notification kind")),
        }
    }
}

/// A person from an id column and a name column, both NULL when there is nobody.
fn person(id: Option<i64>, name: Option<String>) -> Option<Person> {
    id.zip(name).map(|(id, name)| Person { id, name })
}

/// The columns [`CoverageColumns`] reads: the coverage row joined as `cv` and the covering
/// person as `cv_u` (`coverage_join`).
const COVERAGE_COLUMNS: &str = "cv.away_until AS cv_away_until, \
     cv.covering_user_id AS cv_covering_id, cv_u.name AS cv_covering_name";

/// Joins the coverage in force at `now` (SQL) of the person in `user` (SQL) as `cv`.
fn coverage_join(user: &str, now: &str) -> String {
    format!(
        " LEFT JOIN coverage cv ON cv.user_id = {user} AND cv.away_until > {now} \
         LEFT JOIN users cv_u ON cv_u.id = cv.covering_user_id"
    )
}

/// A row's coverage columns (`COVERAGE_COLUMNS`), all NULL when nobody covers.
#[derive(FromRow)]
struct CoverageColumns {
    cv_away_until: Option<i64>,
    cv_covering_id: Option<i64>,
    cv_covering_name: Option<String>,
}

impl CoverageColumns {
    fn coverage(self) -> Option<Coverage> {
        let covered_by = person(self.cv_covering_id, self.cv_covering_name);
        self.cv_away_until
            .zip(covered_by)
            .map(|(away_until, covered_by)| Coverage {
                away_until,
                covered_by,
            })
    }
}
