//! `/team`: the team inbox (`team::pages::inbox`). The clinician's care teams, as the
//! server function `my_teams` lists them, stay here for the pages and tests that use them.

use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyTeam {
    pub name: String,
    pub facility: String,
    pub lead: bool,
}

#[server(endpoint = "my_teams", output = leptos::server_fn::codec::Postcard)]
pub async fn my_teams() -> Result<Vec<MyTeam>, AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(MyTeams::PATH).await?;
    let state = app_state()?;
    Ok(ssr::teams_of(&state.db.pool, &capability).await?)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::server::access::TeamCapability;
    use sqlx::AnyPool;

    pub async fn teams_of(
        pool: &AnyPool,
        capability: &TeamCapability,
    ) -> Result<Vec<MyTeam>, sqlx::Error> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT t.name, f.name AS facility, m.team_role FROM team_members m \
             JOIN care_teams t ON t.id = m.team_id JOIN facilities f ON f.id = t.facility_id \
             WHERE m.user_id = $1 ORDER BY t.name",
        )
        .bind(capability.user().id)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(name, facility, team_role)| MyTeam {
                name,
                facility,
                lead: team_role == "lead",
            })
            .collect())
    }
}

/// `/team` is the team inbox.
pub use crate::team::pages::inbox::TeamInboxPage as TeamHome;
