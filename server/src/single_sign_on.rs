//! The single sign-on routes (`app::sso`): `/sign-in/sso` sends the browser to the
//! provider; `/sign-in/sso/callback` is where the provider sends it back.
//!
//! The sign-in in between is found again by a short-lived cookie of its own, `SameSite=Lax`
//! and only for the callback's path: the session cookie is `SameSite=Strict`, so the
//! browser does not send it on the provider's redirect back, a navigation from another
//! site. For the same reason the callback does not redirect: it answers a small page that
//! moves on by itself, and that move, made from this site, carries the new session cookie.

use app::server::access::ClientAddress;
use app::server::state::AppState;
use app::sso::ssr::{begin, finish, Callback};
use app::sso::{Refusal, CALLBACK_PATH, REFUSED_PARAM, START_PATH};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use tower_sessions::Session;

/// The cookie that finds the sign-in again at the callback.
const COOKIE: &str = "sm_sso";

pub fn routes(state: AppState) -> Router {
    Router::new()
        .route(START_PATH, get(start))
        .route(CALLBACK_PATH, get(callback))
        .with_state(state)
}

#[derive(serde::Deserialize)]
struct Start {
    next: Option<String>,
}

async fn start(State(state): State<AppState>, Query(query): Query<Start>) -> Response {
    let Some(sso) = &state.config.sso else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let next = app::auth::safe_next(query.next.as_deref());
    match begin(&state.db, sso, next).await {
        Ok((provider, browser)) => (
            [(header::SET_COOKIE, cookie(&state, &browser, 600))],
            Redirect::to(&provider),
        )
            .into_response(),
        Err(refusal) => Redirect::to(&refused(refusal)).into_response(),
    }
}

async fn callback(
    State(state): State<AppState>,
    Extension(ClientAddress(ip)): Extension<ClientAddress>,
    session: Session,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Response {
    let Some(sso) = &state.config.sso else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let browser = browser_cookie(&headers);
    let clear = [(header::SET_COOKIE, cookie(&state, "", 0))];
    let finished = match finish(&state.db, sso, browser.as_deref(), &answer, &ip).await {
        Ok(finished) => finished,
        Err(refusal) => return (clear, Redirect::to(&refused(refusal))).into_response(),
    };
    match signed_in(&state, &session, finished).await {
        Ok(destination) => (clear, moving_on(&destination)).into_response(),
        Err(error) => {
            tracing::error!(%error, "single sign-on: the session could not be started");
            (clear, Redirect::to(&refused(Refusal::Failed))).into_response()
        }
    }
}

/// Starts the session as the password sign-in does, or the code step when the app's own
/// two-step verification is still to be asked. Answers where the person goes next.
async fn signed_in(
    state: &AppState,
    session: &Session,
    finished: app::sso::ssr::Finished,
) -> Result<String, app::error::AppError> {
    use app::account::ssr::{PendingSignIn, PENDING_SIGN_IN_KEY};
    // A new session id, and nothing of whoever used this browser before (ASVS 3.2.1).
    session.clear().await;
    session.cycle_id().await?;
    session
        .insert(app::sso::ssr::ID_TOKEN_KEY, &finished.id_token)
        .await?;
    if finished.code_needed {
        let pending = PendingSignIn::new(finished.user.id, finished.next);
        session.insert(PENDING_SIGN_IN_KEY, pending).await?;
        return Ok(app::mfa::CODE_PATH.to_string());
    }
    app::server::session_store::sign_in(&state.db, session, finished.user.id).await?;
    Ok(finished
        .next
        .unwrap_or_else(|| finished.user.role.home().to_string()))
}

/// `/sign-in`, saying why.
fn refused(refusal: Refusal) -> String {
    format!("/sign-in?{REFUSED_PARAM}={}", refusal.as_str())
}

/// A page that goes on to `destination` (a path on this site) at once.
fn moving_on(destination: &str) -> Html<String> {
    let to = html_escape::encode_double_quoted_attribute(destination);
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0; url={to}\">\
         <title>Signing in | Secure Messaging</title></head>\
         <body><main><p>You're signed in. <a href=\"{to}\">Continue to Secure Messaging</a></p>\
         </main></body></html>"
    ))
}

/// The sign-in cookie: `value` for `max_age` seconds (0 removes it). `Secure` whenever the
/// site is reached over https.
fn cookie(state: &AppState, value: &str, max_age: u32) -> String {
    let secure = if state.config.public_url.link("/").starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{COOKIE}={value}; Path={CALLBACK_PATH}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    )
}

fn browser_cookie(headers: &HeaderMap) -> Option<String> {
    crate::cookies::request_cookie(headers, COOKIE)
}
