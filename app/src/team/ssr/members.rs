//! The person's teams and their members, and coverage while a member is away
//! (DESIGN.md §2 "Coverage": "I'm away until …, covered by …"; the list shows who covers
//! whom). Assignments follow coverage in `assignment`.

use super::super::types::{Coverage, MyTeam, Person, TeamChoice, TeamMember};
use super::{coverage_columns, coverage_from, coverage_join, membership, my_teams_sql};
use crate::error::AppError;
use crate::server::access::TeamCapability;
use crate::server::db::Db;
use sqlx::Row;

/// The teams the person belongs to, by name.
pub async fn my_teams(db: &Db, capability: &TeamCapability) -> Result<Vec<MyTeam>, AppError> {
    let rows = sqlx::query(
        "SELECT ct.id, ct.name, f.time_zone, ct.response_target_days, tm.team_role \
         FROM team_members tm JOIN care_teams ct ON ct.id = tm.team_id \
         JOIN facilities f ON f.id = ct.facility_id WHERE tm.user_id = $1 ORDER BY ct.name, ct.id",
    )
    .bind(capability.user().id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(MyTeam {
                team_id: row.try_get("id")?,
                name: row.try_get("name")?,
                facility_time_zone: row.try_get("time_zone")?,
                response_target_days: row.try_get("response_target_days")?,
                is_lead: row.try_get::<String, _>("team_role")? == "lead",
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

/// Every care team a thread could be moved to (all teams, by facility and name).
pub async fn reassign_choices(
    db: &Db,
    _capability: &TeamCapability,
) -> Result<Vec<TeamChoice>, AppError> {
    let rows = sqlx::query(
        "SELECT ct.id, ct.name, f.name AS facility FROM care_teams ct \
         JOIN facilities f ON f.id = ct.facility_id ORDER BY f.name, ct.name, ct.id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(TeamChoice {
                team_id: row.try_get("id")?,
                name: row.try_get("name")?,
                facility: row.try_get("facility")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

/// The active members of one of the person's teams (`NotFound` for another team), leads
/// first, with who covers for those away.
pub async fn team_members(
    db: &Db,
    capability: &TeamCapability,
    team_id: i64,
) -> Result<Vec<TeamMember>, AppError> {
    let mut tx = db.pool.begin().await?;
    membership(&mut tx, capability, team_id).await?;
    let rows = sqlx::query(&format!(
        "SELECT u.id, u.name, tm.team_role, {coverage} FROM team_members tm \
         JOIN users u ON u.id = tm.user_id{coverage_join} \
         WHERE tm.team_id = $1 AND u.active = 1 \
         ORDER BY CASE WHEN tm.team_role = 'lead' THEN 0 ELSE 1 END, u.name, u.id",
        coverage = coverage_columns("cv"),
        coverage_join = coverage_join("cv", "u.id", "$2"),
    ))
    .bind(team_id)
    .bind(db.now_ms())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| {
            Ok(TeamMember {
                user_id: row.try_get("id")?,
                name: row.try_get("name")?,
                is_lead: row.try_get::<String, _>("team_role")? == "lead",
                coverage: coverage_from(row, "cv")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

/// "I'm away until …, covered by …": from now until `away_until`, new assignments to the
/// person go to `covering_user_id`, an active member of one of their teams (not themself).
pub async fn set_coverage(
    db: &Db,
    capability: &TeamCapability,
    away_until: i64,
    covering_user_id: i64,
) -> Result<Coverage, AppError> {
    let me = capability.user().id;
    let now = db.now_ms();
    if away_until <= now {
        return Err(AppError::invalid(
            "away_until",
            "Choose a date and time in the future.",
        ));
    }
    if covering_user_id == me {
        return Err(AppError::invalid(
            "covering_user",
            "Choose someone else to cover for you.",
        ));
    }
    let mut tx = db.begin_write().await?;
    let covering: Option<String> = sqlx::query_scalar(&format!(
        "SELECT u.name FROM users u WHERE u.id = $1 AND u.active = 1 AND EXISTS \
         (SELECT 1 FROM team_members tm WHERE tm.user_id = u.id AND tm.team_id IN ({}))",
        my_teams_sql("$2")
    ))
    .bind(covering_user_id)
    .bind(me)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(name) = covering else {
        return Err(AppError::invalid(
            "covering_user",
            "Choose a member of one of your care teams.",
        ));
    };
    sqlx::query(
        "INSERT INTO coverage (user_id, away_until, covering_user_id, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET \
         away_until = excluded.away_until, covering_user_id = excluded.covering_user_id, \
         updated_at = excluded.updated_at",
    )
    .bind(me)
    .bind(away_until)
    .bind(covering_user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Coverage {
        away_until,
        covered_by: Person {
            id: covering_user_id,
            name,
        },
    })
}

/// "I'm back": ends the person's coverage.
pub async fn clear_coverage(db: &Db, capability: &TeamCapability) -> Result<(), AppError> {
    sqlx::query("DELETE FROM coverage WHERE user_id = $1")
        .bind(capability.user().id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The person's coverage, while in force.
pub async fn my_coverage(
    db: &Db,
    capability: &TeamCapability,
) -> Result<Option<Coverage>, AppError> {
    let row = sqlx::query(
        "SELECT c.away_until, c.covering_user_id, u.name FROM coverage c \
         JOIN users u ON u.id = c.covering_user_id WHERE c.user_id = $1 AND c.away_until > $2",
    )
    .bind(capability.user().id)
    .bind(db.now_ms())
    .fetch_optional(&db.pool)
    .await?;
    row.map(|row| {
        Ok(Coverage {
            away_until: row.try_get("away_until")?,
            covered_by: Person {
                id: row.try_get("covering_user_id")?,
                name: row.try_get("name")?,
            },
        })
    })
    .transpose()
    .map_err(|error: sqlx::Error| AppError::from(error))
}
