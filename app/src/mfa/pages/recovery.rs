//! Recovery codes on the pages: the new codes, shown once with "Download" and "Print";
//! how many are left with "Make new codes"; and the recovery code form of the sign-in code
//! step. All plain form posts, so they work without the wasm.

use crate::mfa::api::{SignInRecoveryCode, TwoStepNewRecoveryCodes};
use crate::ui::current_password::PasswordField;
use crate::ui::FieldError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The name of the downloaded file.
const FILE_NAME: &str = "secure-messaging-recovery-codes.txt";

/// The codes as a text file, for the "Download" link.
fn file_text(codes: &[String]) -> String {
    let mut text = String::from(
        "Secure Messaging recovery codes\n\n\
         If you can't use your authenticator app, enter one of these codes when you sign in.\n\
         Each code works only once. Keep them somewhere safe.\n\n",
    );
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
}

/// Just-made codes, shown on this page load only.
#[component]
pub fn NewRecoveryCodes(codes: Vec<String>) -> impl IntoView {
    // A `data:` address holds the file, so "Download" needs no second request (the codes
    // exist nowhere else to fetch them from).
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        crate::ui::encode(&file_text(&codes)).replace('+', "%20")
    );
    view! {
        <div class="usa-alert usa-alert--warning" role="region" aria-labelledby="recovery-codes-heading">
            <div class="usa-alert__body">
                <h2 class="usa-alert__heading" id="recovery-codes-heading">"Save your recovery codes"</h2>
                <p class="usa-alert__text">
                    "If you lose your phone or can't use your authenticator app, you can sign in with one of these codes instead. Each code works once. Download or print them now and keep them somewhere safe: this is the only time they're shown."
                </p>
                <ol class="sm-recovery-codes" data-testid="recovery-codes">
                    {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                </ol>
                <p class="sm-no-print">
                    <a class="usa-button usa-button--outline" href=download download=FILE_NAME>
                        "Download codes"
                    </a>
                    <PrintCodes />
                </p>
            </div>
        </div>
    }
}

/// "Print codes": it needs the browser's script, so it shows once that runs; without it the
/// browser's own Print works.
#[island(lazy)]
fn PrintCodes() -> impl IntoView {
    crate::layout::island_hydrated();
    let can_print = RwSignal::new(false);
    Effect::new(move |_| can_print.set(true));
    view! {
        <Show when=move || can_print.get()>
            <button type="button" class="usa-button usa-button--outline" on:click=|_| print_page()>
                "Print codes"
            </button>
        </Show>
    }
}

fn print_page() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().print();
    }
}

/// How many codes are left, and "Make new codes" with the current password.
#[component]
pub fn RecoveryCodesLeft(left: u32, password_error: Option<String>) -> impl IntoView {
    let count = match left {
        0 => "You have no recovery codes left.".to_string(),
        1 => "You have 1 recovery code left.".to_string(),
        n => format!("You have {n} recovery codes left."),
    };
    view! {
        <h3>"Recovery codes"</h3>
        <p>{count}" Each one signs you in once if you can't use your authenticator app."</p>
        <form class="usa-form" method="post" action=TwoStepNewRecoveryCodes::PATH novalidate>
            <PasswordField
                name="current_password"
                label="Your password"
                autocomplete="current-password"
                hint=Some("New codes replace all your old ones, used or not.".to_string())
                error=password_error
            />
            <button type="submit" class="usa-button usa-button--secondary">"Make new codes"</button>
        </form>
    }
}

/// After signing in with a recovery code: how many are left, and a nudge to make new ones.
#[component]
pub fn RecoveryCodeUsed(left: u32) -> impl IntoView {
    let text = match left {
        0 => "You signed in with your last recovery code. Make new codes now, so you can still sign in if you lose your phone.".to_string(),
        1 => "You signed in with a recovery code. You have 1 code left: make new codes soon.".to_string(),
        n => format!("You signed in with a recovery code, which can't be used again. You have {n} codes left. If you've lost your phone, make new codes and ask your administrator to reset your two-step verification."),
    };
    view! {
        <div class="usa-alert usa-alert--info usa-alert--slim" role="status">
            <div class="usa-alert__body">
                <p class="usa-alert__text">{text}</p>
            </div>
        </div>
    }
}

/// The code step's other way in: one of the person's recovery codes.
#[component]
pub fn RecoveryCodeForm(error: Option<String>) -> impl IntoView {
    let has_error = error.is_some();
    let described = if has_error {
        "recovery_code-hint recovery_code-error"
    } else {
        "recovery_code-hint"
    };
    view! {
        <h2>"Use a recovery code"</h2>
        <p>"Can't use your authenticator app? Enter one of the recovery codes you saved when you set up two-step verification."</p>
        <form class="usa-form" method="post" action=SignInRecoveryCode::PATH novalidate>
            <div class="usa-form-group" class:usa-form-group--error=has_error>
                <label class="usa-label" class:usa-label--error=has_error for="recovery_code">"Recovery code"</label>
                <span class="usa-hint" id="recovery_code-hint">"10 letters and numbers, like abcde-12345. Dashes and spaces don't matter."</span>
                <FieldError id="recovery_code" message=error />
                <input
                    class="usa-input"
                    class:usa-input--error=has_error
                    id="recovery_code"
                    name="recovery_code"
                    type="text"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    aria-invalid=has_error.to_string()
                    aria-describedby=described
                />
            </div>
            <button type="submit" class="usa-button usa-button--outline">"Sign in with a recovery code"</button>
        </form>
    }
}
