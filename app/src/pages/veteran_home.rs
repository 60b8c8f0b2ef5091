//! Who a Veteran (or caregiver) can write to, and whom a caregiver acts for. The inbox
//! itself is `messages::pages::folder_page`.

use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareTeamSummary {
    pub name: String,
    pub facility: String,
    /// Whether a new message may be started now; `why_not` says why when not.
    pub can_write: bool,
    pub why_not: Option<String>,
}

/// The care teams of one Veteran: their own, or one a caregiver acts for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VeteranTeams {
    pub veteran_name: String,
    pub teams: Vec<CareTeamSummary>,
}

#[server(endpoint = "messaging_overview", output = leptos::server_fn::codec::Postcard)]
pub async fn messaging_overview() -> Result<Vec<VeteranTeams>, AppError> {
    use crate::server::access::{app_state, require_messaging};
    let capability = require_messaging(MessagingOverview::PATH).await?;
    let state = app_state()?;
    Ok(ssr::overview(&state.db.pool, &capability).await?)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::auth::Role;
    use crate::server::access::MessagingCapability;
    use crate::server::db::YesNo;
    use sqlx::AnyPool;

    /// The Veterans this person may act for: themselves, or (for a caregiver) each Veteran
    /// with a live grant. Checked on every call, so a revoked grant stops at once.
    pub async fn veterans_for(
        pool: &AnyPool,
        capability: &MessagingCapability,
    ) -> Result<Vec<(i64, String)>, sqlx::Error> {
        let user = capability.user();
        if user.role == Role::Veteran {
            return Ok(vec![(user.id, user.name.clone())]);
        }
        sqlx::query_as(
            "SELECT u.id, u.name FROM caregiver_grants g JOIN users u ON u.id = g.veteran_id \
             WHERE g.caregiver_id = $1 AND g.revoked_at IS NULL AND u.active = 1 ORDER BY u.name",
        )
        .bind(user.id)
        .fetch_all(pool)
        .await
    }

    pub async fn overview(
        pool: &AnyPool,
        capability: &MessagingCapability,
    ) -> Result<Vec<VeteranTeams>, sqlx::Error> {
        let mut result = Vec::new();
        for (veteran_id, veteran_name) in veterans_for(pool, capability).await? {
            let rows: Vec<TeamRecord> = sqlx::query_as(
                "SELECT t.name, f.name AS facility, f.phone, t.accepting_messages, vt.blocked \
                 FROM veteran_teams vt \
                 JOIN care_teams t ON t.id = vt.team_id \
                 JOIN facilities f ON f.id = t.facility_id \
                 WHERE vt.veteran_id = $1 ORDER BY t.name",
            )
            .bind(veteran_id)
            .fetch_all(pool)
            .await?;
            result.push(VeteranTeams {
                veteran_name,
                teams: rows.into_iter().map(CareTeamSummary::from).collect(),
            });
        }
        Ok(result)
    }

    /// One of a Veteran's teams, as `overview` reads it.
    #[derive(sqlx::FromRow)]
    struct TeamRecord {
        name: String,
        facility: String,
        phone: String,
        #[sqlx(try_from = "YesNo")]
        accepting_messages: bool,
        #[sqlx(try_from = "YesNo")]
        blocked: bool,
    }

    impl From<TeamRecord> for CareTeamSummary {
        fn from(team: TeamRecord) -> CareTeamSummary {
            let why_not =
                crate::messages::rules::team_problem(team.accepting_messages, team.blocked);
            CareTeamSummary {
                name: team.name,
                facility: team.facility,
                can_write: why_not.is_none(),
                why_not: why_not.map(|why| crate::messages::rules::with_phone(why, &team.phone)),
            }
        }
    }
}
