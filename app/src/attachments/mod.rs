//! Attachments: files on compose and reply, checked, stored encrypted, and
//! downloaded only by the thread's participants (DESIGN.md §2–3).

use serde::{Deserialize, Serialize};

pub mod list;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod ssr;

/// One attached file as pages show it: never its storage details.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The server-made id, used in the download link `/attachments/{id}`.
    pub id: String,
    /// The name as uploaded, cleaned for display.
    pub name: String,
    /// "PDF", "PNG image", "Word document", …
    pub type_label: String,
    pub size_bytes: u64,
    /// Images get a small preview in the thread, for the people allowed to download them.
    pub is_image: bool,
}

impl Attachment {
    pub fn download_path(&self) -> String {
        format!("/attachments/{}", self.id)
    }
}

/// The upload route's answer (`POST /attachments/drafts/{draft_id}`): the files kept and,
/// for each refused one, the sentence naming it and the rule it broke. JSON, or postcard
/// ([`crate::ui::POSTCARD`]) for the page's own uploads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadAnswer {
    pub accepted: Vec<Attachment>,
    pub refused: Vec<String>,
}

impl UploadAnswer {
    #[cfg(feature = "ssr")]
    pub fn to_postcard(&self) -> Result<Vec<u8>, crate::error::AppError> {
        use codee::Encoder;
        codee::binary::PostcardCodec::encode(self).map_err(crate::error::AppError::internal)
    }

    pub fn from_postcard(bytes: &[u8]) -> Option<Self> {
        use codee::Decoder;
        codee::binary::PostcardCodec::decode(bytes).ok()
    }
}
