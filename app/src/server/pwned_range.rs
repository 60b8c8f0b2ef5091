//! The optional breached-password check by k-anonymity (`SM_PWNED_RANGE_URL`): a service
//! that answers, for the first 5 hex digits of a password's SHA-1, the rest of every
//! breached password's SHA-1 that starts with them, one `SUFFIX:COUNT` a line (the Pwned
//! Passwords range API, or a copy of its data served inside the network). Only those 5
//! digits leave the server, never the password or its whole digest; the request asks for
//! padding (`Add-Padding: true`, entries with a count of 0) so the answer's size tells an
//! onlooker nothing either.
//!
//! When the service cannot be asked (down, slow, an unexpected answer), the check **fails
//! open**: the password is judged by the built-in list alone and a warning is logged. A
//! password change then never depends on another party being up, and the built-in list
//! still refuses the most common passwords.

use sha1::{Digest, Sha1};
use std::time::Duration;

/// How long one range request may take before the check gives up (and fails open).
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// The range service, with the client that asks it.
#[derive(Clone, Debug)]
pub struct PwnedRange {
    /// The address the 5-digit prefix is added to, e.g.
    /// `https://api.pwnedpasswords.com/range/`.
    base: String,
    client: reqwest::Client,
}

impl PwnedRange {
    /// The service at `base` (the prefix is appended, after a `/` if `base` has none).
    pub fn new(base: &str) -> Result<PwnedRange, String> {
        let base = base.trim();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(format!(
                "SM_PWNED_RANGE_URL must be an http(s) address, not {base:?}"
            ));
        }
        let base = if base.ends_with('/') {
            base.to_string()
        } else {
            format!("{base}/")
        };
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent("secure-messaging")
            .build()
            .map_err(|cause| format!("SM_PWNED_RANGE_URL: {cause}"))?;
        Ok(PwnedRange { base, client })
    }

    /// Whether `password` is among the breached ones; `None` when the service could not
    /// tell (logged, and taken as "not known breached": see the module documentation).
    pub async fn is_breached(&self, password: &str) -> Option<bool> {
        let digest = sha1_hex(password);
        let (prefix, suffix) = digest.split_at(5);
        match self.ask(prefix).await {
            Ok(answer) => Some(listed(&answer, suffix)),
            Err(cause) => {
                // The cause names the service, never the password or its digest.
                tracing::warn!(cause = %cause, "the breached-password service could not be asked; the built-in list alone was used");
                None
            }
        }
    }

    async fn ask(&self, prefix: &str) -> Result<String, reqwest::Error> {
        self.client
            .get(format!("{}{prefix}", self.base))
            .header("Add-Padding", "true")
            .send()
            .await?
            .error_for_status()?
            .text()
            .await
    }
}

/// Upper-case hex SHA-1, as the range API writes it.
pub fn sha1_hex(password: &str) -> String {
    Sha1::digest(password.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Whether a range answer lists `suffix` with a count above 0 (padding lines count 0).
fn listed(answer: &str, suffix: &str) -> bool {
    answer.lines().any(|line| {
        let (found, count) = line.trim().split_once(':').unwrap_or((line.trim(), ""));
        found.eq_ignore_ascii_case(suffix) && count.trim().parse::<u64>().is_ok_and(|n| n > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_split_as_the_range_api_expects() {
        // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8.
        assert_eq!(
            sha1_hex("password"),
            "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"
        );
    }

    #[test]
    fn only_a_suffix_with_a_count_is_a_breached_password() {
        let answer = "003D68EB55068C33ACE09247EE4C639306B:3\r\n\
                      1E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n\
                      ABCDEF0123456789ABCDEF0123456789ABC:0\r\n";
        assert!(listed(answer, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"));
        assert!(listed(answer, "1e4c9b93f3f0682250b6cf8331b7ee68fd8"));
        assert!(
            !listed(answer, "ABCDEF0123456789ABCDEF0123456789ABC"),
            "padding"
        );
        assert!(!listed(answer, "0000000000000000000000000000000000F"));
        assert!(!listed("", "1E4C9B93F3F0682250B6CF8331B7EE68FD8"));
    }

    #[test]
    fn the_address_must_be_http() {
        assert!(PwnedRange::new("ftp://example.com/range").is_err());
        assert_eq!(
            PwnedRange::new("http://127.0.0.1:9/range").unwrap().base,
            "http://127.0.0.1:9/range/"
        );
    }
}
