//! Bulk import of Veteran–team associations from a CSV file
//! (`veteran_email,team_name,facility_station`, optionally `,date_of_birth`), read
//! with the `csv` crate. A date of birth on a line is checked like the user page checks it
//! (a real date, not in the future, not before 1900) and written on the Veteran's record,
//! audited, with the import.
//!
//! The preview says what every line would do: add an association, change nothing (already
//! associated), or be rejected with its reason. "Import" works it out again inside one write
//! transaction and adds every new association there, or nothing at all while any line is
//! rejected. Importing the same file twice changes nothing the second time: every line is
//! then "already associated".

use super::associations::insert_association;
use super::Origin;
use crate::admin::types::{
    ImportLine, ImportPreview, ImportVerdict, IMPORT_DATE_OF_BIRTH, IMPORT_HEADER,
};
use crate::error::AppError;
use crate::server::access::AdminCapability;
use crate::server::db::Db;
use crate::server::db::Tx;
use crate::server::users::normalize_email;
use std::collections::HashMap;

/// More lines than this are refused as a whole: split the file.
pub const IMPORT_MAX_LINES: usize = 10_000;

/// What importing `csv_text` would do, line by line. Changes nothing.
pub async fn preview_import(
    db: &Db,
    _capability: &AdminCapability,
    csv_text: &str,
) -> Result<ImportPreview, AppError> {
    let rows = parse(csv_text)?;
    let mut tx = db.begin_write().await?;
    let preview = judge(&mut tx, rows, db.now_ms()).await?;
    tx.commit().await?;
    Ok(preview)
}

