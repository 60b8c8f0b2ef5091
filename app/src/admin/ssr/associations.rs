//! Veteran–team associations one at a time: who may write to which care team (DESIGN.md §2:
//! "a Veteran can write only to teams they are associated with … and the association is not
//! blocked"). Blocking stops new threads at once; old threads stay readable.

use super::{audit_change, Change, Origin};
use crate::error::AppError;
use crate::server::access::AdminCapability;
use crate::server::audit::Action;
use crate::server::db::Db;
use crate::server::db::Tx;
use crate::server::db::YesNo;
use crate::server::users::normalize_email;

/// Lets the Veteran with this email write to the team.
pub async fn add_association(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    team_id: i64,
    veteran_email: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let team: Option<i64> = sqlx::query_scalar("SELECT id FROM care_teams WHERE id = $1")
        .bind(team_id)
        .fetch_optional(&mut *tx)
        .await?;
    team.ok_or(AppError::NotFound)?;
    let veteran_id = veteran_by_email(&mut tx, veteran_email).await?;
    let blocked: Option<i64> = sqlx::query_scalar(
        "SELECT blocked FROM veteran_teams WHERE veteran_id = $1 AND team_id = $2",
    )
    .bind(veteran_id)
    .bind(team_id)
    .fetch_optional(&mut *tx)
    .await?;
    match blocked {
        Some(1) => return Err(AppError::invalid(
            "veteran_email",
            "This Veteran's association with the team is blocked. Unblock it in the list below.",
        )),
        Some(_) => {
            return Err(AppError::invalid(
                "veteran_email",
                "This Veteran can already write to the team.",
            ))
        }
        None => {}
    }
    insert_association(&mut tx, capability, from, veteran_id, team_id, "one").await?;
    tx.commit().await?;
    Ok(())
}

/// Adds one association and its audit event; the caller has checked it is new.
pub(super) async fn insert_association(
    tx: &mut Tx,
    capability: &AdminCapability,
    from: &Origin,
    veteran_id: i64,
    team_id: i64,
    how: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO veteran_teams (veteran_id, team_id, blocked, created_at) VALUES ($1, $2, 0, $3)")
        .bind(veteran_id)
        .bind(team_id)
        .bind(tx.now_ms())
        .execute(&mut **tx)
        .await?;
    audit_change(
        tx,
        capability,
        from,
        Change {
            action: Action::VeteranTeamAssociated,
            target: format!("care_team:{team_id}:veteran:{veteran_id}"),
            patient: Some(veteran_id),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "blocked": false, "added": how }),
        },
    )
    .await
}

/// Stops the Veteran starting new threads with the team.
pub async fn block_association(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    team_id: i64,
    veteran_id: i64,
) -> Result<(), AppError> {
    set_blocked(db, capability, from, team_id, veteran_id, true).await
}

pub async fn unblock_association(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    team_id: i64,
    veteran_id: i64,
) -> Result<(), AppError> {
    set_blocked(db, capability, from, team_id, veteran_id, false).await
}

async fn set_blocked(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    team_id: i64,
    veteran_id: i64,
    blocked: bool,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let before: Option<YesNo> = sqlx::query_scalar(&format!(
        "SELECT blocked FROM veteran_teams WHERE veteran_id = $1 AND team_id = $2{}",
        db.lock_rows()
    ))
    .bind(veteran_id)
    .bind(team_id)
    .fetch_optional(&mut *tx)
    .await?;
    let YesNo(before) = before.ok_or(AppError::NotFound)?;
    if before == blocked {
        // Already so: nothing changes, nothing to audit (a second click of the same button).
        return Ok(());
    }
    sqlx::query("UPDATE veteran_teams SET blocked = $1 WHERE veteran_id = $2 AND team_id = $3")
        .bind(i64::from(blocked))
        .bind(veteran_id)
        .bind(team_id)
        .execute(&mut *tx)
        .await?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: if blocked {
                Action::VeteranTeamBlocked
            } else {
                Action::VeteranTeamUnblocked
            },
            target: format!("care_team:{team_id}:veteran:{veteran_id}"),
            patient: Some(veteran_id),
            before: serde_json::json!({ "blocked": before }),
            after: serde_json::json!({ "blocked": blocked }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The active Veteran with this email, or a field error that says what is wrong.
async fn veteran_by_email(tx: &mut Tx, email: &str) -> Result<i64, AppError> {
    let email = normalize_email(email);
    if email.is_empty() {
        return Err(AppError::invalid(
            "veteran_email",
            "Enter the Veteran's email address.",
        ));
    }
    let row: Option<(i64, String)> = sqlx::query_as("SELECT id, role FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(&mut **tx)
        .await?;
    match row {
        None => Err(AppError::invalid(
            "veteran_email",
            "No one has this email address.",
        )),
        Some((_, role)) if role != "veteran" => Err(AppError::invalid(
            "veteran_email",
            "This person is not a Veteran. Only Veterans can be associated with a care team.",
        )),
        Some((id, _)) => Ok(id),
    }
}
