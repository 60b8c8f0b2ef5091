//! The reports' data layer: server only, counts and times only.
//!
//! Definitions, for a range of whole days in the facility's time zone (`from` 00:00 to the
//! end of `to`, the "end of the range"):
//! - A thread belongs to the team it is with now (a thread moved to another team counts for
//!   the team that has it).
//! - New threads: threads started in the range. Messages: messages sent in the range, by the
//!   Veteran's side or by the team; internal notes are not messages.
//! - First response time: for each thread started in the range, from its first message to
//!   the team's first reply, counted in business hours (`team::business_days`: 08:00–16:30
//!   local time, Monday to Friday, not on U.S. federal holidays). Only replies sent before
//!   the end of the range count, so a report on a past month does not change later. The
//!   median and the 90th percentile use the nearest-rank method: the smallest time that at
//!   least half (90 %) of the answered threads did not exceed.
//! - Answered within target: the team's first reply came by the thread's due time (the
//!   team's response target in business days, `due_time_ms`). Threads still unanswered at
//!   the end of the range count against the team once their due time has passed, and are
//!   not judged yet before.
//! - Backlog at the end of the range: threads with a message from the Veteran's side that
//!   neither a team reply nor "Mark complete" followed before the end. Overdue: those whose
//!   due time, counted from the oldest such message, had passed by the end.

use super::types::{Report, ReportChoice, ReportRow, ReportScope, MAX_REPORT_DAYS};
use crate::admin::ssr::Origin;
use crate::error::AppError;
use crate::server::access::{AdminCapability, LeadCapability};
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::Db;
use crate::server::db::YesNo;
use crate::team::business_days::{BusinessCalendar, DEFAULT_RESPONSE_TARGET_DAYS};
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

/// Who is reading reports, and so which: an administrator any care team or facility; a
/// care team lead only the teams they lead (no facility, which holds other teams).
#[derive(Clone, Copy, Debug)]
pub enum ReportReader<'a> {
    Administrator(&'a AdminCapability),
    TeamLead(&'a LeadCapability),
}

impl<'a> From<&'a AdminCapability> for ReportReader<'a> {
    fn from(capability: &'a AdminCapability) -> Self {
        ReportReader::Administrator(capability)
    }
}

impl<'a> From<&'a LeadCapability> for ReportReader<'a> {
    fn from(capability: &'a LeadCapability) -> Self {
        ReportReader::TeamLead(capability)
    }
}

impl ReportReader<'_> {
    fn actor_id(self) -> i64 {
        match self {
            ReportReader::Administrator(admin) => admin.user().id,
            ReportReader::TeamLead(lead) => lead.user().id,
        }
    }

    /// Whether this reader may see the report on `scope`.
    pub fn may_read(self, scope: ReportScope) -> bool {
        match (self, scope) {
            (ReportReader::Administrator(_), _) => true,
            (ReportReader::TeamLead(lead), ReportScope::Team(team)) => lead.teams().contains(&team),
            (ReportReader::TeamLead(_), ReportScope::Facility(_)) => false,
        }
    }
}

/// A care team with what its figures are counted by.
struct Team {
    id: i64,
    name: String,
    target_days: u32,
}

/// The teams and facility a scope covers.
struct Coverage {
    covers: String,
    zone_name: String,
    zone: Tz,
    teams: Vec<Team>,
    facility_total: bool,
}

/// Reads "2026-11-27", the value of a date field.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Checks a date range from the form: both dates present and real, `to` not before `from`,
/// at most `MAX_REPORT_DAYS` days. Errors name the field, in the users' words.
pub fn date_range(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), AppError> {
    let from_date = parse_date(from);
    let to_date = parse_date(to);
    let mut fields = std::collections::BTreeMap::new();
    if from_date.is_none() {
        fields.insert(
            "from".to_string(),
            "Enter the first day of the report as a date, for example 2026-11-01.".to_string(),
        );
    }
    if to_date.is_none() {
        fields.insert(
            "to".to_string(),
            "Enter the last day of the report as a date, for example 2026-11-30.".to_string(),
        );
    }
    let (Some(from_date), Some(to_date)) = (from_date, to_date) else {
        return Err(AppError::Invalid { fields });
    };
    if to_date < from_date {
        return Err(AppError::invalid(
            "to",
            "The last day must be the same as or after the first day.",
        ));
    }
    if (to_date - from_date).num_days() >= MAX_REPORT_DAYS {
        return Err(AppError::invalid(
            "to",
            format!("A report can cover at most {MAX_REPORT_DAYS} days. Choose a shorter range."),
        ));
    }
    Ok((from_date, to_date))
}

