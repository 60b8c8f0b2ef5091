//! Encryption at rest (DESIGN.md §2: "Stored encrypted").
//!
//! Each file gets its own random 256-bit data key. The data key is wrapped (encrypted) with
//! the master key from configuration (`SM_ATTACHMENT_KEY`) and the wrapped key lives in the
//! database row, so the storage alone — a stolen disk, a leaked bucket — reveals nothing,
//! and rotating the master key means re-wrapping 48-byte keys, not re-encrypting files.
//!
//! # The stored object
//!
//! The plain content is cut into 64 KiB chunks, each sealed with AES-256-GCM using the
//! STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015; the `aead` crate's
//! `StreamBE32`): chunk i's 96-bit nonce is the file's random 7-byte nonce prefix, then i as
//! a 32-bit big-endian counter, then one byte that is 1 only on the last chunk. So a chunk
//! moved, dropped, repeated or cut off after does not authenticate. Every chunk also
//! authenticates the attachment id as associated data, so one file's object cannot be passed
//! off as another's. The object is just the sealed chunks, back to back:
//!
//! ```text
//! [ chunk 0: 65,536 bytes + 16-byte tag ] … [ last chunk: 0–65,536 bytes + 16-byte tag ]
//! ```
//!
//! Every chunk but the last is full, so a reader splits the object at 65,552 bytes. The
//! nonce prefix (7 bytes) and the wrapped key (12-byte nonce + 32-byte key + 16-byte tag,
//! sealed with the master key, the id as associated data) are stored in the row, base64.

use aes_gcm::aead::stream::{DecryptorBE32, EncryptorBE32};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use rand::RngCore;

/// Plain bytes per sealed chunk.
pub const CHUNK_BYTES: usize = 64 * 1024;
/// The GCM tag after each chunk.
pub const TAG_BYTES: usize = 16;
/// The STREAM nonce prefix: 12-byte GCM nonce minus 4 counter bytes and 1 last-chunk byte.
const NONCE_PREFIX_BYTES: usize = 7;
const WRAP_NONCE_BYTES: usize = 12;

/// The key that wraps every file's data key. Its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct MasterKey(Key<Aes256Gcm>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MasterKeyError {
    #[error("SM_ATTACHMENT_KEY must be 32 bytes, as base64 (44 characters) or hex (64 characters); e.g. `openssl rand -base64 32`")]
    Malformed,
}

impl MasterKey {
    /// Reads a 32-byte key written as hex (64 characters) or base64.
    pub fn parse(text: &str) -> Result<MasterKey, MasterKeyError> {
        let bytes = crate::server::key_text::key_bytes(text).ok_or(MasterKeyError::Malformed)?;
        if bytes.len() != 32 {
            return Err(MasterKeyError::Malformed);
        }
        Ok(MasterKey(*Key::<Aes256Gcm>::from_slice(&bytes)))
    }

    /// A fresh random key: for demo mode and tests only (files sealed with it cannot be read
    /// after a restart).
    pub fn generate() -> MasterKey {
        MasterKey(Aes256Gcm::generate_key(rand::rngs::OsRng))
    }

    fn wrap(&self, id: &str, data_key: &Key<Aes256Gcm>) -> Result<String, SealError> {
        let mut nonce = [0u8; WRAP_NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = Aes256Gcm::new(&self.0)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: data_key.as_slice(),
                    aad: id.as_bytes(),
                },
            )
            .map_err(|_| SealError::Tampered)?;
        let mut wrapped = nonce.to_vec();
        wrapped.extend_from_slice(&sealed);
        Ok(BASE64.encode(wrapped))
    }

    fn unwrap_key(&self, id: &str, wrapped: &str) -> Result<Key<Aes256Gcm>, SealError> {
        let wrapped = BASE64.decode(wrapped).map_err(|_| SealError::Tampered)?;
        if wrapped.len() <= WRAP_NONCE_BYTES {
            return Err(SealError::Tampered);
        }
        let (nonce, sealed) = wrapped.split_at(WRAP_NONCE_BYTES);
        let key = Aes256Gcm::new(&self.0)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: id.as_bytes(),
                },
            )
            .map_err(|_| SealError::Tampered)?;
        if key.len() != 32 {
            return Err(SealError::Tampered);
        }
        Ok(*Key::<Aes256Gcm>::from_slice(&key))
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// A tag did not verify, the object was cut short or reordered, or the key or nonce in
    /// the row is not ours: the file is refused.
    #[error("the stored attachment failed its integrity check")]
    Tampered,
}

/// What the database row keeps to open a sealed file again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealingKeys {
    /// The data key wrapped by the master key, base64.
    pub wrapped_key: String,
    /// The STREAM nonce prefix, base64.
    pub nonce: String,
}

/// Seals one file's chunks in order. `seal_next` for every full chunk, then `seal_last`.
pub struct Sealer {
    id: String,
    encryptor: EncryptorBE32<Aes256Gcm>,
    keys: SealingKeys,
}

impl Sealer {
    /// A new data key and nonce for the file stored under `id`.
    pub fn new(master: &MasterKey, id: &str) -> Result<Sealer, SealError> {
        let data_key = Aes256Gcm::generate_key(rand::rngs::OsRng);
        let mut prefix = [0u8; NONCE_PREFIX_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut prefix);
        let keys = SealingKeys {
            wrapped_key: master.wrap(id, &data_key)?,
            nonce: BASE64.encode(prefix),
        };
        let encryptor =
            EncryptorBE32::from_aead(Aes256Gcm::new(&data_key), prefix.as_slice().into());
        Ok(Sealer {
            id: id.to_string(),
            encryptor,
            keys,
        })
    }

