//! A plain form post (no wasm) that a server function refuses comes back to its page with
//! the error in the address (Leptos writes `__path` and `__err=<the error, encoded>` into
//! the redirect). Anyone can write such an address, so an error that carries sentences
//! never travels there: this layer keeps it in the person's session and puts a random
//! token in its place; when a page is asked for with a token, the error the session keeps
//! under it goes into the request for `ui::posted_error`. A link from somebody else names
//! no error of this session, and its page shows none (ASVS 5.3.x, content spoofing). An
//! error whose sentence is wholly the app's own (`AppError::is_fixed_sentence`) is left in
//! the address: a failed sign-in then needs no session.

use app::error::AppError;
use app::ui::kept::{keep_posted_error, posted_error_named};
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::ServerFnUrlError;
use tower_sessions::Session;

/// The query parameter Leptos names the error with.
const ERROR_PARAMETER: &str = "__err";
/// The one naming the server function that refused the post.
const PATH_PARAMETER: &str = "__path";

pub async fn layer(session: Session, mut request: Request, next: Next) -> Response {
    if let Some(token) = query_value(request.uri().query(), ERROR_PARAMETER) {
        if let Some(posted) = posted_error_named(&session, &token).await {
            request.extensions_mut().insert(posted);
        }
    }
    let from_server_function = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if from_server_function && response.status().is_redirection() {
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        if let Some(location) = location {
            if let Some(replaced) = error_kept(&session, &location).await {
                match HeaderValue::from_str(&replaced) {
                    Ok(value) => {
                        response.headers_mut().insert(header::LOCATION, value);
                    }
                    Err(_) => {
                        response.headers_mut().remove(header::LOCATION);
                    }
                }
            }
        }
    }
    response
}

/// `location` with its error swapped for the token of the copy kept in `session`; `None`
/// when it carries no error. An error that cannot be kept is dropped from the address.
async fn error_kept(session: &Session, location: &str) -> Option<String> {
    let (before, query) = location.split_once('?')?;
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let encoded = pairs
        .iter()
        .find(|(key, _)| key == ERROR_PARAMETER)
        .map(|(_, value)| value.clone())?;
    let path = pairs
        .iter()
        .find(|(key, _)| key == PATH_PARAMETER)
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let error: AppError = ServerFnUrlError::<AppError>::decode_err(&encoded);
    if error.is_fixed_sentence() {
        return None;
    }
    let token = keep_posted_error(session, &path, error).await;
    let kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter_map(|(key, value)| match key.as_str() {
            ERROR_PARAMETER => token.clone().map(|token| (key, token)),
            PATH_PARAMETER if token.is_none() => None,
            _ => Some((key, value)),
        })
        .collect();
    let query = serde_urlencoded::to_string(&kept).ok()?;
    let mut replaced = before.to_string();
    if !query.is_empty() {
        replaced.push('?');
        replaced.push_str(&query);
    }
    if let Some(fragment) = fragment {
        replaced.push('#');
        replaced.push_str(fragment);
    }
    Some(replaced)
}

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}
