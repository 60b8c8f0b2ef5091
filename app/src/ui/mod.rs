//! The kit every page and form is built from, shared by all features: how a page is
//! gated and loaded ([`page`]), how errors show ([`errors`]), how a plain form post
//! comes back to its page with what was typed ([`kept`]), the status line after a success
//! ([`status`]), "Attach file" ([`attach_files`]), a form that saves itself as a draft
//! ([`autosave`]), how a conversation's messages and printouts look
//! ([`conversation`]), and asking for the current password before a change to the account
//! ([`current_password`]). Features use these; none of them reaches into another feature.

pub mod attach_files;
pub mod autosave;
pub mod conversation;
pub mod current_password;
pub mod errors;
#[cfg(feature = "ssr")]
pub mod kept;
pub mod page;
pub mod status;
pub mod veteran_name;

pub use errors::{focus_soon, posted_error, ErrorSummary, FieldError, LoadError, PostedError};
pub use page::{loaded, page_data, viewer, Forbidden, Gate, NotFound, PageData};
pub use status::SuccessStatus;
pub use veteran_name::VeteranName;

/// The media type of postcard, the encoding server functions answer in: the browser's own
/// `fetch` calls ask for it too, so the wasm carries one decoder and no JSON parser.
pub const POSTCARD: &str = "application/x-postcard";

/// Escapes text for a `<textarea>`'s `inner_html` (its value is its content).
pub fn textarea_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Percent-encodes a query value (letters, digits and `-_.~` stay as they are; a space
/// becomes `+`, as forms send it).
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}
