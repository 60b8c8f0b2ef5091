//! What the two posts that carry files with their text share (compose, and the care team's
//! reply, when the page runs without the wasm): the limits of one post, and reading its
//! parts while they stream, so no part is ever held whole past its limit.

use crate::attachments::rules::MAX_TOTAL_BYTES;
use crate::error::AppError;
use crate::ui::attach_files::ATTACHMENTS_FIELD;

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
