//! Who has a thread: assignment within the team (following coverage while a member is
//! away) and moving it to another team (DESIGN.md §2 "Assignment", "Coverage").
//!
//! Assignments are conditional updates: each says which assignee it expects to replace
//! (nobody, for "Assign to me"), and the database applies it only when that is still so.
//! Two clinicians pressing "Assign to me" at once end with one assignee, and each is told
//! who it is (`Assignment::changed` says whether it was their change).

use super::super::types::{Assignment, Person, ThreadEventKind, REASON_MAX_CHARS};
use super::{audit_event, head, set_due_at, Head};
use crate::error::AppError;
use crate::server::access::TeamCapability;
use crate::server::audit::{self, Action};
use crate::server::db::Db;
use crate::server::db::Tx;

/// How far coverage is followed (Casey covers Morgan, who covers …): far enough for real
/// rotas, short enough that a loop cannot run away.
const COVERAGE_HOPS: usize = 5;

/// "Assign to me": takes the thread when nobody on the team has it. When someone does,
/// nothing changes and the answer names them.
pub async fn assign_to_me(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    from: Option<&str>,
) -> Result<Assignment, AppError> {
    let me = capability.user().id;
    change_assignee(db, capability, thread_id, Some(me), Expect::Nobody, from).await
}

/// Assigns the thread to `member_id`, who must be on the thread's team (an "member" field
/// error otherwise). When that member is away with someone covering, the thread goes to
/// the covering member (`Assignment::covering_for` names the one who is away).
/// `seen_assignee` is who had the thread on the page the choice was made on: when a
/// colleague changed it since, nothing changes and the answer says who has it now.
pub async fn assign_to_member(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    member_id: i64,
    seen_assignee: Option<i64>,
    from: Option<&str>,
) -> Result<Assignment, AppError> {
    let expect = Expect::Seen(seen_assignee);
    change_assignee(db, capability, thread_id, Some(member_id), expect, from).await
}

/// Unassigns the thread, when `seen_assignee` still has it (see `assign_to_member`).
pub async fn unassign(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    seen_assignee: Option<i64>,
    from: Option<&str>,
) -> Result<Assignment, AppError> {
    let expect = Expect::Seen(seen_assignee);
    change_assignee(db, capability, thread_id, None, expect, from).await
}

/// Which assignee a change expects to replace.
#[derive(Clone, Copy)]
enum Expect {
    /// Nobody ("Assign to me" never takes a thread from a colleague).
    Nobody,
    /// Whoever the page showed.
    Seen(Option<i64>),
}

async fn change_assignee(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    target: Option<i64>,
    expect: Expect,
    from: Option<&str>,
) -> Result<Assignment, AppError> {
    let me = capability.user().id;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let head = head(db, &mut tx, capability, thread_id, false).await?;
    let (assignee, covering_for) = match target {
        Some(member) if member == me => (Some(me), None),
        Some(member) => {
            let (assignee, away) = covering_member(&mut tx, head.team_id, member, now).await?;
            (Some(assignee), away)
        }
        None => (None, None),
    };
    let expected = match expect {
        Expect::Nobody => None,
        Expect::Seen(seen) => seen,
    };
    let changed =
        expected != assignee && replace_assignee(&mut tx, &head, expected, assignee).await?;
    if changed {
        let kind = match assignee {
            Some(_) => ThreadEventKind::Assigned,
            None => ThreadEventKind::Unassigned,
        };
        sqlx::query(
            "INSERT INTO thread_events (thread_id, at, actor_id, kind, assignee_id, covering_for_id) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(thread_id)
        .bind(now)
        .bind(me)
        .bind(kind.as_str())
        .bind(assignee)
        .bind(covering_for)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut *tx,
            &audit_event(
                capability,
                Action::ThreadAssigned,
                head.veteran_id,
                thread_id,
                from,
            )
            .detail(serde_json::json!({
                "assignee_id": assignee,
                "previous_assignee_id": expected,
                "covering_for_id": covering_for,
            })),
        )
        .await?;
    }
    // The truth after this change or the one that won: read in the same transaction, which
    // on PostgreSQL sees every commit made before this statement.
    let (assigned_to, assignee_name): (Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT t.assigned_to, a.name AS assignee_name FROM threads t \
         LEFT JOIN users a ON a.id = t.assigned_to WHERE t.id = $1 AND t.team_id = $2",
    )
    .bind(thread_id)
    .bind(head.team_id)
    .fetch_optional(&mut *tx)
    .await?
    // Moved to another team meanwhile.
    .ok_or(AppError::NotFound)?;
    let now_assigned = super::person(assigned_to, assignee_name);
    let covering_for = match (changed, covering_for) {
        (true, Some(id)) => Some(person_named(&mut tx, id).await?),
        _ => None,
    };
    tx.commit().await?;
    Ok(Assignment {
        thread_id,
        assignee: now_assigned,
        changed,
        covering_for,
    })
}

