//! Secure Messaging: the pages, server functions and server-only code shared by the server
//! binary (feature `ssr`) and the browser bundle (feature `hydrate`).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![recursion_limit = "256"]

pub mod account;
pub mod auth;
pub mod error;
pub mod layout;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The HTML document around every page, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content="Send secure, non-urgent messages to your VA health care team." />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/secure-messaging.css" />
        <Title formatter=|page: String| format!("{page} | Secure Messaging") />
        <Router>
            <layout::Layout>
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/sign-in") view=account::SignInPage />
                    <Route path=path!("/inbox") view=pages::VeteranHome />
                    <Route path=path!("/sent") view=|| pages::not_available(auth::Area::Messages, "Sent") />
                    <Route path=path!("/drafts") view=|| pages::not_available(auth::Area::Messages, "Drafts") />
                    <Route path=path!("/trash") view=|| pages::not_available(auth::Area::Messages, "Trash") />
                    <Route path=path!("/folders") view=|| pages::not_available(auth::Area::Messages, "My folders") />
                    <Route path=path!("/messages/new") view=|| pages::not_available(auth::Area::Messages, "Start a new message") />
                    <Route path=path!("/team") view=pages::TeamHome />
                    <Route path=path!("/admin") view=pages::AdminHome />
                    <Route path=path!("/admin/facilities") view=|| pages::not_available(auth::Area::Admin, "Facilities") />
                    <Route path=path!("/admin/teams") view=|| pages::not_available(auth::Area::Admin, "Care teams") />
                    <Route path=path!("/admin/users") view=|| pages::not_available(auth::Area::Admin, "Users") />
                    <Route path=path!("/admin/reports") view=|| pages::not_available(auth::Area::Admin, "Reports") />
                    <Route path=path!("/admin/audit") view=|| pages::not_available(auth::Area::Admin, "Audit log") />
                </Routes>
            </layout::Layout>
        </Router>
    }
}
