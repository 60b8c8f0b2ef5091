//! One way to load a page.
//!
//! A page's data is a [`PageData`] resource made **once**, at the top of the page's
//! component, and read in **one** boundary by [`loaded`], which also
//! gives every page the same loading line and the same error states (sign in, no access,
//! not found, or the reason). Nothing that makes a resource ever runs inside a `Suspend`.
//!
//! Why this shape: Leptos 0.8's `<Suspense>` re-runs its children on the server to find
//! resources read behind other resources (leptos-rs/leptos#4688, #4691). A resource made
//! inside those children is made again on each run, so its server function runs again and
//! its read is audited again; and a boundary whose children keep making new resources, or
//! two boundaries sharing one resource, can wait forever (leptos-rs/leptos#4851, #4866).
//! With data made above the boundary and each resource read once, a render is one pass.
//!
//! [`Gate`] decides who may see a page without waiting for anything: on the server from
//! the signed-in person in the request, in the browser from the page context the server
//! sent with the page. The two agree, so hydration matches, and the page's own components
//! (and their resources) are made once, only for someone the area admits.

use crate::auth::{Area, SignedInUser};
use crate::error::AppError;
use crate::ui::errors::LoadError;
use codee::binary::PostcardCodec;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{de::DeserializeOwned, Serialize};
use std::sync::Arc;

/// A page's data, or why it could not be loaded. It reaches the browser inside the page as
/// postcard (the codec the server functions answer in too): its decoder in the wasm is a
/// fraction of a JSON one's.
pub type PageData<T> = Resource<Result<T, AppError>, PostcardCodec>;

/// Makes a page's data: `fetch` runs with what `source` gives, again whenever that changes.
/// On the server it runs once per request; in the browser the first value comes with the
/// page and `fetch` runs only for later changes.
#[track_caller]
pub fn page_data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    Resource::new_with_options(source, fetch, false)
}

/// Who is looking at this page, known without waiting: the request's signed-in person on
/// the server; in the browser, the person the page context (sent with the page) names.
pub fn viewer() -> Option<SignedInUser> {
    #[cfg(feature = "ssr")]
    {
        crate::server::access::requester().user
    }
    #[cfg(not(feature = "ssr"))]
    {
        use_context::<crate::layout::PageContextResource>()
            .and_then(|context| context.get_untracked())
            .and_then(Result::ok)
            .and_then(|context| context.user)
    }
}

/// Shows `children` only to roles the area admits; others get "You don't have access to
/// this page" (403) or "Please sign in" (401). The server has already audited a refusal,
/// and each server function checks again on its own.
#[component]
pub fn Gate(area: Area, children: Children) -> impl IntoView {
    match viewer() {
        Some(user) if area.admits(user.role) => children().into_any(),
        Some(_) => view! { <Forbidden /> }.into_any(),
        // In the browser, a page context not there yet (it always is at hydration) is
        // not a refusal: the server functions decide.
        None if cfg!(not(feature = "ssr")) => children().into_any(),
        None => view! { <SignInNeeded /> }.into_any(),
    }
}

/// Shows a page's data once it has loaded: `ok` draws it; errors get the shared states.
/// A reload (a live update, a search) shows the loading line again.
pub fn loaded<T, V>(
    data: PageData<T>,
    loading: &'static str,
    ok: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let ok = Arc::new(ok);
    view! {
        <Suspense fallback=move || view! { <p>{loading}</p> }>
            {move || {
                let ok = ok.clone();
                Suspend::new(async move { shown(data.await, &*ok) })
            }}
        </Suspense>
    }
}

fn shown<T, V: IntoView + 'static>(data: Result<T, AppError>, ok: &dyn Fn(T) -> V) -> AnyView {
    match data {
        Ok(data) => ok(data).into_any(),
        Err(error) => error_page(error),
    }
}

/// The page for an error that stopped a page from loading.
pub fn error_page(error: AppError) -> AnyView {
    match error {
        AppError::NotFound => view! { <NotFound /> }.into_any(),
        AppError::Forbidden => view! { <Forbidden /> }.into_any(),
        AppError::Unauthenticated => view! { <SignInNeeded /> }.into_any(),
        error => view! { <LoadError error /> }.into_any(),
    }
}

/// Sets the HTTP status of the page being rendered on the server.
fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        options.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

#[component]
pub fn Forbidden() -> impl IntoView {
    set_status(403);
    view! {
        <Title text="No access" />
        <h1>"You don't have access to this page"</h1>
        <p>"This page is for a different kind of account. Use the links above to go back to your own pages."</p>
    }
}

#[component]
pub fn SignInNeeded() -> impl IntoView {
    set_status(401);
    view! {
        <Title text="Please sign in" />
        <h1>"Please sign in"</h1>
        <p><a href="/sign-in" rel="external">"Sign in"</a>" to continue."</p>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p>"We can't find the page you're looking for. Check the address, or use the links above."</p>
    }
}
