//! "Reset MFA" (Users): for a person who lost their phone or authenticator app.
//! Their two-step verification goes off and its secret is deleted, their passkeys are
//! removed (a lost phone may hold one), and every one of their
//! sessions ends in the same transaction, like a deactivation: whoever holds an open
//! session loses it. They then sign in with their password alone and, if their role
//! requires it, must set it up again at once. They are told by email, written in the same
//! transaction, so someone who did not ask for it learns of it.

use super::{audit_change, Change, Origin};
use crate::email::ssr::{enqueue, letters, PublicUrl};
use crate::error::AppError;
use crate::server::access::AdminCapability;
use crate::server::audit::Action;
use crate::server::db::Db;

pub async fn reset_mfa(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    site: &PublicUrl,
    user_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
    let email = email.ok_or(AppError::NotFound)?;
    let was_on = crate::mfa::ssr::remove_in(db, &mut tx, user_id).await?;
    let passkeys = crate::passkeys::ssr::remove_all_in(&mut tx, user_id).await?;
    if !was_on && passkeys == 0 {
        // Nothing to reset (a set-up in progress, if any, is gone too: it was never in use).
        tx.commit().await?;
        return Ok(());
    }
    let sessions = crate::server::session_store::end_all_sessions_of(&mut tx, user_id).await?;
    sqlx::query("UPDATE users SET updated_at = $1 WHERE id = $2")
        .bind(db.now_ms())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    enqueue(&mut tx, site, &letters::mfa_reset(site, &email)).await?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::MfaReset,
            target: format!("user:{user_id}"),
            patient: None,
            before: serde_json::json!({ "mfa": was_on, "passkeys": passkeys }),
            after: serde_json::json!({ "mfa": false, "passkeys": 0, "sessions_ended": sessions }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