/// The facilities and teams the report form offers: each facility (all its teams), then
/// each team, by name. A team lead is offered the teams they lead, and nothing else.
pub async fn choices<'a>(
    db: &Db,
    reader: impl Into<ReportReader<'a>>,
) -> Result<Vec<ReportChoice>, AppError> {
    let reader = reader.into();
    if let ReportReader::TeamLead(lead) = reader {
        let teams: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT ct.id, ct.name, f.name AS facility FROM care_teams ct \
             JOIN facilities f ON f.id = ct.facility_id \
             JOIN team_members tm ON tm.team_id = ct.id AND tm.user_id = $1 \
             AND tm.team_role = 'lead' ORDER BY f.name, ct.name, ct.id",
        )
        .bind(lead.user().id)
        .fetch_all(&db.pool)
        .await?;
        return Ok(teams
            .into_iter()
            .filter(|(id, _, _)| lead.teams().contains(id))
            .map(|(id, name, facility)| ReportChoice {
                scope: ReportScope::Team(id),
                label: format!("{name} — {facility}"),
            })
            .collect());
    }
    let facilities: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM facilities ORDER BY name, id")
            .fetch_all(&db.pool)
            .await?;
    let teams: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT ct.id, ct.name, f.name AS facility FROM care_teams ct \
         JOIN facilities f ON f.id = ct.facility_id ORDER BY f.name, ct.name, ct.id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut choices = Vec::with_capacity(facilities.len() + teams.len());
    for (id, name) in facilities {
        choices.push(ReportChoice {
            scope: ReportScope::Facility(id),
            label: format!("{name} (all teams)"),
        });
    }
    for (id, name, facility) in teams {
        choices.push(ReportChoice {
            scope: ReportScope::Team(id),
            label: format!("{name} — {facility}"),
        });
    }
    Ok(choices)
}

/// How a report was read, for its audit event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportRead {
    Page,
    Csv,
}

/// Writes that an administrator or a team lead read a report (on the page or as CSV):
/// what it covered and how, in `detail`.
pub async fn record_view<'a>(
    db: &Db,
    reader: impl Into<ReportReader<'a>>,
    origin: &Origin,
    report: &Report,
    scope: ReportScope,
    read: ReportRead,
) -> Result<(), AppError> {
    let format = match read {
        ReportRead::Page => "page",
        ReportRead::Csv => "csv",
    };
    let mut event = AuditEvent::new(Action::ReportViewed, Outcome::Success)
        .actor(reader.into().actor_id())
        .target(scope.to_value())
        .detail(serde_json::json!({
            "covers": report.covers,
            "from": report.from,
            "to": report.to,
            "as": format,
        }));
    if let Some(address) = &origin.0 {
        event = event.from_address(address.clone());
    }
    audit::record(&db.pool, &event).await?;
    Ok(())
}

/// The report for `scope` from `from` to `to` (both days included, in the facility's zone).
/// An unknown team or facility is `NotFound`, and so is one the reader may not see (a team
/// lead asking for another team, or for a facility): the answer does not say it exists.
pub async fn report<'a>(
    db: &Db,
    reader: impl Into<ReportReader<'a>>,
    scope: ReportScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Report, AppError> {
    if !reader.into().may_read(scope) {
        return Err(AppError::NotFound);
    }
    let coverage = coverage(db, scope).await?;
    let start = local_midnight(from, coverage.zone)?;
    let end = local_midnight(to.succ_opt().ok_or(AppError::NotFound)?, coverage.zone)?;
    let mut rows = Vec::with_capacity(coverage.teams.len() + 1);
    let mut total = Figures::default();
    for team in &coverage.teams {
        let figures = team_figures(db, team, coverage.zone, start, end).await?;
        rows.push(figures.row(team.name.clone()));
        total.add(figures);
    }
    if coverage.facility_total {
        rows.push(total.row("All teams".to_string()));
    }
    Ok(Report {
        covers: coverage.covers,
        time_zone: coverage.zone_name,
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        rows,
    })
}

