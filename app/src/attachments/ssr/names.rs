//! File names as people may see them. A name comes from the uploader's computer and may
//! carry anything: folders (`../../etc/passwd`, `C:\Users\…`), control and bidirectional
//! characters that make `invoice\u{202E}fdp.exe` look like `invoiceexe.pdf`, several Unicode
//! spellings of one letter, or thousands of characters. It is cleaned once, on upload, and
//! only ever shown: storage keys are ids the server makes (never the name).

use unicode_normalization::UnicodeNormalization;

/// The longest name kept, in characters; longer names keep their end (the extension).
pub const MAX_NAME_CHARS: usize = 120;

/// The name shown when nothing printable is left.
const FALLBACK: &str = "attachment";

/// The name to show and to check the type by: the last path segment, NFC-normalized, with
/// control, format (bidi overrides, zero-width) and reserved characters removed, spaces
/// collapsed, no leading dots, no trailing dots or spaces, and at most `MAX_NAME_CHARS`.
pub fn clean_display_name(raw: &str) -> String {
    // Browsers send only the base name, but older ones and scripts send whole paths.
    let last_segment = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let mut cleaned = String::with_capacity(last_segment.len());
    let mut pending_space = false;
    for c in last_segment.nfc() {
        if c.is_whitespace() {
            pending_space = !cleaned.is_empty();
            continue;
        }
        if is_hidden_or_control(c) {
            continue;
        }
        if pending_space {
            cleaned.push(' ');
            pending_space = false;
        }
        // Characters Windows refuses in names and that confuse quoting in headers.
        cleaned.push(if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
            '_'
        } else {
            c
        });
    }
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let shortened = shorten_keeping_extension(trimmed);
    if shortened.is_empty() {
        FALLBACK.to_string()
    } else {
        shortened
    }
}

/// Control characters (C0, C1) and the format characters that change how text looks
/// without being seen: bidirectional controls, zero-width joiners and spaces, the BOM.
fn is_hidden_or_control(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}')
}

fn shorten_keeping_extension(name: &str) -> String {
    let count = name.chars().count();
    if count <= MAX_NAME_CHARS {
        return name.to_string();
    }
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if extension.chars().count() <= 10 => (stem, extension),
        _ => (name, ""),
    };
    let room = MAX_NAME_CHARS - extension.chars().count() - usize::from(!extension.is_empty());
    let short_stem: String = stem.chars().take(room).collect();
    let short_stem = short_stem.trim_end_matches(['.', ' ']);
    if extension.is_empty() {
        short_stem.to_string()
    } else {
        format!("{short_stem}.{extension}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attachments::rules::FileType;

    #[test]
    fn folders_and_path_tricks_are_dropped() {
        assert_eq!(clean_display_name("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_display_name("C:\\Users\\alex\\Desktop\\lab results.pdf"),
            "lab results.pdf"
        );
        assert_eq!(clean_display_name("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(clean_display_name(".."), "attachment");
        assert_eq!(clean_display_name("/"), "attachment");
        assert_eq!(clean_display_name(".htaccess"), "htaccess");
        // Windows drops trailing dots and spaces: "evil.exe. " would be evil.exe there.
        assert_eq!(clean_display_name("evil.exe. "), "evil.exe");
        assert_eq!(FileType::from_name(&clean_display_name("evil.exe. ")), None);
    }

    #[test]
    fn hidden_characters_cannot_disguise_the_type() {
        // U+202E (right-to-left override) shows "invoice\u{202E}fdp.exe" as "invoiceexe.pdf".
        let cleaned = clean_display_name("invoice\u{202E}fdp.exe");
        assert_eq!(cleaned, "invoicefdp.exe");
        assert_eq!(FileType::from_name(&cleaned), None);
        assert_eq!(clean_display_name("report\u{200B}.pdf"), "report.pdf");
        assert_eq!(
            clean_display_name("a\u{0}b\u{7}c\u{1b}[31m.txt"),
            "abc[31m.txt"
        );
        assert_eq!(clean_display_name("line\r\nbreak.pdf"), "line break.pdf");
        assert_eq!(clean_display_name("quote\"; x=.pdf"), "quote_; x=.pdf");
    }

    #[test]
    fn unicode_is_normalized_and_kept() {
        // "é" as e + combining acute becomes the single character U+00E9.
        assert_eq!(clean_display_name("re\u{301}sume\u{301}.pdf"), "résumé.pdf");
        assert_eq!(clean_display_name("検査結果.pdf"), "検査結果.pdf");
        assert_eq!(
            clean_display_name("  many   spaces .pdf"),
            "many spaces .pdf"
        );
    }

    #[test]
    fn very_long_names_are_shortened_keeping_the_extension() {
        let long = format!("{}.pdf", "x".repeat(5000));
        let cleaned = clean_display_name(&long);
        assert_eq!(cleaned.chars().count(), MAX_NAME_CHARS);
        assert!(cleaned.ends_with(".pdf"));
        let wide = format!("{}.docx", "日".repeat(300));
        let cleaned = clean_display_name(&wide);
        assert_eq!(cleaned.chars().count(), MAX_NAME_CHARS);
        assert_eq!(FileType::from_name(&cleaned), Some(FileType::Docx));
        // A long "extension" is just part of the name.
        let no_extension = "y".repeat(500);
        assert_eq!(
            clean_display_name(&no_extension).chars().count(),
            MAX_NAME_CHARS
        );
    }
}
