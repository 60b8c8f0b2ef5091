//! "Sign out": a form post, so it works without the wasm and cannot be triggered by a link.
//! Someone who signed in through the single sign-on provider is signed out there too.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Ends the session (removed from the store, not just forgotten by the browser).
#[server(endpoint = "sign_out", output = leptos::server_fn::codec::Postcard)]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::access::{app_state, requester};
    use crate::server::audit::{self, Action, AuditEvent, Outcome};
    let state = app_state()?;
    let asking = requester();
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(AppError::internal)?;
    if let Some(user) = asking.user {
        audit::record(
            &state.db.pool,
            &AuditEvent::new(Action::SignOut, Outcome::Success)
                .actor(user.id)
                .from_address(asking.ip),
        )
        .await?;
    }
    let provider_token: Option<String> = session.get(crate::sso::ssr::ID_TOKEN_KEY).await?;
    // `flush` clears the data too, so the session is not saved again on the way out.
    session.flush().await?;
    // Signed in through the provider: signed out there too, then back to `/sign-in`.
    let provider = match (provider_token, state.config.sso.as_ref()) {
        (Some(token), Some(sso)) => {
            let after = state.config.public_url.link("/sign-in");
            crate::sso::ssr::provider_sign_out(sso, &token, &after).await
        }
        _ => None,
    };
    leptos_axum::redirect(provider.as_deref().unwrap_or("/sign-in"));
    Ok(())
}

#[component]
pub fn SignOutForm() -> impl IntoView {
    view! {
        <form method="post" action=SignOut::PATH>
            <button type="submit" class="usa-button usa-button--outline">"Sign out"</button>
        </form>
    }
}
