//! Signatures: an optional name and title, set once in Settings, stored with each message
//! the person sends (DESIGN.md §2). Veterans, caregivers and clinicians each have their own.

use super::super::rules;
use super::super::Signature;
use crate::auth::SignedInUser;
use crate::error::AppError;
use crate::server::access::{MessagingCapability, TeamCapability};
use crate::server::db::Db;
use sqlx::{Any, Executor};

/// Anyone who sends messages: the Veteran's side and care team members.
pub trait Signer {
    fn signer(&self) -> &SignedInUser;
}

impl Signer for MessagingCapability {
    fn signer(&self) -> &SignedInUser {
        self.user()
    }
}

impl Signer for TeamCapability {
    fn signer(&self) -> &SignedInUser {
        self.user()
    }
}

/// The asker's signature (empty when never set).
pub async fn signature(db: &Db, capability: &impl Signer) -> Result<Signature, AppError> {
    let signature: Option<Signature> =
        sqlx::query_as("SELECT name, title FROM signatures WHERE user_id = $1")
            .bind(capability.signer().id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(signature.unwrap_or_default())
}

/// Sets the asker's signature; both lines empty removes it from future messages.
pub async fn set_signature(
    db: &Db,
    capability: &impl Signer,
    signature: &Signature,
) -> Result<(), AppError> {
    rules::validate_signature(&signature.name, &signature.title)?;
    sqlx::query(
        "INSERT INTO signatures (user_id, name, title, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, title = excluded.title, \
         updated_at = excluded.updated_at",
    )
    .bind(capability.signer().id)
    .bind(signature.name.trim())
    .bind(signature.title.trim())
    .bind(db.now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The text to store with a message by `user_id`, if they have a signature.
pub(super) async fn signature_text<'e, E>(
    executor: E,
    user_id: i64,
) -> Result<Option<String>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let signature: Option<Signature> =
        sqlx::query_as("SELECT name, title FROM signatures WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(executor)
            .await?;
    Ok(signature.and_then(|signature| signature.text()))
}
