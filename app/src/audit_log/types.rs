//! What the audit log viewer shows and filters by, shared by the server and the page.

use serde::{Deserialize, Serialize};

/// Events on one page of the viewer.
pub const AUDIT_PAGE_SIZE: usize = 50;

/// The filter as typed in the form (every field may be empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Who acted: an email address, or part of a name.
    pub person: String,
    /// The Veteran the event was about: an email address, or part of a name.
    pub patient: String,
    /// A stored action name (`thread_read`), or empty for any.
    pub action: String,
    /// `success`, `failure`, `denied`, or empty for any.
    pub outcome: String,
    /// "2026-11-01", both days included, in the system's time zone.
    pub from: String,
    pub to: String,
}

/// One event as the viewer shows it. Never message content: audit events hold none
/// (`server::audit`), and this shows only their own columns and people's names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// "Nov 27, 2026, 3:42 PM EST"
    pub when: String,
    /// "Casey Nguyen (nurse@example.com)"
    pub person: Option<String>,
    pub on_behalf_of: Option<String>,
    pub patient: Option<String>,
    /// The stored name (`thread_read`) and the same in plain words ("Opened a thread").
    pub action: String,
    pub action_words: String,
    /// What the action was about: "thread:42", "path:/admin".
    pub target: Option<String>,
    pub outcome: String,
    pub ip: Option<String>,
    /// Non-health detail as JSON, such as values before and after an administrative change.
    pub detail: Option<String>,
}

/// The stored action names the filter offers, with the words people see.
pub const ACTIONS: [(&str, &str); 54] = [
    ("sign_in", "Signed in"),
    ("sign_out", "Signed out"),
    ("access_refused", "Was refused access"),
    ("thread_read", "Opened a thread"),
    ("message_sent", "Sent a message"),
    ("thread_moved", "Moved a thread to a folder"),
    ("thread_trashed", "Deleted a thread (moved to Trash)"),
    ("thread_restored", "Restored a thread from Trash"),
    ("draft_deleted", "Deleted a draft"),
    ("caregiver_access_revoked", "Ended a caregiver's access"),
    ("thread_assigned", "Assigned or unassigned a thread"),
    ("thread_reassigned", "Moved a thread to another care team"),
    ("thread_completed", "Marked a thread complete"),
    ("internal_note_added", "Added an internal note"),
    ("facility_added", "Added a facility"),
    ("facility_changed", "Changed a facility"),
    ("care_team_added", "Added a care team"),
    ("care_team_changed", "Changed a care team"),
    ("team_member_added", "Added a care team member"),
    ("team_member_removed", "Removed a care team member"),
    (
        "veteran_team_associated",
        "Let a Veteran write to a care team",
    ),
    (
        "veteran_team_blocked",
        "Blocked a Veteran from writing to a care team",
    ),
    (
        "veteran_team_unblocked",
        "Unblocked a Veteran for a care team",
    ),
    ("user_invited", "Invited a person"),
    ("user_role_changed", "Changed a person's role"),
    ("user_deactivated", "Deactivated a person"),
    ("user_reactivated", "Reactivated a person"),
    (
        "user_date_of_birth_changed",
        "Changed a Veteran's date of birth",
    ),
    ("password_reset_issued", "Issued a password reset link"),
    (
        "password_reset_requested",
        "Asked for a password reset link",
    ),
    ("password_set", "Set a password through a link"),
    ("password_changed", "Changed their own password"),
    (
        "email_change_requested",
        "Asked to change their email address",
    ),
    ("email_changed", "Changed their email address"),
    ("caregiver_access_granted", "Gave a caregiver access"),
    (
        "caregiver_invited",
        "Invited someone to help with their messages",
    ),
    (
        "caregiver_invitation_withdrawn",
        "Withdrew an invitation to help with their messages",
    ),
    ("attachment_downloaded", "Downloaded an attachment"),
    ("audit_log_viewed", "Viewed the audit log"),
    ("audit_log_exported", "Downloaded the audit log"),
    ("report_viewed", "Viewed or downloaded a report"),
    (
        "sign_in_password_accepted",
        "Gave the right password (code asked next)",
    ),
    ("mfa_turned_on", "Turned on two-step verification"),
    ("mfa_turned_off", "Turned off two-step verification"),
    ("mfa_reset", "Reset a person's two-step verification"),
    ("mfa_recovery_codes_made", "Made new recovery codes"),
    ("passkey_added", "Added a passkey"),
    ("passkey_removed", "Removed a passkey"),
    ("other_sessions_ended", "Signed out of all other devices"),
    ("messages_searched", "Searched their messages"),
    ("messages_downloaded", "Downloaded their messages"),
    ("team_inbox_listed", "Listed the team inbox"),
    ("veterans_searched", "Searched for a Veteran to write to"),
    (
        "administrator_created",
        "Created an administrator from the command line",
    ),
];

/// The outcomes, with their words.
pub const OUTCOMES: [(&str, &str); 3] = [
    ("success", "Succeeded"),
    ("failure", "Failed"),
    ("denied", "Refused"),
];

/// An action in plain words. Actions added later that are not in `ACTIONS` yet read as
/// their stored name in words ("facility_created" → "Facility created"), never as code.
pub fn action_words(stored: &str) -> String {
    if let Some((_, words)) = ACTIONS.iter().find(|(name, _)| *name == stored) {
        return words.to_string();
    }
    let spaced = stored.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn outcome_words(stored: &str) -> String {
    OUTCOMES
        .iter()
        .find(|(name, _)| *name == stored)
        .map(|(_, words)| words.to_string())
        .unwrap_or_else(|| stored.to_string())
}

/// Where a page of the log starts: events older than this one (newest first, by time then
/// id). Carried in the address as `before=<at>.<id>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCursor {
    pub at: i64,
    pub id: i64,
}

impl AuditCursor {
    pub fn to_token(self) -> String {
        format!("{}.{}", self.at, self.id)
    }

    pub fn from_token(token: &str) -> Option<AuditCursor> {
        let (at, id) = token.trim().split_once('.')?;
        Some(AuditCursor {
            at: at.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_words_even_when_new() {
        assert_eq!(action_words("thread_read"), "Opened a thread");
        assert_eq!(action_words("facility_created"), "Facility created");
        assert_eq!(outcome_words("denied"), "Refused");
    }

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let cursor = AuditCursor {
            at: 1_700_000_000_000,
            id: 42,
        };
        assert_eq!(AuditCursor::from_token(&cursor.to_token()), Some(cursor));
        assert_eq!(AuditCursor::from_token("42"), None);
        assert_eq!(AuditCursor::from_token("x.1"), None);
    }
}
