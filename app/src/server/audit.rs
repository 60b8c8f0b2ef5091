//! The audit trail (DESIGN.md §3): one small writer every feature uses.
//!
//! `record` takes any executor, so a change and its audit event commit in the same
//! transaction (`&mut *tx`), and a read can be audited on the pool. Events never hold
//! message content or passwords: `target` names the thing, `detail` holds non-health JSON.

use super::now_ms;
use sqlx::{Any, Executor};

/// What happened. The stored names are stable: reports and filters rely on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    SignIn,
    SignOut,
    AccessRefused,
    /// A Veteran's side or a care team member opened a thread (DESIGN.md §3: every read of
    /// health information).
    ThreadRead,
    /// A message was sent, new thread or reply.
    MessageSent,
    /// A thread was moved to Inbox or a custom folder, by and for one person.
    ThreadMoved,
    /// A thread was moved to Trash ("Delete"); nothing is erased.
    ThreadTrashed,
    /// A thread was taken out of Trash.
    ThreadRestored,
    /// A draft was deleted for good.
    DraftDeleted,
    /// A Veteran ended a caregiver's access to their messages.
    CaregiverAccessRevoked,
    /// A care team member assigned a thread (to themself or a colleague) or unassigned it.
    ThreadAssigned,
    /// A care team member moved a thread to another care team.
    ThreadReassigned,
    /// A care team member marked a thread complete.
    ThreadCompleted,
    /// A care team member reopened a completed thread.
    ThreadReopened,
    /// A care team member added an internal note (team only) to a thread.
    InternalNoteAdded,
    // Administration: each holds the values before and after in `detail`.
    FacilityAdded,
    FacilityChanged,
    CareTeamAdded,
    CareTeamChanged,
    TeamMemberAdded,
    TeamMemberRemoved,
    /// A Veteran may now write to a care team (one at a time or by CSV import).
    VeteranTeamAssociated,
    VeteranTeamBlocked,
    VeteranTeamUnblocked,
    UserInvited,
    UserRoleChanged,
    UserDeactivated,
    UserReactivated,
    /// An administrator set, changed or cleared a Veteran's date of birth.
    UserDateOfBirthChanged,
    /// An administrator issued a one-time set-password link for an existing account.
    PasswordResetIssued,
    /// A person set their password through a one-time link.
    PasswordSet,
    /// A person changed their own password in Settings (outcome `failure`: a wrong current
    /// password, which counts toward the sign-in failure limits; `denied`: over them).
    PasswordChanged,
    /// A person asked, in Settings, to sign in with a new email address (outcome `failure`:
    /// a wrong current password; `denied`: over the limits). The link went to the new
    /// address.
    EmailChangeRequested,
    /// A person confirmed their new email address through the emailed link.
    EmailChanged,
    /// "Forgot your password?": someone asked for a reset link for an address (whether or
    /// not an account uses it; the target says which address).
    PasswordResetRequested,
    /// Given by an administrator, or by a caregiver accepting a Veteran's invitation (the
    /// caregiver is the actor then).
    CaregiverAccessGranted,
    /// A Veteran invited someone, by email address, to act for them.
    CaregiverInvited,
    /// A Veteran withdrew an invitation before it was accepted.
    CaregiverInvitationWithdrawn,
    /// Someone downloaded an attachment (or was refused one: outcome `denied`).
    AttachmentDownloaded,
    /// An administrator opened a page of the audit log, which names patients; the filter
    /// used is in `detail`.
    AuditLogViewed,
    /// An administrator downloaded the audit log as CSV; the filter used is in `detail`.
    AuditLogExported,
    /// An administrator opened a report or downloaded it as CSV; what it covered is in
    /// `detail`.
    ReportViewed,
    // Two-step verification. The code step of a sign-in is a `SignIn` event whose `detail`
    // says `"step": "authentication_code"`, so wrong codes count toward the same limits.
    /// The right password for an account with two-step verification on: not signed in
    /// yet, the authentication code is asked next.
    SignInPasswordAccepted,
    /// A person confirmed "Set up" with a code (outcome `failure`: a wrong code).
    MfaTurnedOn,
    /// A person turned it off with a code (outcome `failure`: a wrong code, which counts
    /// toward the sign-in failure limits).
    MfaTurnedOff,
    /// An administrator's "Reset MFA": the secret removed and the person signed out.
    MfaReset,
    /// A person's "Make new codes": ten new recovery codes replaced the old ones. (Signing
    /// in with a recovery code is a `SignIn` event whose `detail` says
    /// `"step": "recovery_code"`.)
    MfaRecoveryCodesMade,
    /// A person added a passkey to their account (`target` `passkey:<id>`). Signing in with
    /// one is a `SignIn` event whose `detail` says `"step": "passkey"`.
    PasskeyAdded,
    /// A person removed one of their passkeys.
    PasskeyRemoved,
    /// A person's "Sign out of all other devices"; how many sessions ended is in `detail`.
    OtherSessionsEnded,
    /// A Veteran or caregiver searched their messages. `detail` holds what was asked for
    /// (folder, category, dates, how many words), never the words, which may describe a
    /// condition, nor the results.
    MessagesSearched,
    /// A Veteran downloaded every conversation they can see as one file (how many are in
    /// `detail`).
    MessagesDownloaded,
    /// The first administrator, made from the command line (`server create-admin`): no
    /// actor, since nobody was signed in.
    AdministratorCreated,
    /// A care team member listed the team inbox. `detail` holds the team, filter and
    /// category asked for, and how many words were searched for; never the words.
    TeamInboxListed,
    /// A care team member searched, by name, for a Veteran of their teams to write to.
    /// `detail` holds how many words were searched for and how many Veterans were found;
    /// never the words.
    VeteransSearched,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::SignOut => "sign_out",
            Action::AccessRefused => "access_refused",
            Action::ThreadRead => "thread_read",
            Action::MessageSent => "message_sent",
            Action::ThreadMoved => "thread_moved",
            Action::ThreadTrashed => "thread_trashed",
            Action::ThreadRestored => "thread_restored",
            Action::DraftDeleted => "draft_deleted",
            Action::CaregiverAccessRevoked => "caregiver_access_revoked",
            Action::ThreadAssigned => "thread_assigned",
            Action::ThreadReassigned => "thread_reassigned",
            Action::ThreadCompleted => "thread_completed",
            Action::ThreadReopened => "thread_reopened",
            Action::InternalNoteAdded => "internal_note_added",
            Action::FacilityAdded => "facility_added",
            Action::FacilityChanged => "facility_changed",
            Action::CareTeamAdded => "care_team_added",
            Action::CareTeamChanged => "care_team_changed",
            Action::TeamMemberAdded => "team_member_added",
            Action::TeamMemberRemoved => "team_member_removed",
            Action::VeteranTeamAssociated => "veteran_team_associated",
            Action::VeteranTeamBlocked => "veteran_team_blocked",
            Action::VeteranTeamUnblocked => "veteran_team_unblocked",
            Action::UserInvited => "user_invited",
            Action::UserRoleChanged => "user_role_changed",
            Action::UserDeactivated => "user_deactivated",
            Action::UserReactivated => "user_reactivated",
            Action::UserDateOfBirthChanged => "user_date_of_birth_changed",
            Action::PasswordResetIssued => "password_reset_issued",
            Action::PasswordResetRequested => "password_reset_requested",
            Action::PasswordSet => "password_set",
            Action::PasswordChanged => "password_changed",
            Action::EmailChangeRequested => "email_change_requested",
            Action::EmailChanged => "email_changed",
            Action::CaregiverAccessGranted => "caregiver_access_granted",
            Action::CaregiverInvited => "caregiver_invited",
            Action::CaregiverInvitationWithdrawn => "caregiver_invitation_withdrawn",
            Action::AttachmentDownloaded => "attachment_downloaded",
            Action::AuditLogViewed => "audit_log_viewed",
            Action::AuditLogExported => "audit_log_exported",
            Action::ReportViewed => "report_viewed",
            Action::SignInPasswordAccepted => "sign_in_password_accepted",
            Action::MfaTurnedOn => "mfa_turned_on",
            Action::MfaTurnedOff => "mfa_turned_off",
            Action::MfaReset => "mfa_reset",
            Action::MfaRecoveryCodesMade => "mfa_recovery_codes_made",
            Action::PasskeyAdded => "passkey_added",
            Action::PasskeyRemoved => "passkey_removed",
            Action::OtherSessionsEnded => "other_sessions_ended",
            Action::MessagesSearched => "messages_searched",
            Action::MessagesDownloaded => "messages_downloaded",
            Action::TeamInboxListed => "team_inbox_listed",
            Action::VeteransSearched => "veterans_searched",
            Action::AdministratorCreated => "administrator_created",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

