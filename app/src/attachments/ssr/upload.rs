//! One file of an upload, from the first byte to its row: the rules a name and size can
//! show, the content check, the virus scan when configured, and sealed storage — all while
//! the bytes stream past, so no file is ever held whole in memory.
//!
//! The HTTP route feeds it chunk by chunk (`feed`) and then calls `finish`. A file that
//! breaks a rule is refused with the person's sentence; what it had stored is removed.

use super::content::ContentCheck;
use super::names::clean_display_name;
use super::owner::DraftOwner;
use super::records::{self, StoredUpload};
use super::scan::ScanFile;
use super::storage::SealingWriter;
use crate::attachments::rules::{self, FileType, Refusal, MAX_FILE_BYTES, MAX_TOTAL_BYTES};
use crate::attachments::Attachment;
use crate::error::AppError;
use crate::messages::rules::MAX_DRAFT_BYTES;
use crate::server::state::AppState;

/// What happened to one file.
#[derive(Debug)]
pub enum Received {
    Accepted(Attachment),
    Refused(Refusal),
}

/// A file being received onto a draft.
pub struct Incoming {
    name: String,
    file_type: FileType,
    content: ContentCheck,
    writer: SealingWriter,
    scan: Option<ScanFile>,
    received: u64,
    /// The draft's files before this one: for the 10 MiB total.
    kept_bytes: u64,
    /// All the person's drafts hold before this file: for their 100 MB together.
    person_bytes: u64,
    /// The first rule broken; later bytes are then only counted (to say the real size).
    refusal: Option<Refusal>,
}

/// Starts receiving `raw_name` onto the person's draft. A name of a type that is not
/// allowed, or a fifth file, is refused before any byte is read.
pub async fn start<'a>(
    state: &AppState,
    owner: impl Into<DraftOwner<'a>>,
    draft_id: i64,
    raw_name: &str,
) -> Result<Result<Incoming, Refusal>, AppError> {
    let name = clean_display_name(raw_name);
    let Some(file_type) = FileType::from_name(&name) else {
        return Ok(Err(Refusal::TypeNotAllowed { name }));
    };
    let owner = owner.into();
    let (kept_count, kept_bytes) = records::draft_usage(&state.db, owner, draft_id).await?;
    if let Err(refusal) = rules::check_fits(&name, 0, kept_count, kept_bytes) {
        return Ok(Err(refusal));
    }
    let person_bytes = records::person_draft_bytes(&state.db.pool, owner.author_id(), None).await?;
    if person_bytes >= MAX_DRAFT_BYTES {
        return Ok(Err(Refusal::DraftsFull { name }));
    }
    let writer = state.attachments.begin().map_err(AppError::internal)?;
    let scan = match &state.scanner {
        Some(scanning) => Some(
            ScanFile::create(&scanning.directory)
                .await
                .map_err(AppError::internal)?,
        ),
        None => None,
    };
    Ok(Ok(Incoming {
        content: ContentCheck::new(&name, file_type),
        name,
        file_type,
        writer,
        scan,
        received: 0,
        kept_bytes,
        person_bytes,
        refusal: None,
    }))
}

impl Incoming {
    /// The next bytes of the file.
    pub async fn feed(&mut self, bytes: &[u8]) -> Result<(), AppError> {
        self.received += bytes.len() as u64;
        if self.refusal.is_some() {
            return Ok(());
        }
        if self.received > MAX_FILE_BYTES {
            self.refusal = Some(Refusal::TooBig {
                name: self.name.clone(),
                bytes: self.received,
            });
            return Ok(());
        }
        if self.kept_bytes + self.received > MAX_TOTAL_BYTES {
            self.refusal = Some(Refusal::TotalTooBig {
                name: self.name.clone(),
                total_bytes: self.kept_bytes + self.received,
            });
            return Ok(());
        }
        if self.person_bytes + self.received > MAX_DRAFT_BYTES {
            self.refusal = Some(Refusal::DraftsFull {
                name: self.name.clone(),
            });
            return Ok(());
        }
        if let Err(refusal) = self.content.feed(bytes) {
            self.refusal = Some(refusal);
            return Ok(());
        }
        if let Some(scan) = &mut self.scan {
            scan.write(bytes).await.map_err(AppError::internal)?;
        }
        self.writer.write(bytes).await.map_err(AppError::internal)
    }

    /// After the last byte: the remaining checks, then the row. Anything refused leaves
    /// nothing behind.
    pub async fn finish<'a>(
        mut self,
        state: &AppState,
        owner: impl Into<DraftOwner<'a>>,
        draft_id: i64,
    ) -> Result<Received, AppError> {
        // The size refusals say the whole file's size, known only now.
        match &mut self.refusal {
            Some(Refusal::TooBig { bytes, .. }) => *bytes = self.received,
            Some(Refusal::TotalTooBig { total_bytes, .. }) => {
                *total_bytes = self.kept_bytes + self.received
            }
            _ => {}
        }
        if self.refusal.is_none() {
            if let Err(refusal) = rules::check_file(&self.name, self.received) {
                self.refusal = Some(refusal);
            }
        }
        let Incoming {
            name,
            file_type,
            content,
            writer,
            scan,
            refusal,
            ..
        } = self;
        let refusal = match refusal {
            Some(refusal) => Some(refusal),
            None => content.finish().err(),
        };
        let refusal = match (refusal, scan, &state.scanner) {
            (Some(refusal), scan, _) => {
                if let Some(scan) = scan {
                    scan.remove().await;
                }
                Some(refusal)
            }
            (None, Some(scan), Some(scanning)) => scan.scan(&scanning.scanner, &name).await.err(),
            (None, _, _) => None,
        };
        if let Some(refusal) = refusal {
            writer.abort().await;
            return Ok(Received::Refused(refusal));
        }
        let sealed = writer.finish().await.map_err(AppError::internal)?;
        let upload = StoredUpload {
            display_name: &name,
            file_type,
            sealed: &sealed,
        };
        match records::attach_to_draft(&state.db, owner, draft_id, &upload).await {
            Ok(Ok(attachment)) => Ok(Received::Accepted(attachment)),
            Ok(Err(refusal)) => {
                records::delete_files(&state.attachments, std::slice::from_ref(&sealed.id)).await;
                Ok(Received::Refused(refusal))
            }
            Err(error) => {
                records::delete_files(&state.attachments, std::slice::from_ref(&sealed.id)).await;
                Err(error)
            }
        }
    }

    /// Throws the file away (the request broke off).
    pub async fn abort(self) {
        if let Some(scan) = self.scan {
            scan.remove().await;
        }
        self.writer.abort().await;
    }
}
