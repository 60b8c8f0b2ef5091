//! "Start a message" (`/team/new`): a care team member writes first to a Veteran of one of
//! their teams. The page finds the Veteran by name on the server (only Veterans of the
//! member's teams), then posts the message as a form post (`start_with_files`, multipart
//! so files can go with it), so it works before the wasm arrives. Files wait on the
//! member's new-conversation draft for the Veteran (`team::ssr::start_draft`) until the
//! send moves them onto the first message. Every server function authorizes with
//! `require_team`, and the data layer scopes every lookup to the member's teams.

use super::types::VeteranChoice;
use crate::attachments::Attachment;
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// What `/team/new` shows: the search and its results, or the form for the Veteran chosen,
/// with what a refused post kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StartData {
    /// The name searched for, as typed.
    pub q: String,
    pub found: Vec<VeteranChoice>,
    /// More Veterans matched than are shown.
    pub more: bool,
    pub chosen: Option<VeteranChoice>,
    pub care_team: String,
    pub category: String,
    pub subject: String,
    pub body: String,
    /// Made once per form, so a send posted twice makes one conversation.
    pub client_key: String,
    /// The files on the person's new-conversation draft for the chosen Veteran, attached
    /// before "Send" (listed again under "Attach file").
    pub files: Vec<Attachment>,
}

/// The page's data: Veterans of the person's teams whose name holds `q`, or the Veteran
/// `veteran` (`NotFound` when not one of theirs) with the form's fields.
#[server(endpoint = "team_new_message", output = leptos::server_fn::codec::Postcard)]
pub async fn team_new_message(
    q: Option<String>,
    veteran: Option<i64>,
    kept: Option<String>,
) -> Result<StartData, AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamNewMessage::PATH).await?;
    let state = app_state()?;
    let db = &state.db;
    let q = q.unwrap_or_default().trim().to_string();
    let mut data = StartData {
        client_key: uuid::Uuid::new_v4().to_string(),
        ..StartData::default()
    };
    if let Some(veteran) = veteran {
        data.chosen = Some(super::ssr::veteran_choice(db, &capability, veteran).await?);
        if let Some((_, files)) = super::ssr::start_draft(db, &capability, veteran).await? {
            data.files = files;
        }
        let kept = match kept {
            Some(token) => crate::ui::kept::kept_fields(&token).await?,
            None => Default::default(),
        };
        let field = |name: &str| kept.get(name).cloned().unwrap_or_default();
        data.care_team = field("care_team");
        data.category = field("category");
        data.subject = field("subject");
        data.body = field("body");
    } else if !q.is_empty() {
        let mut found = super::ssr::find_veterans(db, &capability, &q).await?;
        data.more = found.len() > super::ssr::FIND_VETERANS_LIMIT;
        found.truncate(super::ssr::FIND_VETERANS_LIMIT);
        data.found = found;
    }
    data.q = q;
    Ok(data)
}

/// "Send": a new conversation from the care team. Goes to the new thread; a refused post
/// goes back to the form with the error and what was typed. The files on the person's
/// new-conversation draft for the Veteran go with it. (The page posts
/// `team_start_message_with_files`, which can carry files too; this one serves posts of
/// text alone.)
#[server(endpoint = "team_start_message", output = leptos::server_fn::codec::Postcard)]
pub async fn team_start_message(
    veteran: i64,
    care_team: String,
    category: String,
    subject: String,
    body: String,
    client_key: String,
) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamStartMessage::PATH).await?;
    let state = app_state()?;
    let form = ssr::StartForm {
        veteran,
        care_team,
        category,
        subject,
        body,
        client_key,
    };
    ssr::send(&state, &capability, &form, TeamStartMessage::PATH).await
}

/// The person's new-conversation draft for a Veteran of one of their teams, made when there
/// is none: attaching the first file to a new message makes it, and the upload route
/// (`/attachments/drafts/{id}`) puts the files on it. Answers its id.
#[server(endpoint = "team_start_draft_for_files", output = leptos::server_fn::codec::Postcard)]
pub async fn team_start_draft_for_files(veteran: i64) -> Result<i64, AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamStartDraftForFiles::PATH).await?;
    let state = app_state()?;
    super::ssr::start_draft_for_files(&state.db, &capability, veteran).await
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::error::AppError;
    use crate::messages::{Category, NewMessage};
    use crate::server::access::TeamCapability;
    use crate::server::state::AppState;

    /// The "Start a message" form as posted.
    #[derive(Clone, Debug, Default)]
    pub(crate) struct StartForm {
        pub(crate) veteran: i64,
        pub(crate) care_team: String,
        pub(crate) category: String,
        pub(crate) subject: String,
        pub(crate) body: String,
        pub(crate) client_key: String,
    }

    impl StartForm {
        /// What was typed, kept when a post is refused.
        fn typed(&self) -> [(&'static str, &str); 4] {
            [
                ("care_team", &self.care_team),
                ("category", &self.category),
                ("subject", &self.subject),
                ("body", &self.body),
            ]
        }
    }

    /// Starts the conversation (with the files of the person's new-conversation draft for
    /// the Veteran) and goes to it; a refusal goes back to the form with what was typed.
    pub(crate) async fn send(
        state: &AppState,
        capability: &TeamCapability,
        form: &StartForm,
        path: &str,
    ) -> Result<(), AppError> {
        let message = NewMessage {
            care_team_id: form.care_team.trim().parse().ok(),
            category: Category::parse(form.category.trim()),
            subject: form.subject.clone(),
            body: form.body.clone(),
            client_key: form.client_key.clone(),
            draft_id: None,
        };
        match crate::team::ssr::start_thread(&state.db, capability, form.veteran, &message).await {
            Ok(sent) => {
                // The Veteran's and their caregivers' open pages hear of it, as of a reply.
                crate::live::ssr::message_arrived(
                    state,
                    sent.thread_id,
                    capability.user().id,
                    true,
                )
                .await;
                crate::ui::kept::go_back(&format!("/team/threads/{}", sent.thread_id), "started");
                Ok(())
            }
            Err(error) => {
                fail(form, path, error.clone()).await;
                Err(error)
            }
        }
    }

    /// Back to the form for the Veteran with the error and what was typed.
    pub(crate) async fn fail(form: &StartForm, path: &str, error: AppError) {
        crate::ui::kept::fail_to(
            &format!("/team/new?veteran={}", form.veteran),
            path,
            error,
            &form.typed(),
        )
        .await;
    }

    /// Back to the form for the Veteran with what was typed, and no error ("Remove").
    pub(crate) async fn keep(form: &StartForm) {
        crate::ui::kept::keep_and_go_back(
            &format!("/team/new?veteran={}", form.veteran),
            &form.typed(),
        )
        .await;
    }
}
