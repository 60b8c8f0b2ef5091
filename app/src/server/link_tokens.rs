//! One-time links sent by email (set a password, confirm a new email address): 256 random
//! bits in the link only, and only their SHA-256 digest in the database, so a copy of the
//! database cannot be used to follow a link.

use sha2::{Digest, Sha256};

/// A new token, and the digest to store for it.
pub fn new_token() -> (String, String) {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored digest of a token, as a link brings it (surrounding spaces ignored).
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_64_hex_digits_and_its_digest_is_not_the_token() {
        let (token, hash) = new_token();
        assert_eq!(token.len(), 64);
        assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(hash, token_hash(&format!(" {token}\n")));
        assert_ne!(hash, token);
        assert_ne!(new_token().0, token);
    }
}
