//! The virus-scanning hook (DESIGN.md §2 via issue 5): a scanner command given the file's
//! path (`SM_SCAN_COMMAND`, exit status 0 = clean) or a clamd daemon (`SM_CLAMD_ADDRESS`).
//! When one is configured, a file is accepted only on a clean answer: a finding, a crash, a
//! timeout or an unreachable daemon all refuse it (fail closed).
//!
//! Scanners read plain files, so while an upload streams, its plain bytes also go to a
//! private temporary file (owner-only permissions), deleted as soon as the answer is in.

use crate::attachments::rules::Refusal;
use std::path::PathBuf;
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
    pub async fn create() -> std::io::Result<ScanFile> {
        let path = std::env::temp_dir().join(format!("sm-scan-{}", uuid::Uuid::new_v4().simple()));
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
pub async fn scan_path(scanner: &Scanner, path: &std::path::Path) -> Verdict {
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

async fn scan_with_command(command: &str, path: &std::path::Path) -> Verdict {
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
async fn scan_with_clamd(address: &str, path: &std::path::Path) -> Verdict {
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