/// Sets the assignee when the thread, still in the same team, has `expected`. Returns
/// whether it did. On PostgreSQL a concurrent change holds the row until it commits, and
/// the condition is then checked again on the row as it committed.
async fn replace_assignee(
    tx: &mut Tx,
    head: &Head,
    expected: Option<i64>,
    assignee: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let condition = match expected {
        Some(_) => "assigned_to = $4",
        None => "assigned_to IS NULL",
    };
    let sql = format!(
        "UPDATE threads SET assigned_to = $1 WHERE id = $2 AND team_id = $3 AND {condition}"
    );
    let mut update = sqlx::query(&sql)
        .bind(assignee)
        .bind(head.thread_id)
        .bind(head.team_id);
    if let Some(expected) = expected {
        update = update.bind(expected);
    }
    let done = update.execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
}

/// The member who should get a thread of `team_id` chosen for `member_id`: the member, or
/// while they are away, whoever covers for them (followed a few steps, and only through
/// members of the same team). Returns the assignee and, when coverage redirected, the
/// member who is away. `member_id` off the team is a field error.
async fn covering_member(
    tx: &mut Tx,
    team_id: i64,
    member_id: i64,
    now: i64,
) -> Result<(i64, Option<i64>), AppError> {
    let on_team: Option<i64> = sqlx::query_scalar(
        "SELECT tm.user_id FROM team_members tm JOIN users u ON u.id = tm.user_id \
         WHERE tm.team_id = $1 AND tm.user_id = $2 AND u.active = 1",
    )
    .bind(team_id)
    .bind(member_id)
    .fetch_optional(&mut **tx)
    .await?;
    if on_team.is_none() {
        return Err(AppError::invalid(
            "member",
            "Choose a member of this care team.",
        ));
    }
    let mut visited = vec![member_id];
    let mut current = member_id;
    for _ in 0..COVERAGE_HOPS {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT c.covering_user_id FROM coverage c \
             JOIN team_members tm ON tm.user_id = c.covering_user_id AND tm.team_id = $1 \
             JOIN users u ON u.id = c.covering_user_id AND u.active = 1 \
             WHERE c.user_id = $2 AND c.away_until > $3",
        )
        .bind(team_id)
        .bind(current)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        match next {
            Some(next) if !visited.contains(&next) => {
                visited.push(next);
                current = next;
            }
            _ => break,
        }
    }
    Ok((current, (current != member_id).then_some(member_id)))
}

async fn person_named(tx: &mut Tx, user_id: i64) -> Result<Person, sqlx::Error> {
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(Person { id: user_id, name })
}

/// Moves the thread to another care team, with the reason (required, up to 500
/// characters): the new team sees it at once, unassigned; the Veteran sees the new team's
/// name (it is the thread's team). The due time is counted again from when the Veteran
/// started waiting, with the new team's target and zone, and an overdue report is owed to
/// the new team's leads. Recorded in the thread's history (with the reason) and audited as
/// `thread_reassigned` (without it: the reason may hold health information).
///
/// Reply drafts of members of the old team who are not on the new one go, with their
/// files (nobody could reach them any more). Returns those files' ids, for the
/// caller to remove from storage after this has committed.
pub async fn reassign_team(
    db: &Db,
    capability: &TeamCapability,
    thread_id: i64,
    to_team_id: i64,
    reason: &str,
    from: Option<&str>,
) -> Result<Vec<String>, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "Enter why you're moving this conversation.",
        ));
    }
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(AppError::invalid(
            "reason",
            format!("Reason must be {REASON_MAX_CHARS} characters or fewer."),
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let head = head(db, &mut tx, capability, thread_id, true).await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM care_teams WHERE id = $1")
        .bind(to_team_id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(AppError::invalid("team", "Choose a care team."));
    }
    if to_team_id == head.team_id {
        return Err(AppError::invalid(
            "team",
            "Choose a different care team from the current one.",
        ));
    }
    sqlx::query(
        "UPDATE threads SET team_id = $1, assigned_to = NULL, overdue_notified_at = NULL \
         WHERE id = $2",
    )
    .bind(to_team_id)
    .bind(thread_id)
    .execute(&mut *tx)
    .await?;
    set_due_at(&mut tx, thread_id, false).await?;
    let event_id: i64 = sqlx::query_scalar(
        "INSERT INTO thread_events (thread_id, at, actor_id, kind, from_team_id, to_team_id, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(thread_id)
    .bind(now)
    .bind(capability.user().id)
    .bind(ThreadEventKind::Reassigned.as_str())
    .bind(head.team_id)
    .bind(to_team_id)
    .bind(reason)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &audit_event(
            capability,
            Action::ThreadReassigned,
            head.veteran_id,
            thread_id,
            from,
        )
        .detail(serde_json::json!({
            "from_team_id": head.team_id,
            "to_team_id": to_team_id,
            "previous_assignee_id": head.assigned_to,
            "thread_event_id": event_id,
        })),
    )
    .await?;
    let stranded_files = super::drop_stranded_reply_drafts(
        &mut tx,
        super::Stranded::Thread(thread_id),
        capability.user().id,
        from,
    )
    .await?;
    tx.commit().await?;
    Ok(stranded_files)
}
