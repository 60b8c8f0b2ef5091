//! "Start a message": finding a Veteran of the clinician's teams by name, and the thread the
//! team starts. Every query joins the clinician's own memberships, so a Veteran of another
//! team is never found, never shown, and cannot be written to (`NotFound`, as for nobody).

use super::audit_event_for;
use crate::error::AppError;
use crate::messages::{NewMessage, SentMessage};
use crate::server::access::TeamCapability;
use crate::server::audit::{self, Action};
use crate::server::db::Db;
use crate::team::types::{TeamChoice, VeteranChoice};
use sqlx::FromRow;

/// At most this many Veterans answer one search: the clinician types more of the name.
pub const FIND_VETERANS_LIMIT: usize = 20;

/// The columns and joins behind both lookups: a Veteran, active, associated and not blocked
/// with a team the person `$1` is a member of, once per such team.
const CHOICE_SQL: &str = "SELECT v.id AS veteran_id, v.name, v.date_of_birth, \
     ct.id AS team_id, ct.name AS team_name, f.name AS facility \
     FROM users v JOIN veteran_teams vt ON vt.veteran_id = v.id AND vt.blocked = 0 \
     JOIN team_members tm ON tm.team_id = vt.team_id AND tm.user_id = $1 \
     JOIN care_teams ct ON ct.id = vt.team_id JOIN facilities f ON f.id = ct.facility_id \
     WHERE v.role = 'veteran' AND v.active = 1";

const CHOICE_ORDER: &str = " ORDER BY LOWER(v.name), v.id, ct.name, ct.id";

/// Veterans of the person's teams whose name holds every word typed (ignoring case), by
/// name: at most [`FIND_VETERANS_LIMIT`], and one more when more match (so the page can say
/// to type more); none for no words. The search is audited (how many words and results,
/// never the words, which name a person).
pub async fn find_veterans(
    db: &Db,
    capability: &TeamCapability,
    words: &str,
) -> Result<Vec<VeteranChoice>, AppError> {
    let words: Vec<String> = words
        .to_lowercase()
        .replace(['%', '_'], " ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = CHOICE_SQL.to_string();
    for n in 0..words.len() {
        sql.push_str(&format!(" AND LOWER(v.name) LIKE ${}", n + 2));
    }
    sql.push_str(CHOICE_ORDER);
    // Rows are one per Veteran and shared team: enough for the Veterans shown, and bounded
    // whatever a short word matches.
    sql.push_str(&format!(" LIMIT {}", (FIND_VETERANS_LIMIT + 1) * 20));
    let mut query = sqlx::query_as::<_, ChoiceRecord>(&sql).bind(capability.user().id);
    for word in &words {
        query = query.bind(format!("%{word}%"));
    }
    let records = query.fetch_all(&db.pool).await?;
    let mut found = gather(records);
    found.truncate(FIND_VETERANS_LIMIT + 1);
    let event = audit_event_for(capability, Action::VeteransSearched).detail(serde_json::json!({
        "words": words.len(),
        "found": found.len(),
    }));
    audit::record(&db.pool, &event).await?;
    Ok(found)
}

/// One Veteran of the person's teams, with the teams they share; `NotFound` otherwise.
pub async fn veteran_choice(
    db: &Db,
    capability: &TeamCapability,
    veteran_id: i64,
) -> Result<VeteranChoice, AppError> {
    let records: Vec<ChoiceRecord> =
        sqlx::query_as(&format!("{CHOICE_SQL} AND v.id = $2{CHOICE_ORDER}"))
            .bind(capability.user().id)
            .bind(veteran_id)
            .fetch_all(&db.pool)
            .await?;
    gather(records).into_iter().next().ok_or(AppError::NotFound)
}

/// The team writes first (`messages::ssr::team_start_thread`: checked, stored and audited
/// there, `NotFound` for a Veteran or team outside the person's).
pub async fn start_thread(
    db: &Db,
    capability: &TeamCapability,
    veteran_id: i64,
    message: &NewMessage,
) -> Result<SentMessage, AppError> {
    crate::messages::ssr::team_start_thread(db, capability, veteran_id, message).await
}

/// A Veteran and one team they share with the person, as `CHOICE_SQL` reads it.
#[derive(FromRow)]
struct ChoiceRecord {
    veteran_id: i64,
    name: String,
    date_of_birth: Option<String>,
    team_id: i64,
    team_name: String,
    facility: String,
}

/// One choice per Veteran (rows come in Veteran order), with their teams and facilities.
fn gather(records: Vec<ChoiceRecord>) -> Vec<VeteranChoice> {
    let mut choices: Vec<VeteranChoice> = Vec::new();
    for record in records {
        let team = TeamChoice {
            team_id: record.team_id,
            name: record.team_name,
            facility: record.facility.clone(),
        };
        match choices.last_mut() {
            Some(last) if last.veteran_id == record.veteran_id => {
                if !last.facilities.contains(&record.facility) {
                    last.facilities.push(record.facility);
                }
                last.teams.push(team);
            }
            _ => choices.push(VeteranChoice {
                veteran_id: record.veteran_id,
                name: record.name,
                born: crate::server::date_of_birth::words(record.date_of_birth.as_deref()),
                facilities: vec![record.facility],
                teams: vec![team],
            }),
        }
    }
    choices
}
