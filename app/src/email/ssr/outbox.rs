//! The outbox: emails written inside the transaction of the event that causes them, read
//! back by the delivery worker, counted for administrators, and shown at `/demo/mail` in the
//! demo.

use super::PublicUrl;
use crate::error::AppError;
use crate::server::db::{Db, Tx, YesNo};

/// What an email is about: the `email_outbox.kind` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailKind {
    /// An administrator invited the person: a link to set their first password.
    Invitation,
    /// An administrator reset the password: a link to choose a new one.
    PasswordReset,
    /// An administrator turned the person's two-step verification off.
    MfaReset,
    /// The person asked for a link to choose a new password ("Forgot your password?").
    ForgotPassword,
    /// The person asked to sign in with this address: a link to confirm it.
    EmailChangeLink,
    /// The person asked to sign in with this address, which another account uses.
    EmailAddressInUse,
    /// To the old address: the account's email address was changed.
    EmailChanged,
    /// Their care team wrote (no more than that).
    NewMessage,
    /// Their care team wrote since yesterday's 7 am.
    NewMessageDigest,
    /// A message with crisis language reached one of the clinician's teams.
    UrgentMessage,
    /// A thread of a team the clinician leads went past its response target.
    Overdue,
    /// A Veteran invited the person to act for them: a link to accept.
    CaregiverInvitation,
    /// A passkey was added to the account: who did not add it learns of it.
    PasskeyAdded,
}

impl EmailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Invitation => "invitation",
            EmailKind::PasswordReset => "password_reset",
            EmailKind::MfaReset => "mfa_reset",
            EmailKind::ForgotPassword => "forgot_password",
            EmailKind::EmailChangeLink => "email_change_link",
            EmailKind::EmailAddressInUse => "email_address_in_use",
            EmailKind::EmailChanged => "email_changed",
            EmailKind::NewMessage => "new_message",
            EmailKind::NewMessageDigest => "new_message_digest",
            EmailKind::UrgentMessage => "urgent_message",
            EmailKind::Overdue => "overdue",
            EmailKind::CaregiverInvitation => "caregiver_invitation",
            EmailKind::PasskeyAdded => "passkey_added",
        }
    }
}

/// One email, ready to be written to the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub kind: EmailKind,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Writes `email` to the outbox inside `tx`: it goes out only if `tx` commits, and is not
/// lost if the process stops after the commit. Answers the email's Message-ID.
pub async fn enqueue(tx: &mut Tx, site: &PublicUrl, email: &Email) -> Result<String, AppError> {
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), site.host());
    let now = tx.now_ms();
    sqlx::query(
        "INSERT INTO email_outbox (recipient, kind, subject, text_body, html_body, message_id, \
         created_at, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $7)",
    )
    .bind(&email.to)
    .bind(email.kind.as_str())
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .bind(&message_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(message_id)
}

/// How delivery stands, for the administrator's overview: counts only, never addresses or
/// words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    /// Not yet delivered: new, or waiting for a retry.
    pub waiting: i64,
    /// Waiting after at least one failed attempt.
    pub retrying: i64,
    /// Given up on after the last retry.
    pub failed: i64,
}

pub async fn delivery_counts(pool: &sqlx::AnyPool) -> Result<DeliveryCounts, sqlx::Error> {
    let (waiting, retrying, failed): (i64, i64, i64) = sqlx::query_as(
        "SELECT \
         COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL AND attempts > 0 \
         THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) \
         FROM email_outbox",
    )
    .fetch_one(pool)
    .await?;
    Ok(DeliveryCounts {
        waiting,
        retrying,
        failed,
    })
}

/// The newest emails in the outbox, for the demo's `/demo/mail` page only: a demo without
/// an SMTP server keeps its emails here so a newcomer can follow their links.
pub async fn demo_mails(db: &Db, limit: i64) -> Result<Vec<crate::email::DemoMail>, AppError> {
    let rows: Vec<(i64, String, String, String, i64, YesNo)> = sqlx::query_as(
        "SELECT id, recipient, subject, text_body, created_at, \
         CASE WHEN sent_at IS NULL THEN 0 ELSE 1 END FROM email_outbox \
         ORDER BY created_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, to, subject, text, created_at, YesNo(delivered))| crate::email::DemoMail {
                id,
                to,
                subject,
                text,
                created_at,
                delivered,
            },
        )
        .collect())
}
