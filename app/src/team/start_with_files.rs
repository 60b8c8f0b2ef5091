//! The "Start a message" form as one `multipart/form-data` post: it works the same with and
//! without the wasm.
//!
//! With the wasm, files upload as they are chosen onto the person's new-conversation draft
//! for the Veteran (`/attachments/drafts/{id}`) and the post carries only the text. Without
//! it, the post carries the chosen files too: each goes onto that draft (made first when
//! there is none), through the same checks as an upload. Then the conversation is started
//! with the draft's files (`team::start::ssr::send`). A refused file stops the send: the
//! form comes back with each refusal at "Attach file", the files that were kept listed,
//! and everything typed. "Remove" on a listed file posts the same form (the button names
//! the file): the file leaves the draft and the form comes back with what was typed.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

#[server(input = MultipartFormData, endpoint = "team_start_message_with_files")]
pub async fn team_start_message_with_files(data: MultipartData) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_team};
    let capability = require_team(TeamStartMessageWithFiles::PATH).await?;
    let state = app_state()?;
    ssr::post(&state, &capability, data).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::TeamStartMessageWithFiles;
    use crate::attachments::ssr::form_post;
    use crate::error::AppError;
    use crate::server::access::TeamCapability;
    use crate::server::state::AppState;
    use crate::team::start::ssr::{fail, keep, send, StartForm};
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
        // Each file goes onto the person's new-conversation draft for the Veteran, made
        // when the first file comes (the form puts the Veteran and the text first).
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
                        let veteran = veteran_of(&fields).ok_or(AppError::NotFound)?;
                        crate::team::ssr::start_draft_for_files(&state.db, capability, veteran)
                            .await
                    }
                }
            },
        )
        .await;
        let Some(veteran) = veteran_of(&fields) else {
            return Err(AppError::NotFound);
        };
        let text = |key: &str| fields.get(key).cloned().unwrap_or_default();
        let form = StartForm {
            veteran,
            care_team: text("care_team"),
            category: text("category"),
            subject: text("subject"),
            body: text("body"),
            client_key: text("client_key"),
        };
        let path = TeamStartMessageWithFiles::PATH;
        let refused = match received {
            Ok(refused) => refused,
            Err(error) => {
                // A post cut off still comes back with what was typed.
                fail(&form, path, error.clone()).await;
                return Err(error);
            }
        };
        if let Some(file) = fields.get(REMOVE_FILE) {
            if let Err(error) = form_post::remove_file(state, capability.into(), file).await {
                fail(&form, path, error.clone()).await;
                return Err(error);
            }
            if refused.is_empty() {
                keep(&form).await;
                return Ok(());
            }
        }
        if !refused.is_empty() {
            let error = AppError::invalid(ATTACHMENTS_FIELD, refused.join(" "));
            fail(&form, path, error.clone()).await;
            return Err(error);
        }
        send(state, capability, &form, path).await
    }

    /// The Veteran the form was drawn for.
    fn veteran_of(fields: &HashMap<String, String>) -> Option<i64> {
        fields.get("veteran")?.trim().parse().ok()
    }
}
