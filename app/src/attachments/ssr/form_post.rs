//! What the posts that carry files with their text share (compose, the care team's reply
//! and the message a care team starts, when the page runs without the wasm): the limits of
//! one post, and reading its parts while they stream, so no part is ever held whole past
//! its limit and each file goes through the same checks as an upload.

use super::owner::DraftOwner;
use super::upload::{self, Received};
use crate::attachments::rules::MAX_TOTAL_BYTES;
use crate::error::AppError;
use crate::server::state::AppState;
use crate::ui::attach_files::ATTACHMENTS_FIELD;
use leptos::server_fn::codec::MultipartData;
use std::collections::HashMap;
use std::future::Future;

/// The most a post may carry: the 10 MB of files a message may have, and room for the text.
/// A longer post is cut off, as the upload route does.
pub const POST_LIMIT: u64 = MAX_TOTAL_BYTES + 256 * 1024;

/// The most one text field may carry: a message's 10,000 characters are at most 40,000
/// bytes of UTF-8; the rest is room. A larger field is refused while it streams.
pub const TEXT_FIELD_LIMIT: usize = 64 * 1024;

/// Counts the bytes of one post as its parts arrive.
#[derive(Default)]
pub struct PostSize {
    received: u64,
}

impl PostSize {
    /// Counts `bytes` more; past [`POST_LIMIT`] the post is refused.
    pub fn add(&mut self, bytes: usize) -> Result<(), AppError> {
        self.received += bytes as u64;
        if self.received > POST_LIMIT {
            return Err(AppError::invalid(
                ATTACHMENTS_FIELD,
                "These files are more than 10 MB together; the limit is 10 MB. Nothing was sent.",
            ));
        }
        Ok(())
    }
}

/// The post stopped arriving (the connection dropped, or it was not a well-formed form).
pub fn broke_off() -> AppError {
    AppError::invalid(
        ATTACHMENTS_FIELD,
        "The upload broke off before it finished. Please try again.",
    )
}

/// Reads one text field chunk by chunk, refusing it as soon as it passes
/// [`TEXT_FIELD_LIMIT`] (or the post passes its own limit).
pub async fn read_text(
    field: &mut multer::Field<'static>,
    size: &mut PostSize,
) -> Result<String, AppError> {
    let mut text = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| broke_off())? {
        size.add(chunk.len())?;
        if text.len() + chunk.len() > TEXT_FIELD_LIMIT {
            return Err(AppError::TooLarge);
        }
        text.extend_from_slice(&chunk);
    }
    String::from_utf8(text).map_err(|_| broke_off())
}

/// Reads a post that carries files: the text fields into `fields`, and each file onto the
/// draft (the form puts its text fields before the file input). Before each file,
/// `draft_for` is given the fields so far and the draft the post's files went to so far
/// (none before the first): it checks what it must and answers the draft for this file,
/// making it when there is none. That draft's id is left in `draft_id`. Answers the
/// refusals, one sentence per file refused; the files kept stay on the draft.
pub async fn receive<'a, D, F>(
    state: &AppState,
    owner: DraftOwner<'a>,
    data: MultipartData,
    fields: &mut HashMap<String, String>,
    draft_id: &mut Option<i64>,
    mut draft_for: D,
) -> Result<Vec<String>, AppError>
where
    D: FnMut(HashMap<String, String>, Option<i64>) -> F,
    F: Future<Output = Result<i64, AppError>>,
{
    let mut multipart = data.into_inner().ok_or_else(broke_off)?;
    let mut refused: Vec<String> = Vec::new();
    let mut size = PostSize::default();

    while let Some(mut field) = multipart.next_field().await.map_err(|_| broke_off())? {
        let name = field.name().unwrap_or_default().to_string();
        if name != "file" {
            let text = read_text(&mut field, &mut size).await?;
            fields.insert(name, text);
            continue;
        }
        // A form sent with no file chosen has one empty, nameless part.
        let file_name = field.file_name().unwrap_or_default().to_string();
        if file_name.is_empty() {
            continue;
        }
        let draft = draft_for(fields.clone(), *draft_id).await?;
        *draft_id = Some(draft);
        let mut incoming = match upload::start(state, owner, draft, &file_name).await? {
            Ok(incoming) => incoming,
            Err(refusal) => {
                refused.push(refusal.to_string());
                continue;
            }
        };
        loop {
            let chunk = match field.chunk().await {
                Ok(chunk) => chunk,
                Err(_) => {
                    incoming.abort().await;
                    return Err(broke_off());
                }
            };
            let Some(bytes) = chunk else { break };
            if let Err(error) = size.add(bytes.len()) {
                incoming.abort().await;
                return Err(error);
            }
            if let Err(error) = incoming.feed(&bytes).await {
                incoming.abort().await;
                return Err(error);
            }
        }
        if let Received::Refused(refusal) = incoming.finish(state, owner, draft).await? {
            refused.push(refusal.to_string());
        }
    }
    Ok(refused)
}

/// "Remove" on one of the draft's files, posted with the form. A file already gone (the
/// button pressed twice) is what was asked for; one on another person's draft is untouched
/// either way.
pub async fn remove_file(
    state: &AppState,
    owner: DraftOwner<'_>,
    file: &str,
) -> Result<(), AppError> {
    match super::records::remove_from_draft(&state.db, &state.attachments, owner, file.trim()).await
    {
        Ok(()) | Err(AppError::NotFound) => Ok(()),
        Err(error) => Err(error),
    }
}

/// Whether `path` is one of the server functions that take a post with files: the server
/// gives them an upload's body limit and time (`server::body_limit`,
/// `server::request_timeout`).
pub fn carries_files(path: &str) -> bool {
    use crate::messages::pages::compose::SendNewMessageWithFiles;
    use crate::team::reply_with_files::TeamSendReplyWithFiles;
    use crate::team::start_with_files::TeamStartMessageWithFiles;
    use leptos::server_fn::ServerFn;
    [
        SendNewMessageWithFiles::PATH,
        TeamSendReplyWithFiles::PATH,
        TeamStartMessageWithFiles::PATH,
    ]
    .contains(&path)
}
