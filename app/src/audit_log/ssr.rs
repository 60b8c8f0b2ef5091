//! The audit log viewer's data layer: server only, read only.
//!
//! Events come newest first (by time, then id), a page at a time with a keyset cursor, so a
//! page costs the same with a million events as with ten: each filter has an index that
//! delivers its events in that order (foundation: by actor, by patient; migration
//! `20261127000006_reports`: by time and id, by action, by outcome).
//!
//! Days of the date filter are the administrator's days, in their own time zone, and times
//! are shown in it.

use super::types::{action_words, outcome_words, AuditCursor, AuditEntry, AuditFilter, OUTCOMES};
use crate::admin::ssr::Origin;
use crate::error::AppError;
use crate::server::access::AdminCapability;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::clock::{date_time, start_of_day_ms};
use crate::server::db::Db;
use crate::server::db::Sql;
use chrono::NaiveDate;
use sqlx::FromRow;

/// The filter checked: empty fields dropped, dates turned into times.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckedFilter {
    pub person: Option<String>,
    pub patient: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    /// From the first millisecond of `from` to before the first of the day after `to`.
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

/// Checks the form's values; each problem is a message at its field.
pub fn check(filter: &AuditFilter, zone: &str) -> Result<CheckedFilter, AppError> {
    let mut fields = std::collections::BTreeMap::new();
    let text = |value: &str| Some(value.trim().to_string()).filter(|v| !v.is_empty());
    let action = text(&filter.action);
    if let Some(action) = &action {
        // Any action of the right shape is allowed: actions added later can be asked for
        // by address before `ACTIONS` lists them.
        if !action.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            fields.insert(
                "action".to_string(),
                "Choose an action from the list.".to_string(),
            );
        }
    }
    let outcome = text(&filter.outcome);
    if let Some(outcome) = &outcome {
        if !OUTCOMES.iter().any(|(name, _)| name == outcome) {
            fields.insert(
                "outcome".to_string(),
                "Choose an outcome from the list.".to_string(),
            );
        }
    }
    let day =
        |value: &str, field: &str, fields: &mut std::collections::BTreeMap<String, String>| {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
            if parsed.is_none() {
                fields.insert(
                    field.to_string(),
                    "Enter a date, for example 2026-11-01, or leave this empty.".to_string(),
                );
            }
            parsed
        };
    let from = day(&filter.from, "from", &mut fields);
    let to = day(&filter.to, "to", &mut fields);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            fields.insert(
                "to".to_string(),
                "The last day must be the same as or after the first day.".to_string(),
            );
        }
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid { fields });
    }
    Ok(CheckedFilter {
        person: text(&filter.person).map(|v| v.to_lowercase()),
        patient: text(&filter.patient).map(|v| v.to_lowercase()),
        action,
        outcome,
        from_ms: from.and_then(|day| start_of_day_ms(day, zone)),
        until_ms: to
            .and_then(|to| to.succ_opt())
            .and_then(|day| start_of_day_ms(day, zone)),
    })
}

/// `users.id IN (…)` for people whose email is `text` or whose name contains it.
fn people(sql: &mut Sql, column: &str, text: &str) {
    let email = sql.text(text);
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let pattern = sql.text(format!("%{escaped}%"));
    sql.push(&format!(
        " AND {column} IN (SELECT id FROM users WHERE email = {email} \
         OR LOWER(name) LIKE {pattern} ESCAPE '\\')"
    ));
}

/// Writes that an administrator read the audit log: it names patients, so reading it is
/// itself audited (DESIGN.md §3). `detail` holds the filter as typed and, for a later
/// page, where it started.
pub async fn record_read(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    action: Action,
    filter: &AuditFilter,
    before: Option<&str>,
) -> Result<(), AppError> {
    let mut event = AuditEvent::new(action, Outcome::Success)
        .actor(capability.user().id)
        .target("audit_log")
        .detail(serde_json::json!({ "filter": filter, "before": before }));
    if let Some(address) = &from.0 {
        event = event.from_address(address.clone());
    }
    audit::record(&db.pool, &event).await?;
    Ok(())
}

