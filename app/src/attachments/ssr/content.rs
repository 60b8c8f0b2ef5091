//! The server checks the content, not just the name (DESIGN.md §2): the first bytes must be
//! what the extension says (a renamed program is refused), and a .txt file must be UTF-8
//! text all the way through. Fed chunk by chunk while the upload streams, so no file is
//! held whole in memory.
//!
//! Type sniffing uses the maintained `infer` crate; it needs only the start of a file.

use crate::attachments::rules::{FileType, Refusal};

/// How much of the start of a file the type check looks at. Office zip packages name their
/// parts in the first few local headers, which infer finds within this window.
const SNIFF_BYTES: usize = 64 * 1024;

/// The start of an OLE compound file (.doc, .xls). infer tells Word from Excel only by
/// opening the whole compound file, which the first bytes of a stream cannot do, so the
/// signature is what we check; infer still refuses a PowerPoint renamed to .doc.
const OLE_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Checks one file's content as it streams past.
pub struct ContentCheck {
    name: String,
    file_type: FileType,
    head: Vec<u8>,
    head_checked: bool,
    /// For .txt: the bytes of a UTF-8 sequence cut by a chunk boundary.
    text_tail: Vec<u8>,
}

impl ContentCheck {
    pub fn new(name: &str, file_type: FileType) -> Self {
        ContentCheck {
            name: name.to_string(),
            file_type,
            head: Vec::new(),
            head_checked: false,
            text_tail: Vec::new(),
        }
    }

    /// Looks at the next chunk of the file.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Refusal> {
        if !self.head_checked {
            let wanted = SNIFF_BYTES - self.head.len();
            self.head
                .extend_from_slice(&chunk[..wanted.min(chunk.len())]);
            if self.head.len() >= SNIFF_BYTES {
                self.check_head()?;
            }
        }
        if self.file_type == FileType::Text {
            self.check_text(chunk)?;
        }
        Ok(())
    }

    /// After the last chunk: a short file's start is checked now, and a text file must not
    /// end inside a character.
    pub fn finish(mut self) -> Result<(), Refusal> {
        if !self.head_checked {
            self.check_head()?;
        }
        if !self.text_tail.is_empty() {
            return Err(self.not_text());
        }
        Ok(())
    }

    fn check_head(&mut self) -> Result<(), Refusal> {
        self.head_checked = true;
        let head = std::mem::take(&mut self.head);
        if matches_type(self.file_type, &head) {
            Ok(())
        } else if self.file_type == FileType::Text {
            Err(self.not_text())
        } else {
            Err(Refusal::ContentMismatch {
                name: self.name.clone(),
                file_type: self.file_type,
            })
        }
    }

    fn check_text(&mut self, chunk: &[u8]) -> Result<(), Refusal> {
        let mut bytes = std::mem::take(&mut self.text_tail);
        bytes.extend_from_slice(chunk);
        match std::str::from_utf8(&bytes) {
            Ok(text) => {
                if has_binary_controls(text) {
                    return Err(self.not_text());
                }
            }
            // `error_len() == None`: the chunk ends inside a character; keep its start for
            // the next chunk. Anything else is not UTF-8.
            Err(error) if error.error_len().is_none() => {
                let valid = error.valid_up_to();
                let text = std::str::from_utf8(&bytes[..valid]).map_err(|_| self.not_text())?;
                if has_binary_controls(text) {
                    return Err(self.not_text());
                }
                self.text_tail = bytes[valid..].to_vec();
            }
            Err(_) => return Err(self.not_text()),
        }
        Ok(())
    }

    fn not_text(&self) -> Refusal {
        Refusal::NotText {
            name: self.name.clone(),
        }
    }
}

/// Text files hold no NUL or other C0 controls except tab, line feed, form feed and
/// carriage return: their presence means a binary file renamed to .txt.
fn has_binary_controls(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C'))
}

