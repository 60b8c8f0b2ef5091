//! Passkeys' server functions. Adding and removing act for the signed-in person on their
//! own account only. The sign-in ones are public: the passkey itself is the proof, and the
//! second step's is the pending sign-in in the session as well.
//!
//! The ceremonies are called by `public/passkeys.js`, which reads JSON: their answers are a
//! [`PasskeyAnswer`] (JSON), with a refusal as its sentence. Removing is a plain form post
//! answered with a redirect, so it works without the script.

use super::PasskeyAnswer;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// The answer a ceremony's result makes for the script.
#[cfg(feature = "ssr")]
fn answered(result: Result<PasskeyAnswer, AppError>) -> PasskeyAnswer {
    result.unwrap_or_else(|error| PasskeyAnswer::refused(&error))
}

#[cfg(feature = "ssr")]
fn options_json(options: &impl serde::Serialize) -> Result<PasskeyAnswer, AppError> {
    Ok(PasskeyAnswer {
        options: Some(serde_json::to_string(options).map_err(AppError::internal)?),
        ..PasskeyAnswer::default()
    })
}

/// The relying party, or the sentence saying passkeys cannot be used on this site.
#[cfg(feature = "ssr")]
fn relying_party(
    state: &crate::server::state::AppState,
) -> Result<std::sync::Arc<webauthn_rs::prelude::Webauthn>, AppError> {
    state
        .config
        .passkeys
        .clone()
        .ok_or_else(|| AppError::Conflict {
            message: "Passkeys can't be used on this site's address.".to_string(),
        })
}

#[cfg(feature = "ssr")]
async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract().await.map_err(AppError::internal)
}

/// The asker's passkeys, for Settings.
#[server(endpoint = "my_passkeys", output = leptos::server_fn::codec::Postcard)]
pub async fn my_passkeys() -> Result<Vec<super::PasskeyListed>, AppError> {
    use crate::server::access::{app_state, signed_in};
    let user = signed_in()?;
    let state = app_state()?;
    super::ssr::listed(&state.db, &user).await
}

/// "Add a passkey", first half: the options for the browser to make one.
#[server(endpoint = "passkey_add_options", output = Json)]
pub async fn passkey_add_options() -> Result<PasskeyAnswer, AppError> {
    use crate::server::access::{app_state, signed_in};
    let started = async {
        let user = signed_in()?;
        let state = app_state()?;
        let rp = relying_party(&state)?;
        let (options, waiting) = super::ssr::start_adding(&rp, &state.db, &user).await?;
        super::ssr::keep(&session().await?, &state.db, waiting).await?;
        options_json(&options)
    };
    Ok(answered(started.await))
}

/// "Add a passkey", second half: the browser's new passkey (WebAuthn's JSON), kept under
/// `name`. Then back to the settings section, which says it was added.
#[server(endpoint = "passkey_add", output = Json)]
pub async fn passkey_add(name: String, credential: String) -> Result<PasskeyAnswer, AppError> {
    use crate::server::access::{app_state, requester, signed_in};
    let added = async {
        let user = signed_in()?;
        let state = app_state()?;
        let rp = relying_party(&state)?;
        let name = super::typed_name(&name)?;
        let waiting = super::ssr::take(&session().await?, &state.db).await?;
        let ip = requester().ip;
        let site = &state.config.public_url;
        let new = super::ssr::NewPasskey {
            credential: &credential,
            name: &name,
        };
        super::ssr::finish_adding(&rp, &state.db, site, &user, waiting, new, &ip).await?;
        Ok(PasskeyAnswer {
            go_to: Some("/settings?passkey=added#passkeys".to_string()),
            ..PasskeyAnswer::default()
        })
    };
    Ok(answered(added.await))
}

/// "Remove" on one of the asker's passkeys.
#[server(endpoint = "passkey_remove", output = leptos::server_fn::codec::Postcard)]
pub async fn passkey_remove(id: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester, signed_in};
    let removed = async {
        let user = signed_in()?;
        let state = app_state()?;
        super::ssr::remove(&state.db, user.id, id, &requester().ip).await
    };
    match removed.await {
        Ok(()) => {
            leptos_axum::redirect("/settings?passkey=removed#passkeys");
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to(
                "/settings#passkeys",
                PasskeyRemove::PATH,
                error.clone(),
                &[],
            )
            .await;
            Err(error)
        }
    }
}

/// "Sign in with a passkey", first half: a challenge any passkey of this site may answer.
/// `next` is where the person was going.
#[server(endpoint = "passkey_sign_in_options", output = Json)]
pub async fn passkey_sign_in_options(next: Option<String>) -> Result<PasskeyAnswer, AppError> {
    use crate::server::access::app_state;
    let started = async {
        let state = app_state()?;
        let rp = relying_party(&state)?;
        let next = crate::auth::safe_next(next.as_deref()).map(str::to_string);
        let (options, waiting) = super::ssr::start_signing_in(&rp, next)?;
        super::ssr::keep(&session().await?, &state.db, waiting).await?;
        options_json(&options)
    };
    Ok(answered(started.await))
}

/// The second step of signing in with a passkey, first half: a challenge for the passkeys
/// of the person whose password was right.
#[server(endpoint = "passkey_second_step_options", output = Json)]
pub async fn passkey_second_step_options() -> Result<PasskeyAnswer, AppError> {
    use crate::account::ssr::{sign_in_again, PendingSignIn, PENDING_SIGN_IN_KEY};
    use crate::server::access::app_state;
    let started = async {
        let state = app_state()?;
        let rp = relying_party(&state)?;
        let session = session().await?;
        let pending = session
            .get::<PendingSignIn>(PENDING_SIGN_IN_KEY)
            .await?
            .filter(|pending| pending.is_current(crate::server::now_ms()))
            .ok_or_else(sign_in_again)?;
        let (options, waiting) =
            super::ssr::start_second_step(&rp, &state.db, pending.user_id, pending.next).await?;
        super::ssr::keep(&session, &state.db, waiting).await?;
        options_json(&options)
    };
    Ok(answered(started.await))
}

/// Either sign-in ceremony's second half: the browser's answer (WebAuthn's JSON). A right
/// one signs the person in with a new session id and sends them on: where they were
/// going, or their role's home.
#[server(endpoint = "passkey_sign_in", output = Json)]
pub async fn passkey_sign_in(credential: String) -> Result<PasskeyAnswer, AppError> {
    use crate::server::access::{app_state, requester};
    let signed_in = async {
        let state = app_state()?;
        let rp = relying_party(&state)?;
        let session = session().await?;
        let waiting = super::ssr::take(&session, &state.db).await?;
        let ip = requester().ip;
        let (user, next) =
            super::ssr::finish_signing_in(&rp, &state.db, waiting, &credential, &ip).await?;
        // Nothing of whoever used this browser before carries over (the pending sign-in
        // included), and an id planted before cannot ride along (ASVS 3.2.1).
        session.clear().await;
        session.cycle_id().await?;
        crate::server::session_store::sign_in(&state.db, &session, user.id).await?;
        let home = user.role.home();
        let go_to = crate::auth::safe_next(next.as_deref()).unwrap_or(home);
        Ok(PasskeyAnswer {
            go_to: Some(go_to.to_string()),
            ..PasskeyAnswer::default()
        })
    };
    Ok(answered(signed_in.await))
}
