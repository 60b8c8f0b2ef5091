//! How errors show on every page (USWDS, STYLE.md habit 12): the summary that takes focus
//! after a failed submit, the message under a field, the reason a page could not load, and
//! the error a plain form post came back with.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The USWDS error summary: after a failed submit it takes focus and links to each field
/// with a problem. Errors without a field show their own sentence.
#[component]
pub fn ErrorSummary(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let items = match &error {
                AppError::Invalid { fields } => fields
                    .iter()
                    .map(|(field, message)| {
                        view! { <li><a href=format!("#{field}")>{message.clone()}</a></li> }
                    })
                    .collect_view()
                    .into_any(),
                other => view! { <li>{other.to_string()}</li> }.into_any(),
            };
            view! {
                <div class="usa-alert usa-alert--error sm-error-summary" role="alert" tabindex="-1" autofocus>
                    <div class="usa-alert__body">
                        <h2 class="usa-alert__heading">"There is a problem"</h2>
                        <ul class="usa-list usa-list--unstyled">{items}</ul>
                    </div>
                </div>
            }
        })
    }
}

/// A field's error under its label, starting with a visually hidden "Error:". Its id is
/// `{id}-error`, for the field's `aria-describedby`.
#[component]
pub fn FieldError(id: &'static str, message: Option<String>) -> impl IntoView {
    message.map(|message| {
        view! {
            <span class="usa-error-message" id=format!("{id}-error")>
                <span class="usa-sr-only">"Error: "</span>{message}
            </span>
        }
    })
}

/// A page (or a part of one) that failed for a reason other than "not found", "no access"
/// or "sign in" (those get their own pages).
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    view! {
        <div class="usa-alert usa-alert--error" role="alert">
            <div class="usa-alert__body">
                <p class="usa-alert__text">{error.to_string()}</p>
            </div>
        </div>
    }
}

/// The error a plain form post was refused with. One that carries sentences (a field's
/// message, a clash) is kept by the server in the person's session, and the address that
/// brings the person back names it only by `token` (`__err=<token>`); the server makes the
/// swap (`server::posted_errors`). One whose sentence is wholly the app's own
/// (`AppError::is_fixed_sentence`: "The email address or password is incorrect.") stays
/// in the address, as Leptos writes it, so a failed sign-in needs no session. Either way an
/// error banner never shows words taken from the address: a link made by somebody else
/// cannot put their sentence on the app's page (ASVS 5.3.x, content spoofing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedError {
    pub token: String,
    /// The server function that refused the post.
    pub path: String,
    pub error: AppError,
    /// `error` as Leptos writes it in `__err` (its `ServerFnUrlError` encoding), for the
    /// page's `ServerAction`s to start from. Made on the server (or taken from the
    /// address), so the wasm carries no encoder.
    #[serde(default)]
    pub encoded: String,
}

/// The error a plain form post came back to this page with, when this person's session
/// holds the error the address names. `paths` are the server functions this page posts to.
pub fn posted_error(paths: &[&str]) -> Option<AppError> {
    vouched_posted_error()
        .filter(|posted| paths.contains(&posted.path.as_str()))
        .map(|posted| posted.error)
}

/// The error the post that brought the person here was refused with: the one this session
/// kept under the token the address names, or one the address carries whose sentence is
/// wholly the app's own.
fn vouched_posted_error() -> Option<PostedError> {
    let query = use_query_map();
    let query = query.read_untracked();
    let named = query.get("__err")?;
    if let Some(kept) = kept_posted_error().filter(|posted| posted.token == named) {
        return Some(kept);
    }
    if is_token(&named) {
        // Another session's, or one this session no longer keeps.
        return None;
    }
    let error = leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(&named);
    error.is_fixed_sentence().then(|| PostedError {
        encoded: named.clone(),
        token: named,
        path: query.get("__path").unwrap_or_default(),
        error,
    })
}

/// The shape of the tokens the server names kept errors by (a UUID's 32 hex digits).
pub fn is_token(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Draws a page with the error its `ServerAction`s start from set by the server. Leptos'
/// router otherwise hands them the error written in the address (`__path`, `__err`),
/// which anyone can write; here it is the one this session kept, or none.
pub fn with_vouched_errors(page: impl FnOnce() -> AnyView + Send + 'static) -> AnyView {
    use leptos::context::Provider;
    use leptos::server::ServerActionError;
    let vouched = vouched_posted_error()
        .map(|posted| ServerActionError::new(&posted.path, &posted.encoded))
        // A path no server function has: no action starts from an error.
        .unwrap_or_else(|| ServerActionError::new("", ""));
    view! { <Provider value=vouched>{page()}</Provider> }.into_any()
}

/// On the server: what the request brought from the session.
#[cfg(feature = "ssr")]
fn kept_posted_error() -> Option<PostedError> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<PostedError>()
        .cloned()
}

/// In the browser: what the server sent with the page (in its page context), so hydration
/// shows the same banner. A page reached later in the browser has no such error: the
/// token check in `posted_error` keeps an earlier page's from showing on it.
#[cfg(not(feature = "ssr"))]
fn kept_posted_error() -> Option<PostedError> {
    use_context::<crate::layout::PageContextResource>()?
        .get_untracked()?
        .ok()?
        .posted_error
}

/// Moves focus to an element once it has been drawn (a question such as "Delete this draft?").
pub fn focus_soon(target: NodeRef<leptos::html::Div>) {
    request_animation_frame(move || {
        if let Some(element) = target.get_untracked() {
            let _ = element.focus();
        }
    });
}

/// Every field message of an error in one sentence (for a status line).
pub fn in_one_sentence(error: &AppError) -> String {
    match error {
        AppError::Invalid { fields } => fields.values().cloned().collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}