fn matches_type(file_type: FileType, head: &[u8]) -> bool {
    use infer::{archive, doc, image};
    match file_type {
        FileType::Pdf => archive::is_pdf(head),
        FileType::Png => image::is_png(head),
        FileType::Gif => image::is_gif(head),
        FileType::Jpeg => image::is_jpeg(head),
        FileType::Rtf => archive::is_rtf(head),
        FileType::Docx => doc::is_docx(head),
        FileType::Xlsx => doc::is_xlsx(head),
        FileType::Doc | FileType::Xls => head.starts_with(&OLE_SIGNATURE) && !doc::is_ppt(head),
        // Checked chunk by chunk in `check_text`; here only that it is not empty.
        FileType::Text => !head.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, bytes: &[u8]) -> Result<(), Refusal> {
        let file_type = FileType::from_name(name).expect("allowed name");
        let mut check = ContentCheck::new(name, file_type);
        // Small, odd-sized chunks, as a network delivers them.
        for chunk in bytes.chunks(7) {
            check.feed(chunk)?;
        }
        check.finish()
    }

    /// A zip package whose first entries are those a Word or Excel file starts with (infer
    /// reads the type from the third and fourth).
    fn office_zip(part_folder: &str) -> Vec<u8> {
        let mut zip = Vec::new();
        for (name, data) in [
            ("[Content_Types].xml".to_string(), &b"<Types/>"[..]),
            ("_rels/.rels".to_string(), &b"<Relationships/>"[..]),
            (
                format!("{part_folder}/_rels/document.xml.rels"),
                &b"<Relationships/>"[..],
            ),
            (format!("{part_folder}/document.xml"), &b"<document/>"[..]),
        ] {
            zip.extend_from_slice(&[b'P', b'K', 3, 4, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            zip.extend_from_slice(&[0; 4]); // crc (not checked by the sniffer)
            zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
            zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
            zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
            zip.extend_from_slice(&0u16.to_le_bytes());
            zip.extend_from_slice(name.as_bytes());
            zip.extend_from_slice(data);
        }
        zip
    }

    #[test]
    fn real_content_of_each_type_passes() {
        let mut ole = OLE_SIGNATURE.to_vec();
        ole.extend_from_slice(&[0; 504]);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("a.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj".to_vec()),
            ("a.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
            ("a.gif", b"GIF89a\x01\0\x01\0".to_vec()),
            ("a.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF\0".to_vec()),
            ("a.jpeg", b"\xff\xd8\xff\xe1\0\x10Exif\0".to_vec()),
            ("a.rtf", b"{\\rtf1\\ansi Hello}".to_vec()),
            ("a.doc", ole.clone()),
            ("a.xls", ole),
            ("a.docx", office_zip("word")),
            ("a.xlsx", office_zip("xl")),
            (
                "notes.txt",
                "Blood pressure 120/80 — café ✓\r\n\tok".as_bytes().to_vec(),
            ),
        ];
        for (name, bytes) in cases {
            assert_eq!(check(name, &bytes), Ok(()), "{name}");
        }
    }

    #[test]
    fn a_renamed_program_is_refused_whatever_it_claims() {
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode";
        for name in [
            "scan.pdf",
            "scan.png",
            "scan.gif",
            "scan.jpg",
            "scan.doc",
            "scan.docx",
            "scan.rtf",
        ] {
            let refusal = check(name, exe).unwrap_err();
            assert!(
                matches!(refusal, Refusal::ContentMismatch { .. }),
                "{name}: {refusal:?}"
            );
        }
        assert_eq!(
            check("scan.pdf", exe).unwrap_err().to_string(),
            "scan.pdf: the content isn't a PDF file"
        );
        assert_eq!(
            check("scan.txt", exe).unwrap_err().to_string(),
            "scan.txt: this isn't a plain text file"
        );
    }

    #[test]
    fn one_type_renamed_to_another_is_refused() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        assert!(check("photo.jpg", &png).is_err());
        assert!(check("sheet.docx", &office_zip("xl")).is_err());
        assert!(check("letter.xlsx", &office_zip("word")).is_err());
        assert!(check("slides.docx", &office_zip("ppt")).is_err());
        // A plain zip is not a Word document.
        let mut plain_zip = office_zip("word");
        plain_zip[30..49].copy_from_slice(b"readme.txt_________");
        assert!(check("archive.docx", &plain_zip).is_err());
    }

    #[test]
    fn text_must_be_utf8_and_free_of_binary_bytes() {
        // A multi-byte character cut by every chunk boundary still passes.
        let text = "ü€𝄞".repeat(50);
        assert_eq!(check("music.txt", text.as_bytes()), Ok(()));
        assert!(check("latin1.txt", b"caf\xe9").is_err());
        assert!(check("nul.txt", b"abc\0def").is_err());
        // Ends in the middle of a character.
        assert!(check("cut.txt", &"é".as_bytes()[..1]).is_err());
        // Invalid bytes far beyond the sniffed start are still found.
        let mut long = vec![b'a'; SNIFF_BYTES * 2];
        long.push(0xff);
        assert!(check("long.txt", &long).is_err());
    }
}
