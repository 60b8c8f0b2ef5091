//! "Care teams": the list with filters and each team's open, overdue and unassigned counts
//! (counted as the team inbox counts them), add and edit, and members with their role.

use super::{audit_change, Change, Origin};
use crate::admin::types::{
    AssociationRow, TeamDetail, TeamFilter, TeamInput, TeamMemberRow, TeamRole, TeamSummary,
    RESPONSE_TARGET_MAX_DAYS, RESPONSE_TARGET_MIN_DAYS,
};
use crate::error::AppError;
use crate::server::access::AdminCapability;
use crate::server::audit::Action;
use crate::server::db::is_unique_violation;
use crate::server::db::Db;
use crate::server::db::YesNo;
use crate::server::users::normalize_email;
use sqlx::FromRow;
use std::collections::BTreeMap;

const NAME_MAX_CHARS: usize = 100;
const DESCRIPTION_MAX_CHARS: usize = 500;

/// Counts of thread rows only, never their subjects: `$1` is now.
const TEAM_SELECT: &str = "SELECT ct.id, ct.facility_id, f.name AS facility_name, \
     f.station_number, ct.name, ct.description, ct.accepting_messages, ct.response_target_days, \
     (SELECT COUNT(*) FROM threads t WHERE t.team_id = ct.id AND t.completed_at IS NULL) AS open, \
     (SELECT COUNT(*) FROM threads t WHERE t.team_id = ct.id AND t.completed_at IS NULL \
        AND t.due_at <= $1) AS overdue, \
     (SELECT COUNT(*) FROM threads t WHERE t.team_id = ct.id AND t.completed_at IS NULL \
        AND t.assigned_to IS NULL) AS unassigned \
     FROM care_teams ct JOIN facilities f ON f.id = ct.facility_id";

/// Care teams matching the filters, by facility and name. The name filter matches any part
/// of the name, ignoring case (ASCII; enough for team names).
pub async fn teams(
    db: &Db,
    _capability: &AdminCapability,
    filter: &TeamFilter,
) -> Result<Vec<TeamSummary>, AppError> {
    let name = filter
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| format!("%{}%", n.to_lowercase().replace(['%', '_'], "")));
    let teams: Vec<SummaryRecord> = sqlx::query_as(&format!(
        "{TEAM_SELECT} WHERE ($2 IS NULL OR ct.facility_id = $2) \
         AND ($3 IS NULL OR LOWER(ct.name) LIKE $3) \
         AND ($4 IS NULL OR ct.accepting_messages = $4) \
         ORDER BY f.name, ct.name, ct.id"
    ))
    .bind(db.now_ms())
    .bind(filter.facility_id)
    .bind(name)
    .bind(filter.accepting.map(i64::from))
    .fetch_all(&db.pool)
    .await?;
    Ok(teams.into_iter().map(TeamSummary::from).collect())
}

/// One team with its members and the Veterans who may write to it.
pub async fn team_detail(
    db: &Db,
    _capability: &AdminCapability,
    team_id: i64,
) -> Result<TeamDetail, AppError> {
    let team = sqlx::query_as::<_, SummaryRecord>(&format!("{TEAM_SELECT} WHERE ct.id = $2"))
        .bind(db.now_ms())
        .bind(team_id)
        .fetch_optional(&db.pool)
        .await?
        .map(TeamSummary::from)
        .ok_or(AppError::NotFound)?;
    let members: Vec<MemberRecord> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, u.active, tm.team_role FROM team_members tm \
         JOIN users u ON u.id = tm.user_id WHERE tm.team_id = $1 \
         ORDER BY CASE WHEN tm.team_role = 'lead' THEN 0 ELSE 1 END, u.name, u.id",
    )
    .bind(team_id)
    .fetch_all(&db.pool)
    .await?;
    let associations: Vec<AssociationRecord> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, vt.blocked FROM veteran_teams vt \
         JOIN users u ON u.id = vt.veteran_id WHERE vt.team_id = $1 ORDER BY u.name, u.id",
    )
    .bind(team_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(TeamDetail {
        team,
        members: members.into_iter().map(TeamMemberRow::from).collect(),
        associations: associations.into_iter().map(AssociationRow::from).collect(),
    })
}

/// A member of a team, as `team_detail` reads it.
#[derive(FromRow)]
struct MemberRecord {
    id: i64,
    name: String,
    email: String,
    #[sqlx(try_from = "YesNo")]
    active: bool,
    #[sqlx(try_from = "String")]
    team_role: TeamRole,
}

