//! The "Email" section of `/settings` for Veterans and caregivers: "Email me about new
//! messages", each time (the default), once a day, or never. The emails say only that the
//! care team wrote (DESIGN.md §2). A plain form post, answered with a redirect back to the
//! page, so it works without the wasm.

use super::NewMessageEmail;
use crate::error::AppError;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

/// The asker's choice, or `None` for a clinician or administrator (their emails are about
/// their work, not a choice here).
#[server(endpoint = "my_email_settings", output = leptos::server_fn::codec::Postcard)]
pub async fn my_email_settings() -> Result<Option<NewMessageEmail>, AppError> {
    use crate::auth::Role;
    use crate::server::access::{app_state, signed_in};
    let person = signed_in()?;
    if !matches!(person.role, Role::Veteran | Role::Caregiver) {
        return Ok(None);
    }
    let state = app_state()?;
    crate::email::ssr::notices::choice_of(&state.db, person.id)
        .await
        .map(Some)
}

#[server(endpoint = "save_email_settings", output = leptos::server_fn::codec::Postcard)]
pub async fn save_email_settings(new_message_email: String) -> Result<(), AppError> {
    use crate::auth::Role;
    use crate::server::access::{app_state, signed_in};
    let person = signed_in()?;
    if !matches!(person.role, Role::Veteran | Role::Caregiver) {
        return Err(AppError::Forbidden);
    }
    let outcome = match NewMessageEmail::parse(new_message_email.trim()) {
        Some(choice) => {
            let state = app_state()?;
            crate::email::ssr::notices::set_choice(&state.db, person.id, choice).await
        }
        None => Err(AppError::invalid(
            "new_message_email",
            "Choose how often to get an email about new messages.",
        )),
    };
    match outcome {
        Ok(()) => {
            crate::ui::kept::go_back("/settings", "email_saved");
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to("/settings", SaveEmailSettings::PATH, error.clone(), &[])
                .await;
            Err(error)
        }
    }
}

/// Shown to Veterans and caregivers; one resource, made inside the page's gate.
#[component]
pub fn EmailSettings() -> impl IntoView {
    let current = crate::ui::page_data(|| (), |_| my_email_settings());
    view! {
        <Suspense fallback=|| view! { <p>"Loading your email settings…"</p> }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok(Some(choice)) => view! { <EmailForm choice /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! { <p class="usa-error-message">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EmailForm(choice: NewMessageEmail) -> impl IntoView {
    let error = posted_error(&[SaveEmailSettings::PATH]);
    let saved = error.is_none()
        && use_query_map().read_untracked().get("done").as_deref() == Some("email_saved");
    let field_error = error.as_ref().and_then(|e| e.field("new_message_email"));
    let has_error = field_error.is_some();
    view! {
        <section class="sm-settings-section" aria-labelledby="email-heading">
            <h2 id="email-heading">"Email"</h2>
            <ErrorSummary error=Signal::stored(error.clone()) />
            {saved.then(|| view! {
                <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">"Email setting saved."</p>
                    </div>
                </div>
            })}
            <form class="usa-form" method="post" action=SaveEmailSettings::PATH novalidate>
                <div class="usa-form-group" class:usa-form-group--error=has_error>
                    <fieldset class="usa-fieldset" id="new_message_email" aria-describedby="new_message_email-hint">
                        <legend class="usa-legend">"Email me about new messages"</legend>
                        <span class="usa-hint" id="new_message_email-hint">
                            "The email says only that your care team wrote, never what. Sign in to read it."
                        </span>
                        {field_error.map(|message| view! {
                            <span class="usa-error-message" id="new_message_email-error" role="alert">
                                <span class="usa-sr-only">"Error: "</span>{message}
                            </span>
                        })}
                        {NewMessageEmail::ALL.into_iter().map(|option| {
                            let id = format!("new_message_email-{}", option.as_str());
                            view! {
                                <div class="usa-radio">
                                    <input class="usa-radio__input" type="radio" id=id.clone()
                                        name="new_message_email" value=option.as_str()
                                        checked=option == choice />
                                    <label class="usa-radio__label" for=id>{option.label()}</label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                </div>
                <button type="submit" class="usa-button">"Save email setting"</button>
            </form>
        </section>
    }
}
