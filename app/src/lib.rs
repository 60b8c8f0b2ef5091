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
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;
pub mod sso;
pub mod team;
pub mod ui;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

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
                <HydrationScripts options defer=true />
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

/// The title shown until a page's own `<Title>` is in place. Hydration waits for the page's
/// chunk (`routes.rs`), and meanwhile the tab keeps the title the server sent instead of
/// going blank; on the server every page sets its own.
fn first_title() -> String {
    #[cfg(feature = "hydrate")]
    {
        document().title()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        "Secure Messaging".to_string()
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text=first_title() formatter=with_app_name />
        // Every page renders fully on the server before it is sent (`SsrMode::Async`): the
        // pages are small, and the title, the status code (403/404) and the content then
        // arrive together, which phones without the wasm yet and screen readers need.
        <Router>
            <layout::Layout>
                <Routes fallback=ui::NotFound>
                    <Route path=path!("/sign-in") view={Lazy::<routes::sign_in::SignIn>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/sign-in/forgot") view={Lazy::<routes::account_set_up::ForgotPassword>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/sign-in/code") view={Lazy::<routes::sign_in_code::SignInCode>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/two-step-verification") view={Lazy::<routes::account_set_up::SetUpTwoStep>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/inbox") view={Lazy::<routes::mailbox::Inbox>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/sent") view={Lazy::<routes::mailbox::Sent>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/trash") view={Lazy::<routes::mailbox::Trash>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/folders/:folder_id") view={Lazy::<routes::mailbox::Folder>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/folders") view={Lazy::<routes::mailbox_tools::MyFolders>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/drafts") view={Lazy::<routes::mailbox_tools::Drafts>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/search") view={Lazy::<routes::mailbox_tools::Search>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/messages/new") view={Lazy::<routes::compose::Compose>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/messages/:thread_id") view={Lazy::<routes::conversation::Thread>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/messages/:thread_id/print") view={Lazy::<routes::conversation::PrintThread>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings") view={Lazy::<routes::settings::Settings>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/email") view={Lazy::<routes::settings::ConfirmEmail>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/caregiver-invitation") view={Lazy::<routes::settings::AcceptCaregiverInvitation>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/demo/mail") view={Lazy::<routes::settings::DemoMail>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/team") view={Lazy::<routes::team::TeamHome>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/team/threads/:thread_id") view={Lazy::<routes::team_thread::TeamThread>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/team/threads/:thread_id/print") view={Lazy::<routes::team_thread::TeamPrintThread>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/team/new") view={Lazy::<routes::team_tools::StartMessage>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/team/templates") view={Lazy::<routes::team_tools::Templates>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/team/notifications") view={Lazy::<routes::team_tools::Notifications>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/team/reports") view={Lazy::<routes::team_tools::TeamReports>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin") view={Lazy::<routes::admin_home::AdminHome>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/facilities") view={Lazy::<routes::admin::Facilities>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/teams") view={Lazy::<routes::admin::Teams>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/teams/:id") view={Lazy::<routes::admin::Team>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view={Lazy::<routes::admin::Users>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/:id") view={Lazy::<routes::admin::User>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/set-password") view={Lazy::<routes::account_set_up::SetPassword>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/reports") view={Lazy::<routes::admin::Reports>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view={Lazy::<routes::admin::AuditLog>::new()} ssr=SsrMode::Async />
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
