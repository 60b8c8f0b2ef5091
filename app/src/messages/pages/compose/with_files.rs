//! The compose form without the wasm: one `multipart/form-data` post carries the fields and
//! the chosen files. The files are kept on the draft (made first when there is none), then
//! the message is sent as `send_new_message` would send it, or, for "Save draft", the
//! draft page comes back. A refused file stops the send: the page comes back with each
//! refusal at "Attach file", the files that were kept listed, and everything typed.
//! "Remove" on a listed file posts the same form (the button names the file): the text is
//! saved on the draft, the file leaves it, and the draft page comes back.

use crate::error::AppError;
use crate::messages::SentMessage;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// What the post did: sent the message, or saved the draft ("Save draft").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SentMessageOrDraft {
    Sent(SentMessage),
    Draft(i64),
}

#[server(input = MultipartFormData, endpoint = "send_new_message_with_files")]
pub async fn send_new_message_with_files(
    data: MultipartData,
) -> Result<SentMessageOrDraft, AppError> {
    let asking = crate::messages::acting::ssr::asking(SendNewMessageWithFiles::PATH).await?;
    ssr::post(&asking, data).await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::{SendNewMessageWithFiles, SentMessageOrDraft};
    use crate::attachments::ssr::form_post;
    use crate::error::AppError;
    use crate::messages::acting::ssr::{Asking, ACTING_FOR_FIELD};
    use crate::messages::pages::compose::ssr as compose;
    use crate::messages::{Category, DraftInput, NewMessage};
    use crate::ui::attach_files::{ATTACHMENTS_FIELD, REMOVE_FILE};
    use leptos::server_fn::codec::MultipartData;
    use leptos::server_fn::ServerFn;
    use std::collections::HashMap;

    pub async fn post(
        asking: &Asking,
        data: MultipartData,
    ) -> Result<SentMessageOrDraft, AppError> {
        let mut fields: HashMap<String, String> = HashMap::new();
        let mut draft_id: Option<i64> = None;
        let received = receive(asking, data, &mut fields, &mut draft_id).await;
        let mut message = typed(&fields);
        if draft_id.is_some() {
            message.draft_id = draft_id;
        }
        let path = SendNewMessageWithFiles::PATH;
        let received = match received {
            Ok(refused) => asking
                .check_form_for(fields.get(ACTING_FOR_FIELD).map(String::as_str))
                .map(|()| refused),
            Err(error) => Err(error),
        };
        let refused = match received {
            Ok(refused) => refused,
            Err(error) => {
                // A post cut off still comes back with what was typed.
                compose::keep_typed(&message, &error, path).await;
                return Err(error);
            }
        };
        if let Some(file) = fields.get(REMOVE_FILE) {
            if let Err(error) = remove(asking, file).await {
                compose::keep_typed(&message, &error, path).await;
                return Err(error);
            }
        }
        if !refused.is_empty() {
            let error = AppError::invalid(ATTACHMENTS_FIELD, refused.join(" "));
            compose::keep_typed(&message, &error, path).await;
            return Err(error);
        }
        // "Remove" keeps the text as "Save draft" does: the page comes back from the draft.
        if fields.contains_key("save_draft") || fields.contains_key(REMOVE_FILE) {
            // With files, the draft was saved as they arrived, after every text field.
            let id = match draft_id {
                Some(id) => id,
                None => match save_draft(asking, &message).await {
                    Ok(id) => id,
                    Err(error) => {
                        // A field a draft refuses (a 51-character subject) comes back
                        // with what was typed.
                        compose::keep_typed(&message, &error, path).await;
                        return Err(error);
                    }
                },
            };
            leptos_axum::redirect(&format!("/messages/new?draft={id}"));
            return Ok(SentMessageOrDraft::Draft(id));
        }
        match compose::send(asking, &message, fields.contains_key("crisis_confirmed")).await {
            Ok(sent) => {
                let author = asking.capability.user().id;
                crate::live::ssr::message_arrived(&asking.state, sent.thread_id, author, false)
                    .await;
                compose::forget_kept().await;
                leptos_axum::redirect(&format!("/messages/{}", sent.thread_id));
                Ok(SentMessageOrDraft::Sent(sent))
            }
            Err(error) => {
                compose::keep_typed(&message, &error, path).await;
                Err(error)
            }
        }
    }

    /// Reads the post: the text fields into `fields`, and each file onto the draft (made
    /// with the text when the first file comes; the form puts the fields first). Answers
    /// the refusals.
    async fn receive(
        asking: &Asking,
        data: MultipartData,
        fields: &mut HashMap<String, String>,
        draft_id: &mut Option<i64>,
    ) -> Result<Vec<String>, AppError> {
        let db = &asking.state.db;
        let mailbox =
            crate::messages::ssr::mailbox(db, &asking.capability, asking.veteran_id).await?;
        form_post::receive(
            &asking.state,
            (&mailbox).into(),
            data,
            fields,
            draft_id,
            |fields, draft| async move {
                // The fields come before the files in the form: the draft can be made now,
                // for the Veteran the form was drawn for only.
                asking.check_form_for(fields.get(ACTING_FOR_FIELD).map(String::as_str))?;
                match draft {
                    Some(id) => Ok(id),
                    None => save_draft(asking, &typed(&fields)).await,
                }
            },
        )
        .await
    }

    /// "Remove" on one of the draft's files.
    async fn remove(asking: &Asking, file: &str) -> Result<(), AppError> {
        let state = &asking.state;
        let mailbox =
            crate::messages::ssr::mailbox(&state.db, &asking.capability, asking.veteran_id).await?;
        form_post::remove_file(state, (&mailbox).into(), file).await
    }

    /// The message as typed, from the post's text fields.
    fn typed(fields: &HashMap<String, String>) -> NewMessage {
        let text = |key: &str| fields.get(key).cloned().unwrap_or_default();
        NewMessage {
            care_team_id: text("care_team").trim().parse().ok(),
            category: Category::parse(text("category").trim()),
            subject: text("subject"),
            body: text("body"),
            client_key: text("client_key"),
            draft_id: text("draft_id").trim().parse().ok(),
        }
    }

    /// Saves the typed fields as the draft (the one named, or a new one) and answers its id.
    async fn save_draft(asking: &Asking, message: &NewMessage) -> Result<i64, AppError> {
        let input = DraftInput {
            draft_id: message.draft_id,
            thread_id: None,
            care_team_id: message.care_team_id,
            category: message.category,
            subject: message.subject.clone(),
            body: message.body.clone(),
        };
        let draft = crate::messages::ssr::save_draft(
            &asking.state.db,
            &asking.capability,
            asking.veteran_id,
            &input,
        )
        .await?;
        Ok(draft.draft_id)
    }
}