async fn coverage(db: &Db, scope: ReportScope) -> Result<Coverage, AppError> {
    let (facility_id, only_team) = match scope {
        ReportScope::Facility(id) => (id, None),
        ReportScope::Team(id) => {
            let facility: Option<i64> =
                sqlx::query_scalar("SELECT facility_id FROM care_teams WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&db.pool)
                    .await?;
            (facility.ok_or(AppError::NotFound)?, Some(id))
        }
    };
    let (facility_name, zone_name): (String, String) =
        sqlx::query_as("SELECT name, time_zone FROM facilities WHERE id = $1")
            .bind(facility_id)
            .fetch_optional(&db.pool)
            .await?
            .ok_or(AppError::NotFound)?;
    let zone: Tz = zone_name
        .parse()
        .map_err(|_| AppError::internal(format!("facility {facility_id} has an unknown zone")))?;
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, name, response_target_days FROM care_teams \
         WHERE facility_id = $1 AND ($2 = 0 OR id = $2) ORDER BY name, id",
    )
    .bind(facility_id)
    .bind(only_team.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    let mut teams = Vec::with_capacity(rows.len());
    for (id, name, target) in rows {
        teams.push(Team {
            id,
            name,
            target_days: u32::try_from(target).unwrap_or(DEFAULT_RESPONSE_TARGET_DAYS),
        });
    }
    let covers = match (&only_team, teams.first()) {
        (Some(_), Some(team)) => format!("{}, {facility_name}", team.name),
        _ => facility_name,
    };
    Ok(Coverage {
        covers,
        zone_name,
        zone,
        teams,
        facility_total: only_team.is_none(),
    })
}

/// The first instant of a local day (the earliest, should the clocks repeat midnight; the
/// first after the skip, should they skip it).
fn local_midnight(day: NaiveDate, zone: Tz) -> Result<i64, AppError> {
    let midnight = day.and_hms_opt(0, 0, 0).ok_or(AppError::NotFound)?;
    zone.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.timestamp_millis())
        .ok_or(AppError::NotFound)
}

/// One team's figures before they become a row; facility totals add these up.
#[derive(Default)]
struct Figures {
    new_threads: i64,
    veteran_messages: i64,
    staff_messages: i64,
    response_ms: Vec<i64>,
    within_target: i64,
    judged: i64,
    backlog: i64,
    overdue: i64,
}

impl Figures {
    fn add(&mut self, other: Figures) {
        self.new_threads += other.new_threads;
        self.veteran_messages += other.veteran_messages;
        self.staff_messages += other.staff_messages;
        self.response_ms.extend(other.response_ms);
        self.within_target += other.within_target;
        self.judged += other.judged;
        self.backlog += other.backlog;
        self.overdue += other.overdue;
    }

    fn row(&self, label: String) -> ReportRow {
        let mut times = self.response_ms.clone();
        times.sort_unstable();
        ReportRow {
            label,
            new_threads: self.new_threads,
            veteran_messages: self.veteran_messages,
            staff_messages: self.staff_messages,
            answered: times.len() as i64,
            median_response_ms: nearest_rank(&times, 50),
            p90_response_ms: nearest_rank(&times, 90),
            within_target: self.within_target,
            judged: self.judged,
            backlog: self.backlog,
            overdue: self.overdue,
        }
    }
}

/// The nearest-rank percentile of sorted values: the value at rank ⌈p/100 × n⌉.
pub fn nearest_rank(sorted: &[i64], percent: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

async fn team_figures(
    db: &Db,
    team: &Team,
    zone: Tz,
    start: i64,
    end: i64,
) -> Result<Figures, AppError> {
    let mut figures = Figures {
        new_threads: sqlx::query_scalar(
            "SELECT COUNT(*) FROM threads WHERE team_id = $1 AND created_at >= $2 AND created_at < $3",
        )
        .bind(team.id)
        .bind(start)
        .bind(end)
        .fetch_one(&db.pool)
        .await?,
        ..Figures::default()
    };
    // A thread with a message in the range has its latest message (`last_message_at`, notes
    // aside) in or after it: only those threads are read, not all the team ever had.
    let messages: Vec<(YesNo, i64)> = sqlx::query_as(
        "SELECT m.sent_by_team, COUNT(*) AS sent FROM messages m \
         JOIN threads t ON t.id = m.thread_id \
         WHERE t.team_id = $1 AND t.last_message_at >= $2 \
           AND m.is_internal_note = 0 AND m.sent_at >= $2 AND m.sent_at < $3 \
         GROUP BY m.sent_by_team",
    )
    .bind(team.id)
    .bind(start)
    .bind(end)
    .fetch_all(&db.pool)
    .await?;
    for (YesNo(by_team), sent) in messages {
        if by_team {
            figures.staff_messages = sent;
        } else {
            figures.veteran_messages = sent;
        }
    }
    first_responses(db, team, zone, start, end, &mut figures).await?;
    backlog(db, team, zone, end, &mut figures).await?;
    Ok(figures)
}

/// First response times and "within target" of the threads started in the range.
async fn first_responses(
    db: &Db,
    team: &Team,
    zone: Tz,
    start: i64,
    end: i64,
    figures: &mut Figures,
) -> Result<(), AppError> {
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT f.first_at, \
           (SELECT MIN(r.sent_at) FROM messages r WHERE r.thread_id = f.id AND r.sent_by_team = 1 \
              AND r.is_internal_note = 0 AND r.sent_at >= f.first_at AND r.sent_at < $4) AS reply_at \
         FROM (SELECT t.id, (SELECT MIN(m.sent_at) FROM messages m WHERE m.thread_id = t.id \
                  AND m.sent_by_team = 0) AS first_at \
               FROM threads t WHERE t.team_id = $1 AND t.created_at >= $2 AND t.created_at < $3) f \
         WHERE f.first_at IS NOT NULL",
    )
    .bind(team.id)
    .bind(start)
    .bind(end)
    .bind(end)
    .fetch_all(&db.pool)
    .await?;
    let mut calendar = BusinessCalendar::new(zone);
    for (first_at, reply_at) in rows {
        let due = calendar.due_time_ms(first_at, team.target_days);
        match reply_at {
            Some(reply_at) => {
                figures
                    .response_ms
                    .push(calendar.business_ms_between(first_at, reply_at));
                figures.judged += 1;
                if reply_at <= due {
                    figures.within_target += 1;
                }
            }
            None if due < end => figures.judged += 1,
            None => {}
        }
    }
    Ok(())
}

