//! The "Two-step verification" section of `/settings`: set it up, see that it is on, and —
//! for Veterans and caregivers — turn it off with a current code.

use super::recovery::{NewRecoveryCodes, RecoveryCodeUsed, RecoveryCodesLeft};
use super::set_up::{SetUpFrom, SetUpSteps, StartSetUpForm};
use super::CodeField;
use crate::error::AppError;
use crate::mfa::api::{
    my_two_step, TwoStepConfirm, TwoStepNewRecoveryCodes, TwoStepStart, TwoStepTurnOff,
};
use crate::mfa::TwoStepStatus;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

#[component]
pub fn TwoStepSettings() -> impl IntoView {
    let status = crate::ui::page_data(|| (), |_| my_two_step());
    let error = StoredValue::new(posted_error(&[
        TwoStepStart::PATH,
        TwoStepConfirm::PATH,
        TwoStepTurnOff::PATH,
        TwoStepNewRecoveryCodes::PATH,
    ]));
    let (done, recovery_used) = {
        let query = use_query_map().read_untracked();
        (
            query.get("two_step"),
            query.get("recovery").as_deref() == Some("used"),
        )
    };
    let done = StoredValue::new(done);
    view! {
        <section class="sm-settings-section" aria-labelledby="two-step-heading" id="two-step">
            <h2 id="two-step-heading">"Two-step verification"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) => view! {
                            <TwoStepSection status error=error.get_value() done=done.get_value() recovery_used />
                        }.into_any(),
                        Err(error) => view! { <p class="usa-error-message">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TwoStepSection(
    status: TwoStepStatus,
    error: Option<AppError>,
    done: Option<String>,
    recovery_used: bool,
) -> impl IntoView {
    let done = if error.is_some() { None } else { done };
    let notice = match done.as_deref() {
        Some("on") if status.turned_on => Some("Two-step verification is on."),
        Some("off") if !status.turned_on => Some("Two-step verification is off."),
        Some("codes") if !status.new_recovery_codes.is_empty() => {
            Some("You have new recovery codes. Your old codes no longer work.")
        }
        _ => None,
    };
    let used = (recovery_used && status.turned_on && error.is_none())
        .then(|| view! { <RecoveryCodeUsed left=status.recovery_codes_left /> });
    let can_turn_off = status.can_turn_off();
    let body = if status.turned_on {
        let code_error = error.as_ref().and_then(|e| e.field("code"));
        let password_error = error.as_ref().and_then(|e| e.field("current_password"));
        let codes = if status.new_recovery_codes.is_empty() {
            view! { <RecoveryCodesLeft left=status.recovery_codes_left password_error /> }
                .into_any()
        } else {
            view! { <NewRecoveryCodes codes=status.new_recovery_codes.clone() /> }.into_any()
        };
        view! {
            <p>"Two-step verification is on. When you sign in, you enter a code from your authenticator app after your password."</p>
            {codes}
            {if can_turn_off {
                view! {
                    <form class="usa-form" method="post" action=TwoStepTurnOff::PATH novalidate>
                        <CodeField hint="To turn it off, enter the 6-digit code your app shows now." error=code_error />
                        <button type="submit" class="usa-button usa-button--secondary">"Turn off"</button>
                    </form>
                }.into_any()
            } else {
                view! {
                    <p>"It's required for your role. If you get a new phone, ask an administrator to reset it, then set it up again."</p>
                }.into_any()
            }}
        }
        .into_any()
    } else if let Some(key) = status.set_up {
        view! { <SetUpSteps key from=SetUpFrom::Settings next=None error=error.clone() /> }
            .into_any()
    } else {
        view! {
            <p>"Add a second step to signing in: after your password, a 6-digit code from an app on your phone. Then a stolen password alone can't open your account."</p>
            <StartSetUpForm from=SetUpFrom::Settings next=None />
        }
        .into_any()
    };
    view! {
        <ErrorSummary error=Signal::stored(error) />
        {used}
        {notice.map(|text| view! {
            <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
                <div class="usa-alert__body">
                    <p class="usa-alert__text">{text}</p>
                </div>
            </div>
        })}
        {body}
    }
}
