//! Secure Messaging: the pages, server functions and server-only code shared by the server
//! binary (feature `ssr`) and the browser bundle (feature `hydrate`).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![recursion_limit = "256"]

pub mod account;
pub mod admin;
pub mod attachments;
pub mod audit_log;
pub mod auth;
pub mod email;
pub mod error;
pub mod layout;
pub mod live;
pub mod messages;
pub mod mfa;
pub mod pages;
pub mod passkeys;
pub mod reports;
#[cfg(feature = "ssr")]
pub mod server;
pub mod sso;
pub mod team;
pub mod ui;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

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
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// What a browser tab says after each page's own title.
const TITLE_SUFFIX: &str = " | Secure Messaging";

/// "Inbox" becomes "Inbox | Secure Messaging"; a title that already says so stays as it is.
fn with_app_name(page: String) -> String {
    if page.ends_with(TITLE_SUFFIX) || page == "Secure Messaging" {
        page
    } else {
        format!("{page}{TITLE_SUFFIX}")
    }
}

/// A route's page, drawn with the error its forms start from vouched for by the server
/// (`ui::errors::with_vouched_errors`), not read from the address.
fn page<V: IntoView + 'static>(
    component: fn() -> V,
) -> impl Fn() -> AnyView + Clone + Send + 'static {
    move || ui::errors::with_vouched_errors(move || component().into_any())
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Secure Messaging" formatter=with_app_name />
        // Every page renders fully on the server before it is sent (`SsrMode::Async`): the
        // pages are small, and the title, the status code (403/404) and the content then
        // arrive together, which phones without the wasm yet and screen readers need.
        <Router>
            <layout::Layout>
                <Routes fallback=ui::NotFound>
                    <Route path=path!("/sign-in") view=page(crate::account::SignInPage) ssr=SsrMode::Async />
                    <Route path=path!("/sign-in/forgot") view=page(crate::account::forgot::ForgotPasswordPage) ssr=SsrMode::Async />
                    <Route path=path!("/sign-in/code") view=page(crate::mfa::pages::code::SignInCodePage) ssr=SsrMode::Async />
                    <Route path=path!("/two-step-verification") view=page(crate::mfa::pages::set_up::SetUpPage) ssr=SsrMode::Async />
                    <Route path=path!("/inbox") view=page(crate::messages::pages::folder_page::FolderPage) ssr=SsrMode::Async />
                    <Route path=path!("/sent") view=page(crate::messages::pages::folder_page::FolderPage) ssr=SsrMode::Async />
                    <Route path=path!("/trash") view=page(crate::messages::pages::folder_page::FolderPage) ssr=SsrMode::Async />
                    <Route path=path!("/folders/:folder_id") view=page(crate::messages::pages::folder_page::FolderPage) ssr=SsrMode::Async />
                    <Route path=path!("/folders") view=page(crate::messages::pages::my_folders::MyFoldersPage) ssr=SsrMode::Async />
                    <Route path=path!("/drafts") view=page(crate::messages::pages::drafts_page::DraftsPage) ssr=SsrMode::Async />
                    <Route path=path!("/search") view=page(crate::messages::pages::search_page::SearchPage) ssr=SsrMode::Async />
                    <Route path=path!("/messages/new") view=page(crate::messages::pages::compose::ComposePage) ssr=SsrMode::Async />
                    <Route path=path!("/messages/:thread_id") view=page(crate::messages::pages::thread_page::ThreadPage) ssr=SsrMode::Async />
                    <Route path=path!("/messages/:thread_id/print") view=page(crate::messages::pages::thread_page::PrintThreadPage) ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=page(crate::pages::settings::SettingsPage) ssr=SsrMode::Async />
                    <Route path=path!("/settings/email") view=page(crate::account::change_email::ConfirmEmailPage) ssr=SsrMode::Async />
                    <Route path=path!("/caregiver-invitation") view=page(crate::messages::caregiver_invitations::AcceptInvitationPage) ssr=SsrMode::Async />
                    <Route path=path!("/demo/mail") view=page(crate::email::demo_mail::DemoMailPage) ssr=SsrMode::Async />
                    <Route path=path!("/team") view=page(crate::pages::TeamHome) ssr=SsrMode::Async />
                    <Route path=path!("/team/threads/:thread_id") view=page(crate::team::pages::thread::TeamThreadPage) ssr=SsrMode::Async />
                    <Route path=path!("/team/threads/:thread_id/print") view=page(crate::team::pages::print::TeamPrintPage) ssr=SsrMode::Async />
                    <Route path=path!("/team/new") view=page(crate::team::pages::start::StartMessagePage) ssr=SsrMode::Async />
                    <Route path=path!("/team/templates") view=page(crate::team::pages::templates::TemplatesPage) ssr=SsrMode::Async />
                    <Route path=path!("/team/notifications") view=page(crate::team::pages::notifications::NotificationsPage) ssr=SsrMode::Async />
                    <Route path=path!("/team/reports") view=page(crate::reports::page::TeamReportsPage) ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=page(crate::pages::AdminHome) ssr=SsrMode::Async />
                    <Route path=path!("/admin/facilities") view=page(crate::admin::pages::facilities::FacilitiesPage) ssr=SsrMode::Async />
                    <Route path=path!("/admin/teams") view=page(crate::admin::pages::teams::TeamsPage) ssr=SsrMode::Async />
                    <Route path=path!("/admin/teams/:id") view=page(crate::admin::pages::team::TeamPage) ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=page(crate::admin::pages::users::UsersPage) ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/:id") view=page(crate::admin::pages::user::UserPage) ssr=SsrMode::Async />
                    <Route path=path!("/set-password") view=page(crate::admin::pages::set_password::SetPasswordPage) ssr=SsrMode::Async />
                    <Route path=path!("/admin/reports") view=page(crate::reports::page::ReportsPage) ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=page(crate::audit_log::page::AuditLogPage) ssr=SsrMode::Async />
                </Routes>
            </layout::Layout>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_title_gets_the_app_name_once() {
        let titled = super::with_app_name;
        assert_eq!(titled("Inbox".into()), "Inbox | Secure Messaging");
        assert_eq!(
            titled("Inbox | Secure Messaging".into()),
            "Inbox | Secure Messaging"
        );
        assert_eq!(titled("Secure Messaging".into()), "Secure Messaging");
    }
}
