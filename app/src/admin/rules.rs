//! Rules the administration forms and the set-password page check, free of the database so
//! they can be unit tested and shown in hints.

use crate::error::AppError;

/// DESIGN.md §3: passwords of at least 12 characters; a list of common passwords refused.
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Why a password on a list of common ones is refused (here, and the long list of
/// `server::common_passwords`).
pub const PASSWORD_TOO_COMMON: &str =
    "This password is too common. Choose one that others would not guess.";
/// Long enough for any passphrase, short enough that hashing cannot be made to cost a lot.
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Passwords that meet the length rule but are among the most used, hence guessed first
/// (ASVS 2.1.7). Compared lower-case, ignoring spaces.
const COMMON_PASSWORDS: [&str; 24] = [
    "123456789012",
    "1234567890123",
    "12345678901234",
    "qwertyuiopas",
    "qwertyuiop123",
    "passwordpassword",
    "password1234",
    "password12345",
    "password123456",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "administrator",
    "administrator1",
    "changeme1234",
    "abcdefghijkl",
    "aaaaaaaaaaaa",
    "111111111111",
    "000000000000",
    "trustno11234",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "veteransaffairs",
];

/// What is wrong with a new password, in the words the form shows, or `None`.
pub fn password_problem(password: &str, email: &str) -> Option<String> {
    let length = password.chars().count();
    if password.is_empty() {
        return Some("Enter a password.".to_string());
    }
    if length < PASSWORD_MIN_CHARS {
        return Some(format!(
            "Your password must be at least {PASSWORD_MIN_CHARS} characters."
        ));
    }
    if length > PASSWORD_MAX_CHARS {
        return Some(format!(
            "Your password must be {PASSWORD_MAX_CHARS} characters or fewer."
        ));
    }
    let folded: String = password
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let local_part = email.split('@').next().unwrap_or("").to_lowercase();
    if COMMON_PASSWORDS.contains(&folded.as_str()) {
        return Some(PASSWORD_TOO_COMMON.to_string());
    }
    if local_part.len() >= 4 && folded.contains(&local_part) {
        return Some("This password is too easy to guess. Choose a different one.".to_string());
    }
    None
}

/// A station number: 3 digits, optionally followed by up to 2 letters or digits (e.g. 999,
/// 402, 402GA), as VA writes them.
pub fn station_number_problem(station: &str) -> Option<String> {
    let station = station.trim();
    if station.is_empty() {
        return Some("Enter a station number.".to_string());
    }
    let bytes = station.as_bytes();
    let digits = bytes
        .get(..3)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let suffix = bytes
        .get(3..)
        .is_some_and(|s| s.len() <= 2 && s.iter().all(u8::is_ascii_alphanumeric));
    if digits && suffix {
        None
    } else {
        Some("Enter a station number of 3 digits, optionally followed by up to 2 letters or digits, like 999 or 402GA.".to_string())
    }
}

/// Why a facility's phone number is refused: empty is allowed (not set yet); otherwise a
/// US number of 10 digits (11 with a leading 1), written with spaces, dashes, dots or
/// brackets as people write them, and an extension after "x" or "ext".
pub fn phone_problem(phone: &str) -> Option<&'static str> {
    const PROBLEM: &str =
        "Enter a 10-digit phone number, like 800-555-0100, with any extension after x, like 800-555-0100 x123.";
    let phone = phone.trim();
    if phone.is_empty() {
        return None;
    }
    if phone.chars().count() > 40 {
        return Some(PROBLEM);
    }
    let lower = phone.to_lowercase();
    let (number, extension) = match lower.split_once("ext") {
        Some((number, extension)) => (number, Some(extension.trim_start_matches('.'))),
        None => match lower.split_once('x') {
            Some((number, extension)) => (number, Some(extension)),
            None => (lower.as_str(), None),
        },
    };
    let written_well = number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'));
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let digits_right = digits.len() == 10 || (digits.len() == 11 && digits.starts_with('1'));
    let extension_right = extension.is_none_or(|extension| {
        let extension = extension.trim();
        !extension.is_empty()
            && extension.len() <= 6
            && extension.chars().all(|c| c.is_ascii_digit())
    });
    if written_well && digits_right && extension_right {
        None
    } else {
        Some(PROBLEM)
    }
}

