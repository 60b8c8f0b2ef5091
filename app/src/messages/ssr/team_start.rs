//! A conversation the care team starts: the team writes first to a Veteran it serves.
//! Stored through the same bookkeeping as every message (`append`), so the Veteran and
//! their caregivers find it in their Inbox, unread, from the team, and can reply within the
//! reply window like any conversation.

use super::super::{rules, NewMessage, SentMessage};
use super::signatures::signature_text;
use super::threads::already_sent;
use super::{append, Outgoing};
use crate::error::AppError;
use crate::server::access::TeamCapability;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::{is_unique_violation, Db};

/// Starts a thread from `message.care_team_id` to `veteran_id`, written by the clinician.
///
/// Checks the fields first (field errors keep what was typed), then that the clinician is
/// on that team and the Veteran is an active Veteran associated with it and not blocked:
/// anything else answers `NotFound`, the same for a Veteran who does not exist, so nobody
/// learns of Veterans outside their teams. The thread, the message (with the clinician's
/// signature), every viewer's unread mark, the new-message email note and the
/// `message_sent` audit event (`new_thread`, `started_by_team`) commit together. Nothing
/// waits on the team afterwards: the team spoke last. A retry with the same client key
/// returns the first thread and makes nothing new. The files on the clinician's
/// new-conversation draft for this Veteran (`team::ssr::start_draft_for_files`) move onto
/// the message, and the draft is deleted, in the same transaction. `message.draft_id` is
/// not used: there is one such draft per clinician and Veteran.
pub async fn team_start_thread(
    db: &Db,
    capability: &TeamCapability,
    veteran_id: i64,
    message: &NewMessage,
) -> Result<SentMessage, AppError> {
    let clinician = capability.user();
    rules::validate_client_key(&message.client_key)?;
    rules::validate_new_message(
        message.care_team_id,
        message.category,
        &message.subject,
        &message.body,
    )?;
    let (Some(team_id), Some(category)) = (message.care_team_id, message.category) else {
        return Err(AppError::internal(
            "validated message lost its team or category",
        ));
    };
    if let Some(sent) = retried(db, clinician.id, &message.client_key, veteran_id).await? {
        return Ok(sent);
    }
    let subject = message.subject.trim();
    let signature = signature_text(&db.pool, clinician.id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    // In the write transaction, so a membership or association ended meanwhile counts.
    let allowed: Option<i64> = sqlx::query_scalar(
        "SELECT vt.team_id FROM veteran_teams vt \
         JOIN team_members tm ON tm.team_id = vt.team_id AND tm.user_id = $1 \
         JOIN users v ON v.id = vt.veteran_id \
         WHERE vt.veteran_id = $2 AND vt.team_id = $3 AND vt.blocked = 0 \
         AND v.role = 'veteran' AND v.active = 1",
    )
    .bind(clinician.id)
    .bind(veteran_id)
    .bind(team_id)
    .fetch_optional(&mut *tx)
    .await?;
    if allowed.is_none() {
        return Err(AppError::NotFound);
    }
    let thread_id: i64 = sqlx::query_scalar(
        "INSERT INTO threads (veteran_id, team_id, subject, category, created_at, last_message_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(veteran_id)
    .bind(team_id)
    .bind(subject)
    .bind(category.as_str())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let outgoing = Outgoing {
        thread_id,
        veteran_id,
        author_id: clinician.id,
        on_behalf_of: None,
        from_team: true,
        body: &message.body,
        signature,
        client_key: Some(&message.client_key),
        urgent_language: false,
        at: now,
    };
    let appended = match append(&mut tx, &outgoing).await {
        Ok(appended) => appended,
        Err(error) if is_unique_violation(&error) => {
            // The same send raced itself: the other one won. Undo this one, answer with it.
            tx.rollback().await?;
            return retried(db, clinician.id, &message.client_key, veteran_id)
                .await?
                .ok_or_else(|| AppError::internal(error));
        }
        Err(error) => return Err(error.into()),
    };
    let message_id = appended.message_id;
    // The files the clinician attached while writing travel with the message, and their
    // new-conversation draft is done with.
    let files = crate::attachments::ssr::records::link_team_start_draft(
        &mut tx,
        clinician.id,
        veteran_id,
        message_id,
    )
    .await?;
    sqlx::query(
        "DELETE FROM drafts WHERE author_id = $1 AND veteran_id = $2 AND starts_thread = 1",
    )
    .bind(clinician.id)
    .bind(veteran_id)
    .execute(&mut *tx)
    .await?;
    // The Veteran and their caregivers hear of it by email, by their choice in Settings.
    crate::email::ssr::notices::note_new_message(&mut tx, veteran_id).await?;
    let mut sent = AuditEvent::new(Action::MessageSent, Outcome::Success)
        .actor(clinician.id)
        .patient(veteran_id)
        .target(format!("thread:{thread_id}"))
        .detail(serde_json::json!({
            "message_id": message_id,
            "new_thread": true,
            "started_by_team": true,
            "attachments": files,
        }));
    if let Some(address) = capability.address() {
        sent = sent.from_address(address);
    }
    audit::record(&mut *tx, &sent).await?;
    tx.commit().await?;
    Ok(SentMessage {
        thread_id,
        message_id,
        urgent_language: false,
        already_sent: false,
    })
}

/// The thread this clinician already started with this client key, when it was to this
/// Veteran; the key used for anything else is a form used twice.
async fn retried(
    db: &Db,
    clinician_id: i64,
    client_key: &str,
    veteran_id: i64,
) -> Result<Option<SentMessage>, AppError> {
    match already_sent(db, clinician_id, client_key).await? {
        Some((sent, to)) if to == veteran_id => Ok(Some(sent)),
        Some(_) => Err(AppError::Conflict {
            message: "This form was already used to send a message. Reload the page and try again."
                .to_string(),
        }),
        None => Ok(None),
    }
}
