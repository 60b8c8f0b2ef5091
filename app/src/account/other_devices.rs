//! "Sign out of all other devices" in `/settings`: for a phone that was lost or a computer
//! that was shared. Every other session of the person ends at once, however many requests
//! they have in flight; this one stays signed in.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;

/// Ends every session of the person but this one, audited with how many ended.
#[server(endpoint = "sign_out_other_devices", output = leptos::server_fn::codec::Postcard)]
pub async fn sign_out_other_devices() -> Result<(), AppError> {
    use crate::server::access::{app_state, requester};
    use crate::server::audit::{self, Action, AuditEvent, Outcome};
    let state = app_state()?;
    let asking = requester();
    let user = asking.user.ok_or(AppError::Unauthenticated)?;
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(AppError::internal)?;
    let ended =
        crate::server::session_store::end_other_sessions(&state.db, &session, user.id).await?;
    audit::record(
        &state.db.pool,
        &AuditEvent::new(Action::OtherSessionsEnded, Outcome::Success)
            .actor(user.id)
            .target(format!("user:{}", user.id))
            .from_address(asking.ip)
            .detail(serde_json::json!({ "sessions_ended": ended })),
    )
    .await?;
    leptos_axum::redirect("/settings?devices=signed_out#devices");
    Ok(())
}

#[component]
pub fn OtherDevicesSettings() -> impl IntoView {
    let done = use_query_map().read_untracked().get("devices").as_deref() == Some("signed_out");
    view! {
        <section class="sm-settings-section" aria-labelledby="devices-heading" id="devices">
            <h2 id="devices-heading">"Other devices"</h2>
            {done.then(|| view! {
                <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">"You're signed out on all other devices. You're still signed in here."</p>
                    </div>
                </div>
            })}
            <p>"If you signed in on a device you no longer have, or one other people use, sign out there from here. You stay signed in on this device."</p>
            <form method="post" action=SignOutOtherDevices::PATH>
                <button type="submit" class="usa-button usa-button--outline">"Sign out of all other devices"</button>
            </form>
        </section>
    }
}