/// The largest CSV file the import reads: 1 MiB holds the 10,000 lines a file may have
/// (`IMPORT_MAX_LINES`) at about 100 characters each, and a post that large is read no
/// further, so nobody can make the server hold more.
pub const IMPORT_MAX_BYTES: usize = 1024 * 1024;

/// Why a chosen file is refused for being larger than [`IMPORT_MAX_BYTES`].
pub fn import_file_too_large(name: &str) -> AppError {
    AppError::invalid(
        "csv",
        format!("{name} is larger than 1 MB, the limit for an import file. Split it and import each part."),
    )
}

/// The text of a chosen import file, or why it can't be read: too large, or not UTF-8 (a
/// spreadsheet saved as plain "CSV" in a legacy encoding). The byte-order mark that
/// "CSV UTF-8" files start with is not part of the header.
pub fn import_file_text(name: &str, bytes: Vec<u8>) -> Result<String, AppError> {
    if bytes.len() > IMPORT_MAX_BYTES {
        return Err(import_file_too_large(name));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        AppError::invalid(
            "csv",
            format!("{name} is not UTF-8 text. Save it as CSV UTF-8 and choose it again."),
        )
    })?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_needs_twelve_characters_and_must_not_be_common() {
        assert!(password_problem("", "a@example.com").is_some());
        assert!(password_problem("short pass1", "a@example.com").is_some());
        assert_eq!(
            password_problem("a long unusual phrase", "a@example.com"),
            None
        );
        assert!(password_problem("Password 1234", "a@example.com").is_some());
        assert!(password_problem("casey.nguyen-2026!", "casey.nguyen@example.com").is_some());
        assert!(password_problem(&"x".repeat(129), "a@example.com").is_some());
    }

    #[test]
    fn station_numbers_are_three_digits_and_an_optional_suffix() {
        assert_eq!(station_number_problem("999"), None);
        assert_eq!(station_number_problem("402GA"), None);
        assert!(station_number_problem("").is_some());
        assert!(station_number_problem("99").is_some());
        assert!(station_number_problem("ABC").is_some());
        assert!(station_number_problem("402GAXX").is_some());
    }

    #[test]
    fn an_import_file_is_at_most_1_mib_of_utf8() {
        let header = "veteran_email,team_name,facility_station\n";
        assert_eq!(
            import_file_text("a.csv", format!("\u{feff}{header}").into_bytes()).unwrap(),
            header
        );
        let mut full = header.as_bytes().to_vec();
        full.resize(IMPORT_MAX_BYTES, b' ');
        assert!(import_file_text("a.csv", full.clone()).is_ok());
        full.push(b' ');
        let too_large = import_file_text("big.csv", full).unwrap_err();
        assert!(too_large
            .field("csv")
            .unwrap()
            .starts_with("big.csv is larger than 1 MB"));
        let latin1 = b"veteran_email,team_name,facility_station\nren\xe9@example.com,A,999\n";
        let not_utf8 = import_file_text("latin.csv", latin1.to_vec()).unwrap_err();
        assert!(not_utf8
            .field("csv")
            .unwrap()
            .starts_with("latin.csv is not UTF-8 text"));
    }

    #[test]
    fn phone_numbers_are_written_as_people_write_them() {
        for good in [
            "",
            "800-555-0100",
            "(800) 555-0100",
            "800.555.0100",
            "+1 800 555 0100",
            "1-800-555-0100",
            "800-555-0100 x123",
            "800-555-0100 ext. 45",
        ] {
            assert_eq!(phone_problem(good), None, "{good}");
        }
        for bad in [
            "555-0100",
            "800-555-01000",
            "call 800-555-0100",
            "800-555-0100 x",
            "800-555-0100 x12a",
            "2-800-555-0100",
        ] {
            assert!(phone_problem(bad).is_some(), "{bad}");
        }
    }
}
