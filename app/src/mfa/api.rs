//! Two-step verification's server functions. Each acts for the signed-in person on their own
//! account only (the session says who; nothing names another person). The sign-in code
//! step is public: the pending sign-in in the session is its proof of the password.
//!
//! The forms are plain posts answered with a redirect, so they work without the wasm; a
//! refused post goes back to its page with the error (`ui::kept::fail_to`). A typed
//! code is never kept.

use super::TwoStepStatus;
use crate::error::AppError;
use leptos::prelude::*;
// Used by the server-only bodies (`PATH`, for failed-post redirects).
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// Where the forms come from: the settings page or the required set-up page.
#[cfg(feature = "ssr")]
fn back_to(from: Option<&str>, next: Option<&str>) -> String {
    match from {
        Some("required") => match crate::auth::safe_next(next) {
            Some(next) => format!("{}?{}", super::SET_UP_PATH, query_pair("next", next)),
            None => super::SET_UP_PATH.to_string(),
        },
        _ => "/settings#two-step".to_string(),
    }
}

/// `name=value`, percent-encoded for a query string.
#[cfg(feature = "ssr")]
fn query_pair(name: &str, value: &str) -> String {
    format!("{name}={}", crate::ui::encode(value))
}

/// Where new recovery codes wait, sealed, between the post that made them and the one page
/// load that shows them.
#[cfg(feature = "ssr")]
const NEW_CODES_KEY: &str = "mfa_new_recovery_codes";

/// Keeps `codes`, just made for `user_id`, for the next page load to show.
#[cfg(feature = "ssr")]
async fn keep_new_codes(
    key: &super::ssr::sealing::MfaKey,
    user_id: i64,
    codes: &[String],
) -> Result<(), AppError> {
    if codes.is_empty() {
        return Ok(());
    }
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(AppError::internal)?;
    let sealed = key
        .seal_new_codes(user_id, codes.join(" ").as_bytes())
        .map_err(AppError::internal)?;
    session.insert(NEW_CODES_KEY, sealed).await?;
    Ok(())
}

/// The codes waiting to be shown, taken out of the session: shown once, never again.
#[cfg(feature = "ssr")]
async fn take_new_codes(
    key: &super::ssr::sealing::MfaKey,
    user_id: i64,
) -> Result<Vec<String>, AppError> {
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(AppError::internal)?;
    let Some(sealed) = session.remove::<String>(NEW_CODES_KEY).await? else {
        return Ok(Vec::new());
    };
    // Sealed for someone else (cannot happen within one session) shows nothing.
    let opened = key.open_new_codes(user_id, &sealed).unwrap_or_default();
    Ok(String::from_utf8(opened)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect())
}

/// The asker's two-step verification: on or off, required or not, the key while a set-up
/// is in progress, how many recovery codes are left, and new ones to show once.
#[server(endpoint = "my_two_step", output = leptos::server_fn::codec::Postcard)]
pub async fn my_two_step() -> Result<TwoStepStatus, AppError> {
    use crate::server::access::{app_state, signed_in};
    let user = signed_in()?;
    let state = app_state()?;
    let mut status =
        super::ssr::status(&state.db, &state.mfa_key, &user, state.config.require_mfa).await?;
    if status.turned_on {
        status.new_recovery_codes = take_new_codes(&state.mfa_key, user.id).await?;
    }
    Ok(status)
}

/// "Set up": a new secret for the asker, then back to the page that shows it.
#[server(endpoint = "two_step_start", output = leptos::server_fn::codec::Postcard)]
pub async fn two_step_start(from: Option<String>, next: Option<String>) -> Result<(), AppError> {
    use crate::server::access::{app_state, signed_in};
    let back = back_to(from.as_deref(), next.as_deref());
    let started = match signed_in() {
        Ok(user) => {
            let state = app_state()?;
            super::ssr::start_set_up(&state.db, &state.mfa_key, &user).await
        }
        Err(error) => Err(error),
    };
    match started {
        Ok(()) => {
            leptos_axum::redirect(&back);
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to(&back, TwoStepStart::PATH, error.clone(), &[]).await;
            Err(error)
        }
    }
}