/// One page of events, newest first, older than `before` when given, and the cursor of
/// the next page when there is one.
pub async fn events(
    db: &Db,
    capability: &AdminCapability,
    filter: &CheckedFilter,
    before: Option<AuditCursor>,
    limit: usize,
) -> Result<(Vec<AuditEntry>, Option<AuditCursor>), AppError> {
    let mut sql = Sql::default();
    sql.push(
        "SELECT e.id, e.at, e.action, e.target, e.outcome, e.ip, e.detail, \
         a.name AS person_name, a.email AS person_email, \
         b.name AS behalf_name, b.email AS behalf_email, \
         p.name AS patient_name, p.email AS patient_email \
         FROM audit_events e \
         LEFT JOIN users a ON a.id = e.actor_id \
         LEFT JOIN users b ON b.id = e.on_behalf_of_id \
         LEFT JOIN users p ON p.id = e.patient_id WHERE 1 = 1",
    );
    if let Some(person) = &filter.person {
        people(&mut sql, "e.actor_id", person);
    }
    if let Some(patient) = &filter.patient {
        people(&mut sql, "e.patient_id", patient);
    }
    if let Some(action) = &filter.action {
        let action = sql.text(action.as_str());
        sql.push(&format!(" AND e.action = {action}"));
    }
    if let Some(outcome) = &filter.outcome {
        let outcome = sql.text(outcome.as_str());
        sql.push(&format!(" AND e.outcome = {outcome}"));
    }
    if let Some(from) = filter.from_ms {
        let from = sql.int(from);
        sql.push(&format!(" AND e.at >= {from}"));
    }
    if let Some(until) = filter.until_ms {
        let until = sql.int(until);
        sql.push(&format!(" AND e.at < {until}"));
    }
    if let Some(cursor) = before {
        let at = sql.int(cursor.at);
        let id = sql.int(cursor.id);
        sql.push(&format!(
            " AND (e.at < {at} OR (e.at = {at} AND e.id < {id}))"
        ));
    }
    let fetch = sql.int(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1));
    sql.push(&format!(" ORDER BY e.at DESC, e.id DESC LIMIT {fetch}"));
    let mut records: Vec<EventRecord> = sql
        .query()
        .try_map(|row| EventRecord::from_row(&row))
        .fetch_all(&db.pool)
        .await?;
    let next = if records.len() > limit {
        records.truncate(limit);
        records.last().map(|last| AuditCursor {
            at: last.at,
            id: last.id,
        })
    } else {
        None
    };
    let zone = &capability.user().time_zone;
    let entries = records
        .into_iter()
        .map(|event| entry(event, zone))
        .collect();
    Ok((entries, next))
}

/// An event as `events` reads it.
#[derive(FromRow)]
struct EventRecord {
    id: i64,
    at: i64,
    action: String,
    target: Option<String>,
    outcome: String,
    ip: Option<String>,
    detail: Option<String>,
    person_name: Option<String>,
    person_email: Option<String>,
    behalf_name: Option<String>,
    behalf_email: Option<String>,
    patient_name: Option<String>,
    patient_email: Option<String>,
}

/// An event in words, its time in the administrator's `zone`.
fn entry(event: EventRecord, zone: &str) -> AuditEntry {
    AuditEntry {
        id: event.id,
        when: date_time(event.at, zone),
        person: someone(event.person_name, event.person_email),
        on_behalf_of: someone(event.behalf_name, event.behalf_email),
        patient: someone(event.patient_name, event.patient_email),
        action_words: action_words(&event.action),
        action: event.action,
        target: event.target,
        outcome: outcome_words(&event.outcome),
        ip: event.ip,
        detail: event.detail,
    }
}

/// "Casey Nguyen (nurse@example.com)" from a name and an email column.
fn someone(name: Option<String>, email: Option<String>) -> Option<String> {
    name.zip(email)
        .map(|(name, email)| format!("{name} ({email})"))
}

/// The CSV header of an export.
pub const CSV_HEADER: [&str; 10] = [
    "When",
    "Person",
    "On behalf of",
    "Patient",
    "Action",
    "Action code",
    "About",
    "Outcome",
    "From address",
    "Details",
];

/// A page of events as CSV lines (with the header first when `header`).
pub fn csv_lines(entries: &[AuditEntry], header: bool) -> Result<String, AppError> {
    use crate::reports::csv::{cell, to_text};
    let head = header.then(|| CSV_HEADER.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    let lines = entries.iter().map(|e| {
        let text = |value: &Option<String>| cell(value.as_deref().unwrap_or_default());
        vec![
            e.when.clone(),
            text(&e.person),
            text(&e.on_behalf_of),
            text(&e.patient),
            e.action_words.clone(),
            e.action.clone(),
            text(&e.target),
            e.outcome.clone(),
            text(&e.ip),
            text(&e.detail),
        ]
    });
    to_text(head.into_iter().chain(lines))
}

/// The whole filtered log as CSV, in chunks of `chunk` events: each chunk is one keyset
/// page, so an export of a million events never holds more than one page in memory.
/// Fused: the response compression polls the body once more after its end, which a bare
/// `unfold` answers with a panic (the download was cut off).
pub fn csv_export(
    db: Db,
    capability: AdminCapability,
    filter: CheckedFilter,
    chunk: usize,
) -> impl futures::Stream<Item = Result<String, AppError>> + Send + 'static {
    /// Where the export is: the first page (write the header), after a cursor, or done.
    enum Place {
        Start,
        After(AuditCursor),
        Done,
    }
    use futures::StreamExt as _;
    futures::stream::unfold(Place::Start, move |place| {
        let (db, capability, filter) = (db.clone(), capability.clone(), filter.clone());
        async move {
            let (header, before) = match place {
                Place::Start => (true, None),
                Place::After(cursor) => (false, Some(cursor)),
                Place::Done => return None,
            };
            let page = events(&db, &capability, &filter, before, chunk).await;
            match page {
                Ok((entries, next)) => {
                    let text = csv_lines(&entries, header);
                    let place = match (text.is_ok(), next) {
                        (true, Some(cursor)) => Place::After(cursor),
                        _ => Place::Done,
                    };
                    Some((text, place))
                }
                Err(error) => Some((Err(error), Place::Done)),
            }
        }
    })
    .fuse()
}