/// One event. Build it with `AuditEvent::new` and the `with_*` setters.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub action: Action,
    pub outcome: Outcome,
    pub actor_id: Option<i64>,
    pub on_behalf_of_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

impl AuditEvent {
    pub fn new(action: Action, outcome: Outcome) -> Self {
        AuditEvent {
            action,
            outcome,
            actor_id: None,
            on_behalf_of_id: None,
            patient_id: None,
            target: None,
            ip: None,
            detail: None,
        }
    }
    pub fn actor(mut self, user_id: i64) -> Self {
        self.actor_id = Some(user_id);
        self
    }
    pub fn on_behalf_of(mut self, veteran_id: i64) -> Self {
        self.on_behalf_of_id = Some(veteran_id);
        self
    }
    pub fn patient(mut self, veteran_id: i64) -> Self {
        self.patient_id = Some(veteran_id);
        self
    }
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }
    pub fn from_address(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail.to_string());
        self
    }
}

/// Appends one event.
pub async fn record<'e, E>(executor: E, event: &AuditEvent) -> Result<(), sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO audit_events \
         (at, actor_id, on_behalf_of_id, patient_id, action, target, outcome, ip, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now_ms())
    .bind(event.actor_id)
    .bind(event.on_behalf_of_id)
    .bind(event.patient_id)
    .bind(event.action.as_str())
    .bind(event.target.as_deref())
    .bind(event.outcome.as_str())
    .bind(event.ip.as_deref())
    .bind(event.detail.as_deref())
    .execute(executor)
    .await?;
    Ok(())
}