/// "Turn on": the code from the app confirms the set-up. From the required set-up page the
/// person then goes where they were going.
#[server(endpoint = "two_step_confirm", output = leptos::server_fn::codec::Postcard)]
pub async fn two_step_confirm(
    code: String,
    from: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester, signed_in};
    let back = back_to(from.as_deref(), next.as_deref());
    let confirmed = match signed_in() {
        Ok(user) => {
            let state = app_state()?;
            let ip = requester().ip;
            let now = super::ssr::codes::unix_seconds();
            super::ssr::confirm_set_up(&state.db, &state.mfa_key, &user, &code, &ip, now)
                .await
                .map(|codes| (user, codes))
        }
        Err(error) => Err(error),
    };
    match confirmed {
        Ok((user, codes)) => {
            // The session now stands for a second factor: a new id, so one seen before
            // the set-up (over a shoulder, in a log) is worth nothing (ASVS 3.2.1).
            let session: tower_sessions::Session =
                leptos_axum::extract().await.map_err(AppError::internal)?;
            session.cycle_id().await?;
            keep_new_codes(&app_state()?.mfa_key, user.id, &codes).await?;
            // Back to the page it was turned on from, which shows the recovery codes once;
            // from the required set-up, its "Continue" goes on to where the person was
            // going.
            let done = match from.as_deref() {
                Some("required") => back,
                _ => "/settings?two_step=on#two-step".to_string(),
            };
            leptos_axum::redirect(&done);
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to(&back, TwoStepConfirm::PATH, error.clone(), &[]).await;
            Err(error)
        }
    }
}

/// "Make new codes", with the current password: ten new recovery codes replace the old
/// ones, shown once on the settings page.
#[server(endpoint = "two_step_new_recovery_codes", output = leptos::server_fn::codec::Postcard)]
pub async fn two_step_new_recovery_codes(current_password: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester, signed_in};
    use crate::server::audit::Action;
    use crate::ui::current_password::ssr::{check, Typed};
    let back = "/settings#two-step";
    let made = async {
        let user = signed_in()?;
        let state = app_state()?;
        let ip = requester().ip;
        let typed = Typed {
            field: "current_password",
            password: &current_password,
        };
        check(
            &state.db,
            user.id,
            &user.email,
            &typed,
            &ip,
            Action::MfaRecoveryCodesMade,
        )
        .await?;
        let codes =
            super::ssr::make_new_recovery_codes(&state.db, &state.mfa_key, &user, &ip).await?;
        keep_new_codes(&state.mfa_key, user.id, &codes).await
    }
    .await;
    match made {
        Ok(()) => {
            leptos_axum::redirect("/settings?two_step=codes#two-step");
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to(back, TwoStepNewRecoveryCodes::PATH, error.clone(), &[]).await;
            Err(error)
        }
    }
}

/// "Turn off", with a current code: Veterans and caregivers only while the server requires
/// it of the other roles.
#[server(endpoint = "two_step_turn_off", output = leptos::server_fn::codec::Postcard)]
pub async fn two_step_turn_off(code: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester, signed_in};
    let back = "/settings#two-step";
    let turned_off = match signed_in() {
        Ok(user) => {
            let state = app_state()?;
            let ip = requester().ip;
            let now = super::ssr::codes::unix_seconds();
            super::ssr::turn_off(
                &state.db,
                &state.mfa_key,
                &user,
                &code,
                &ip,
                state.config.require_mfa,
                now,
            )
            .await
        }
        Err(error) => Err(error),
    };
    match turned_off {
        Ok(()) => {
            leptos_axum::redirect("/settings?two_step=off#two-step");
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to(back, TwoStepTurnOff::PATH, error.clone(), &[]).await;
            Err(error)
        }
    }
}

/// The ways this browser's sign-in waiting for its second step may take it; none when
/// no sign-in is waiting (public: it says nothing about any account but the one whose
/// password this session just gave).
#[server(endpoint = "sign_in_code_expected", output = leptos::server_fn::codec::Postcard)]
pub async fn sign_in_code_expected() -> Result<super::SecondStepWays, AppError> {
    use crate::account::ssr::{PendingSignIn, PENDING_SIGN_IN_KEY};
    use crate::server::access::app_state;
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(AppError::internal)?;
    let pending = session.get::<PendingSignIn>(PENDING_SIGN_IN_KEY).await?;
    let Some(pending) = pending.filter(|p| p.is_current(crate::server::now_ms())) else {
        return Ok(super::SecondStepWays::default());
    };
    let state = app_state()?;
    match crate::server::users::active_user(&state.db.pool, pending.user_id).await? {
        Some(user) => Ok(super::ssr::second_step(&state.db.pool, &user).await?),
        None => Ok(super::SecondStepWays::default()),
    }
}

