//! What every page needs to know: who is signed in and whether this is the demo.

use crate::account::session_time::TimeLeft;
use crate::auth::SignedInUser;
use crate::error::AppError;
use crate::messages::FolderSummary;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PageContext {
    pub user: Option<SignedInUser>,
    pub demo: bool,
    /// For Veterans and caregivers: whose messages these are and the folder counts.
    pub mailbox: Option<MailboxContext>,
    /// For care team members: how many of their notifications are new (the navigation's
    /// count beside "Notifications").
    pub new_notifications: i64,
    /// A care team member who leads a team: the navigation offers their teams' reports.
    pub leads_team: bool,
    /// A clinician or administrator held at the two-step verification set-up: no
    /// navigation, since nothing else opens until it is done.
    pub two_step_set_up_needed: bool,
    /// For someone signed in: how long their session has left as this page was made, so the
    /// page knows when to load its session timer.
    pub session_left: Option<TimeLeft>,
    /// The error a plain form post came back to this page with (`ui::posted_error`).
    pub posted_error: Option<crate::ui::PostedError>,
    /// For someone not signed in, when single sign-on is set up: the words on its button.
    pub single_sign_on: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MailboxContext {
    /// (id, name) of the Veteran acted for.
    pub veteran: (i64, String),
    /// For a caregiver: every Veteran they may act for (to switch between).
    pub choices: Vec<(i64, String)>,
    /// Inbox, Sent, Drafts, Trash and custom folders with unread counts.
    pub folders: Vec<FolderSummary>,
}

/// Answers about the person asking only: nothing here needs a capability.
#[server(endpoint = "load_page_context", output = leptos::server_fn::codec::Postcard)]
pub async fn load_page_context() -> Result<PageContext, AppError> {
    use crate::server::access::{app_state, requester};
    let state = app_state()?;
    let asking = requester();
    let user = asking.user;
    let session_left = user
        .as_ref()
        .and_then(|_| crate::account::session_time::ssr::time_left().ok());
    let posted_error = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<crate::ui::PostedError>().cloned());
    if asking.set_up_needed {
        return Ok(PageContext {
            user,
            demo: state.config.demo,
            two_step_set_up_needed: true,
            session_left,
            posted_error,
            ..PageContext::default()
        });
    }
    let mailbox = match &user {
        Some(user) if crate::auth::Area::Messages.admits(user.role) => mailbox_context().await?,
        _ => None,
    };
    let (new_notifications, leads_team) = match &user {
        Some(user) if crate::auth::Area::Team.admits(user.role) => {
            use crate::server::access::{require_team, team_lead};
            let capability = require_team(LoadPageContext::PATH).await?;
            (
                crate::team::ssr::unread_notifications(&state.db, &capability).await?,
                team_lead(&state.db, &capability).await?.is_some(),
            )
        }
        _ => (0, false),
    };
    let single_sign_on = match &user {
        None => state.config.sso.as_ref().map(|sso| sso.label.clone()),
        Some(_) => None,
    };
    Ok(PageContext {
        user,
        demo: state.config.demo,
        mailbox,
        new_notifications,
        leads_team,
        two_step_set_up_needed: false,
        session_left,
        posted_error,
        single_sign_on,
    })
}

/// The mailbox part of the page context; `None` for a caregiver with no live access.
#[cfg(feature = "ssr")]
async fn mailbox_context() -> Result<Option<MailboxContext>, AppError> {
    use crate::auth::Role;
    use crate::messages::acting::ssr::{acting_for, ACTING_FOR_KEY};
    use crate::pages::veteran_home::ssr::veterans_for;
    use crate::server::access::{app_state, require_messaging};
    let capability = require_messaging(LoadPageContext::PATH).await?;
    let state = app_state()?;
    let chosen = if capability.user().role == Role::Caregiver {
        let session: tower_sessions::Session =
            leptos_axum::extract().await.map_err(AppError::internal)?;
        session.get::<i64>(ACTING_FOR_KEY).await?
    } else {
        None
    };
    let Some(veteran) = acting_for(&state, &capability, chosen).await? else {
        return Ok(None);
    };
    let choices = if capability.user().role == Role::Caregiver {
        veterans_for(&state.db.pool, &capability).await?
    } else {
        Vec::new()
    };
    let folders = crate::messages::ssr::folders(&state.db, &capability, veteran.0).await?;
    Ok(Some(MailboxContext {
        veteran,
        choices,
        folders,
    }))
}

/// The page context, loaded by `Layout` on every navigation and read by its header
/// alone; pages that need to know who is looking use `ui::viewer`, which does not wait.
pub type PageContextResource = crate::ui::PageData<PageContext>;
