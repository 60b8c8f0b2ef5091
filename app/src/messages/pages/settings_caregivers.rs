//! "Who can see my messages": a Veteran sees each caregiver with access and can revoke it,
//! and gives someone access by email (`caregiver_invitations`).
//! A revoked caregiver loses access on their very next request, because every messaging
//! call checks the grant afresh (`veterans_for`).

use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaregiverGrant {
    pub grant_id: i64,
    pub name: String,
    pub email: String,
    /// When access was given, as people read it.
    pub since: String,
}

#[server(endpoint = "list_caregivers", output = leptos::server_fn::codec::Postcard)]
pub async fn list_caregivers() -> Result<Vec<CaregiverGrant>, AppError> {
    use crate::server::access::{app_state, require_messaging};
    let capability = require_messaging(ListCaregivers::PATH).await?;
    let state = app_state()?;
    ssr::grants_of(&state.db, &capability).await
}

#[server(endpoint = "revoke_caregiver", output = leptos::server_fn::codec::Postcard)]
pub async fn revoke_caregiver(grant_id: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester, require_messaging};
    let capability = require_messaging(RevokeCaregiver::PATH).await?;
    let state = app_state()?;
    ssr::revoke(&state.db, &capability, grant_id, &requester().ip).await?;
    leptos_axum::redirect("/settings");
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::CaregiverGrant;
    use crate::auth::Role;
    use crate::error::AppError;
    use crate::server::access::MessagingCapability;
    use crate::server::audit::{self, Action, AuditEvent, Outcome};
    use crate::server::clock;
    use crate::server::db::Db;
    use crate::server::now_ms;

    /// The live grants on the asking Veteran's messages. A caregiver has none to show: only
    /// the Veteran decides who sees their messages.
    pub async fn grants_of(
        db: &Db,
        capability: &MessagingCapability,
    ) -> Result<Vec<CaregiverGrant>, AppError> {
        let veteran = capability.user();
        if veteran.role != Role::Veteran {
            return Err(AppError::Forbidden);
        }
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT g.id, u.name, u.email, g.granted_at FROM caregiver_grants g \
             JOIN users u ON u.id = g.caregiver_id \
             WHERE g.veteran_id = $1 AND g.revoked_at IS NULL ORDER BY u.name",
        )
        .bind(veteran.id)
        .fetch_all(&db.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(grant_id, name, email, granted_at)| CaregiverGrant {
                grant_id,
                name,
                email,
                since: clock::date(granted_at, &veteran.time_zone),
            })
            .collect())
    }

    /// Ends one grant on the asking Veteran's messages, audited in the same transaction.
    /// Anyone else's grant answers `NotFound`.
    pub async fn revoke(
        db: &Db,
        capability: &MessagingCapability,
        grant_id: i64,
        ip: &str,
    ) -> Result<(), AppError> {
        let veteran = capability.user();
        if veteran.role != Role::Veteran {
            return Err(AppError::Forbidden);
        }
        let mut tx = db.begin_write().await?;
        let caregiver: Option<i64> = sqlx::query_scalar(
            "UPDATE caregiver_grants SET revoked_at = $1 \
             WHERE id = $2 AND veteran_id = $3 AND revoked_at IS NULL RETURNING caregiver_id",
        )
        .bind(now_ms())
        .bind(grant_id)
        .bind(veteran.id)
        .fetch_optional(&mut *tx)
        .await?;
        let caregiver = caregiver.ok_or(AppError::NotFound)?;
        audit::record(
            &mut *tx,
            &AuditEvent::new(Action::CaregiverAccessRevoked, Outcome::Success)
                .actor(veteran.id)
                .patient(veteran.id)
                .target(format!("user:{caregiver}"))
                .from_address(ip),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[component]
pub fn CaregiverAccess() -> impl IntoView {
    let revoke = ServerAction::<RevokeCaregiver>::new();
    let grants = crate::ui::page_data(move || revoke.version().get(), |_| list_caregivers());
    view! {
        <section aria-labelledby="caregivers-heading">
            <h2 id="caregivers-heading">"Who can see my messages"</h2>
            <p>"A caregiver with access can read and send messages for you. Every message they send says so."</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match grants.await {
                        Ok(list) if list.is_empty() => view! { <p>"Nobody else has access to your messages."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="usa-list usa-list--unstyled sm-grants">
                                {list.into_iter().map(|grant| view! { <GrantRow grant revoke /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p class="usa-error-message">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <crate::messages::caregiver_invitations::InviteCaregiver />
        </section>
    }
}

/// One caregiver. "Revoke access" asks first: the question is a page state
/// (`/settings?revoke=<grant>`), so it works the same with or without JavaScript.
#[component]
fn GrantRow(grant: CaregiverGrant, revoke: ServerAction<RevokeCaregiver>) -> impl IntoView {
    let query = use_query_map();
    let id = grant.grant_id;
    let asking = move || {
        query
            .read()
            .get("revoke")
            .and_then(|v| v.parse::<i64>().ok())
            == Some(id)
    };
    let question = format!(
        "Revoke {}'s access? They will no longer see or send your messages.",
        grant.name
    );
    view! {
        <li class="sm-grant">
            <p><strong>{grant.name}</strong>" ("{grant.email}"), since "{grant.since}</p>
            <Show
                when=asking
                fallback=move || view! {
                    <a class="usa-button usa-button--secondary" href=format!("/settings?revoke={id}") rel="external">"Revoke access"</a>
                }
            >
                <div class="usa-alert usa-alert--warning" role="alert">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">{question.clone()}</p>
                        <ActionForm action=revoke>
                            <input type="hidden" name="grant_id" value=id.to_string() />
                            <button type="submit" class="usa-button usa-button--secondary">"Yes, revoke access"</button>
                            <a class="usa-button usa-button--outline" href="/settings">"Cancel"</a>
                        </ActionForm>
                    </div>
                </div>
            </Show>
        </li>
    }
}
