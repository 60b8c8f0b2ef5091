//! Setting up two-step verification: the steps with the QR code and the key as text (for
//! anyone who cannot scan, or uses a screen reader), shared by `/settings` and by
//! `/two-step-verification`, the page a clinician or administrator is held at until it is on.

use super::recovery::NewRecoveryCodes;
use super::CodeField;
use crate::auth::Area;
use crate::error::AppError;
use crate::mfa::api::{my_two_step, TwoStepConfirm, TwoStepStart};
use crate::mfa::SetUpKey;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use crate::ui::Gate;
use crate::ui::LoadError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The form posts say where they came from, so the answer goes back there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetUpFrom {
    Settings,
    Required,
}

impl SetUpFrom {
    fn as_str(self) -> &'static str {
        match self {
            SetUpFrom::Settings => "settings",
            SetUpFrom::Required => "required",
        }
    }
}

/// "Set up": asks the server for a new key, then the page shows it.
#[component]
pub fn StartSetUpForm(from: SetUpFrom, next: Option<String>) -> impl IntoView {
    view! {
        <form method="post" action=TwoStepStart::PATH>
            <input type="hidden" name="from" value=from.as_str() />
            {next.map(|next| view! { <input type="hidden" name="next" value=next /> })}
            <button type="submit" class="usa-button">"Set up"</button>
        </form>
    }
}

/// The three steps: get an app, add the key (QR code or text), confirm with a code.
#[component]
pub fn SetUpSteps(
    key: SetUpKey,
    from: SetUpFrom,
    next: Option<String>,
    error: Option<AppError>,
) -> impl IntoView {
    let code_error = error.as_ref().and_then(|e| e.field("code"));
    view! {
        <ol class="usa-list sm-set-up">
            <li>
                <p><strong>"Open an authenticator app on your phone"</strong></p>
                <p>"For example Google Authenticator, Microsoft Authenticator or 1Password. Choose to add an account."</p>
            </li>
            <li>
                <p><strong>"Scan this QR code, or type the key"</strong></p>
                <img
                    class="sm-qr"
                    src=key.qr_image
                    width="200"
                    height="200"
                    alt="QR code that adds Secure Messaging to an authenticator app. If you can't scan it, type the key shown after it."
                />
                <p>
                    "Key: "
                    <code class="sm-key" data-testid="two-step-key">{key.key_text}</code>
                </p>
                <p class="usa-hint">
                    {format!("Account: {}. The key is time-based; spaces don't matter.", key.account)}
                </p>
            </li>
            <li>
                <p><strong>"Enter the code the app shows"</strong></p>
                <form class="usa-form" method="post" action=TwoStepConfirm::PATH novalidate>
                    <input type="hidden" name="from" value=from.as_str() />
                    {next.map(|next| view! { <input type="hidden" name="next" value=next /> })}
                    <CodeField hint="6 digits. The code changes every 30 seconds." error=code_error />
                    <button type="submit" class="usa-button">"Turn on"</button>
                </form>
            </li>
        </ol>
    }
}

/// `/two-step-verification`: the set-up on a page of its own. Clinicians and administrators
/// without it are sent here by the server until it is on; then on to `next`.
#[component]
pub fn SetUpPage() -> impl IntoView {
    view! {
        <Gate area=Area::Account>
            <SetUp />
        </Gate>
    }
}

#[component]
fn SetUp() -> impl IntoView {
    let status = crate::ui::page_data(|| (), |_| my_two_step());
    let next = use_query_map()
        .read_untracked()
        .get("next")
        .filter(|n| crate::auth::safe_next(Some(n)).is_some());
    let error = StoredValue::new(posted_error(&[TwoStepStart::PATH, TwoStepConfirm::PATH]));
    let next = StoredValue::new(next);
    view! {
        <Title text="Set up two-step verification" />
        <h1>"Set up two-step verification"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let error = error.get_value();
                let next = next.get_value();
                match status.await {
                    Ok(status) if status.turned_on => {
                        let codes = (!status.new_recovery_codes.is_empty()).then(|| {
                            view! { <NewRecoveryCodes codes=status.new_recovery_codes.clone() /> }
                        });
                        view! {
                            <p>"Two-step verification is on for your account."</p>
                            {codes}
                            <p><a class="usa-button" href=next.unwrap_or_else(|| "/".to_string())>"Continue"</a></p>
                        }.into_any()
                    }
                    Ok(status) => {
                        let why = if status.required {
                            "Your account needs two-step verification before you can continue. After your password, you'll also enter a 6-digit code from an app on your phone, so a stolen password alone can't open your account."
                        } else {
                            "After your password, you'll also enter a 6-digit code from an app on your phone, so a stolen password alone can't open your account."
                        };
                        view! {
                            <ErrorSummary error=Signal::stored(error.clone()) />
                            <p>{why}</p>
                            {match status.set_up {
                                Some(key) => view! { <SetUpSteps key from=SetUpFrom::Required next error /> }.into_any(),
                                None => view! { <StartSetUpForm from=SetUpFrom::Required next /> }.into_any(),
                            }}
                            {status.required.then(|| view! {
                                <p>"Or add a passkey instead: your phone's or computer's screen lock, or a security key, then signs you in after your password."</p>
                                <crate::passkeys::PasskeySettings />
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
