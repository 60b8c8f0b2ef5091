//! "Facilities": list, add, edit (station number, unique; name; IANA time zone, which
//! decides business days for the facility's teams; the phone number Veterans are told to
//! call).

use super::{audit_change, Change, Origin};
use crate::admin::rules::{phone_problem, station_number_problem};
use crate::admin::types::{Facility, FacilityInput};
use crate::error::AppError;
use crate::server::access::AdminCapability;
use crate::server::audit::Action;
use crate::server::db::is_unique_violation;
use crate::server::db::Db;
use std::collections::BTreeMap;

const NAME_MAX_CHARS: usize = 100;

/// Every facility, by station number.
pub async fn facilities(db: &Db, _capability: &AdminCapability) -> Result<Vec<Facility>, AppError> {
    let facilities = sqlx::query_as(
        "SELECT id, station_number, name, time_zone, phone FROM facilities \
         ORDER BY station_number, id",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(facilities)
}

pub async fn add_facility(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    input: &FacilityInput,
) -> Result<Facility, AppError> {
    let checked = validate(input)?;
    let mut tx = db.begin_write().await?;
    let facility_id: i64 = sqlx::query_scalar(
        "INSERT INTO facilities (station_number, name, time_zone, phone, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&checked.station_number)
    .bind(&checked.name)
    .bind(&checked.time_zone)
    .bind(&checked.phone)
    .bind(db.now_ms())
    .fetch_one(&mut *tx)
    .await
    .map_err(station_taken)?;
    let facility = Facility {
        facility_id,
        ..checked
    };
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::FacilityAdded,
            target: format!("facility:{facility_id}"),
            patient: None,
            before: serde_json::Value::Null,
            after: json(&facility),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(facility)
}

pub async fn edit_facility(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    facility_id: i64,
    input: &FacilityInput,
) -> Result<Facility, AppError> {
    let checked = validate(input)?;
    let mut tx = db.begin_write().await?;
    let before: Facility = sqlx::query_as(&format!(
        "SELECT id, station_number, name, time_zone, phone FROM facilities WHERE id = $1{}",
        db.lock_rows()
    ))
    .bind(facility_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    sqlx::query(
        "UPDATE facilities SET station_number = $1, name = $2, time_zone = $3, phone = $4 \
         WHERE id = $5",
    )
    .bind(&checked.station_number)
    .bind(&checked.name)
    .bind(&checked.time_zone)
    .bind(&checked.phone)
    .bind(facility_id)
    .execute(&mut *tx)
    .await
    .map_err(station_taken)?;
    let after = Facility {
        facility_id,
        ..checked
    };
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::FacilityChanged,
            target: format!("facility:{facility_id}"),
            patient: None,
            before: json(&before),
            after: json(&after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

fn json(facility: &Facility) -> serde_json::Value {
    serde_json::json!({
        "station_number": facility.station_number,
        "name": facility.name,
        "time_zone": facility.time_zone,
        "phone": facility.phone,
    })
}

/// Checks every field at once (one message per field) and returns them trimmed.
fn validate(input: &FacilityInput) -> Result<Facility, AppError> {
    let mut fields = BTreeMap::new();
    let station_number = input.station_number.trim().to_uppercase();
    if let Some(problem) = station_number_problem(&station_number) {
        fields.insert("station_number".to_string(), problem);
    }
    let name = input.name.trim();
    if name.is_empty() {
        fields.insert("name".to_string(), "Enter the facility's name.".to_string());
    } else if name.chars().count() > NAME_MAX_CHARS {
        fields.insert(
            "name".to_string(),
            format!("Name must be {NAME_MAX_CHARS} characters or fewer."),
        );
    }
    let time_zone = input.time_zone.trim();
    if time_zone.is_empty() {
        fields.insert("time_zone".to_string(), "Enter a time zone.".to_string());
    } else if time_zone.parse::<chrono_tz::Tz>().is_err() {
        fields.insert(
            "time_zone".to_string(),
            "Enter a time zone from the IANA list, like America/New_York.".to_string(),
        );
    }
    let phone = input.phone.trim();
    if let Some(problem) = phone_problem(phone) {
        fields.insert("phone".to_string(), problem.to_string());
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid { fields });
    }
    Ok(Facility {
        facility_id: 0,
        station_number,
        name: name.to_string(),
        time_zone: time_zone.to_string(),
        phone: phone.to_string(),
    })
}

fn station_taken(error: sqlx::Error) -> AppError {
    if is_unique_violation(&error) {
        AppError::invalid(
            "station_number",
            "Another facility already has this station number.",
        )
    } else {
        AppError::from(error)
    }
}