/// Adds every association the file adds, in one transaction, each with its audit event; or,
/// when any line is rejected, nothing. Returns the preview it acted on.
pub async fn import_associations(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    csv_text: &str,
) -> Result<ImportPreview, AppError> {
    let rows = parse(csv_text)?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let preview = judge(&mut tx, rows, now).await?;
    let rejected = preview.rejected();
    if rejected > 0 {
        return Err(AppError::invalid(
            "csv",
            format!(
                "{rejected} {} of the file can't be imported, so nothing was imported. Fix {} and preview again.",
                if rejected == 1 { "line" } else { "lines" },
                if rejected == 1 { "it" } else { "them" },
            ),
        ));
    }
    for line in &preview.lines {
        let ids = line_ids(&mut tx, line).await?;
        if let (ImportVerdict::WillAdd, Some((veteran_id, team_id))) = (&line.verdict, ids) {
            insert_association(&mut tx, capability, from, veteran_id, team_id, "csv import")
                .await?;
        }
        if let (Some(day), Some((veteran_id, _))) = (&line.sets_date_of_birth, ids) {
            let before = stored_date_of_birth(&mut tx, veteran_id).await?;
            // A Veteran on several lines with the same date is written once.
            if before.as_deref() != Some(day.as_str()) {
                super::write_date_of_birth(
                    &mut tx,
                    capability,
                    from,
                    veteran_id,
                    before,
                    Some(day.clone()),
                    now,
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(preview)
}

/// One line of the file as read (email, team, station, date of birth or ""), or why it
/// could not be read.
struct Row {
    line: u64,
    fields: Result<[String; 4], String>,
}

/// Reads the file: the header, then one row per line (blank lines skipped).
fn parse(csv_text: &str) -> Result<Vec<Row>, AppError> {
    if csv_text.trim().is_empty() {
        return Err(AppError::invalid("csv", "The file is empty."));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let mut records = reader.records();
    let header_ok = match records.next() {
        Some(Ok(header)) => {
            let dated = header.len() == IMPORT_HEADER.len() + 1
                && header
                    .get(IMPORT_HEADER.len())
                    .is_some_and(|last| last.eq_ignore_ascii_case(IMPORT_DATE_OF_BIRTH));
            (header.len() == IMPORT_HEADER.len() || dated)
                && header
                    .iter()
                    .zip(IMPORT_HEADER)
                    .all(|(got, want)| got.eq_ignore_ascii_case(want))
        }
        _ => false,
    };
    if !header_ok {
        return Err(AppError::invalid(
            "csv",
            format!(
                "The first line must be {}, optionally followed by ,{IMPORT_DATE_OF_BIRTH}.",
                IMPORT_HEADER.join(",")
            ),
        ));
    }
    let mut rows = Vec::new();
    for record in records {
        if rows.len() == IMPORT_MAX_LINES {
            return Err(AppError::invalid(
                "csv",
                format!("A file can have at most {IMPORT_MAX_LINES} lines after the header. Split it and import each part."),
            ));
        }
        let row = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                let fields: Vec<&str> = record.iter().collect();
                let (email, team, station, born) = match fields.as_slice() {
                    [email, team, station] => (*email, *team, *station, ""),
                    [email, team, station, born] => (*email, *team, *station, *born),
                    _ => ("", "", "", ""),
                };
                if !email.is_empty() && !team.is_empty() && !station.is_empty() {
                    Row {
                        line,
                        fields: Ok([
                            email.to_string(),
                            team.to_string(),
                            station.to_string(),
                            born.to_string(),
                        ]),
                    }
                } else {
                    Row {
                        line,
                        fields: Err(fields.join(",")),
                    }
                }
            }
            Err(error) => Row {
                line: error.position().map_or(0, |p| p.line()),
                fields: Err(String::new()),
            },
        };
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(AppError::invalid(
            "csv",
            "The file has no lines after the header.",
        ));
    }
    Ok(rows)
}

/// The verdict on every row, looked up in this transaction at `now` (for dates of birth).
async fn judge(tx: &mut Tx, rows: Vec<Row>, now: i64) -> Result<ImportPreview, AppError> {
    let mut first_seen: HashMap<(String, String, String), u64> = HashMap::new();
    // Each Veteran's date of birth in the file, and the line that first gave it.
    let mut dates_given: HashMap<String, (String, u64)> = HashMap::new();
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let [email, team, station, born] = match row.fields {
            Ok(fields) => fields,
            Err(raw) => {
                lines.push(ImportLine {
                    line: row.line,
                    veteran_email: raw,
                    team_name: String::new(),
                    facility_station: String::new(),
                    verdict: ImportVerdict::Rejected(
                        "Malformed line: it needs a Veteran's email, a team name and a station number, separated by commas.".to_string(),
                    ),
                    sets_date_of_birth: None,
                });
                continue;
            }
        };
        let email = normalize_email(&email);
        let key = (email.clone(), team.clone(), station.to_uppercase());
        let mut line = ImportLine {
            line: row.line,
            veteran_email: email,
            team_name: team,
            facility_station: station,
            verdict: ImportVerdict::WillAdd,
            sets_date_of_birth: None,
        };
        line.verdict = match first_seen.get(&key) {
            Some(first) => ImportVerdict::Rejected(format!("Duplicate of line {first}.")),
            None => {
                first_seen.insert(key, line.line);
                verdict(tx, &line).await?
            }
        };
        if !matches!(line.verdict, ImportVerdict::Rejected(_)) {
            match date_of_birth_on(tx, &line, &born, now, &mut dates_given).await? {
                Ok(sets) => line.sets_date_of_birth = sets,
                Err(why) => line.verdict = ImportVerdict::Rejected(why),
            }
        }
        lines.push(line);
    }
    Ok(ImportPreview { lines })
}

async fn verdict(tx: &mut Tx, line: &ImportLine) -> Result<ImportVerdict, AppError> {
    let person: Option<(i64, String)> =
        sqlx::query_as("SELECT id, role FROM users WHERE email = $1")
            .bind(&line.veteran_email)
            .fetch_optional(&mut **tx)
            .await?;
    let veteran_id = match person {
        None => return Ok(rejected("Unknown email: no one has this email address.")),
        Some((_, role)) if role != "veteran" => {
            return Ok(rejected(
                "Not a Veteran: only Veterans can be associated with a care team.",
            ))
        }
        Some((id, _)) => id,
    };
    let facility: Option<i64> =
        sqlx::query_scalar("SELECT id FROM facilities WHERE UPPER(station_number) = $1")
            .bind(line.facility_station.to_uppercase())
            .fetch_optional(&mut **tx)
            .await?;
    let Some(facility_id) = facility else {
        return Ok(rejected(
            "Unknown facility: no facility has this station number.",
        ));
    };
    let team: Option<i64> =
        sqlx::query_scalar("SELECT id FROM care_teams WHERE facility_id = $1 AND name = $2")
            .bind(facility_id)
            .bind(&line.team_name)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(team_id) = team else {
        return Ok(rejected(
            "Unknown care team: the facility has no care team with this name.",
        ));
    };
    let blocked: Option<i64> = sqlx::query_scalar(
        "SELECT blocked FROM veteran_teams WHERE veteran_id = $1 AND team_id = $2",
    )
    .bind(veteran_id)
    .bind(team_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match blocked {
        None => ImportVerdict::WillAdd,
        Some(0) => ImportVerdict::NoChange("Already associated.".to_string()),
        // Blocking was someone's decision about this Veteran: an import does not undo it.
        Some(_) => ImportVerdict::NoChange(
            "Already associated, and blocked: unblock it on the care team's page if it should be open."
                .to_string(),
        ),
    })
}

/// What a line's date of birth (`born`, as typed; empty for none) does: `Ok(Some(day))`
/// when it is written on the record, `Ok(None)` when there is none or the record already
/// holds it, `Err(why)` when the line must be refused for it (not a date the user page
/// would take, or another date than an earlier line gave the same Veteran).
async fn date_of_birth_on(
    tx: &mut Tx,
    line: &ImportLine,
    born: &str,
    now: i64,
    dates_given: &mut HashMap<String, (String, u64)>,
) -> Result<Result<Option<String>, String>, AppError> {
    let day = match crate::server::date_of_birth::check(born, now) {
        Ok(Some(day)) => day,
        Ok(None) => return Ok(Ok(None)),
        Err(why) => return Ok(Err(format!("Date of birth: {why}"))),
    };
    match dates_given.get(&line.veteran_email) {
        Some((earlier, first)) if *earlier != day => {
            return Ok(Err(format!(
                "Date of birth: line {first} gives this Veteran another date ({earlier})."
            )))
        }
        Some(_) => {}
        None => {
            dates_given.insert(line.veteran_email.clone(), (day.clone(), line.line));
        }
    }
    let stored: Option<Option<String>> =
        sqlx::query_scalar("SELECT date_of_birth FROM users WHERE email = $1")
            .bind(&line.veteran_email)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(Ok(
        (stored.flatten().as_deref() != Some(day.as_str())).then_some(day)
    ))
}

/// The date of birth on a Veteran's record now.
async fn stored_date_of_birth(tx: &mut Tx, veteran_id: i64) -> Result<Option<String>, AppError> {
    let stored: Option<Option<String>> =
        sqlx::query_scalar("SELECT date_of_birth FROM users WHERE id = $1")
            .bind(veteran_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(stored.flatten())
}

fn rejected(reason: &str) -> ImportVerdict {
    ImportVerdict::Rejected(reason.to_string())
}

/// The Veteran and team of a line the preview judged addable.
async fn line_ids(tx: &mut Tx, line: &ImportLine) -> Result<Option<(i64, i64)>, AppError> {
    let ids: Option<(i64, i64)> = sqlx::query_as(
        "SELECT u.id, ct.id FROM users u, care_teams ct JOIN facilities f ON f.id = ct.facility_id \
         WHERE u.email = $1 AND ct.name = $2 AND UPPER(f.station_number) = $3",
    )
    .bind(&line.veteran_email)
    .bind(&line.team_name)
    .bind(line.facility_station.to_uppercase())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(ids)
}
