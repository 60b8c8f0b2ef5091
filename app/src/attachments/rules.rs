//! The attachment rules of DESIGN.md §2, as pure functions: how many files, how big, which
//! types, and the sentences a person sees when a file breaks one.
//!
//! Compiled for both the browser and the server: the browser refuses what it can tell before
//! any upload (name, size, count), and the server checks the same rules again and decides
//! (plus the content itself, in `ssr::content`).

/// At most this many files on one message.
pub const MAX_FILES: usize = 4;
/// 6 MiB for each file.
pub const MAX_FILE_BYTES: u64 = 6 * MIB;
/// 10 MiB for all the files of one message together.
pub const MAX_TOTAL_BYTES: u64 = 10 * MIB;

const MIB: u64 = 1024 * 1024;

/// What the page shows next to "Attach file".
pub const LIMITS_HINT: &str = "Up to 4 files, 6 MB each and 10 MB in all. \
     Allowed types: doc, docx, gif, jpg, jpeg, pdf, png, rtf, txt, xls, xlsx.";

/// The value of the file input's `accept` attribute: the browser's picker offers only these.
pub const ACCEPT: &str = ".doc,.docx,.gif,.jpg,.jpeg,.pdf,.png,.rtf,.txt,.xls,.xlsx";

/// The file types a message may carry (DESIGN.md §2), by what the content must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Png,
    Gif,
    Jpeg,
    /// .doc: a Word 97–2003 document, an OLE compound file.
    Doc,
    /// .xls: an Excel 97–2003 workbook, an OLE compound file.
    Xls,
    /// .docx: a Word document, a zip package.
    Docx,
    /// .xlsx: an Excel workbook, a zip package.
    Xlsx,
    Rtf,
    /// .txt: UTF-8 text.
    Text,
}

impl FileType {
    /// The type a file name claims, from its extension (any case). `None`: not allowed.
    pub fn from_name(name: &str) -> Option<FileType> {
        let (_, extension) = name.rsplit_once('.')?;
        Some(match extension.to_ascii_lowercase().as_str() {
            "pdf" => FileType::Pdf,
            "png" => FileType::Png,
            "gif" => FileType::Gif,
            "jpg" | "jpeg" => FileType::Jpeg,
            "doc" => FileType::Doc,
            "xls" => FileType::Xls,
            "docx" => FileType::Docx,
            "xlsx" => FileType::Xlsx,
            "rtf" => FileType::Rtf,
            "txt" => FileType::Text,
            _ => return None,
        })
    }

    /// The content type stored with the file and sent with its download.
    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Png => "image/png",
            FileType::Gif => "image/gif",
            FileType::Jpeg => "image/jpeg",
            FileType::Doc => "application/msword",
            FileType::Xls => "application/vnd.ms-excel",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Rtf => "application/rtf",
            FileType::Text => "text/plain; charset=utf-8",
        }
    }

    /// The words a thread shows for the type ("PDF", "Word document").
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Png => "PNG image",
            FileType::Gif => "GIF image",
            FileType::Jpeg => "JPEG image",
            FileType::Doc | FileType::Docx => "Word document",
            FileType::Xls | FileType::Xlsx => "Excel workbook",
            FileType::Rtf => "Rich text document",
            FileType::Text => "Text file",
        }
    }

    /// Images get a small preview in the thread.
    pub fn is_image(self) -> bool {
        matches!(self, FileType::Png | FileType::Gif | FileType::Jpeg)
    }
}

