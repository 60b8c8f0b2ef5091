//! What a form post left on the page it came back to, shared by the messaging pages.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_router::hooks::use_query_map;

/// Moves focus to an element once it has been drawn (a question such as "Delete this draft?").
pub fn focus_soon(target: NodeRef<leptos::html::Div>) {
    request_animation_frame(move || {
        if let Some(element) = target.get_untracked() {
            let _ = element.focus();
        }
    });
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
