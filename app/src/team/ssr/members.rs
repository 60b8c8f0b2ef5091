//! The person's teams and their members, and coverage while a member is away
//! (DESIGN.md §2 "Coverage": "I'm away until …, covered by …"; the list shows who covers
//! whom). Assignments follow coverage in `assignment`.

use super::super::types::{Coverage, MyTeam, Person, TeamChoice, TeamMember};
use super::{coverage_join, membership, my_teams_sql, CoverageColumns, COVERAGE_COLUMNS};
use crate::error::AppError;
use crate::server::access::TeamCapability;
use crate::server::db::Db;
use sqlx::FromRow;

/// The teams the person belongs to, by name.
pub async fn my_teams(db: &Db, capability: &TeamCapability) -> Result<Vec<MyTeam>, AppError> {
    let teams: Vec<MyTeamRecord> = sqlx::query_as(
        "SELECT ct.id, ct.name, f.time_zone, ct.response_target_days, tm.team_role \
         FROM team_members tm JOIN care_teams ct ON ct.id = tm.team_id \
         JOIN facilities f ON f.id = ct.facility_id WHERE tm.user_id = $1 ORDER BY ct.name, ct.id",
    )
    .bind(capability.user().id)
    .fetch_all(&db.pool)
    .await?;
    Ok(teams.into_iter().map(MyTeam::from).collect())
}

/// One of the person's teams, as `my_teams` reads it.
#[derive(FromRow)]
struct MyTeamRecord {
    id: i64,
    name: String,
    time_zone: String,
    response_target_days: i64,
    team_role: String,
}

impl From<MyTeamRecord> for MyTeam {
    fn from(team: MyTeamRecord) -> MyTeam {
        MyTeam {
            team_id: team.id,
            name: team.name,
            facility_time_zone: team.time_zone,
            response_target_days: team.response_target_days,
            is_lead: team.team_role == "lead",
        }
    }
}

/// Every care team a thread could be moved to (all teams, by facility and name).
pub async fn reassign_choices(
    db: &Db,
    _capability: &TeamCapability,
) -> Result<Vec<TeamChoice>, AppError> {
    let choices = sqlx::query_as(
        "SELECT ct.id, ct.name, f.name AS facility FROM care_teams ct \
         JOIN facilities f ON f.id = ct.facility_id ORDER BY f.name, ct.name, ct.id",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(choices)
}

/// The active members of one of the person's teams (`NotFound` for another team), leads
/// first, with who covers for those away.
pub async fn team_members(
    db: &Db,
    capability: &TeamCapability,
    team_id: i64,
) -> Result<Vec<TeamMember>, AppError> {
    let mut tx = db.begin_read().await?;
    membership(&mut tx, capability, team_id).await?;
    let members: Vec<MemberRecord> = sqlx::query_as(&format!(
        "SELECT u.id, u.name, tm.team_role, {COVERAGE_COLUMNS} FROM team_members tm \
         JOIN users u ON u.id = tm.user_id{coverage_join} \
         WHERE tm.team_id = $1 AND u.active = 1 \
         ORDER BY CASE WHEN tm.team_role = 'lead' THEN 0 ELSE 1 END, u.name, u.id",
        coverage_join = coverage_join("u.id", "$2"),
    ))
    .bind(team_id)
    .bind(db.now_ms())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(members.into_iter().map(TeamMember::from).collect())
}

/// A member of a team, as `team_members` reads it.
#[derive(FromRow)]
struct MemberRecord {
    id: i64,
    name: String,
    team_role: String,
    #[sqlx(flatten)]
    coverage: CoverageColumns,
}

impl From<MemberRecord> for TeamMember {
    fn from(member: MemberRecord) -> TeamMember {
        TeamMember {
            user_id: member.id,
            name: member.name,
            is_lead: member.team_role == "lead",
            coverage: member.coverage.coverage(),
        }
    }
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
    let coverage: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT c.away_until, c.covering_user_id, u.name FROM coverage c \
         JOIN users u ON u.id = c.covering_user_id WHERE c.user_id = $1 AND c.away_until > $2",
    )
    .bind(capability.user().id)
    .bind(db.now_ms())
    .fetch_optional(&db.pool)
    .await?;
    Ok(coverage.map(|(away_until, id, name)| Coverage {
        away_until,
        covered_by: Person { id, name },
    }))
}