/// A rule a file broke. `Display` is the sentence the person sees; it always starts with
/// the file's name, so a list of refusals says which file each is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    TypeNotAllowed {
        name: String,
    },
    TooBig {
        name: String,
        bytes: u64,
    },
    TooManyFiles {
        name: String,
    },
    TotalTooBig {
        name: String,
        total_bytes: u64,
    },
    Empty {
        name: String,
    },
    /// The content is not what the extension says (a renamed program, a mislabelled image).
    ContentMismatch {
        name: String,
        file_type: FileType,
    },
    /// A .txt file that is not UTF-8 text.
    NotText {
        name: String,
    },
    /// The virus scanner found something.
    ScanFailed {
        name: String,
    },
    /// A scanner is configured but could not give an answer: fail closed.
    ScanUnavailable {
        name: String,
    },
    /// The person's drafts hold all they may (`messages::rules::MAX_DRAFT_BYTES`).
    DraftsFull {
        name: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TypeNotAllowed { name } => write!(f, "{name}: this file type isn't allowed"),
            Refusal::TooBig { name, bytes } => write!(
                f,
                "{name} is {}; the limit is 6 MB",
                megabytes_rounded_up(*bytes)
            ),
            Refusal::TooManyFiles { name } => {
                write!(f, "{name}: a message can have at most 4 files")
            }
            Refusal::TotalTooBig { name, total_bytes } => write!(
                f,
                "{name}: the files would be {} together; the limit is 10 MB",
                megabytes_rounded_up(*total_bytes)
            ),
            Refusal::Empty { name } => write!(f, "{name} is empty"),
            Refusal::ContentMismatch { name, file_type } => write!(
                f,
                "{name}: the content isn't a {} file",
                file_type_word(*file_type)
            ),
            Refusal::NotText { name } => write!(f, "{name}: this isn't a plain text file"),
            Refusal::ScanFailed { name } => {
                write!(f, "{name}: this file didn't pass the virus check")
            }
            Refusal::ScanUnavailable { name } => write!(
                f,
                "{name}: we couldn't check this file for viruses right now; try again later"
            ),
            Refusal::DraftsFull { name } => write!(
                f,
                "{name}: your drafts already hold 100 MB of files and text, the most they can; send or delete a draft with files, then attach this again"
            ),
        }
    }
}

fn file_type_word(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Pdf => "PDF",
        FileType::Png => "PNG",
        FileType::Gif => "GIF",
        FileType::Jpeg => "JPEG",
        FileType::Doc => "Word (.doc)",
        FileType::Xls => "Excel (.xls)",
        FileType::Docx => "Word (.docx)",
        FileType::Xlsx => "Excel (.xlsx)",
        FileType::Rtf => "rich text (.rtf)",
        FileType::Text => "text",
    }
}

/// Checks one file against what its name and size can tell: the type and the 6 MiB limit.
/// Returns the type the content must then have.
pub fn check_file(name: &str, bytes: u64) -> Result<FileType, Refusal> {
    let file_type = FileType::from_name(name).ok_or_else(|| Refusal::TypeNotAllowed {
        name: name.to_string(),
    })?;
    if bytes > MAX_FILE_BYTES {
        return Err(Refusal::TooBig {
            name: name.to_string(),
            bytes,
        });
    }
    if bytes == 0 {
        return Err(Refusal::Empty {
            name: name.to_string(),
        });
    }
    Ok(file_type)
}

/// Checks that one more file fits beside those already attached (`kept_count` files of
/// `kept_bytes` in all): at most 4 files and 10 MiB together.
pub fn check_fits(
    name: &str,
    bytes: u64,
    kept_count: usize,
    kept_bytes: u64,
) -> Result<(), Refusal> {
    if kept_count >= MAX_FILES {
        return Err(Refusal::TooManyFiles {
            name: name.to_string(),
        });
    }
    let total_bytes = kept_bytes.saturating_add(bytes);
    if total_bytes > MAX_TOTAL_BYTES {
        return Err(Refusal::TotalTooBig {
            name: name.to_string(),
            total_bytes,
        });
    }
    Ok(())
}

/// A size as people read it: "512 bytes", "34 KB", "2.5 MB" (binary units, as the limits).
pub fn format_size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < MIB {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        let tenths = (bytes * 10 + MIB / 2) / MIB;
        tenths_to_text(tenths)
    }
}

