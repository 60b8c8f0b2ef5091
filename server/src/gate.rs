//! Who is asking, and may they open this page: runs before every route.
//!
//! Signed out: every page but the public ones redirects to `/sign-in?next=…`; server
//! functions answer 401. Signed in: the person is loaded fresh from the database (a
//! deactivated account stops at once) and put in the request for pages and server
//! functions. Opening another role's page is audited here; the page itself answers 403.
//! A clinician or administrator who must still set up two-step verification is held:
//! every page leads to the set-up, and every other server function answers 403.

use app::account::session_time::{self, ssr::Checked, Ended, SessionClock, StillHere};
use app::auth::{area_for_path, Area, SignedInUser};
use app::error::AppError;
use app::server::access::{ClientAddress, TwoStepSetUpNeeded};
use app::server::audit::{self, Action, AuditEvent, Outcome};
use app::server::session_store::{GENERATION_KEY, USER_ID_KEY};
use app::server::state::AppState;
use app::server::users;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::server_fn::codec::PostcardEncoding;
use leptos::server_fn::error::FromServerFnError;
use leptos::server_fn::{ContentType, ServerFn};
use tower_sessions::Session;

pub async fn gate(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    // Put there by `client_address::layer`, outside this one.
    let ip = request
        .extensions()
        .get::<ClientAddress>()
        .map(|address| address.0.clone())
        .unwrap_or_else(|| "unknown".to_string());

    let activity = counts_as_activity(&request);
    let (user, ended) = match signed_in_user(&state, &session, activity, &ip).await {
        Ok(SessionFound::SignedIn(user, clock)) => {
            request.extensions_mut().insert(user.clone());
            request.extensions_mut().insert(clock);
            (Some(user), None)
        }
        Ok(SessionFound::Ended(ended)) => (None, Some(ended)),
        Ok(SessionFound::None) => (None, None),
        Err(error) => return refusal(&path, error),
    };
    let set_up_needed = match &user {
        Some(user) => {
            match app::mfa::ssr::must_set_up(&state.db.pool, user, state.config.require_mfa).await {
                Ok(needed) => needed,
                Err(error) => return refusal(&path, AppError::from(error)),
            }
        }
        None => false,
    };
    if set_up_needed {
        request.extensions_mut().insert(TwoStepSetUpNeeded);
    }

    let area = area_for_path(&path);
    match (&user, area) {
        // Already signed in: the sign-in page and the bare address lead home.
        (Some(user), _)
            if request.method() == Method::GET && (path == "/sign-in" || path == "/") =>
        {
            Redirect::to(user.role.home()).into_response()
        }
        (_, Area::Public) => next.run(request).await,
        (None, _) => sign_in_first(&request, ended),
        (Some(_), _) if set_up_needed && !app::mfa::open_while_setting_up(&path) => {
            set_up_first(&request)
        }
        (Some(user), area) => {
            if !area.admits(user.role) {
                let event = AuditEvent::new(Action::AccessRefused, Outcome::Denied)
                    .actor(user.id)
                    .target(format!("path:{path}"))
                    .from_address(ip);
                if let Err(error) = audit::record(&state.db.pool, &event).await {
                    return refusal(&path, AppError::from(error));
                }
            }
            next.run(request).await
        }
    }
}

/// What the session holds.
enum SessionFound {
    None,
    SignedIn(SignedInUser, SessionClock),
    /// It was signed in, and has just ended: idle or too long.
    Ended(Ended),
}

/// The person this session belongs to, if it belongs to an active account, to their current
/// session generation, and is within its time limits; its idle clock restarts when this
/// request is the person's own doing. Any other session (a deactivated account, one whose
/// sessions were all ended since it signed in, one past its limits) is ended here.
async fn signed_in_user(
    state: &AppState,
    session: &Session,
    activity: bool,
    ip: &str,
) -> Result<SessionFound, AppError> {
    let Some(user_id) = session.get::<i64>(USER_ID_KEY).await? else {
        return Ok(SessionFound::None);
    };
    let generation = session.get::<i64>(GENERATION_KEY).await?.unwrap_or(0);
    let Some(user) = users::active_user_in_generation(&state.db.pool, user_id, generation).await?
    else {
        session.flush().await?;
        return Ok(SessionFound::None);
    };
    let limits = state.config.session_limits;
    match session_time::ssr::check(session, limits, state.db.now_ms(), activity).await? {
        Checked::Current(clock) => Ok(SessionFound::SignedIn(user, clock)),
        Checked::Ended(ended) => {
            let event = AuditEvent::new(Action::SignOut, Outcome::Success)
                .actor(user.id)
                .from_address(ip)
                .detail(serde_json::json!({ "session_ended": ended.as_str() }));
            audit::record(&state.db.pool, &event).await?;
            session.flush().await?;
            Ok(SessionFound::Ended(ended))
        }
    }
}

/// Whether a request is the person's own doing: a page they opened or a form they posted
/// (only those ask for HTML; the wasm's own calls never do), or the page telling the server
/// they pressed a key or touched it. Live updates and data a page loads by itself are not.
fn counts_as_activity(request: &Request) -> bool {
    let path = request.uri().path();
    if path == StillHere::PATH {
        return true;
    }
    path != "/events" && wants_html(request)
}

/// To `/sign-in`, saying why when a session just `ended`, and coming back to the page asked
/// for afterwards.
fn sign_in_first(request: &Request, ended: Option<Ended>) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") && !wants_html(request) {
        return server_function_error(AppError::Unauthenticated);
    }
    let mut query: Vec<(&str, &str)> = Vec::new();
    if let Some(ended) = ended {
        query.push(("ended", ended.as_str()));
    }
    // Only a page someone was looking at is worth returning to; a form post is not.
    if path != "/" && request.method() == Method::GET {
        let next = request
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or(path);
        query.push(("next", next));
    }
    match serde_urlencoded::to_string(&query) {
        Ok(query) if !query.is_empty() => {
            Redirect::to(&format!("/sign-in?{query}")).into_response()
        }
        _ => Redirect::to("/sign-in").into_response(),
    }
}

/// Held at the two-step verification set-up: a page (or a plain form post) leads there,
/// keeping the page asked for; anything else is refused.
fn set_up_first(request: &Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") && !wants_html(request) {
        return server_function_error(AppError::TwoStepSetUpNeeded);
    }
    if request.method() != Method::GET || path == "/" {
        return Redirect::to(app::mfa::SET_UP_PATH).into_response();
    }
    let next = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or(path);
    match serde_urlencoded::to_string([("next", next)]) {
        Ok(query) => Redirect::to(&format!("{}?{query}", app::mfa::SET_UP_PATH)).into_response(),
        Err(_) => Redirect::to(app::mfa::SET_UP_PATH).into_response(),
    }
}

/// A page or a form posted by the browser itself (without the wasm): it asks for HTML
/// back. The wasm's own calls never do.
pub fn wants_html(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Refuses a request: in the server functions' own error encoding under `/api/`, where
/// their client reads it, as JSON elsewhere.
fn refusal(path: &str, error: AppError) -> Response {
    if path.starts_with("/api/") {
        server_function_error(error)
    } else {
        error_response(error)
    }
}

/// An `AppError` as a server function answers it: its own status, its encoding (postcard).
pub fn server_function_error(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = <PostcardEncoding as ContentType>::CONTENT_TYPE;
    (status, [(header::CONTENT_TYPE, content_type)], error.ser()).into_response()
}

/// An `AppError` as a JSON answer with its own status, for routes that are not server
/// functions (attachments).
pub fn error_response(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(&error).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
