//! The words of each email, plain text and simple HTML. None carries health information:
//! no message subject or text, no team name, no attachment name (DESIGN.md §2). Each is a
//! few sentences and one link to this site.

use super::outbox::{Email, EmailKind};
use super::PublicUrl;
use crate::admin::types::PASSWORD_LINK_HOURS;

/// The last line of every email.
const FOOTER: &str = "This email comes from VA Secure Messaging. Please don't reply to it.";

/// "You're invited": the one-time link to set a first password (`path` is
/// `/set-password?token=…`).
pub fn invitation(site: &PublicUrl, to: &str, path: &str) -> Email {
    letter(
        to,
        EmailKind::Invitation,
        "Set up your VA Secure Messaging account",
        &[
            "You've been invited to VA Secure Messaging, where you can write to your VA health \
             care team between visits.",
            &format!(
                "Choose your password here. The link works once, for {PASSWORD_LINK_HOURS} hours:"
            ),
        ],
        &site.link(path),
        &["If you weren't expecting this email, you can ignore it."],
    )
}

/// An administrator reset the password: the one-time link to choose a new one.
pub fn password_reset(site: &PublicUrl, to: &str, path: &str) -> Email {
    letter(
        to,
        EmailKind::PasswordReset,
        "Choose a new password for VA Secure Messaging",
        &[
            "An administrator reset the password of your VA Secure Messaging account, and you \
             were signed out everywhere. Your old password no longer works.",
            &format!(
                "Choose a new password here. The link works once, for {PASSWORD_LINK_HOURS} \
                 hours:"
            ),
        ],
        &site.link(path),
        &["If you didn't ask for this, call your VA facility."],
    )
}

/// "Forgot your password?": the one-time link, for an hour.
pub fn forgot_password(site: &PublicUrl, to: &str, path: &str) -> Email {
    letter(
        to,
        EmailKind::ForgotPassword,
        "Choose a new password for VA Secure Messaging",
        &[
            "Someone asked to reset the password of your VA Secure Messaging account. If it \
             was you, choose a new password here. The link works once, for 1 hour, and signs \
             you out on every device:",
        ],
        &site.link(path),
        &["If it wasn't you, you can ignore this email: your password stays the same."],
    )
}

/// An administrator turned two-step verification off.
pub fn mfa_reset(site: &PublicUrl, to: &str) -> Email {
    letter(
        to,
        EmailKind::MfaReset,
        "Two-step verification was turned off",
        &[
            "An administrator turned off two-step verification for your VA Secure Messaging \
             account, and you were signed out everywhere.",
            "Sign in with your password to set it up again:",
        ],
        &site.link("/sign-in"),
        &["If you didn't ask for this, call your VA facility."],
    )
}

/// To the person a Veteran invited to act for them: the one-time link to accept (`path` is
/// `/caregiver-invitation?token=…`). It does not name the Veteran: whose care it is shows
/// only after signing in with this address.
pub fn caregiver_invitation(site: &PublicUrl, to: &str, path: &str, days: i64) -> Email {
    letter(
        to,
        EmailKind::CaregiverInvitation,
        "You're invited to help with someone's VA secure messages",
        &[
            "A Veteran asked for you to be able to read and send their VA secure messages for \
             them.",
            &format!(
                "To accept, sign in to VA Secure Messaging with this email address and follow \
                 this link. It works once, for {days} days:"
            ),
        ],
        &site.link(path),
        &[
            "If you don't have an account with this email address, the Veteran's VA facility \
             can make one for you.",
            "If you weren't expecting this email, you can ignore it.",
        ],
    )
}

/// To a new address: the one-time link that makes it the one the person signs in with.
pub fn confirm_new_email(site: &PublicUrl, to: &str, path: &str, hours: i64) -> Email {
    letter(
        to,
        EmailKind::EmailChangeLink,
        "Confirm your new email address for VA Secure Messaging",
        &[&format!(
            "Someone signed in to VA Secure Messaging asked to use this email address for \
             their account. If it was you, confirm it here. The link works once, for {hours} \
             hours, and asks you to sign in first:"
        )],
        &site.link(path),
        &["If it wasn't you, you can ignore this email: nothing changes."],
    )
}

/// To a new address that another account already uses: no link, and nothing changes.
pub fn email_address_in_use(site: &PublicUrl, to: &str) -> Email {
    letter(
        to,
        EmailKind::EmailAddressInUse,
        "Your email address is already in use",
        &[
            "Someone signed in to VA Secure Messaging asked to use this email address for \
             their account, but another account already uses it, so nothing changed. If you \
             use this address to sign in, you can sign in here:",
        ],
        &site.link("/sign-in"),
        &["If you didn't ask for this, you can ignore this email."],
    )
}

