//! The pages, in groups that each become one wasm chunk of their own (`cargo leptos build
//! --split`). A phone downloads the app's frame (router, layout, header) and then only the
//! chunk of the page it opens; the server names that chunk in the page's `<head>` so the
//! browser fetches it beside the main wasm instead of after it (DESIGN.md §6 budget).
//!
//! A group is a few pages one kind of person moves between, so a navigation inside the app
//! seldom waits for a download; each person's first page (sign-in, Inbox, team inbox,
//! administration) is a group of its own, since that is what every visit downloads. Code
//! two groups share goes into a shared chunk that the split tool makes, fetched with
//! whichever group needs it first.
//!
//! Each page is a [`LazyRoute`](leptos_router::LazyRoute): the router loads the chunk and
//! then renders the page; on the server, rendering only notes the chunk for that `<head>`.
//! Every build of the wasm must therefore go through `cargo leptos build --split`
//! (scripts/run.sh, scripts/test.sh): without it the chunks' imports are left unresolved.

/// Makes a page group: one module with a unit struct per page (`Lazy::<group::Page>`
/// in the router) and one split function that draws any page of the group.
macro_rules! page_group {
    (
        $(#[$doc:meta])*
        $group:ident {
            $( $page:ident => $component:path ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        pub mod $group {
            use leptos::prelude::{AnyView, IntoAny};

            /// The pages of this group, as the split function's argument.
            #[derive(Clone, Copy)]
            enum Which {
                $( $page ),+
            }

            /// Draws one page of the group: the code in this function, and what only it
            /// uses, is the group's chunk.
            #[cfg_attr(
                feature = "hydrate",
                leptos::wasm_split::wasm_split(
                    $group,
                    wasm_split_path = ::leptos::wasm_split,
                    preload(load_chunk)
                )
            )]
            fn draw(which: Which) -> AnyView {
                match which {
                    $( Which::$page => crate::ui::errors::with_vouched_errors(|| {
                        $component().into_any()
                    }), )+
                }
            }

            /// In the browser: loads the group's chunk (once) and draws the page. On the
            /// server: draws it, and notes the chunk so the page's `<head>` preloads it.
            async fn show(which: Which) -> AnyView {
                #[cfg(feature = "hydrate")]
                {
                    draw(which).await
                }
                #[cfg(not(feature = "hydrate"))]
                {
                    leptos::prefetch_lazy_fn_on_server(stringify!($group));
                    draw(which)
                }
            }

            $(
                #[doc = concat!("The route to `", stringify!($component), "`.")]
                pub struct $page;

                impl leptos_router::LazyRoute for $page {
                    fn data() -> Self {
                        Self
                    }

                    async fn view(_: Self) -> AnyView {
                        show(Which::$page).await
                    }

                    async fn preload() {
                        #[cfg(feature = "hydrate")]
                        load_chunk().await;
                    }
                }
            )+
        }
    };
}

page_group! {
    /// Signing in: what everyone opens first, so kept small.
    sign_in {
        SignIn => crate::account::SignInPage,
    }
}

page_group! {
    /// The second step of signing in, for those who have one. It opens as a page of its
    /// own after the password is accepted, so it downloads on its own too.
    sign_in_code {
        SignInCode => crate::mfa::pages::code::SignInCodePage,
    }
}

page_group! {
    /// Setting a password from a link and setting up two-step verification: once per
    /// person, so not part of every sign-in.
    account_set_up {
        SetUpTwoStep => crate::mfa::pages::set_up::SetUpPage,
        SetPassword => crate::admin::pages::set_password::SetPasswordPage,
        ForgotPassword => crate::account::forgot::ForgotPasswordPage,
    }
}

page_group! {
    /// A Veteran's or caregiver's folders: the Inbox is their first page.
    mailbox {
        Inbox => crate::messages::pages::folder_page::FolderPage,
        Sent => crate::messages::pages::folder_page::FolderPage,
        Trash => crate::messages::pages::folder_page::FolderPage,
        Folder => crate::messages::pages::folder_page::FolderPage,
    }
}

page_group! {
    /// Managing one's own folders, drafts and search.
    mailbox_tools {
        MyFolders => crate::messages::pages::my_folders::MyFoldersPage,
        Drafts => crate::messages::pages::drafts_page::DraftsPage,
        Search => crate::messages::pages::search_page::SearchPage,
    }
}

page_group! {
    /// A Veteran's or caregiver's conversation and its printout.
    conversation {
        Thread => crate::messages::pages::thread_page::ThreadPage,
        PrintThread => crate::messages::pages::thread_page::PrintThreadPage,
    }
}

page_group! {
    /// Writing a new message: its own group, so opening a conversation does not download
    /// the compose form's choices, autosave and crisis check.
    compose {
        Compose => crate::messages::pages::compose::ComposePage,
    }
}

page_group! {
    /// Everyone's settings, the pages a new email address's link and a caregiver
    /// invitation's link open, and the demo's mail page.
    settings {
        Settings => crate::pages::settings::SettingsPage,
        ConfirmEmail => crate::account::change_email::ConfirmEmailPage,
        AcceptCaregiverInvitation => crate::messages::caregiver_invitations::AcceptInvitationPage,
        DemoMail => crate::email::demo_mail::DemoMailPage,
    }
}

page_group! {
    /// The care team's inbox: a clinician's first page.
    team {
        TeamHome => crate::pages::TeamHome,
    }
}

page_group! {
    /// The care team's reply templates and notifications, a lead's reports, and starting a
    /// message to a Veteran.
    team_tools {
        StartMessage => crate::team::pages::start::StartMessagePage,
        Templates => crate::team::pages::templates::TemplatesPage,
        Notifications => crate::team::pages::notifications::NotificationsPage,
        TeamReports => crate::reports::page::TeamReportsPage,
    }
}

page_group! {
    /// A conversation as the care team sees it, and its printout.
    team_thread {
        TeamThread => crate::team::pages::thread::TeamThreadPage,
        TeamPrintThread => crate::team::pages::print::TeamPrintPage,
    }
}

page_group! {
    /// The administrator's overview: their first page.
    admin_home {
        AdminHome => crate::pages::AdminHome,
    }
}

page_group! {
    /// The administrator's console.
    admin {
        Facilities => crate::admin::pages::facilities::FacilitiesPage,
        Teams => crate::admin::pages::teams::TeamsPage,
        Team => crate::admin::pages::team::TeamPage,
        Users => crate::admin::pages::users::UsersPage,
        User => crate::admin::pages::user::UserPage,
        Reports => crate::reports::page::ReportsPage,
        AuditLog => crate::audit_log::page::AuditLogPage,
    }
}
