//! Attachments (issue 5): files on compose and reply, checked, stored encrypted, and
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