/// Threads waiting on the team at `end`, and how many of them were overdue.
///
/// Read in two parts, so the work grows with the threads waiting now and the threads active
/// since `end`, not with every thread the team ever had:
/// - A thread with no message and no "Mark complete" at or after `end` is at `end` as it is
///   now, and the thread's own bookkeeping says whether it waits and since when
///   (`waiting_since`, kept by `messages::ssr` and `team::ssr::thread` on every message and
///   completion, and indexed by team). `last_message_at` is its latest message (internal
///   notes aside, which do not count here either) and `completed_at` its latest completion
///   (a completion can only be undone by a later message).
/// - A thread active at or after `end` is worked out from its history before `end`.
async fn backlog(
    db: &Db,
    team: &Team,
    zone: Tz,
    end: i64,
    figures: &mut Figures,
) -> Result<(), AppError> {
    let unchanged_since_end = sqlx::query_scalar::<_, i64>(
        "SELECT waiting_since FROM threads WHERE team_id = $1 AND waiting_since IS NOT NULL \
         AND last_message_at < $2 AND (completed_at IS NULL OR completed_at < $2)",
    )
    .bind(team.id)
    .bind(end)
    .fetch_all(&db.pool)
    .await?;
    // For each thread active since `end`: the oldest Veteran-side message after the team last
    // replied or marked it complete, all before `end`. -1 stands for "never" (times are
    // never negative).
    let active_since_end = sqlx::query_scalar::<_, i64>(
        "SELECT w.waiting_since FROM (SELECT \
           (SELECT MIN(v.sent_at) FROM messages v WHERE v.thread_id = t.id AND v.sent_by_team = 0 \
              AND v.sent_at < $2 \
              AND v.sent_at > COALESCE((SELECT MAX(r.sent_at) FROM messages r WHERE r.thread_id = t.id \
                    AND r.sent_by_team = 1 AND r.is_internal_note = 0 AND r.sent_at < $2), -1) \
              AND v.sent_at > COALESCE((SELECT MAX(e.at) FROM thread_events e WHERE e.thread_id = t.id \
                    AND e.kind = 'completed' AND e.at < $2), -1)) AS waiting_since \
           FROM threads t WHERE t.team_id = $1 AND t.created_at < $2 \
             AND t.id IN (SELECT a.id FROM threads a WHERE a.team_id = $1 AND a.last_message_at >= $2 \
                          UNION SELECT c.id FROM threads c WHERE c.team_id = $1 AND c.completed_at >= $2)) w \
         WHERE w.waiting_since IS NOT NULL",
    )
    .bind(team.id)
    .bind(end)
    .fetch_all(&db.pool)
    .await?;
    let mut calendar = BusinessCalendar::new(zone);
    for waiting_since in unchanged_since_end.into_iter().chain(active_since_end) {
        figures.backlog += 1;
        if calendar.due_time_ms(waiting_since, team.target_days) <= end {
            figures.overdue += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(nearest_rank(&values, 50), Some(5));
        assert_eq!(nearest_rank(&values, 90), Some(9));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[1, 2, 3], 50), Some(2));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    #[test]
    fn date_ranges_are_checked_with_field_errors() {
        assert!(date_range("2026-11-01", "2026-11-30").is_ok());
        assert!(date_range("2026-11-01", "2026-11-01").is_ok());
        let both = date_range("", "soon").unwrap_err();
        assert!(both.field("from").is_some() && both.field("to").is_some());
        let backwards = date_range("2026-11-30", "2026-11-01").unwrap_err();
        assert_eq!(
            backwards.field("to").as_deref(),
            Some("The last day must be the same as or after the first day.")
        );
        assert!(date_range("2025-01-01", "2026-11-30")
            .unwrap_err()
            .field("to")
            .is_some());
    }
}
