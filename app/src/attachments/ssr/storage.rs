//! Where attachment files live: one interface, two back ends chosen by configuration
//! (DESIGN.md §4) — a local directory (the default, under `./data`) or S3-compatible object
//! storage — both through the `object_store` crate. Everything stored is sealed
//! (`sealing`); objects are named by ids the server makes, never by the file's name.

use super::sealing::{self, MasterKey, SealError, Sealer, SealingKeys, CHUNK_BYTES};
use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::ObjectStore;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// Sealed bytes gathered before they go to storage in one request. Objects up to this size
/// are one PUT; larger ones a multipart upload in parts of this size (S3's smallest part is
/// 5 MiB). It bounds what one upload holds in memory.
const PART_BYTES: usize = 5 * 1024 * 1024;

/// Which back end, from configuration.
#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// Files under this directory (created when missing).
    Local { directory: std::path::PathBuf },
    /// An S3-compatible bucket. Credentials may also come from the usual `AWS_*` variables.
    S3 {
        bucket: String,
        /// For S3-compatible servers (MinIO, Ceph, moto); `None` for AWS itself.
        endpoint: Option<String>,
        region: String,
        access_key_id: Option<String>,
        secret_access_key: Option<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("attachment storage: {0}")]
    Store(#[from] object_store::Error),
    #[error("attachment storage directory {0}: {1}")]
    Directory(String, std::io::Error),
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The plain content does not match the size or SHA-256 recorded at upload.
    #[error("the stored attachment does not match its recorded checksum")]
    ChecksumMismatch,
}

impl StorageError {
    /// The file's bytes were changed or replaced: refuse it, never serve it.
    pub fn is_tampered(&self) -> bool {
        matches!(self, StorageError::Seal(_) | StorageError::ChecksumMismatch)
    }

    pub fn is_missing(&self) -> bool {
        matches!(
            self,
            StorageError::Store(object_store::Error::NotFound { .. })
        )
    }
}

/// What a finished upload hands back for its database row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedFile {
    /// The storage key: a random id, also the row's id.
    pub id: String,
    pub keys: SealingKeys,
    /// Plain size in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the plain content, lower-case hex.
    pub sha256: String,
}

/// The attachment storage of one server.
#[derive(Clone)]
pub struct AttachmentStore {
    objects: Arc<dyn ObjectStore>,
    master: MasterKey,
}

impl std::fmt::Debug for AttachmentStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AttachmentStore({})", self.objects)
    }
}

impl AttachmentStore {
    pub fn open(config: &StorageConfig, master: MasterKey) -> Result<Self, StorageError> {
        let objects: Arc<dyn ObjectStore> = match config {
            StorageConfig::Local { directory } => {
                std::fs::create_dir_all(directory).map_err(|error| {
                    StorageError::Directory(directory.display().to_string(), error)
                })?;
                Arc::new(LocalFileSystem::new_with_prefix(directory)?)
            }
            StorageConfig::S3 {
                bucket,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
            } => {
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(region);
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let Some(key) = access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                Arc::new(builder.build()?)
            }
        };
        Ok(AttachmentStore { objects, master })
    }

    /// Starts storing a new file under a fresh id.
    pub fn begin(&self) -> Result<SealingWriter, StorageError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let sealer = Sealer::new(&self.master, &id)?;
        Ok(SealingWriter {
            out: BufWriter::with_capacity(self.objects.clone(), location(&id), PART_BYTES),
            id,
            sealer,
            pending: Vec::with_capacity(CHUNK_BYTES),
            hasher: Sha256::new(),
            size_bytes: 0,
        })
    }

    /// The plain content of a stored file, after checking every GCM tag and then the size
    /// and SHA-256 recorded at upload. The whole file (at most 6 MiB) is opened before any
    /// byte is handed out, so a tampered file is refused rather than half served.
    pub async fn read_verified(
        &self,
        id: &str,
        keys: &SealingKeys,
        size_bytes: u64,
        sha256: &str,
    ) -> Result<Bytes, StorageError> {
        let sealed = self.objects.get(&location(id)).await?.bytes().await?;
        let plain = sealing::open(&self.master, id, keys, &sealed)?;
        if plain.len() as u64 != size_bytes || hex_sha256(&plain) != sha256 {
            return Err(StorageError::ChecksumMismatch);
        }
        Ok(Bytes::from(plain))
    }

    /// Removes a stored file; one already gone is not an error.
    pub async fn delete(&self, id: &str) -> Result<(), StorageError> {
        match self.objects.delete(&location(id)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// The ids of every stored file, for the start-up check of files without a row.
    pub async fn stored_ids(&self) -> Result<Vec<String>, StorageError> {
        let mut ids = Vec::new();
        let mut listing = self.objects.list(Some(&Path::from(PREFIX)));
        while let Some(meta) = listing.next().await {
            if let Some(id) = meta?.location.filename() {
                ids.push(id.to_string());
            }
        }
        Ok(ids)
    }

    /// The store itself, where `location(id)` holds each file exactly as stored (sealed):
    /// for tests that look for plain bytes at rest or tamper with a file.
    pub fn raw_objects(&self) -> Arc<dyn ObjectStore> {
        self.objects.clone()
    }
}

const PREFIX: &str = "attachments";

/// Where the object for `id` lives in the store.
pub fn location(id: &str) -> Path {
    Path::from(PREFIX).child(id)
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex_digest(Sha256::digest(bytes).as_slice())
}

fn hex_digest(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// One file being stored: plain bytes in, sealed chunks out to storage as they fill.
/// Finish it with `finish`, or throw it away with `abort` (a refused or broken upload).
pub struct SealingWriter {
    id: String,
    sealer: Sealer,
    /// Plain bytes not yet sealed: less than one chunk, or exactly one that may be the last.
    pending: Vec<u8>,
    hasher: Sha256,
    size_bytes: u64,
    out: BufWriter,
}

impl SealingWriter {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// Adds the next plain bytes of the file.
    pub async fn write(&mut self, mut bytes: &[u8]) -> Result<(), StorageError> {
        self.hasher.update(bytes);
        self.size_bytes += bytes.len() as u64;
        while !bytes.is_empty() {
            // A full chunk is sealed only once more bytes follow it: until then it may be
            // the last one, which is sealed differently.
            if self.pending.len() == CHUNK_BYTES {
                let sealed = self.sealer.seal_next(&self.pending)?;
                self.pending.clear();
                self.out.put(Bytes::from(sealed)).await?;
            }
            let room = CHUNK_BYTES - self.pending.len();
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.pending.extend_from_slice(now);
            bytes = later;
        }
        Ok(())
    }

    /// Seals the last chunk and completes the object.
    pub async fn finish(mut self) -> Result<SealedFile, StorageError> {
        let (sealed, keys) = self.sealer.seal_last(&self.pending)?;
        self.out.put(Bytes::from(sealed)).await?;
        if let Err(error) = self.out.shutdown().await {
            return Err(StorageError::Store(object_store::Error::Generic {
                store: "attachments",
                source: Box::new(error),
            }));
        }
        Ok(SealedFile {
            id: self.id,
            keys,
            size_bytes: self.size_bytes,
            sha256: hex_digest(self.hasher.finalize().as_slice()),
        })
    }

    /// Drops what was stored so far.
    pub async fn abort(mut self) {
        if let Err(error) = self.out.abort().await {
            tracing::warn!(%error, "could not clean up an abandoned attachment upload");
        }
    }
}