/// The code step of signing in: completes the sign-in the password started, with a new
/// session id, then on to `next` or the role's home.
#[server(endpoint = "sign_in_code", output = leptos::server_fn::codec::Postcard)]
pub async fn sign_in_code(code: String) -> Result<(), AppError> {
    use crate::account::ssr::attempt_code;
    use crate::server::access::{app_state, requester};
    let state = app_state()?;
    let ip = requester().ip;
    let (session, pending) = pending_sign_in().await?;
    let now = super::ssr::codes::unix_seconds();
    let checked = attempt_code(&state.db, &state.mfa_key, &pending, &code, &ip, now).await;
    match checked {
        Ok(user) => {
            let home = user.role.home();
            complete_sign_in(&session, &state.db, user.id).await?;
            let destination = crate::auth::safe_next(pending.next.as_deref()).unwrap_or(home);
            leptos_axum::redirect(destination);
            Ok(())
        }
        Err(error) => Err(code_refused(&session, SignInCode::PATH, error).await),
    }
}

/// The code step with a recovery code: completes the sign-in like a code does, then goes
/// to the settings section that says how many codes are left and offers new ones.
#[server(endpoint = "sign_in_recovery_code", output = leptos::server_fn::codec::Postcard)]
pub async fn sign_in_recovery_code(recovery_code: String) -> Result<(), AppError> {
    use crate::account::ssr::attempt_recovery_code;
    use crate::server::access::{app_state, requester};
    let state = app_state()?;
    let ip = requester().ip;
    let (session, pending) = pending_sign_in().await?;
    let checked =
        attempt_recovery_code(&state.db, &state.mfa_key, &pending, &recovery_code, &ip).await;
    match checked {
        Ok((user, _left)) => {
            complete_sign_in(&session, &state.db, user.id).await?;
            leptos_axum::redirect(super::RECOVERY_USED_PATH);
            Ok(())
        }
        Err(error) => Err(code_refused(&session, SignInRecoveryCode::PATH, error).await),
    }
}

/// This browser's session and the sign-in waiting in it for its second step.
#[cfg(feature = "ssr")]
async fn pending_sign_in(
) -> Result<(tower_sessions::Session, crate::account::ssr::PendingSignIn), AppError> {
    use crate::account::ssr::{sign_in_again, PendingSignIn, PENDING_SIGN_IN_KEY};
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(AppError::internal)?;
    match session.get::<PendingSignIn>(PENDING_SIGN_IN_KEY).await? {
        Some(pending) => Ok((session, pending)),
        None => Err(sign_in_again()),
    }
}

/// The second step passed: a new session id, so an id planted before cannot ride along
/// (ASVS 3.2.1), and the person signed in.
#[cfg(feature = "ssr")]
async fn complete_sign_in(
    session: &tower_sessions::Session,
    db: &crate::server::db::Db,
    user_id: i64,
) -> Result<(), AppError> {
    use crate::account::ssr::{PendingSignIn, PENDING_SIGN_IN_KEY};
    session.cycle_id().await?;
    session.remove::<PendingSignIn>(PENDING_SIGN_IN_KEY).await?;
    crate::server::session_store::sign_in(db, session, user_id).await
}

/// The second step refused, for the form posted to `path`: back to a clean code page with
/// the error (after a second mistake the address must carry this error, not the first one
/// still in the page's own address); a timed-out sign-in is forgotten.
#[cfg(feature = "ssr")]
async fn code_refused(session: &tower_sessions::Session, path: &str, error: AppError) -> AppError {
    use crate::account::ssr::{sign_in_again, PendingSignIn, PENDING_SIGN_IN_KEY};
    if error == sign_in_again() {
        if let Err(lost) = session.remove::<PendingSignIn>(PENDING_SIGN_IN_KEY).await {
            return AppError::from(lost);
        }
    }
    crate::ui::kept::fail_to(super::CODE_PATH, path, error.clone(), &[]).await;
    error
}