impl From<MemberRecord> for TeamMemberRow {
    fn from(member: MemberRecord) -> TeamMemberRow {
        TeamMemberRow {
            user_id: member.id,
            name: member.name,
            email: member.email,
            team_role: member.team_role,
            active: member.active,
        }
    }
}

/// A Veteran associated with a team, as `team_detail` reads it.
#[derive(FromRow)]
struct AssociationRecord {
    id: i64,
    name: String,
    email: String,
    #[sqlx(try_from = "YesNo")]
    blocked: bool,
}

impl From<AssociationRecord> for AssociationRow {
    fn from(association: AssociationRecord) -> AssociationRow {
        AssociationRow {
            veteran_id: association.id,
            name: association.name,
            email: association.email,
            blocked: association.blocked,
        }
    }
}

/// The checked fields of a team form; read back from `care_teams` as they were before a
/// change.
#[derive(FromRow)]
struct Checked {
    facility_id: i64,
    name: String,
    description: String,
    #[sqlx(try_from = "YesNo")]
    accepting_messages: bool,
    response_target_days: i64,
}

impl Checked {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "facility_id": self.facility_id,
            "name": self.name,
            "description": self.description,
            "accepting_messages": self.accepting_messages,
            "response_target_days": self.response_target_days,
        })
    }
}