    /// Seals a full chunk (exactly `CHUNK_BYTES`) that is not the last.
    pub fn seal_next(&mut self, chunk: &[u8]) -> Result<Vec<u8>, SealError> {
        self.encryptor
            .encrypt_next(Payload {
                msg: chunk,
                aad: self.id.as_bytes(),
            })
            .map_err(|_| SealError::Tampered)
    }

    /// Seals the last chunk (0 to `CHUNK_BYTES` bytes) and hands back the keys for the row.
    pub fn seal_last(self, chunk: &[u8]) -> Result<(Vec<u8>, SealingKeys), SealError> {
        let id = self.id;
        let sealed = self
            .encryptor
            .encrypt_last(Payload {
                msg: chunk,
                aad: id.as_bytes(),
            })
            .map_err(|_| SealError::Tampered)?;
        Ok((sealed, self.keys))
    }
}

/// Opens a whole sealed object; any change to it, or to the keys, is `Tampered`.
pub fn open(
    master: &MasterKey,
    id: &str,
    keys: &SealingKeys,
    sealed: &[u8],
) -> Result<Vec<u8>, SealError> {
    let data_key = master.unwrap_key(id, &keys.wrapped_key)?;
    let prefix = BASE64
        .decode(&keys.nonce)
        .map_err(|_| SealError::Tampered)?;
    if prefix.len() != NONCE_PREFIX_BYTES || sealed.len() < TAG_BYTES {
        return Err(SealError::Tampered);
    }
    let mut decryptor =
        DecryptorBE32::from_aead(Aes256Gcm::new(&data_key), prefix.as_slice().into());
    let mut plain = Vec::with_capacity(sealed.len());
    let mut chunks = sealed.chunks(CHUNK_BYTES + TAG_BYTES).peekable();
    while let Some(chunk) = chunks.next() {
        let payload = Payload {
            msg: chunk,
            aad: id.as_bytes(),
        };
        if chunks.peek().is_some() {
            plain.extend(
                decryptor
                    .decrypt_next(payload)
                    .map_err(|_| SealError::Tampered)?,
            );
        } else {
            plain.extend(
                decryptor
                    .decrypt_last(payload)
                    .map_err(|_| SealError::Tampered)?,
            );
            return Ok(plain);
        }
    }
    Err(SealError::Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal_all(master: &MasterKey, id: &str, plain: &[u8]) -> (Vec<u8>, SealingKeys) {
        let mut sealer = Sealer::new(master, id).unwrap();
        let mut sealed = Vec::new();
        let mut rest = plain;
        while rest.len() > CHUNK_BYTES {
            let (chunk, after) = rest.split_at(CHUNK_BYTES);
            sealed.extend(sealer.seal_next(chunk).unwrap());
            rest = after;
        }
        let (last, keys) = sealer.seal_last(rest).unwrap();
        sealed.extend(last);
        (sealed, keys)
    }

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn round_trips_at_every_chunk_boundary() {
        let master = MasterKey::generate();
        for len in [
            1,
            CHUNK_BYTES - 1,
            CHUNK_BYTES,
            CHUNK_BYTES + 1,
            3 * CHUNK_BYTES,
        ] {
            let plain = sample(len);
            let (sealed, keys) = seal_all(&master, "id-1", &plain);
            assert_eq!(
                open(&master, "id-1", &keys, &sealed).unwrap(),
                plain,
                "{len}"
            );
        }
    }

    #[test]
    fn truncation_reordering_and_swapping_are_refused() {
        let master = MasterKey::generate();
        let plain = sample(3 * CHUNK_BYTES + 10);
        let (sealed, keys) = seal_all(&master, "id-1", &plain);
        let step = CHUNK_BYTES + TAG_BYTES;
        // Cut after a full chunk: that chunk was not sealed as the last one.
        assert_eq!(
            open(&master, "id-1", &keys, &sealed[..2 * step]),
            Err(SealError::Tampered)
        );
        // Two chunks swapped.
        let mut swapped = sealed[step..2 * step].to_vec();
        swapped.extend_from_slice(&sealed[..step]);
        swapped.extend_from_slice(&sealed[2 * step..]);
        assert_eq!(
            open(&master, "id-1", &keys, &swapped),
            Err(SealError::Tampered)
        );
        // The right bytes under another attachment's id.
        assert_eq!(
            open(&master, "id-2", &keys, &sealed),
            Err(SealError::Tampered)
        );
        // Another master key.
        assert_eq!(
            open(&MasterKey::generate(), "id-1", &keys, &sealed),
            Err(SealError::Tampered)
        );
        // One flipped bit anywhere.
        for at in [0, step - 1, sealed.len() - 1] {
            let mut flipped = sealed.clone();
            flipped[at] ^= 1;
            assert_eq!(
                open(&master, "id-1", &keys, &flipped),
                Err(SealError::Tampered)
            );
        }
    }

    #[test]
    fn master_keys_are_read_from_hex_or_base64_and_nothing_else() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let base64 = BASE64.encode([7u8; 32]);
        assert!(MasterKey::parse(hex).is_ok());
        assert!(MasterKey::parse(&base64).is_ok());
        assert_eq!(
            MasterKey::parse("change-me").unwrap_err(),
            MasterKeyError::Malformed
        );
        assert!(MasterKey::parse(&BASE64.encode([7u8; 16])).is_err());
        assert!(MasterKey::parse(&hex[..62]).is_err());
        // The key never appears in logs through Debug.
        assert_eq!(
            format!("{:?}", MasterKey::parse(hex).unwrap()),
            "MasterKey(…)"
        );
    }
}
