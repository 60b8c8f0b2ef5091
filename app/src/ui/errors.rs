//! How errors show on every page (USWDS, STYLE.md habit 12): the summary that takes focus
//! after a failed submit, the message under a field, the reason a page could not load, and
//! the error a plain form post came back with.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_router::hooks::use_query_map;

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

/// The error a form post answered with, when it came back to this page: Leptos carries it
/// in the address (`__path`, `__err`). `paths` are the server functions this page posts to.
pub fn posted_error(paths: &[&str]) -> Option<AppError> {
    let query = use_query_map();
    let query = query.read_untracked();
    let path = query.get("__path")?;
    if !paths.contains(&path.as_str()) {
        return None;
    }
    let error = query.get("__err")?;
    Some(ServerFnUrlError::<AppError>::decode_err(&error))
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
