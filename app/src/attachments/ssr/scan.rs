//! The virus-scanning hook (DESIGN.md §2): a scanner command given the file's
//! path (`SM_SCAN_COMMAND`, exit status 0 = clean) or a clamd daemon (`SM_CLAMD_ADDRESS`).
//! When one is configured, a file is accepted only on a clean answer: a finding, a crash, a
//! timeout or an unreachable daemon all refuse it (fail closed).
//!
//! Scanners read plain files, so while an upload streams, its plain bytes also go to an
//! owner-only file in the server's own scanning directory (`ScanDirectory`: owner-only,
//! beside the attachments, never the shared system temporary directory where other
//! accounts can list names and a crash would leave health information behind), deleted as
//! soon as the answer is in.

use crate::attachments::rules::Refusal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a scan may take before the file is refused.
const SCAN_TIMEOUT: Duration = Duration::from_secs(60);

/// The configured scanner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scanner {
    /// A program and its arguments, split at spaces; the file's path is added last.
    Command(String),
    /// `host:port` of a clamd daemon, spoken to with its INSTREAM command.
    Clamd(String),
}

/// A configured scanner and the directory its plain copies wait in.
#[derive(Clone, Debug)]
pub struct Scanning {
    pub scanner: Scanner,
    pub directory: ScanDirectory,
}

/// The private directory for plain copies on their way to the scanner: made owner-only
/// (0700) at start-up, and emptied then of what a crash or a kill left behind.
#[derive(Clone, Debug)]
pub struct ScanDirectory {
    path: Arc<PathBuf>,
}

impl ScanDirectory {
    /// Makes `path` ready: created when missing, owner-only, and empty. A path that is
    /// something other than a directory (a file, a symbolic link) is refused rather than
    /// followed, so plain copies never land somewhere the server does not own.
    pub fn prepare(path: &Path) -> std::io::Result<ScanDirectory> {
        match std::fs::symlink_metadata(path) {
            Ok(found) if found.is_dir() => {}
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "{} is not a directory",
                    path.display()
                )))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut builder = std::fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::DirBuilderExt;
                    builder.mode(0o700);
                }
                builder.create(path)?;
            }
            Err(error) => return Err(error),
        }
        // Also when it was there already: an older directory may have been made wider.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
        }
        empty(path)?;
        Ok(ScanDirectory {
            path: Arc::new(path.to_path_buf()),
        })
    }

    /// Empties `path` if it is there (no scanner configured now, but a former run's copies
    /// may be left in it).
    pub fn clear_leftovers(path: &Path) -> std::io::Result<()> {
        match std::fs::symlink_metadata(path) {
            Ok(found) if found.is_dir() => empty(path),
            Ok(_) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Removes everything in `directory`. Every upload of this process starts after this, so
/// whatever is there is a former run's leftover.
fn empty(directory: &Path) -> std::io::Result<()> {
    let mut removed = 0usize;
    for entry in std::fs::read_dir(directory)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
        removed += 1;
    }
    if removed > 0 {
        tracing::info!(
            removed,
            "removed plain copies left in the scanning directory"
        );
    }
    Ok(())
}

/// What a scanner said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    Infected,
    /// No answer: the scanner is missing, crashed, timed out or could not be reached.
    Unavailable,
}

/// One upload's plain bytes on their way to the scanner.
pub struct ScanFile {
    path: PathBuf,
    file: Option<tokio::fs::File>,
}

impl ScanFile {
    pub async fn create(directory: &ScanDirectory) -> std::io::Result<ScanFile> {
        let path = directory
            .path()
            .join(format!("sm-scan-{}", uuid::Uuid::new_v4().simple()));
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let file = options.open(&path).await?;
        Ok(ScanFile {
            path,
            file: Some(file),
        })
    }

    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.file {
            Some(file) => file.write_all(bytes).await,
            None => Err(std::io::Error::other("scan file already closed")),
        }
    }

    /// Scans the file, deletes it, and turns the verdict into the person's answer.
    pub async fn scan(mut self, scanner: &Scanner, name: &str) -> Result<(), Refusal> {
        let verdict = match self.file.take() {
            Some(mut file) => match file.flush().await {
                Ok(()) => {
                    drop(file);
                    scan_path(scanner, &self.path).await
                }
                Err(_) => Verdict::Unavailable,
            },
            None => Verdict::Unavailable,
        };
        drop(self);
        match verdict {
            Verdict::Clean => Ok(()),
            Verdict::Infected => Err(Refusal::ScanFailed {
                name: name.to_string(),
            }),
            Verdict::Unavailable => Err(Refusal::ScanUnavailable {
                name: name.to_string(),
            }),
        }
    }

    /// Deletes the file without scanning it (an upload refused for another reason).
    pub async fn remove(self) {
        drop(self);
    }
}

/// The plain copy never outlives its upload, however the upload ends — also when the
/// request is dropped half-way (the client went away). One unlink: cheap enough to do
/// synchronously here.
impl Drop for ScanFile {
    fn drop(&mut self) {
        self.file = None;
        if let Err(error) = std::fs::remove_file(&self.path) {
            if error.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(%error, "could not remove a scan file");
            }
        }
    }
}

/// Scans one file on disk.
pub async fn scan_path(scanner: &Scanner, path: &Path) -> Verdict {
    let scanning = async {
        match scanner {
            Scanner::Command(command) => scan_with_command(command, path).await,
            Scanner::Clamd(address) => scan_with_clamd(address, path).await,
        }
    };
    match tokio::time::timeout(SCAN_TIMEOUT, scanning).await {
        Ok(verdict) => verdict,
        Err(_) => {
            tracing::warn!("virus scan timed out; the file is refused");
            Verdict::Unavailable
        }
    }
}

async fn scan_with_command(command: &str, path: &Path) -> Verdict {
    let mut words = command.split_whitespace();
    let Some(program) = words.next() else {
        return Verdict::Unavailable;
    };
    let status = tokio::process::Command::new(program)
        .args(words)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status()
        .await;
    match status {
        Ok(status) if status.success() => Verdict::Clean,
        // Exit 1 is every common scanner's "found something" (clamscan, ClamAV, Sophos).
        Ok(status) if status.code() == Some(1) => Verdict::Infected,
        Ok(status) => {
            tracing::warn!(%status, "virus scanner failed; the file is refused");
            Verdict::Unavailable
        }
        Err(error) => {
            tracing::warn!(%error, "virus scanner could not be started; the file is refused");
            Verdict::Unavailable
        }
    }
}

/// clamd's INSTREAM: the file in length-prefixed chunks, then a zero length; the answer
/// ends in "OK" (clean) or "FOUND" (infected).
async fn scan_with_clamd(address: &str, path: &Path) -> Verdict {
    let talk = async {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        let mut file = tokio::fs::File::open(path).await?;
        stream.write_all(b"zINSTREAM\0").await?;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = file.read(&mut buffer).await?;
            stream.write_all(&(read as u32).to_be_bytes()).await?;
            if read == 0 {
                break;
            }
            stream.write_all(&buffer[..read]).await?;
        }
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(
            String::from_utf8_lossy(&answer)
                .trim_end_matches('\0')
                .to_string(),
        )
    };
    match talk.await {
        Ok(answer) if answer.ends_with(" OK") => Verdict::Clean,
        Ok(answer) if answer.ends_with(" FOUND") => Verdict::Infected,
        Ok(_) => Verdict::Unavailable,
        Err(error) => {
            tracing::warn!(%error, "clamd unreachable; the file is refused");
            Verdict::Unavailable
        }
    }
}
