//! The "Signature" section of `/settings`: an optional name and title that the server adds
//! under each message the person sends (DESIGN.md §2). Veterans and caregivers reach theirs
//! through `asking`; clinicians through their team capability. Administrators send no
//! messages and do not see the section.

use crate::auth::Role;
use crate::error::AppError;
use crate::messages::Signature;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

/// The asker's signature (empty when never set), or `None` for an administrator, who sends
/// no messages and so has none.
#[server(endpoint = "my_signature", output = leptos::server_fn::codec::Postcard)]
pub async fn my_signature() -> Result<Option<Signature>, AppError> {
    use crate::server::access::signed_in;
    if signed_in()?.role == Role::Administrator {
        return Ok(None);
    }
    ssr::signature(MySignature::PATH).await.map(Some)
}

/// Sets the asker's signature; both lines empty removes it from future messages.
#[server(endpoint = "save_signature", output = leptos::server_fn::codec::Postcard)]
pub async fn save_signature(
    signature_name: String,
    signature_title: String,
) -> Result<(), AppError> {
    let signature = Signature {
        name: signature_name,
        title: signature_title,
    };
    ssr::set_signature(SaveSignature::PATH, &signature).await?;
    // The form posts and the page is loaded again: say it worked there.
    if crate::ui::kept::plain_form_post() {
        leptos_axum::redirect("/settings?signature=saved");
    }
    Ok(())
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::auth::Role;
    use crate::error::AppError;
    use crate::messages::acting::ssr::asking;
    use crate::messages::ssr as data;
    use crate::messages::Signature;
    use crate::server::access::{app_state, require_team, signed_in};

    /// A clinician signs as a care team member; anyone else must be able to use messaging
    /// (a Veteran, or a caregiver with live access): `asking` checks and audits a refusal.
    pub async fn signature(what: &str) -> Result<Signature, AppError> {
        if signed_in()?.role == Role::Clinician {
            let capability = require_team(what).await?;
            data::signature(&app_state()?.db, &capability).await
        } else {
            let asking = asking(what).await?;
            data::signature(&asking.state.db, &asking.capability).await
        }
    }

    pub async fn set_signature(what: &str, signature: &Signature) -> Result<(), AppError> {
        if signed_in()?.role == Role::Clinician {
            let capability = require_team(what).await?;
            data::set_signature(&app_state()?.db, &capability, signature).await
        } else {
            let asking = asking(what).await?;
            data::set_signature(&asking.state.db, &asking.capability, signature).await
        }
    }
}

/// Shown to the people who send messages: Veterans, caregivers and clinicians. One
/// resource, made here inside the page's gate, so a signed-out visitor never calls it.
#[component]
pub fn SignatureSettings() -> impl IntoView {
    let current = crate::ui::page_data(|| (), |_| my_signature());
    let clinician = crate::ui::viewer().map(|user| user.role) == Some(Role::Clinician);
    view! {
        <Suspense fallback=|| view! { <p>"Loading your signature…"</p> }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok(Some(signature)) => view! {
                        <section class="sm-settings-section" aria-labelledby="signature-heading">
                            <h2 id="signature-heading">"Signature"</h2>
                            <p>
                                "Your signature is added to the end of each message you send. "
                                "Leave both fields empty for no signature."
                            </p>
                            <SignatureForm signature clinician />
                        </section>
                    }
                    .into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! { <p class="usa-error-message">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A plain form post, answered with a redirect back to `/settings`: it needs no wasm, and
/// the page then shows what was saved.
#[component]
fn SignatureForm(signature: Signature, clinician: bool) -> impl IntoView {
    let error = posted_error(&[SaveSignature::PATH]);
    let saved = error.is_none()
        && use_query_map().read_untracked().get("signature").as_deref() == Some("saved");
    let field_error = |name: &str| error.as_ref().and_then(|e| e.field(name));
    let title_hint = if clinician {
        "For example: RN, Primary Care"
    } else {
        "For example: U.S. Army, retired"
    };
    view! {
        <ErrorSummary error=Signal::stored(error.clone()) />
        {saved.then(|| view! {
            <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
                <div class="usa-alert__body">
                    <p class="usa-alert__text">"Signature saved."</p>
                </div>
            </div>
        })}
        <form class="usa-form" method="post" action=SaveSignature::PATH novalidate>
            <SignatureField
                name="signature_name"
                label="Name"
                hint="For example: Alex Rivera"
                value=signature.name
                error=field_error("signature_name")
            />
            <SignatureField
                name="signature_title"
                label="Title"
                hint=title_hint
                value=signature.title
                error=field_error("signature_title")
            />
            <button type="submit" class="usa-button">"Save signature"</button>
        </form>
    }
}

#[component]
fn SignatureField(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    value: String,
    error: Option<String>,
) -> impl IntoView {
    let has_error = error.is_some();
    let hint_id = format!("{name}-hint");
    let describedby = if has_error {
        format!("{hint_id} {name}-error")
    } else {
        hint_id.clone()
    };
    view! {
        <div class="usa-form-group" class:usa-form-group--error=has_error>
            <label class="usa-label" class:usa-label--error=has_error for=name>
                {label} " " <span class="usa-hint">"(optional)"</span>
            </label>
            <span class="usa-hint" id=hint_id>{hint}</span>
            {error.map(|message| view! {
                <span class="usa-error-message" id=format!("{name}-error") role="alert">
                    <span class="usa-sr-only">"Error: "</span>{message}
                </span>
            })}
            <input
                class="usa-input"
                class:usa-input--error=has_error
                id=name
                name=name
                type="text"
                autocomplete="off"
                value=value
                aria-invalid=has_error.to_string()
                aria-describedby=describedby
            />
        </div>
    }
}
