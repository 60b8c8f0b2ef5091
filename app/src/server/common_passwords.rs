//! The list of common passwords refused wherever a password is chosen (NIST SP 800-63B
//! §5.1.1.2, ASVS 2.1.7): the one-time link's page, `server create-admin`, and "Change your
//! password" in Settings. All of them ask [`new_password_problem`]; and, when a
//! breached-password range service is set (`SM_PWNED_RANGE_URL`, `server::pwned_range`),
//! their server functions (and `create-admin`) ask [`breached_problem`] before that.
//!
//! The list is `app/data/common-passwords.txt.gz`, 139,974 passwords: the 100,000 most used
//! of SecLists' "10-million-password-list-top-1000000" (Mark Burnett's ranking; SecLists is
//! MIT-licensed), all of them, and every one of 12 or more characters among the next 900,000
//! (shorter ones fail the length rule anyway). It came from the crates.io crate
//! `passablewords` 1.0.1 (MIT), which ships that list; `scripts/common_passwords.py` says how
//! the file is made from it. Each entry is folded (lower case, no white space), so
//! "Password 1234" is found as "password1234"; the file is sorted by byte.
//!
//! It is built into the server binary (never the wasm: this module is `ssr` only) and
//! unpacked once, into one string and the offsets of its lines, which a binary search reads:
//! about 2 MB, no per-entry allocation.

use crate::admin::rules::{password_problem, PASSWORD_TOO_COMMON};
use crate::error::AppError;
use crate::server::pwned_range::PwnedRange;
use std::io::Read;
use std::sync::OnceLock;

static PACKED: &[u8] = include_bytes!("../../data/common-passwords.txt.gz");

/// The unpacked list.
pub struct CommonPasswords {
    text: String,
    /// Where each line of `text` starts; a line ends at the next `\n`.
    starts: Vec<u32>,
}

impl CommonPasswords {
    fn unpack(packed: &[u8]) -> Result<CommonPasswords, String> {
        let mut text = String::new();
        flate2::read::GzDecoder::new(packed)
            .read_to_string(&mut text)
            .map_err(|cause| format!("the common-password list cannot be read: {cause}"))?;
        let mut starts = Vec::with_capacity(150_000);
        let mut start = 0usize;
        for (at, byte) in text.bytes().enumerate() {
            if byte == b'\n' {
                if at > start {
                    starts.push(u32::try_from(start).map_err(|cause| cause.to_string())?);
                }
                start = at + 1;
            }
        }
        Ok(CommonPasswords { text, starts })
    }

    fn line(&self, index: usize) -> &str {
        let start = self
            .starts
            .get(index)
            .map_or(self.text.len(), |&at| at as usize);
        let rest = self.text.get(start..).unwrap_or_default();
        rest.split('\n').next().unwrap_or(rest)
    }

    /// How many passwords the list holds.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Never: the list is built in (for clippy's `len_without_is_empty`).
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Whether `password`, folded, is on the list.
    pub fn contains(&self, password: &str) -> bool {
        let folded = fold(password);
        let mut low = 0usize;
        let mut high = self.starts.len();
        while low < high {
            let middle = low + (high - low) / 2;
            match self.line(middle).cmp(folded.as_str()) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

/// A password as the list holds it: lower case, without white space.
pub fn fold(password: &str) -> String {
    password
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

/// The list, unpacked at its first use. The server loads it at start-up, so a damaged
/// build stops there, in one line, rather than at someone's first new password.
pub fn load() -> Result<&'static CommonPasswords, &'static str> {
    static LIST: OnceLock<Result<CommonPasswords, String>> = OnceLock::new();
    LIST.get_or_init(|| CommonPasswords::unpack(PACKED))
        .as_ref()
        .map_err(String::as_str)
}

fn list() -> Result<&'static CommonPasswords, AppError> {
    load().map_err(AppError::internal)
}

/// What is wrong with `password` as the new password of the account `email`, in the words
/// the form shows: the length and look-alike rules (`admin::rules::password_problem`), then
/// the list. An unreadable list refuses every password rather than let a common one through.
pub async fn new_password_problem(password: &str, email: &str) -> Result<Option<String>, AppError> {
    if let Some(problem) = password_problem(password, email) {
        return Ok(Some(problem));
    }
    if list()?.contains(password) {
        return Ok(Some(PASSWORD_TOO_COMMON.to_string()));
    }
    Ok(None)
}

/// The range service's verdict on a new password, in the form's words, or `None`: when no
/// service is set, when it cannot tell (it fails open, see `server::pwned_range`), or when
/// the password fails a rule [`new_password_problem`] will name anyway (so a short or
/// listed password is not sent, even as 5 digits of its digest).
pub async fn breached_problem(range: Option<&PwnedRange>, password: &str) -> Option<String> {
    let range = range?;
    if password_problem(password, "").is_some() || load().is_ok_and(|list| list.contains(password))
    {
        return None;
    }
    (range.is_breached(password).await == Some(true)).then(|| PASSWORD_TOO_COMMON.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_list_holds_at_least_the_hundred_thousand_most_used_sorted_and_folded() {
        let list = list().unwrap();
        assert!(list.len() >= 100_000, "{} passwords", list.len());
        let lines: Vec<&str> = (0..list.len()).map(|i| list.line(i)).collect();
        assert!(
            lines.windows(2).all(|pair| pair[0] < pair[1]),
            "sorted, no repeats"
        );
        assert!(lines.iter().all(|line| fold(line) == *line), "folded");
    }

    #[test]
    fn the_most_used_passwords_are_found_however_they_are_typed() {
        let list = list().unwrap();
        for common in [
            "123456",
            "password",
            "qwerty",
            "dragon",
            "letmein",
            "Password",
            "PASS word",
        ] {
            assert!(list.contains(common), "{common}");
        }
        // Long ones too: these pass the length rule, so only the list stops them.
        for long in [
            "1234567890123",
            "qwertyuiopasdfgh",
            "Password123456789",
            "iloveyou1234",
        ] {
            assert!(list.contains(long), "{long}");
        }
        for unusual in [
            "demo-password-2026",
            "a long unusual phrase",
            "",
            "marmalade under the stairs",
        ] {
            assert!(!list.contains(unusual), "{unusual}");
        }
        // The first and last lines are found (the search's edges).
        assert!(list.contains(list.line(0)));
        assert!(list.contains(list.line(list.len() - 1)));
    }

    #[tokio::test]
    async fn a_new_password_on_the_list_is_refused_with_its_own_sentence() {
        let problem = new_password_problem("Password123456789", "pat@example.com")
            .await
            .unwrap();
        assert_eq!(problem.as_deref(), Some(PASSWORD_TOO_COMMON));
        // The length rule speaks first.
        let short = new_password_problem("password", "pat@example.com")
            .await
            .unwrap();
        assert_eq!(
            short.as_deref(),
            Some("Your password must be at least 12 characters.")
        );
        assert_eq!(
            new_password_problem("a long unusual phrase", "pat@example.com")
                .await
                .unwrap(),
            None
        );
    }

    #[test]
    fn a_damaged_list_is_an_error_not_an_empty_list() {
        assert!(CommonPasswords::unpack(b"not gzip").is_err());
    }
}
