//! Secret keys as operators write them in `SM_*` variables: hex or base64.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

/// The bytes of a key written as hex (an even number of hex digits) or, otherwise, base64.
/// `None` when it is neither; each key checks its own length.
pub fn key_bytes(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if !text.is_empty()
        && text.len().is_multiple_of(2)
        && text.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return (0..text.len() / 2)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
            .collect();
    }
    BASE64.decode(text).ok()
}
