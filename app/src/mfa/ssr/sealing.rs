//! The TOTP secret at rest: sealed with AES-256-GCM under `SM_MFA_KEY`.
//!
//! The server must be able to make codes, so the secret cannot be hashed like a password.
//! Sealing it with a key kept outside the database means a leaked backup or a read-only SQL
//! injection does not also hand over everyone's second factor (NIST SP 800-63B §5.1.4.2:
//! the verifier's symmetric keys "SHALL be strongly protected against compromise"). The
//! user id is the associated data, so a sealed secret copied onto another person's row does
//! not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use rand::RngCore;

const NONCE_BYTES: usize = 12;

/// The key that seals every TOTP secret. Its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct MfaKey(Key<Aes256Gcm>);

impl std::fmt::Debug for MfaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaKey(…)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MfaKeyError {
    #[error("SM_MFA_KEY must be 32 bytes, as base64 (44 characters) or hex (64 characters); e.g. `openssl rand -base64 32`")]
    Malformed,
}

/// A sealed secret that does not open: another key, another person's row, or tampering.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a stored two-step verification secret does not open with SM_MFA_KEY")]
pub struct Unreadable;

impl MfaKey {
    /// Reads a 32-byte key written as hex (64 characters) or base64, like `SM_ATTACHMENT_KEY`.
    pub fn parse(text: &str) -> Result<MfaKey, MfaKeyError> {
        let bytes = crate::server::key_text::key_bytes(text).ok_or(MfaKeyError::Malformed)?;
        if bytes.len() != 32 {
            return Err(MfaKeyError::Malformed);
        }
        Ok(MfaKey(*Key::<Aes256Gcm>::from_slice(&bytes)))
    }

    /// A fresh random key: for demo mode and tests only (secrets sealed with it cannot be
    /// opened after a restart; an administrator's "Reset MFA" then lets the person in).
    pub fn generate() -> MfaKey {
        MfaKey(Aes256Gcm::generate_key(rand::rngs::OsRng))
    }

    /// Seals `user_id`'s secret: base64 of the random nonce, then ciphertext and tag.
    pub fn seal(&self, user_id: i64, secret: &[u8]) -> Result<String, Unreadable> {
        self.seal_with(&associated_data(user_id), secret)
    }

    pub fn open(&self, user_id: i64, stored: &str) -> Result<Vec<u8>, Unreadable> {
        self.open_with(&associated_data(user_id), stored)
    }

    /// Seals `user_id`'s new recovery codes for the moment between the post that made them
    /// and the page that shows them once (they wait in the session). Another associated
    /// data than the secret's: neither opens as the other.
    pub fn seal_new_codes(&self, user_id: i64, codes: &[u8]) -> Result<String, Unreadable> {
        self.seal_with(&new_codes_data(user_id), codes)
    }

    pub fn open_new_codes(&self, user_id: i64, stored: &str) -> Result<Vec<u8>, Unreadable> {
        self.open_with(&new_codes_data(user_id), stored)
    }

    /// The stored digest of `user_id`'s recovery code `code`: HMAC-SHA-256 under a key
    /// derived from this one, so the database alone cannot test a guess.
    pub fn recovery_digest(&self, user_id: i64, code: &str) -> String {
        use hmac::{Hmac, Mac};
        type HmacSha256 = Hmac<sha2::Sha256>;
        // HMAC takes a key of any length: `new_from_slice` cannot fail here.
        let keyed = |key: &[u8]| {
            <HmacSha256 as Mac>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"))
        };
        let derived = keyed(self.0.as_slice())
            .chain_update(b"secure-messaging:recovery-codes")
            .finalize()
            .into_bytes();
        keyed(&derived)
            .chain_update(format!("user:{user_id}:{code}").as_bytes())
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn seal_with(&self, aad: &str, secret: &[u8]) -> Result<String, Unreadable> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = Aes256Gcm::new(&self.0)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| Unreadable)?;
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&sealed);
        Ok(BASE64.encode(stored))
    }

    fn open_with(&self, aad: &str, stored: &str) -> Result<Vec<u8>, Unreadable> {
        let stored = BASE64.decode(stored).map_err(|_| Unreadable)?;
        if stored.len() <= NONCE_BYTES {
            return Err(Unreadable);
        }
        let (nonce, sealed) = stored.split_at(NONCE_BYTES);
        Aes256Gcm::new(&self.0)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| Unreadable)
    }
}

fn associated_data(user_id: i64) -> String {
    format!("secure-messaging:mfa-secret:user:{user_id}")
}

fn new_codes_data(user_id: i64) -> String {
    format!("secure-messaging:new-recovery-codes:user:{user_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_person_and_key() {
        let key = MfaKey::generate();
        let sealed = key.seal(7, b"twenty bytes secret!").unwrap();
        assert!(!sealed.contains("twenty"));
        assert_eq!(key.open(7, &sealed).unwrap(), b"twenty bytes secret!");
        assert_eq!(key.open(8, &sealed), Err(Unreadable));
        assert_eq!(MfaKey::generate().open(7, &sealed), Err(Unreadable));
        assert_eq!(key.open(7, "not base64!"), Err(Unreadable));
        // Two seals of one secret differ (fresh nonce each time).
        assert_ne!(sealed, key.seal(7, b"twenty bytes secret!").unwrap());
        // New recovery codes waiting in the session do not open as a secret, nor back.
        let codes = key.seal_new_codes(7, b"abcde-fghjk").unwrap();
        assert_eq!(key.open_new_codes(7, &codes).unwrap(), b"abcde-fghjk");
        assert_eq!(key.open(7, &codes), Err(Unreadable));
        assert_eq!(key.open_new_codes(7, &sealed), Err(Unreadable));
        assert_eq!(key.open_new_codes(8, &codes), Err(Unreadable));
    }

    #[test]
    fn a_recovery_digest_depends_on_the_key_the_person_and_the_code() {
        let key = MfaKey::generate();
        let digest = key.recovery_digest(7, "abcdefghjk");
        assert_eq!(digest.len(), 64);
        assert!(!digest.contains("abcdefghjk"));
        assert_eq!(digest, key.recovery_digest(7, "abcdefghjk"));
        assert_ne!(digest, key.recovery_digest(8, "abcdefghjk"));
        assert_ne!(digest, key.recovery_digest(7, "abcdefghjm"));
        assert_ne!(digest, MfaKey::generate().recovery_digest(7, "abcdefghjk"));
    }

    #[test]
    fn the_key_is_32_bytes_of_base64_or_hex() {
        assert!(MfaKey::parse(&BASE64.encode([1u8; 32])).is_ok());
        assert!(MfaKey::parse(&"ab".repeat(32)).is_ok());
        assert_eq!(
            MfaKey::parse(&BASE64.encode([1u8; 16])).unwrap_err(),
            MfaKeyError::Malformed
        );
        assert_eq!(
            MfaKey::parse("change-me").unwrap_err(),
            MfaKeyError::Malformed
        );
        assert_eq!(format!("{:?}", MfaKey::generate()), "MfaKey(…)");
    }
}