/// To the old address, once the new one is confirmed.
pub fn email_changed(site: &PublicUrl, to: &str) -> Email {
    letter(
        to,
        EmailKind::EmailChanged,
        "Your email address was changed",
        &[
            "The email address of your VA Secure Messaging account was changed. From now on, \
             you sign in with the new address, and our emails go there, not here.",
            "If you didn't do this, call your VA facility right away. You can sign in here:",
        ],
        &site.link("/sign-in"),
        &[],
    )
}

/// A passkey was added to the account. A passkey signs in without the password, so someone
/// holding an open session could keep a way in with one: the person learns of it here. The
/// passkey's name is left out (it is whatever was typed).
pub fn passkey_added(site: &PublicUrl, to: &str) -> Email {
    letter(
        to,
        EmailKind::PasskeyAdded,
        "A passkey was added to your account",
        &[
            "A passkey was added to your VA Secure Messaging account. It can now be used to \
             sign in.",
            "If you didn't do this, call your VA facility right away. You can see and remove \
             your passkeys in Settings:",
        ],
        &site.link("/settings#passkeys"),
        &[],
    )
}

/// "You have a new secure message": that the care team wrote, and nothing of what, to whom
/// or about what (DESIGN.md §2).
pub fn new_message(site: &PublicUrl, to: &str) -> Email {
    letter(
        to,
        EmailKind::NewMessage,
        "You have a new secure message",
        &["You have a new message from your VA health care team. Sign in to read it:"],
        &site.link("/inbox"),
        &[SETTINGS_LINE],
    )
}

/// The daily digest: the same, once, for everything since the last one.
pub fn new_message_digest(site: &PublicUrl, to: &str) -> Email {
    letter(
        to,
        EmailKind::NewMessageDigest,
        "You have new secure messages",
        &[
            "You have new messages from your VA health care team since yesterday. Sign in to \
             read them:",
        ],
        &site.link("/inbox"),
        &[SETTINGS_LINE],
    )
}

/// To each care team member on duty: a message with crisis language arrived. No Veteran,
/// team, thread or words.
pub fn urgent_message(site: &PublicUrl, to: &str) -> Email {
    letter(
        to,
        EmailKind::UrgentMessage,
        "A message may need urgent attention",
        &[
            "A message that may need urgent attention arrived for one of your teams. Sign in \
             to the team inbox to see it:",
        ],
        &site.link("/team"),
        &[],
    )
}

/// To a team's leads: a conversation went past its response target (the in-app
/// notification says which).
pub fn overdue(site: &PublicUrl, to: &str) -> Email {
    letter(
        to,
        EmailKind::Overdue,
        "A conversation is past its response target",
        &[
            "A conversation of a team you lead went past its response target. Sign in to see \
             your notifications:",
        ],
        &site.link("/team/notifications"),
        &[],
    )
}

/// Where a person changes how often they hear about new messages.
const SETTINGS_LINE: &str =
    "To change how often we email you about new messages, sign in and go to Settings.";

/// An email of paragraphs, one link on a line of its own, then more paragraphs and the
/// footer; the HTML part says the same with the link clickable.
fn letter(
    to: &str,
    kind: EmailKind,
    subject: &str,
    before: &[&str],
    link: &str,
    after: &[&str],
) -> Email {
    let mut text = String::new();
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family: sans-serif; line-height: 1.5\">",
    );
    for paragraph in before {
        text.push_str(paragraph);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", html_escape::encode_text(paragraph)));
    }
    text.push_str(link);
    text.push_str("\n\n");
    html.push_str(&format!(
        "<p><a href=\"{0}\">{1}</a></p>",
        html_escape::encode_double_quoted_attribute(link),
        html_escape::encode_text(link)
    ));
    for paragraph in after.iter().chain([&FOOTER]) {
        text.push_str(paragraph);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", html_escape::encode_text(paragraph)));
    }
    html.push_str("</body></html>");
    Email {
        to: to.to_string(),
        kind,
        subject: subject.to_string(),
        text: text.trim_end().to_string(),
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_has_its_link_in_both_parts_and_nothing_else_of_the_site() {
        let site = PublicUrl::parse("https://messages.va.example").unwrap();
        let email = invitation(&site, "pat@example.com", "/set-password?token=ab&cd");
        assert_eq!(email.to, "pat@example.com");
        assert!(email
            .text
            .contains("\nhttps://messages.va.example/set-password?token=ab&cd\n"));
        assert!(email
            .html
            .contains("href=\"https://messages.va.example/set-password?token=ab&amp;cd\""));
        assert!(email.text.ends_with(FOOTER));
    }
}
