//! Two-step verification (DESIGN.md §3: "MFA (TOTP) required for clinicians and
//! administrators, optional for Veterans"): after the password, a 6-digit code from an
//! authenticator app (RFC 6238: HMAC-SHA-1, 30-second steps).
//!
//! - Setting it up (`/settings`, section "Two-step verification", and `/two-step-verification`
//!   when a role must have it): "Set up" makes a secret kept on the server; the page shows it
//!   as a QR code and as text; it is turned on only after a code made from it is typed.
//! - Signing in (`/sign-in/code`): after the right password the session only remembers a
//!   pending sign-in for a few minutes; the code completes it (`account::ssr::attempt_code`).
//! - Required: with `SM_REQUIRE_MFA` (on outside demo mode) a clinician or administrator
//!   without it is held at `/two-step-verification` until it is set up (the gate).
//! - An administrator's "Reset MFA" turns it off for a person (`admin::ssr::reset_mfa`).

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::auth::Role;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// Where the required set-up happens, and where a held clinician or administrator is sent.
pub const SET_UP_PATH: &str = "/two-step-verification";
/// The sign-in step that asks for the code.
pub const CODE_PATH: &str = "/sign-in/code";
/// How long a right password waits for its code before the person must start again.
pub const PENDING_SIGN_IN_MINUTES: i64 = 5;

/// What a person held at the set-up may still open: the set-up page and its server
/// functions, the page frame, and signing out. Public paths (sign-in, static files) are
/// open anyway. A passkey meets the requirement too, so adding one is open.
const OPEN_WHILE_SETTING_UP: [&str; 9] = [
    SET_UP_PATH,
    "/api/my_two_step",
    "/api/my_passkeys",
    "/api/passkey_add_options",
    "/api/passkey_add",
    "/api/two_step_start",
    "/api/two_step_confirm",
    "/api/load_page_context",
    "/api/sign_out",
];

pub fn open_while_setting_up(path: &str) -> bool {
    OPEN_WHILE_SETTING_UP.contains(&path)
}

/// The code field's message when it is empty or not six digits.
pub const CODE_MISSING: &str = "Enter the 6-digit code from your authenticator app.";
/// The code field's message when the code is wrong, too old, or was already used.
pub const CODE_WRONG: &str = "That code didn't work. Check your authenticator app and try again.";

/// The recovery code field's message when it is empty or not shaped like a code.
pub const RECOVERY_MISSING: &str =
    "Enter one of your recovery codes: 10 letters and numbers, like abcde-12345.";
/// The recovery code field's message when the code is not one of the person's unused codes.
pub const RECOVERY_WRONG: &str =
    "That recovery code didn't work. Check it against your list: each code works only once.";
/// Where signing in with a recovery code lands: the settings section that says how many
/// are left and offers new ones.
pub const RECOVERY_USED_PATH: &str = "/settings?recovery=used#two-step";

/// Whether the role must use two-step verification when the server requires it.
pub fn required_for(role: Role) -> bool {
    matches!(role, Role::Clinician | Role::Administrator)
}

/// Whether this person must set it up before they may open anything else.
pub fn set_up_needed(role: Role, turned_on: bool, required_by_server: bool) -> bool {
    required_by_server && required_for(role) && !turned_on
}

/// The six digits of a typed code: spaces and dashes (as some apps show "123 456") are
/// ignored; anything else is the `code` field's error.
pub fn typed_code(code: &str) -> Result<String, AppError> {
    let digits: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(AppError::invalid("code", CODE_MISSING))
    }
}

/// The ways a sign-in's second step may be taken, after the right password.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondStepWays {
    /// A code from the authenticator app, or a recovery code.
    pub code: bool,
    /// One of the person's passkeys.
    pub passkey: bool,
}

impl SecondStepWays {
    /// Whether there is a second step at all.
    pub fn any(self) -> bool {
        self.code || self.passkey
    }
}

/// The "Two-step verification" section of `/settings` and the required set-up page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepStatus {
    pub turned_on: bool,
    /// Required for this person's role by the server's configuration.
    pub required: bool,
    /// The set-up in progress: shown only until the person confirms it with a code.
    pub set_up: Option<SetUpKey>,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
    /// Recovery codes just made, shown on this one page load and never again.
    pub new_recovery_codes: Vec<String>,
}

impl TwoStepStatus {
    /// Veterans and caregivers may turn it off; the roles that must have it may not.
    pub fn can_turn_off(&self) -> bool {
        self.turned_on && !self.required
    }
}

/// What a person needs to add Secure Messaging to their authenticator app. Only ever sent
/// while a set-up is in progress: never again once it is on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetUpKey {
    /// The secret in base32, in groups of four for reading aloud or typing.
    pub key_text: String,
    /// The account name the app will show (the person's email address).
    pub account: String,
    /// The QR code of the `otpauth://` address, as an SVG `data:` URL for an `<img>`.
    pub qr_image: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_clinicians_and_administrators_must_set_it_up_and_only_when_required() {
        assert!(set_up_needed(Role::Clinician, false, true));
        assert!(set_up_needed(Role::Administrator, false, true));
        assert!(!set_up_needed(Role::Clinician, true, true));
        assert!(!set_up_needed(Role::Clinician, false, false));
        assert!(!set_up_needed(Role::Veteran, false, true));
        assert!(!set_up_needed(Role::Caregiver, false, true));
    }

    #[test]
    fn a_person_held_at_the_set_up_can_reach_only_the_set_up_and_sign_out() {
        assert!(open_while_setting_up("/two-step-verification"));
        assert!(open_while_setting_up("/api/two_step_confirm"));
        assert!(open_while_setting_up("/api/sign_out"));
        for path in [
            "/team",
            "/admin",
            "/settings",
            "/api/two_step_turn_off",
            "/events",
        ] {
            assert!(!open_while_setting_up(path), "{path}");
        }
    }

    #[test]
    fn a_typed_code_is_six_digits_with_spaces_allowed() {
        assert_eq!(typed_code("123456").unwrap(), "123456");
        assert_eq!(typed_code(" 123 456 ").unwrap(), "123456");
        assert_eq!(typed_code("123-456").unwrap(), "123456");
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(
                typed_code(bad).unwrap_err().field("code").as_deref(),
                Some(CODE_MISSING),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn only_those_not_required_to_have_it_may_turn_it_off() {
        let mut status = TwoStepStatus {
            turned_on: true,
            required: false,
            ..TwoStepStatus::default()
        };
        assert!(status.can_turn_off());
        status.required = true;
        assert!(!status.can_turn_off());
    }
}