/// A size over a limit, in megabytes with one decimal rounded up, so a file just over 6 MB
/// never reads "6 MB; the limit is 6 MB".
fn megabytes_rounded_up(bytes: u64) -> String {
    tenths_to_text((bytes * 10).div_ceil(MIB))
}

fn tenths_to_text(tenths: u64) -> String {
    if tenths.is_multiple_of(10) {
        format!("{} MB", tenths / 10)
    } else {
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_extensions_in_any_case_and_nothing_else() {
        for (name, expected) in [
            ("a.pdf", FileType::Pdf),
            ("A.PDF", FileType::Pdf),
            ("photo.JPG", FileType::Jpeg),
            ("photo.jpeg", FileType::Jpeg),
            ("x.png", FileType::Png),
            ("x.gif", FileType::Gif),
            ("x.doc", FileType::Doc),
            ("x.docx", FileType::Docx),
            ("x.xls", FileType::Xls),
            ("x.xlsx", FileType::Xlsx),
            ("x.rtf", FileType::Rtf),
            ("notes.txt", FileType::Text),
            ("archive.tar.pdf", FileType::Pdf),
        ] {
            assert_eq!(FileType::from_name(name), Some(expected), "{name}");
        }
        for name in [
            "scan.exe",
            "report.pdf.exe",
            "page.html",
            "image.svg",
            "pdf",
            "noextension",
            "x.pdf ",
            "macro.docm",
        ] {
            assert_eq!(FileType::from_name(name), None, "{name}");
        }
    }

    #[test]
    fn the_users_sentences_name_the_file_and_the_rule() {
        assert_eq!(
            check_file("scan.exe", 10).unwrap_err().to_string(),
            "scan.exe: this file type isn't allowed"
        );
        let over = (72 * MIB) / 10; // 7.2 MB
        assert_eq!(
            check_file("report.pdf", over).unwrap_err().to_string(),
            "report.pdf is 7.2 MB; the limit is 6 MB"
        );
        assert_eq!(
            check_file("big.pdf", 7 * MIB).unwrap_err().to_string(),
            "big.pdf is 7 MB; the limit is 6 MB"
        );
        assert_eq!(
            check_fits("fifth.pdf", 10, 4, 40).unwrap_err().to_string(),
            "fifth.pdf: a message can have at most 4 files"
        );
        assert_eq!(
            check_fits("c.pdf", 5 * MIB, 2, 5 * MIB + 1)
                .unwrap_err()
                .to_string(),
            "c.pdf: the files would be 10.1 MB together; the limit is 10 MB"
        );
        assert_eq!(
            check_file("empty.txt", 0).unwrap_err().to_string(),
            "empty.txt is empty"
        );
    }

    #[test]
    fn six_mebibytes_is_allowed_one_byte_more_is_not() {
        assert_eq!(check_file("a.pdf", MAX_FILE_BYTES), Ok(FileType::Pdf));
        let refusal = check_file("a.pdf", MAX_FILE_BYTES + 1).unwrap_err();
        // Rounded up: never "6 MB; the limit is 6 MB".
        assert_eq!(refusal.to_string(), "a.pdf is 6.1 MB; the limit is 6 MB");
    }

    #[test]
    fn four_files_and_ten_mebibytes_together_fit_exactly() {
        assert_eq!(check_fits("d.pdf", MIB, 3, 9 * MIB), Ok(()));
        assert!(check_fits("d.pdf", MIB + 1, 3, 9 * MIB).is_err());
        assert!(check_fits("e.pdf", 1, 4, 4).is_err());
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(format_size(512), "512 bytes");
        assert_eq!(format_size(1024), "1 KB");
        assert_eq!(format_size(34 * 1024 + 1), "35 KB");
        assert_eq!(format_size(MIB), "1 MB");
        assert_eq!(format_size(5 * MIB / 2), "2.5 MB");
        assert_eq!(format_size(6 * MIB), "6 MB");
    }
}
