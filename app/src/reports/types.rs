//! What a report holds, shared by the server and the page. Counts and times only: a report
//! never carries a subject, a body, a name of a Veteran or anything else from a message
//! (DESIGN.md §2 "Administrators … do not read message content").

use serde::{Deserialize, Serialize};

/// What a report covers: one care team, or every team of one facility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportScope {
    Team(i64),
    Facility(i64),
}

impl ReportScope {
    /// The value of the form's "Report on" choice: `team:4` or `facility:1`.
    pub fn to_value(self) -> String {
        match self {
            ReportScope::Team(id) => format!("team:{id}"),
            ReportScope::Facility(id) => format!("facility:{id}"),
        }
    }

    pub fn parse(value: &str) -> Option<ReportScope> {
        let (kind, id) = value.trim().split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "team" => Some(ReportScope::Team(id)),
            "facility" => Some(ReportScope::Facility(id)),
            _ => None,
        }
    }
}

/// The figures of one care team, or of a whole facility (the "All teams" row), for the
/// report's date range. Times are business milliseconds (`team::business_days`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    /// The care team's name, or "All teams" for a facility's total.
    pub label: String,
    /// Threads started in the range.
    pub new_threads: i64,
    /// Messages sent in the range by Veterans and caregivers.
    pub veteran_messages: i64,
    /// Replies sent in the range by care team members (internal notes are not messages).
    pub staff_messages: i64,
    /// Threads started in the range that the team answered before the range ended.
    pub answered: i64,
    /// Median first response time of those, in business milliseconds.
    pub median_response_ms: Option<i64>,
    /// 90th percentile of the same.
    pub p90_response_ms: Option<i64>,
    /// Of the threads started in the range whose outcome is known at its end (answered, or
    /// unanswered and already past their due time), how many were answered by their due time.
    pub within_target: i64,
    pub judged: i64,
    /// Threads waiting on the team at the end of the range.
    pub backlog: i64,
    /// Of those, how many were past their due time.
    pub overdue: i64,
}

impl ReportRow {
    /// "Answered within target" as a whole percentage, when any thread can be judged.
    pub fn within_target_percent(&self) -> Option<i64> {
        (self.judged > 0).then(|| (self.within_target * 100 + self.judged / 2) / self.judged)
    }
}

/// A report: what it covers, in words, and its rows (one per team; a facility report ends
/// with the "All teams" row).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// "Primary Care – Blue Team, Demo VA Medical Center" or "Demo VA Medical Center".
    pub covers: String,
    /// The facility's time zone, in which the dates and business hours are counted.
    pub time_zone: String,
    /// "2026-11-01" and "2026-11-30", both days included.
    pub from: String,
    pub to: String,
    pub rows: Vec<ReportRow>,
}

/// A team or facility the report form offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportChoice {
    pub scope: ReportScope,
    /// "Demo VA Medical Center (all teams)" or "Pharmacy — Demo VA Medical Center".
    pub label: String,
}

/// Business milliseconds as people read them: "5.5 business hours".
pub fn business_hours(ms: i64) -> String {
    let tenths = (ms + 180_000) / 360_000;
    let (whole, tenth) = (tenths / 10, tenths % 10);
    let unit = if tenths == 10 { "hour" } else { "hours" };
    format!("{whole}.{tenth} business {unit}")
}

/// Business milliseconds as a plain number of hours with one decimal, for CSV.
pub fn hours_number(ms: i64) -> String {
    let tenths = (ms + 180_000) / 360_000;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The longest range a report may cover, so one request cannot ask for centuries.
pub const MAX_REPORT_DAYS: i64 = 366;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_values_round_trip_and_reject_anything_else() {
        for scope in [ReportScope::Team(4), ReportScope::Facility(1)] {
            assert_eq!(ReportScope::parse(&scope.to_value()), Some(scope));
        }
        assert_eq!(ReportScope::parse("team:x"), None);
        assert_eq!(ReportScope::parse("user:3"), None);
        assert_eq!(ReportScope::parse(""), None);
    }

    #[test]
    fn business_hours_are_rounded_to_a_tenth() {
        assert_eq!(business_hours(3_600_000), "1.0 business hour");
        assert_eq!(business_hours(19_800_000), "5.5 business hours");
        assert_eq!(business_hours(0), "0.0 business hours");
        assert_eq!(hours_number(30_600_000), "8.5");
    }

    #[test]
    fn share_within_target_rounds_to_the_nearest_percent() {
        let row = ReportRow {
            within_target: 2,
            judged: 3,
            ..ReportRow::default()
        };
        assert_eq!(row.within_target_percent(), Some(67));
        assert_eq!(ReportRow::default().within_target_percent(), None);
    }
}
