//! Secure Messaging: the pages, server functions and server-only code shared by the server
//! binary (feature `ssr`) and the browser bundle (feature `hydrate`).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![recursion_limit = "256"]

pub mod account;
pub mod admin;
pub mod attachments;
pub mod audit_log;
pub mod auth;
pub mod error;
pub mod layout;
pub mod live;
pub mod messages;
pub mod mfa;
pub mod pages;
pub mod reports;
#[cfg(feature = "ssr")]
pub mod server;
pub mod team;
pub mod ui;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};
use messages::pages::compose::ComposePage;
use messages::pages::drafts_page::DraftsPage;
use messages::pages::folder_page::FolderPage;
use messages::pages::my_folders::MyFoldersPage;
use messages::pages::search_page::SearchPage;
use messages::pages::thread_page::{PrintThreadPage, ThreadPage};
use pages::settings::SettingsPage;

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
                // The built CSS under its hashed name (hash-files in Cargo.toml), like the
                // wasm and JavaScript that HydrationScripts names.
                <HashedStylesheet id="leptos" options=options.clone() />
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
        <Title formatter=|page: String| format!("{page} | Secure Messaging") />
        // Every page renders fully on the server before it is sent (`SsrMode::Async`): the
        // pages are small, and the title, the status code (403/404) and the content then
        // arrive together, which phones without the wasm yet and screen readers need.
        <Router>
            <layout::Layout>
                <Routes fallback=ui::NotFound>
                    <Route path=path!("/sign-in") view=account::SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in/code") view=mfa::pages::code::SignInCodePage ssr=SsrMode::Async />
                    <Route path=path!("/two-step-verification") view=mfa::pages::set_up::SetUpPage ssr=SsrMode::Async />
                    <Route path=path!("/inbox") view=FolderPage ssr=SsrMode::Async />
                    <Route path=path!("/sent") view=FolderPage ssr=SsrMode::Async />
                    <Route path=path!("/trash") view=FolderPage ssr=SsrMode::Async />
                    <Route path=path!("/folders/:folder_id") view=FolderPage ssr=SsrMode::Async />
                    <Route path=path!("/folders") view=MyFoldersPage ssr=SsrMode::Async />
                    <Route path=path!("/drafts") view=DraftsPage ssr=SsrMode::Async />
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/messages/new") view=ComposePage ssr=SsrMode::Async />
                    <Route path=path!("/messages/:thread_id") view=ThreadPage ssr=SsrMode::Async />
                    <Route path=path!("/messages/:thread_id/print") view=PrintThreadPage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/team") view=pages::TeamHome ssr=SsrMode::Async />
                    <Route path=path!("/team/threads/:thread_id") view=team::pages::thread::TeamThreadPage ssr=SsrMode::Async />
                    <Route path=path!("/team/templates") view=team::pages::templates::TemplatesPage ssr=SsrMode::Async />
                    <Route path=path!("/team/notifications") view=team::pages::notifications::NotificationsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=pages::AdminHome ssr=SsrMode::Async />
                    <Route path=path!("/admin/facilities") view=admin::pages::facilities::FacilitiesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/teams") view=admin::pages::teams::TeamsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/teams/:id") view=admin::pages::team::TeamPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=admin::pages::users::UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/:id") view=admin::pages::user::UserPage ssr=SsrMode::Async />
                    <Route path=path!("/set-password") view=admin::pages::set_password::SetPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/reports") view=reports::page::ReportsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=audit_log::page::AuditLogPage ssr=SsrMode::Async />
                </Routes>
            </layout::Layout>
        </Router>
    }
}
