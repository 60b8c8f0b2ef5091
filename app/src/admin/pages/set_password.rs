//! `/set-password?token=…`: where an invited person, or one whose password an administrator
//! reset, chooses a password through their one-time link (24 hours, once). Public: they
//! cannot sign in yet. The password rules are `server::common_passwords::new_password_problem`.

use crate::admin::api::{password_link_check, SetPassword};
use crate::admin::rules::PASSWORD_MIN_CHARS;
use crate::admin::types::{PasswordLinkHolder, PasswordLinkState, PASSWORD_LINK_HOURS};
use crate::error::AppError;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use crate::ui::FieldError;
use crate::ui::LoadError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let holder = crate::ui::page_data(token, password_link_check);
    let error = posted_error(&[SetPassword::PATH]);
    let errors = StoredValue::new(error);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match holder.await {
                    Ok(PasswordLinkState::Works(holder)) => view! { <SetPasswordForm holder token=token() error=errors.get_value() /> }.into_any(),
                    Ok(PasswordLinkState::Expired) => view! { <ExpiredLink /> }.into_any(),
                    Ok(PasswordLinkState::Dead) | Err(AppError::NotFound) => view! { <DeadLink /> }.into_any(),
                    Err(error) => view! {
                        <Title text="Set your password" />
                        <h1>"Set your password"</h1>
                        <LoadError error />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeadLink() -> impl IntoView {
    view! {
        <Title text="This link doesn't work" />
        <h1>"This link doesn't work"</h1>
        <p>{format!("It may have been used already, or it's more than {PASSWORD_LINK_HOURS} hours old. Ask your administrator for a new one.")}</p>
        <p><a href="/sign-in" rel="external">"Sign in"</a></p>
    }
}

/// Unused, but its time ran out: only a new link helps.
#[component]
fn ExpiredLink() -> impl IntoView {
    view! {
        <Title text="This link has expired" />
        <h1>"This link has expired"</h1>
        <p>{format!("Links to set a password work for {PASSWORD_LINK_HOURS} hours, and this one is older. Ask your administrator for a new one.")}</p>
        <p><a href="/sign-in" rel="external">"Sign in"</a></p>
    }
}

#[component]
fn SetPasswordForm(
    holder: PasswordLinkHolder,
    token: String,
    error: Option<AppError>,
) -> impl IntoView {
    let password_error = error.as_ref().and_then(|e| e.field("password"));
    let confirm_error = error.as_ref().and_then(|e| e.field("confirm"));
    view! {
        <Title text="Set your password" />
        <h1>"Set your password"</h1>
        <ErrorSummary error=Signal::stored(error.clone()) />
        <p>{format!("For {} ({}).", holder.name, holder.email)}</p>
        <form method="post" action=SetPassword::PATH class="usa-form usa-form--large" novalidate>
            <input type="hidden" name="token" value=token />
            <div class="usa-form-group" class:usa-form-group--error=password_error.is_some()>
                <label class="usa-label" for="password">"New password"</label>
                <span class="usa-hint" id="password-hint">{format!("At least {PASSWORD_MIN_CHARS} characters. Avoid common passwords and your email address.")}</span>
                <FieldError id="password" message=password_error.clone() />
                <input class="usa-input" class:usa-input--error=password_error.is_some() id="password" name="password" type="password"
                    autocomplete="new-password" aria-invalid=password_error.is_some().to_string()
                    aria-describedby=if password_error.is_some() { "password-hint password-error" } else { "password-hint" } />
            </div>
            <div class="usa-form-group" class:usa-form-group--error=confirm_error.is_some()>
                <label class="usa-label" for="confirm">"Confirm new password"</label>
                <FieldError id="confirm" message=confirm_error.clone() />
                <input class="usa-input" class:usa-input--error=confirm_error.is_some() id="confirm" name="confirm" type="password"
                    autocomplete="new-password" aria-invalid=confirm_error.is_some().to_string()
                    aria-describedby=confirm_error.as_ref().map(|_| "confirm-error") />
            </div>
            <button type="submit" class="usa-button">"Set password"</button>
        </form>
    }
}
