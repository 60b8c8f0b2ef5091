//! Role homes and the pages every site needs: not found, no access, not available yet.

pub mod admin_home;
pub mod team_home;
pub mod veteran_home;

pub use admin_home::{AdminHome, AdminOverview, SystemCounts};
pub use team_home::{MyTeam, MyTeams, TeamHome};
pub use veteran_home::{CareTeamSummary, MessagingOverview, VeteranTeams};

use crate::auth::Area;
use crate::layout::use_page_context;
use leptos::prelude::*;
use leptos_meta::Title;

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

/// Shows `children` only to roles the area admits; others get "You don't have access to
/// this page" with status 403. The server has already audited the refusal; each server
/// function checks again on its own.
#[component]
pub fn Gate(area: Area, children: ChildrenFn) -> impl IntoView {
    let context = use_page_context();
    let children = StoredValue::new(children);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let context = context.await.unwrap_or_default();
                match context.user {
                    Some(user) if area.admits(user.role) => children.read_value()().into_any(),
                    Some(_) => view! { <Forbidden /> }.into_any(),
                    None => view! { <SignInNeeded /> }.into_any(),
                }
            })}
        </Suspense>
    }
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
fn SignInNeeded() -> impl IntoView {
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

/// An honest page for a feature that is not built yet.
pub fn not_available(area: Area, title: &'static str) -> impl IntoView {
    view! {
        <Gate area>
            <Title text=title />
            <h1>{title}</h1>
            <NotAvailableYet />
        </Gate>
    }
}

#[component]
pub fn NotAvailableYet() -> impl IntoView {
    view! {
        <div class="usa-alert usa-alert--info">
            <div class="usa-alert__body">
                <h2 class="usa-alert__heading">"Not available yet"</h2>
                <p class="usa-alert__text">
                    "This part of Secure Messaging is still being built. Nothing here is hidden from you: there is simply nothing to show yet."
                </p>
            </div>
        </div>
    }
}
