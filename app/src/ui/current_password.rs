//! Asking for the current password before a change to the account (a new password, a new
//! email address, new recovery codes): the field, and the check. A wrong current password
//! is a guess at it like one at the sign-in page (someone at an unlocked computer), so it
//! is counted by the same limits (`server::sign_in_guard`).

use crate::ui::FieldError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::error::AppError;
    use crate::server::audit::{self, Action, AuditEvent, Outcome};
    use crate::server::db::Db;
    use crate::server::sign_in_guard::{self, Gate};
    use crate::server::{passwords, users};

    pub const CURRENT_WRONG: &str =
        "Your current password is incorrect. Enter the password you use to sign in now.";

    /// The audit event of the change `action` that `user_id` asked for from `ip`.
    pub fn event(action: Action, user_id: i64, outcome: Outcome, ip: &str) -> AuditEvent {
        AuditEvent::new(action, outcome)
            .actor(user_id)
            .target(format!("user:{user_id}"))
            .from_address(ip)
    }

    /// The current password as typed in the form field `field`.
    pub struct Typed<'a> {
        pub field: &'a str,
        pub password: &'a str,
    }

    /// Checks `typed`, the current password of `user_id` (who signs in as `email`), under
    /// the sign-in limits. A refusal is audited as `action`, denied (over the limits) or
    /// failed (wrong, named on `typed.field`). Answers the stored hash it matched, so the
    /// change can be made only over it.
    pub async fn check(
        db: &Db,
        user_id: i64,
        email: &str,
        typed: &Typed<'_>,
        ip: &str,
        action: Action,
    ) -> Result<String, AppError> {
        let (guess, gate) = sign_in_guard::begin(db, email, ip).await?;
        match gate {
            Gate::Refuse => {
                guess.not_counted(&db.pool).await?;
                audit::record(&db.pool, &event(action, user_id, Outcome::Denied, ip)).await?;
                return Err(AppError::TooManyAttempts {
                    minutes: sign_in_guard::WINDOW_MINUTES,
                });
            }
            Gate::Slow(wait) => tokio::time::sleep(wait).await,
            Gate::Open => {}
        }
        let stored = users::credentials_by_email(&db.pool, email)
            .await?
            .and_then(|account| account.password_hash);
        let matches = passwords::check(typed.password.to_string(), stored.clone())
            .await
            .map_err(AppError::internal)?;
        let Some(stored) = stored.filter(|_| matches) else {
            guess.failed();
            let detail = serde_json::json!({ "reason": "current_password_wrong" });
            audit::record(
                &db.pool,
                &event(action, user_id, Outcome::Failure, ip).detail(detail),
            )
            .await?;
            return Err(AppError::invalid(typed.field, CURRENT_WRONG));
        };
        guess.not_counted(&db.pool).await?;
        Ok(stored)
    }
}

/// A password input with its label, hint and error tied to it. Never given a value: a
/// refused post comes back with the fields empty.
#[component]
pub fn PasswordField(
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    hint: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let has_error = error.is_some();
    let hint_id = format!("{name}-hint");
    let described: Vec<String> = [
        hint.as_ref().map(|_| hint_id.clone()),
        error.as_ref().map(|_| format!("{name}-error")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    view! {
        <div class="usa-form-group" class:usa-form-group--error=has_error>
            <label class="usa-label" class:usa-label--error=has_error for=name>{label}</label>
            {hint.map(|hint| view! { <span class="usa-hint" id=hint_id>{hint}</span> })}
            <FieldError id=name message=error />
            <input
                class="usa-input"
                class:usa-input--error=has_error
                id=name
                name=name
                type="password"
                autocomplete=autocomplete
                aria-invalid=has_error.to_string()
                aria-describedby=described
            />
        </div>
    }
}
