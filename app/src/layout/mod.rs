//! The frame around every page: skip link, demo banner, header with the signed-in person
//! and their role's navigation, footer. Also marks `<body data-hydrated="true">` for the
//! browser entry once the wasm has taken over (DESIGN.md §5; browser tests wait for it).

mod context;
mod nav;

pub use context::{load_page_context, MailboxContext, PageContext, PageContextResource};

use crate::account::SignOutForm;
use leptos::prelude::*;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // Pages render on the server only: the context is loaded once per request.
    let context: PageContextResource = crate::ui::page_data(|| (), |_| load_page_context());
    provide_context(context);
    let frame = move || {
        Suspend::new(async move {
            let context = context.await.unwrap_or_default();
            // Held at the two-step verification set-up: no live updates until it is done.
            let signed_in = context.user.is_some() && !context.two_step_set_up_needed;
            let left = context.session_left;
            view! {
                <a class="usa-skipnav" href="#main-content">"Skip to main content"</a>
                {context.demo.then(DemoBanner)}
                <Header context=context.clone() />
                {signed_in.then(|| view! {
                    <crate::live::LiveUpdates />
                    <crate::account::SessionTimeout left />
                })}
            }
        })
    };
    view! {
        <Suspense>{frame}</Suspense>
        <main id="main-content" class="sm-main" tabindex="-1">
            {children()}
        </main>
        <footer class="sm-footer">
            <p>
                "Secure Messaging is for non-urgent needs. If you're in crisis, call the Veterans Crisis Line: dial 988 and press 1. In an emergency, call 911."
            </p>
        </footer>
    }
}

#[component]
fn DemoBanner() -> impl IntoView {
    view! {
        <section class="usa-site-alert usa-site-alert--info usa-site-alert--slim" aria-label="Demo site">
            <div class="usa-alert">
                <div class="usa-alert__body">
                    <p class="usa-alert__text">
                        <strong>"Demo"</strong>
                        " — this site holds made-up people and messages for trying Secure Messaging."
                    </p>
                </div>
            </div>
        </section>
    }
}

#[component]
fn Header(context: PageContext) -> impl IntoView {
    let home = context
        .user
        .as_ref()
        .map(|user| user.role.home())
        .unwrap_or("/sign-in");
    let who = context.user.clone().map(|user| {
        view! {
            // A <div>, not a <p>: a <form> inside a <p> is closed early by the HTML parser,
            // and the page would then not hydrate.
            <div class="sm-header__who">
                <span>"Signed in as " <strong>{user.name}</strong> " (" {user.role.label()} ")"</span>
                <SignOutForm />
            </div>
        }
    });
    view! {
        <header class="sm-header">
            <div class="sm-header__bar">
                <p class="sm-header__title">
                    <a href=home>"Secure Messaging"</a>
                </p>
                {who}
            </div>
            {context.mailbox.clone().filter(|m| !m.choices.is_empty()).map(|mailbox| view! {
                <div class="sm-header__bar">
                    <crate::messages::acting::ChooseVeteranForm choices=mailbox.choices current=mailbox.veteran.0 />
                </div>
            })}
            {context.user.filter(|_| !context.two_step_set_up_needed).map(|user| {
                let folders = context.mailbox.map(|m| m.folders).unwrap_or_default();
                let notifications = context.new_notifications;
                let leads_team = context.leads_team;
                view! {
                    <crate::live::LiveRegion name="navigation">
                        <nav::RoleNav role=user.role folders notifications leads_team />
                    </crate::live::LiveRegion>
                }
            })}
        </header>
    }
}

/// Whether the page finished hydrating its islands (browser only: false on the server and
/// while that hydration runs, so what an island renders then matches the server's HTML).
pub fn page_hydrated() -> bool {
    #[cfg(feature = "hydrate")]
    {
        document()
            .body()
            .and_then(|body| body.get_attribute("data-hydrated"))
            .as_deref()
            == Some("true")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// Called first in every island: counts the island as hydrated once its first render is in
/// place (its effects run after it). Islands are lazy, each hydrating once its chunk is in,
/// so the browser entry waits for all of them before it marks the page hydrated.
pub fn island_hydrated() {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| HYDRATED_ISLANDS.with(|count| count.set(count.get() + 1)));
}

#[cfg(feature = "hydrate")]
thread_local! {
    static HYDRATED_ISLANDS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many islands of the page have hydrated (`island_hydrated`).
#[cfg(feature = "hydrate")]
pub fn hydrated_islands() -> usize {
    HYDRATED_ISLANDS.with(std::cell::Cell::get)
}

/// Sets `data-hydrated="true"` on `<body>`: the browser entry calls it once every island
/// of the page has hydrated.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated() {
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
