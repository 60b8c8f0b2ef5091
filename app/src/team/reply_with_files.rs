//! The team's "Reply" form as one `multipart/form-data` post: it works the same
//! with and without the wasm.
//!
//! With the wasm, files upload as they are chosen onto the person's reply draft
//! (`/attachments/drafts/{id}`) and the post carries only the text. Without it, the post
//! carries the chosen files too: each goes onto the reply draft (made first when there is
//! none), through the same checks as an upload. Then the reply is sent with the draft's
//! files (`messages::ssr::team_reply`). A refused file stops the send: the thread page comes
//! back with each refusal at "Attach file", the files that were kept listed, and the text.
//! "Remove" on a listed file posts the same form (the button names the file): the file
//! leaves the draft and the page comes back with the text.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

#[server(input = MultipartFormData, endpoint = "team_send_reply_with_files")]
pub async fn team_send_reply_with_files(data: MultipartData) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamSendReplyWithFiles::PATH).await?;
    let state = app_state()?;
    ssr::post(&state, &capability, data).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::TeamSendReplyWithFiles;
    use crate::attachments::ssr::form_post;
    use crate::error::AppError;
    use crate::messages::Reply;
    use crate::server::access::TeamCapability;
    use crate::server::state::AppState;
    use crate::team::api::ssr as team_api;
    use crate::ui::attach_files::{ATTACHMENTS_FIELD, REMOVE_FILE};
    use leptos::server_fn::codec::MultipartData;
    use leptos::server_fn::ServerFn;
    use std::collections::HashMap;

    pub async fn post(
        state: &AppState,
        capability: &TeamCapability,
        data: MultipartData,
    ) -> Result<(), AppError> {
        let mut fields: HashMap<String, String> = HashMap::new();
        // Each file goes onto the person's reply draft in the thread, made when the first
        // file comes (the form puts the thread's id and the text first).
        let received = form_post::receive(
            state,
            capability.into(),
            data,
            &mut fields,
            &mut None,
            |fields, draft| async move {
                match draft {
                    Some(id) => Ok(id),
                    None => {
                        let thread_id = fields
                            .get("thread_id")
                            .and_then(|id| id.trim().parse::<i64>().ok())
                            .ok_or(AppError::NotFound)?;
                        crate::team::ssr::reply_draft_for_files(&state.db, capability, thread_id)
                            .await
                    }
                }
            },
        )
        .await;
        let text = |key: &str| fields.get(key).cloned().unwrap_or_default();
        let Ok(thread_id) = text("thread_id").trim().parse::<i64>() else {
            return Err(AppError::NotFound);
        };
        let body = text("body");
        let typed = [("body", body.as_str())];
        let path = TeamSendReplyWithFiles::PATH;
        let refused = match received {
            Ok(refused) => refused,
            Err(error) => {
                // A post cut off still comes back with what was typed.
                team_api::fail(thread_id, path, error.clone(), &typed).await;
                return Err(error);
            }
        };
        if let Some(file) = fields.get(REMOVE_FILE) {
            if let Err(error) = form_post::remove_file(state, capability.into(), file).await {
                team_api::fail(thread_id, path, error.clone(), &typed).await;
                return Err(error);
            }
            if refused.is_empty() {
                crate::ui::kept::keep_and_go_back(&format!("/team/threads/{thread_id}"), &typed)
                    .await;
                return Ok(());
            }
        }
        if !refused.is_empty() {
            let error = AppError::invalid(ATTACHMENTS_FIELD, refused.join(" "));
            team_api::fail(thread_id, path, error.clone(), &typed).await;
            return Err(error);
        }
        let reply = Reply {
            body: body.clone(),
            client_key: text("reply_key"),
        };
        if let Err(error) = crate::team::ssr::reply(&state.db, capability, thread_id, &reply).await
        {
            team_api::fail(thread_id, path, error.clone(), &typed).await;
            return Err(error);
        }
        team_api::replied(state, capability, thread_id).await;
        crate::ui::kept::go_back(&format!("/team/threads/{thread_id}"), "replied");
        Ok(())
    }
}
