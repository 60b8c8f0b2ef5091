//! The sign-in rules, free of HTTP so data-layer tests can run them on both databases.

use crate::auth::SignedInUser;
use crate::error::AppError;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::Db;
use crate::server::sign_in_guard::{self, Gate};
use crate::server::{passwords, users};
use std::collections::BTreeMap;

/// Checks the fields before anything else, the USWDS way: one message per empty field.
pub fn validate(email: &str, password: &str) -> Result<(), AppError> {
    let mut fields = BTreeMap::new();
    if email.trim().is_empty() {
        fields.insert("email".to_string(), "Enter your email address.".to_string());
    } else if !email.contains('@') {
        fields.insert(
            "email".to_string(),
            "Enter an email address in the right format, like name@example.com.".to_string(),
        );
    }
    if password.is_empty() {
        fields.insert("password".to_string(), "Enter your password.".to_string());
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid { fields })
    }
}

/// One sign-in attempt from `ip`: applies the failure limits, checks the password, and
/// audits the outcome. Unknown email, wrong password and deactivated account all answer
/// `SignInFailed`, after the same work.
pub async fn attempt(
    db: &Db,
    email: &str,
    password: &str,
    ip: &str,
) -> Result<SignedInUser, AppError> {
    validate(email, password)?;
    let email = users::normalize_email(email);
    let target = sign_in_guard::account_target(&email);
    match sign_in_guard::check(&db.pool, &email, ip).await? {
        Gate::Refuse => {
            audit::record(
                &db.pool,
                &AuditEvent::new(Action::SignIn, Outcome::Denied)
                    .target(target)
                    .from_address(ip),
            )
            .await?;
            return Err(AppError::TooManyAttempts {
                minutes: sign_in_guard::WINDOW_MINUTES,
            });
        }
        Gate::Slow(wait) => tokio::time::sleep(wait).await,
        Gate::Open => {}
    }

    let account = users::credentials_by_email(&db.pool, &email).await?;
    // Hashing is CPU work: keep it off the async workers.
    let password = password.to_string();
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let matches =
        tokio::task::spawn_blocking(move || passwords::verify(&password, stored.as_deref()))
            .await
            .map_err(AppError::internal)?;

    match account {
        Some(account) if matches && account.active => {
            audit::record(
                &db.pool,
                &AuditEvent::new(Action::SignIn, Outcome::Success)
                    .actor(account.user.id)
                    .target(target)
                    .from_address(ip),
            )
            .await?;
            Ok(account.user)
        }
        account => {
            let mut event = AuditEvent::new(Action::SignIn, Outcome::Failure)
                .target(target)
                .from_address(ip);
            if let Some(account) = account {
                event = event.actor(account.user.id);
            }
            audit::record(&db.pool, &event).await?;
            Err(AppError::SignInFailed)
        }
    }
}