/// How many events with this action, target and outcome happened since `since_ms`, from
/// one address or (`None`) from any.
pub async fn count_since_for_target<'e, E>(
    executor: E,
    action: Action,
    outcome: Outcome,
    target: &str,
    ip: Option<&str>,
    since_ms: i64,
) -> Result<i64, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events \
         WHERE action = $1 AND target = $2 AND outcome = $3 AND at >= $4 \
         AND ($5 IS NULL OR ip = $5)",
    )
    .bind(action.as_str())
    .bind(target)
    .bind(outcome.as_str())
    .bind(since_ms)
    .bind(ip)
    .fetch_one(executor)
    .await
}

/// How many different targets events with either of these actions and this outcome named,
/// from one address, since `since_ms`.
pub async fn targets_since_from_address<'e, E>(
    executor: E,
    actions: [Action; 2],
    outcome: Outcome,
    ip: &str,
    since_ms: i64,
) -> Result<i64, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_scalar(
        "SELECT COUNT(DISTINCT target) FROM audit_events \
         WHERE action IN ($1, $2) AND ip = $3 AND outcome = $4 AND at >= $5",
    )
    .bind(actions[0].as_str())
    .bind(actions[1].as_str())
    .bind(ip)
    .bind(outcome.as_str())
    .bind(since_ms)
    .fetch_one(executor)
    .await
}
