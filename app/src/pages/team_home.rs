//! `/team` for now: the clinician's care teams. The shared team inbox comes with the care
//! team workspace.

use super::{Gate, NotAvailableYet};
use crate::auth::Area;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyTeam {
    pub name: String,
    pub facility: String,
    pub lead: bool,
}

#[server(endpoint = "my_teams")]
pub async fn my_teams() -> Result<Vec<MyTeam>, AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team("api:my_teams").await?;
    let state = app_state()?;
    Ok(ssr::teams_of(&state.db.pool, &capability).await?)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::server::access::TeamCapability;
    use sqlx::{AnyPool, Row};

    pub async fn teams_of(
        pool: &AnyPool,
        capability: &TeamCapability,
    ) -> Result<Vec<MyTeam>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT t.name, f.name AS facility, m.team_role FROM team_members m \
             JOIN care_teams t ON t.id = m.team_id JOIN facilities f ON f.id = t.facility_id \
             WHERE m.user_id = $1 ORDER BY t.name",
        )
        .bind(capability.user().id)
        .fetch_all(pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(MyTeam {
                    name: row.try_get("name")?,
                    facility: row.try_get("facility")?,
                    lead: row.try_get::<String, _>("team_role")? == "lead",
                })
            })
            .collect()
    }
}

#[component]
pub fn TeamHome() -> impl IntoView {
    view! {
        <Gate area=Area::Team>
            <Title text="Team inbox" />
            <h1>"Team inbox"</h1>
            <NotAvailableYet />
            <h2>"Your care teams"</h2>
            <Teams />
        </Gate>
    }
}

/// Inside the gate, so nobody else's visit calls the server function.
#[component]
fn Teams() -> impl IntoView {
    let teams = Resource::new(|| (), |_| my_teams());
    view! {
            <Suspense fallback=|| view! { <p>"Loading your care teams…"</p> }>
                {move || Suspend::new(async move {
                    match teams.await {
                        Ok(teams) if teams.is_empty() => view! { <p>"You aren't on a care team yet. Ask an administrator to add you."</p> }.into_any(),
                        Ok(teams) => view! {
                            <ul class="usa-list">
                                {teams.into_iter().map(|team| view! {
                                    <li><strong>{team.name}</strong>", "{team.facility}{team.lead.then_some(" (team lead)")}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p class="usa-error-message">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
    }
}
