//! "Start a message" (`/team/new`): a care team member writes first to a Veteran of one of
//! their teams. The page finds the Veteran by name on the server (only Veterans of the
//! member's teams), then posts the message here as a plain form post, so it works before
//! the wasm arrives. Both server functions authorize with `require_team`, and the data layer
//! scopes every lookup to the member's teams (`team::ssr::start`).

use super::types::VeteranChoice;
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
/// goes back to the form with the error and what was typed.
#[server(endpoint = "team_start_message", output = leptos::server_fn::codec::Postcard)]
pub async fn team_start_message(
    veteran: i64,
    care_team: String,
    category: String,
    subject: String,
    body: String,
    client_key: String,
) -> Result<(), AppError> {
    use crate::messages::{Category, NewMessage};
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamStartMessage::PATH).await?;
    let state = app_state()?;
    let message = NewMessage {
        care_team_id: care_team.trim().parse().ok(),
        category: Category::parse(category.trim()),
        subject: subject.clone(),
        body: body.clone(),
        client_key,
        draft_id: None,
    };
    match super::ssr::start_thread(&state.db, &capability, veteran, &message).await {
        Ok(sent) => {
            // The Veteran's and their caregivers' open pages hear of it, as of a reply.
            crate::live::ssr::message_arrived(&state, sent.thread_id, capability.user().id, true)
                .await;
            crate::ui::kept::go_back(&format!("/team/threads/{}", sent.thread_id), "started");
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to(
                &format!("/team/new?veteran={veteran}"),
                TeamStartMessage::PATH,
                error.clone(),
                &[
                    ("care_team", &care_team),
                    ("category", &category),
                    ("subject", &subject),
                    ("body", &body),
                ],
            )
            .await;
            Err(error)
        }
    }
}
