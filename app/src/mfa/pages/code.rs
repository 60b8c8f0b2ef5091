//! `/sign-in/code`: the second step of signing in, after the right password, for an account
//! with two-step verification on: a code from the authenticator app, or one of the
//! person's recovery codes, or a passkey for those who have one (the only way for a
//! clinician or administrator who met the required second step with a passkey). The codes
//! are plain form posts, like `/sign-in`: they work without the wasm.

use super::recovery::RecoveryCodeForm;
use super::CodeField;
use crate::mfa::api::{sign_in_code_expected, SignInCode, SignInRecoveryCode};
use crate::passkeys::PasskeySecondStep;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn SignInCodePage() -> impl IntoView {
    let expected = crate::ui::page_data(|| (), |_| sign_in_code_expected());
    let error = StoredValue::new(posted_error(&[SignInCode::PATH, SignInRecoveryCode::PATH]));
    view! {
        <Title text="Enter your authentication code" />
        <div class="sm-sign-in">
            <h1>"Enter your authentication code"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let ways = expected.await.unwrap_or_default();
                    match (ways.code, ways.passkey) {
                        (true, passkey) => view! {
                            <CodeForm error=error.get_value() />
                            {passkey.then(|| view! { <PasskeySecondStep only_way=false /> })}
                            <NoWayLeft />
                        }.into_any(),
                        (false, true) => view! {
                            <PasskeySecondStep only_way=true />
                            <p>
                                "Lost your passkey? Ask your administrator to reset your two-step verification. "
                                <a href="/sign-in" rel="external">"Sign in as someone else"</a>
                            </p>
                        }.into_any(),
                        (false, false) => view! { <TimedOut /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn CodeForm(error: Option<crate::error::AppError>) -> impl IntoView {
    let code_error = error.as_ref().and_then(|e| e.field("code"));
    let recovery_error = error.as_ref().and_then(|e| e.field("recovery_code"));
    view! {
        <ErrorSummary error=Signal::stored(error.clone()) />
        <p>"Your password was right. Now open the authenticator app on your phone and enter the code it shows for Secure Messaging."</p>
        <form class="usa-form" method="post" action=SignInCode::PATH novalidate>
            <CodeField hint="6 digits. The code changes every 30 seconds." error=code_error />
            <button type="submit" class="usa-button">"Verify"</button>
        </form>
        <RecoveryCodeForm error=recovery_error />
    }
}

#[component]
fn NoWayLeft() -> impl IntoView {
    view! {
        <p>
            "No recovery codes either? Ask your administrator to reset your two-step verification. "
            <a href="/sign-in" rel="external">"Sign in as someone else"</a>
        </p>
    }
}

#[component]
fn TimedOut() -> impl IntoView {
    view! {
        <div class="usa-alert usa-alert--warning" role="status">
            <div class="usa-alert__body">
                <p class="usa-alert__text">
                    {format!(
                        "Your sign-in timed out: the code must be entered within {} minutes of your password.",
                        crate::mfa::PENDING_SIGN_IN_MINUTES,
                    )}
                </p>
            </div>
        </div>
        <p><a class="usa-button" href="/sign-in" rel="external">"Sign in again"</a></p>
    }
}
