//! A plain form post (no wasm) comes back to its page: after success with a status line
//! (`done=…`), after a refusal with the error and with what was typed.
//!
//! A refused post would otherwise come back to an empty form: the browser posts, and
//! Leptos answers with a redirect that carries only the error. So the fields are kept in
//! the (server-side) session, and the redirect names them with `kept=<token>`. Reading
//! them leaves them there, so every render of the page shows the same text. Only the
//! latest refusal is kept; a success that makes them useless forgets them. The session,
//! not a draft: a draft would refuse the very fields that failed (a 51-character
//! subject), and a refused post should not quietly add one.

use crate::error::AppError;
use leptos::server_fn::error::ServerFnUrlError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;

/// The session key holding the latest refused post's fields.
const KEPT_KEY: &str = "kept_fields";

/// The session key holding the latest refused post's error (`ui::PostedError`).
const POSTED_ERROR_KEY: &str = "posted_error";

#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    token: String,
    fields: serde_json::Value,
}

/// A plain form post (no wasm): the browser asked for a page, not for data. Such a post is
/// answered with a redirect (Leptos does the same for errors).
pub fn plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Back to a page of this site (home otherwise) with the status line's `done`.
pub fn go_back(back: &str, done: &str) {
    let back = crate::auth::safe_next(Some(back)).unwrap_or("/");
    let (path, query) = back.split_once('?').unwrap_or((back, ""));
    let mut pairs: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !matches!(key, "done" | "kept" | "template" | "__err" | "__path")
        })
        .collect();
    let done = format!("done={done}");
    pairs.push(&done);
    leptos_axum::redirect(&format!("{path}?{}", pairs.join("&")));
}

/// A refused plain form post: back to `back` with the error of the server function at
/// `path` and what was typed. Does nothing for a call from the wasm, which keeps its own.
pub async fn fail_to(back: &str, path: &str, error: AppError, typed: &[(&str, &str)]) {
    if !plain_form_post() {
        return;
    }
    let back = with_kept(back, &fields_of(typed)).await;
    redirect_with_error(&back, path, error);
}

/// Back to `back` with what was typed kept, after a post that did what it was asked
/// without sending the form ("Remove" on a file without the wasm).
pub async fn keep_and_go_back(back: &str, typed: &[(&str, &str)]) {
    leptos_axum::redirect(&with_kept(back, &fields_of(typed)).await);
}

/// `back` with the error of the server function at `path`, as Leptos writes it.
pub fn redirect_with_error(back: &str, path: &str, error: AppError) {
    let back = format!("http://localhost{back}");
    if let Ok(url) = ServerFnUrlError::new(path, error).to_url(&back) {
        let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
        leptos_axum::redirect(&format!("{}{query}", url.path()));
    }
}

fn fields_of(typed: &[(&str, &str)]) -> BTreeMap<String, String> {
    typed
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `back` with `kept=<token>` added, `fields` kept in the session under it. Nothing to
/// keep (or no session) leaves `back` as it is.
pub async fn with_kept<T: Serialize>(back: &str, fields: &T) -> String {
    let mut back = back.to_string();
    if let Some(token) = keep(fields).await {
        back.push(if back.contains('?') { '&' } else { '?' });
        back.push_str(&format!("kept={token}"));
    }
    back
}

/// Keeps `fields` in the session and answers the token that names them.
async fn keep<T: Serialize>(fields: &T) -> Option<String> {
    let fields = serde_json::to_value(fields).ok()?;
    if fields.as_object().is_some_and(|o| o.is_empty()) {
        return None;
    }
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .ok()?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let kept = Kept {
        token: token.clone(),
        fields,
    };
    match session.insert(KEPT_KEY, kept).await {
        Ok(()) => Some(token),
        Err(cause) => {
            tracing::warn!(cause = %cause, "could not keep typed text");
            None
        }
    }
}

/// The fields a refused post kept under `token`, if they are still there.
pub async fn kept<T: DeserializeOwned>(token: &str) -> Result<Option<T>, AppError> {
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(AppError::internal)?;
    let kept = session.get::<Kept>(KEPT_KEY).await?;
    Ok(kept
        .filter(|k| k.token == token)
        .and_then(|k| serde_json::from_value(k.fields).ok()))
}

/// The text fields a refused post kept under `token` (none when they are gone).
pub async fn kept_fields(token: &str) -> Result<BTreeMap<String, String>, AppError> {
    Ok(kept(token).await?.unwrap_or_default())
}

/// What was kept is of no use any more (the message went).
pub async fn forget_kept() {
    if let Ok(session) = leptos_axum::extract::<tower_sessions::Session>().await {
        if let Err(cause) = session.remove_value(KEPT_KEY).await {
            tracing::warn!(cause = %cause, "could not forget a refused post's fields");
        }
    }
}

/// Keeps the error a plain form post was refused with (by the server function at `path`)
/// in `session`, and answers the token the address carries in its place. Only the latest
/// is kept; reading it leaves it, so every render of the page shows the same banner.
pub async fn keep_posted_error(
    session: &tower_sessions::Session,
    path: &str,
    error: AppError,
) -> Option<String> {
    use base64::engine::general_purpose::URL_SAFE;
    use base64::Engine;
    use leptos::server_fn::error::FromServerFnError;
    let token = uuid::Uuid::new_v4().simple().to_string();
    // As Leptos writes it in `__err` (not through an address: `ServerFnUrlError::to_url`
    // would do the same with a URL parser).
    let encoded = URL_SAFE.encode(error.ser());
    let posted = crate::ui::PostedError {
        token: token.clone(),
        path: path.to_string(),
        error,
        encoded,
    };
    match session.insert(POSTED_ERROR_KEY, posted).await {
        Ok(()) => Some(token),
        Err(cause) => {
            tracing::warn!(cause = %cause, "could not keep a refused post's error");
            None
        }
    }
}

/// The refused post's error that `session` keeps under `token`, if it is still there.
pub async fn posted_error_named(
    session: &tower_sessions::Session,
    token: &str,
) -> Option<crate::ui::PostedError> {
    match session
        .get::<crate::ui::PostedError>(POSTED_ERROR_KEY)
        .await
    {
        Ok(kept) => kept.filter(|posted| posted.token == token),
        Err(cause) => {
            tracing::warn!(cause = %cause, "could not read a refused post's error");
            None
        }
    }
}
