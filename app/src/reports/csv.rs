//! CSV files for download: the report, and (from `audit_log`) the audit log. Written with
//! the `csv` crate; answered as downloads (`server::download`).

use super::types::{hours_number, Report};
use crate::error::AppError;

/// A cell a spreadsheet would otherwise run as a formula (`=`, `+`, `-`, `@`, tab, carriage
/// return at the start: OWASP "CSV injection") is prefixed with `'`. Names of teams and
/// people are typed by people.
pub fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// Rows written with `csv::Writer` into text.
pub fn to_text<I, R>(rows: I) -> Result<String, AppError>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).map_err(AppError::internal)?;
    }
    let bytes = writer.into_inner().map_err(AppError::internal)?;
    String::from_utf8(bytes).map_err(AppError::internal)
}

pub const REPORT_HEADER: [&str; 13] = [
    "Care team",
    "First day",
    "Last day",
    "New threads",
    "Messages from Veterans",
    "Messages from staff",
    "Threads answered",
    "Median first response (business hours)",
    "90th percentile first response (business hours)",
    "Answered within target",
    "Threads judged against target",
    "Backlog at end",
    "Overdue at end",
];

/// The report as CSV text: a header, then one line per row of the report.
pub fn report_csv(report: &Report) -> Result<String, AppError> {
    let header = REPORT_HEADER.iter().map(|h| h.to_string()).collect();
    let lines = report.rows.iter().map(|row| {
        vec![
            cell(&row.label),
            report.from.clone(),
            report.to.clone(),
            row.new_threads.to_string(),
            row.veteran_messages.to_string(),
            row.staff_messages.to_string(),
            row.answered.to_string(),
            row.median_response_ms.map(hours_number).unwrap_or_default(),
            row.p90_response_ms.map(hours_number).unwrap_or_default(),
            row.within_target.to_string(),
            row.judged.to_string(),
            row.backlog.to_string(),
            row.overdue.to_string(),
        ]
    });
    to_text(std::iter::once(header).chain(lines))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::types::ReportRow;

    #[test]
    fn formulas_are_defused_and_commas_quoted() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("Pharmacy"), "Pharmacy");
        let report = Report {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            rows: vec![ReportRow {
                label: "Cardiology, East".into(),
                new_threads: 2,
                median_response_ms: Some(5_400_000),
                ..ReportRow::default()
            }],
            ..Report::default()
        };
        let text = report_csv(&report).unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with("Care team,First day,"));
        assert_eq!(
            lines.next().unwrap(),
            "\"Cardiology, East\",2026-11-01,2026-11-30,2,0,0,0,1.5,,0,0,0,0"
        );
    }
}
