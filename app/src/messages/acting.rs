//! Whom a person acts for: a Veteran for themself; a caregiver for one of the Veterans who
//! gave them access, chosen in the header ("Acting for Alex Rivera") and kept in the session.
//! Every messaging server function starts with `asking`.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Switches the Veteran a caregiver acts for, then returns to their inbox.
#[server(endpoint = "choose_veteran", output = leptos::server_fn::codec::Postcard)]
pub async fn choose_veteran(veteran_id: i64) -> Result<(), AppError> {
    use crate::pages::veteran_home::ssr::veterans_for;
    use crate::server::access::{app_state, require_messaging};
    let capability = require_messaging(ChooseVeteran::PATH).await?;
    let state = app_state()?;
    let allowed = veterans_for(&state.db.pool, &capability).await?;
    if !allowed.iter().any(|(id, _)| *id == veteran_id) {
        return Err(AppError::NotFound);
    }
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(AppError::internal)?;
    session.insert(ssr::ACTING_FOR_KEY, veteran_id).await?;
    leptos_axum::redirect("/inbox");
    Ok(())
}

/// The caregiver's switch, shown in the header when they may act for more than one Veteran.
#[component]
pub fn ChooseVeteranForm(choices: Vec<(i64, String)>, current: i64) -> impl IntoView {
    view! {
        <form method="post" action=ChooseVeteran::PATH class="sm-acting-for">
            <label class="usa-label" for="acting-for">"Acting for"</label>
            <select class="usa-select" id="acting-for" name="veteran_id">
                {choices
                    .into_iter()
                    .map(|(id, name)| view! { <option value=id.to_string() selected=id == current>{name}</option> })
                    .collect_view()}
            </select>
            <button type="submit" class="usa-button usa-button--unstyled">"Switch"</button>
        </form>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::auth::Role;
    use crate::error::AppError;
    use crate::pages::veteran_home::ssr::veterans_for;
    use crate::server::access::{app_state, require_messaging, MessagingCapability};
    use crate::server::state::AppState;

    /// The session key holding the Veteran a caregiver chose to act for.
    pub const ACTING_FOR_KEY: &str = "acting_for";

    /// Who is asking for a messaging feature: the state, their capability and the Veteran
    /// they act for now. `what` names the server function for the audit of a refusal.
    pub struct Asking {
        pub state: AppState,
        pub capability: MessagingCapability,
        pub veteran_id: i64,
    }

    /// The form field naming the Veteran a form was drawn for.
    pub const ACTING_FOR_FIELD: &str = "acting_for";

    impl Asking {
        /// Refuses a form drawn for another Veteran than the one acted for now: a caregiver
        /// who switched in another window must not send (or save) for the wrong Veteran.
        /// A form that names nobody (an older page) is taken for the current one.
        pub fn check_form_for(&self, named: Option<&str>) -> Result<(), AppError> {
            match named.map(str::trim).filter(|named| !named.is_empty()) {
                None => Ok(()),
                Some(named) if named.parse::<i64>().ok() == Some(self.veteran_id) => Ok(()),
                Some(_) => Err(AppError::Conflict {
                    message: crate::messages::rules::ACTING_FOR_CHANGED.to_string(),
                }),
            }
        }
    }

    pub async fn asking(what: &str) -> Result<Asking, AppError> {
        let capability = require_messaging(what).await?;
        let state = app_state()?;
        let chosen = if capability.user().role == Role::Caregiver {
            let session: tower_sessions::Session =
                leptos_axum::extract().await.map_err(AppError::internal)?;
            session.get::<i64>(ACTING_FOR_KEY).await?
        } else {
            None
        };
        let veteran_id = acting_for(&state, &capability, chosen)
            .await?
            .map(|(id, _)| id)
            .ok_or(AppError::NotFound)?;
        Ok(Asking {
            state,
            capability,
            veteran_id,
        })
    }

    /// The Veteran acted for: oneself, or the caregiver's choice while the grant lives,
    /// else their first Veteran. `None` for a caregiver with no live grant.
    pub async fn acting_for(
        state: &AppState,
        capability: &MessagingCapability,
        chosen: Option<i64>,
    ) -> Result<Option<(i64, String)>, AppError> {
        let choices = veterans_for(&state.db.pool, capability).await?;
        let pick = chosen
            .and_then(|id| choices.iter().find(|(v, _)| *v == id).cloned())
            .or_else(|| choices.first().cloned());
        Ok(pick)
    }
}