pub async fn add_team(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    input: &TeamInput,
) -> Result<i64, AppError> {
    let checked = validate(input)?;
    let mut tx = db.begin_write().await?;
    require_facility(&mut tx, checked.facility_id).await?;
    let team_id: i64 = sqlx::query_scalar(
        "INSERT INTO care_teams \
         (facility_id, name, description, accepting_messages, response_target_days, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(checked.facility_id)
    .bind(&checked.name)
    .bind(&checked.description)
    .bind(i64::from(checked.accepting_messages))
    .bind(checked.response_target_days)
    .bind(db.now_ms())
    .fetch_one(&mut *tx)
    .await
    .map_err(name_taken)?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::CareTeamAdded,
            target: format!("care_team:{team_id}"),
            patient: None,
            before: serde_json::Value::Null,
            after: checked.json(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(team_id)
}

/// Changes a team. A new response target applies to waits that start from now on; threads
/// already waiting keep the due time they were given.
pub async fn edit_team(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    team_id: i64,
    input: &TeamInput,
) -> Result<(), AppError> {
    let checked = validate(input)?;
    let mut tx = db.begin_write().await?;
    let before: Checked = sqlx::query_as(&format!(
        "SELECT facility_id, name, description, accepting_messages, response_target_days \
         FROM care_teams WHERE id = $1{}",
        db.lock_rows()
    ))
    .bind(team_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    require_facility(&mut tx, checked.facility_id).await?;
    sqlx::query(
        "UPDATE care_teams SET facility_id = $1, name = $2, description = $3, \
         accepting_messages = $4, response_target_days = $5 WHERE id = $6",
    )
    .bind(checked.facility_id)
    .bind(&checked.name)
    .bind(&checked.description)
    .bind(i64::from(checked.accepting_messages))
    .bind(checked.response_target_days)
    .bind(team_id)
    .execute(&mut *tx)
    .await
    .map_err(name_taken)?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::CareTeamChanged,
            target: format!("care_team:{team_id}"),
            patient: None,
            before: before.json(),
            after: checked.json(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Puts an active clinician (found by email) on the team as member or lead.
pub async fn add_member(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    team_id: i64,
    email: &str,
    team_role: TeamRole,
) -> Result<(), AppError> {
    let email = normalize_email(email);
    if email.is_empty() {
        return Err(AppError::invalid(
            "member_email",
            "Enter the email address of a clinician.",
        ));
    }
    let mut tx = db.begin_write().await?;
    require_team(&mut tx, team_id).await?;
    let person: Option<(i64, String, YesNo)> =
        sqlx::query_as("SELECT id, role, active FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((user_id, role, YesNo(active))) = person else {
        return Err(AppError::invalid(
            "member_email",
            "No one has this email address. Invite them on the Users page first.",
        ));
    };
    if role != "clinician" || !active {
        return Err(AppError::invalid(
            "member_email",
            "Only active care team accounts (clinicians) can be team members.",
        ));
    }
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, team_role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(team_id)
    .bind(user_id)
    .bind(team_role.as_str())
    .bind(db.now_ms())
    .execute(&mut *tx)
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            AppError::invalid("member_email", "This person is already on the team.")
        } else {
            AppError::from(error)
        }
    })?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::TeamMemberAdded,
            target: format!("care_team:{team_id}:user:{user_id}"),
            patient: None,
            before: serde_json::Value::Null,
            after: serde_json::json!({ "team_role": team_role.as_str() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a person off the team. Threads assigned to them stay assigned, so nothing is lost;
/// the team sees who has them and can reassign. Their unsent reply drafts in the team's
/// threads go, with the files attached to them (they could no longer reach them);
/// returns those files' ids, for the caller to remove from storage after this has
/// committed.
pub async fn remove_member(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    team_id: i64,
    user_id: i64,
) -> Result<Vec<String>, AppError> {
    let mut tx = db.begin_write().await?;
    let team_role: Option<String> = sqlx::query_scalar(&format!(
        "SELECT team_role FROM team_members WHERE team_id = $1 AND user_id = $2{}",
        db.lock_rows()
    ))
    .bind(team_id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let team_role = team_role.ok_or(AppError::NotFound)?;
    sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
        .bind(team_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::TeamMemberRemoved,
            target: format!("care_team:{team_id}:user:{user_id}"),
            patient: None,
            before: serde_json::json!({ "team_role": team_role }),
            after: serde_json::Value::Null,
        },
    )
    .await?;
    let stranded_files = crate::team::ssr::drop_stranded_reply_drafts(
        &mut tx,
        crate::team::ssr::Stranded::Member(user_id),
        capability.user().id,
        from.0.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(stranded_files)
}

async fn require_team(tx: &mut super::Tx, team_id: i64) -> Result<(), AppError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM care_teams WHERE id = $1")
        .bind(team_id)
        .fetch_optional(&mut **tx)
        .await?;
    found.map(|_| ()).ok_or(AppError::NotFound)
}

async fn require_facility(tx: &mut super::Tx, facility_id: i64) -> Result<(), AppError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM facilities WHERE id = $1")
        .bind(facility_id)
        .fetch_optional(&mut **tx)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| AppError::invalid("facility", "Choose a facility."))
}

fn validate(input: &TeamInput) -> Result<Checked, AppError> {
    let mut fields = BTreeMap::new();
    if input.facility_id.is_none() {
        fields.insert("facility".to_string(), "Choose a facility.".to_string());
    }
    let name = input.name.trim();
    if name.is_empty() {
        fields.insert(
            "name".to_string(),
            "Enter the care team's name.".to_string(),
        );
    } else if name.chars().count() > NAME_MAX_CHARS {
        fields.insert(
            "name".to_string(),
            format!("Name must be {NAME_MAX_CHARS} characters or fewer."),
        );
    }
    let description = input.description.trim();
    if description.chars().count() > DESCRIPTION_MAX_CHARS {
        fields.insert(
            "description".to_string(),
            format!("Description must be {DESCRIPTION_MAX_CHARS} characters or fewer."),
        );
    }
    let target = input.response_target_days.trim().parse::<i64>().ok();
    let target =
        target.filter(|d| (RESPONSE_TARGET_MIN_DAYS..=RESPONSE_TARGET_MAX_DAYS).contains(d));
    if target.is_none() {
        fields.insert(
            "response_target_days".to_string(),
            format!(
                "Enter a whole number of business days from {RESPONSE_TARGET_MIN_DAYS} to {RESPONSE_TARGET_MAX_DAYS}."
            ),
        );
    }
    match (input.facility_id, target) {
        (Some(facility_id), Some(response_target_days)) if fields.is_empty() => Ok(Checked {
            facility_id,
            name: name.to_string(),
            description: description.to_string(),
            accepting_messages: input.accepting_messages,
            response_target_days,
        }),
        _ => Err(AppError::Invalid { fields }),
    }
}

fn name_taken(error: sqlx::Error) -> AppError {
    if is_unique_violation(&error) {
        AppError::invalid(
            "name",
            "This facility already has a care team with this name.",
        )
    } else {
        AppError::from(error)
    }
}

/// A team with its counts, as `TEAM_SELECT` reads it.
#[derive(FromRow)]
struct SummaryRecord {
    id: i64,
    facility_id: i64,
    facility_name: String,
    station_number: String,
    name: String,
    description: String,
    #[sqlx(try_from = "YesNo")]
    accepting_messages: bool,
    response_target_days: i64,
    open: i64,
    overdue: i64,
    unassigned: i64,
}

impl From<SummaryRecord> for TeamSummary {
    fn from(team: SummaryRecord) -> TeamSummary {
        TeamSummary {
            team_id: team.id,
            facility_id: team.facility_id,
            facility_name: team.facility_name,
            station_number: team.station_number,
            name: team.name,
            description: team.description,
            accepting_messages: team.accepting_messages,
            response_target_days: team.response_target_days,
            open: team.open,
            overdue: team.overdue,
            unassigned: team.unassigned,
        }
    }
}
