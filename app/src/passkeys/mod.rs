//! Passkeys (WebAuthn): signing in with the screen lock of a phone or computer, or a
//! security key, instead of a password and a code. A passkey proves both that the person has
//! the device and that they unlocked it, so it counts as both steps of signing in.
//!
//! - Settings → "Passkeys": "Add a passkey", the list with names and last use, "Remove".
//! - `/sign-in`: "Sign in with a passkey" (discoverable credentials: no email address typed),
//!   and the browser's own passkey suggestions in the email field where it offers them
//!   (conditional mediation).
//! - `/sign-in/code`: "Use a passkey" in place of the app's code. Clinicians and
//!   administrators may meet the required second step with a passkey alone
//!   (`/two-step-verification` offers it beside the authenticator app).
//!
//! The browser's side is `public/passkeys.js`: WebAuthn needs the page's script, so these
//! buttons show only once it runs. The server's side (`ssr`) checks everything with
//! webauthn-rs: the challenge it made (used once, for `CEREMONY_MINUTES`), the site's origin
//! and relying party, user verification, the signature against the stored public key.

pub mod api;
mod parts;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use parts::{PasskeySecondStep, PasskeySettings, PasskeySignIn};

use serde::{Deserialize, Serialize};

/// How long the browser has to answer a challenge before it must ask for a new one.
pub const CEREMONY_MINUTES: i64 = 5;
/// The longest name a passkey may have.
pub const NAME_MAX: usize = 60;

/// The name field's message when it is empty.
pub const NAME_MISSING: &str = "Enter a name for this passkey, like \u{201c}My phone\u{201d}.";
/// What a passkey that did not sign anyone in says: the same words whatever the reason, so
/// they tell an attacker nothing about which accounts or passkeys exist.
pub const DID_NOT_WORK: &str =
    "That passkey didn't work. Try again, or sign in with your email address and password.";
/// What an answer too late for its challenge says.
pub const TOO_LATE: &str = "That took too long. Please try again.";

/// One of the person's passkeys, as Settings lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyListed {
    pub id: i64,
    pub name: String,
    /// When it was added, in the person's own time zone.
    pub added: String,
    /// When it last signed them in, in their own time zone; `None` if never.
    pub last_used: Option<String>,
}

/// The answer of a passkey server function to `public/passkeys.js`. The script reads JSON,
/// so refusals come back here as the sentence to show, not as the app's postcard error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyAnswer {
    /// The options for `navigator.credentials`, as WebAuthn's JSON (for
    /// `PublicKeyCredential.parseCreationOptionsFromJSON` or `…RequestOptionsFromJSON`).
    pub options: Option<String>,
    /// Where the browser goes next, when the ceremony is done.
    pub go_to: Option<String>,
    /// What went wrong, in words for the person.
    pub error: Option<String>,
}

impl PasskeyAnswer {
    pub fn refused(error: &crate::error::AppError) -> PasskeyAnswer {
        // A form's error names its field; the script shows the field's own words.
        let sentence = match error {
            crate::error::AppError::Invalid { fields } => fields
                .values()
                .next()
                .cloned()
                .unwrap_or_else(|| error.to_string()),
            other => other.to_string(),
        };
        PasskeyAnswer {
            error: Some(sentence),
            ..PasskeyAnswer::default()
        }
    }
}

/// A passkey's name as typed: trimmed, required, at most `NAME_MAX` characters.
pub fn typed_name(name: &str) -> Result<String, crate::error::AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(crate::error::AppError::invalid(
            "passkey_name",
            NAME_MISSING,
        ));
    }
    if name.chars().count() > NAME_MAX {
        return Err(crate::error::AppError::invalid(
            "passkey_name",
            format!("Use {NAME_MAX} characters or fewer for the name."),
        ));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_required_and_not_too_long() {
        assert_eq!(typed_name("  My phone ").unwrap(), "My phone");
        assert_eq!(
            typed_name("   ")
                .unwrap_err()
                .field("passkey_name")
                .as_deref(),
            Some(NAME_MISSING)
        );
        assert!(typed_name(&"x".repeat(NAME_MAX)).is_ok());
        assert!(typed_name(&"x".repeat(NAME_MAX + 1)).is_err());
    }

    #[test]
    fn a_refusal_carries_the_fields_own_words() {
        let answer =
            PasskeyAnswer::refused(&crate::error::AppError::invalid("passkey", DID_NOT_WORK));
        assert_eq!(answer.error.as_deref(), Some(DID_NOT_WORK));
        assert!(answer.options.is_none() && answer.go_to.is_none());
    }
}
