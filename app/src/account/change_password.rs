//! "Change your password" in `/settings`: the current password, then the new one twice
//! (ASVS 2.1.5, 2.1.6). A plain form post, so it works before (or without) the wasm; a
//! refusal comes back with its messages and empty fields, since passwords are never kept
//! (not in the session, not in the address, not in the page).
//!
//! The current password is checked as `account::current_password` does. The new password must pass the same rules as everywhere a password is chosen
//! (`server::common_passwords`: the built-in list, and the breached-password service when
//! one is set). A change ends every other session
//! of the person, keeps this one, and voids any unused set-password link.

use crate::admin::rules::PASSWORD_MIN_CHARS;
use crate::error::AppError;
use crate::ui::current_password::PasswordField;
use crate::ui::{posted_error, ErrorSummary};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

/// Where a plain post comes back to, and the success line's query.
#[cfg(feature = "ssr")]
const SECTION: &str = "/settings";
#[cfg(feature = "ssr")]
const CHANGED: &str = "password=changed";

/// Changes the asker's own password. Audited as `password_changed`, succeeded or not.
#[server(endpoint = "change_password", output = leptos::server_fn::codec::Postcard)]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester};
    use crate::server::session_store::GENERATION_KEY;
    let state = app_state()?;
    let asking = requester();
    let user = asking.user.ok_or(AppError::Unauthenticated)?;
    if asking.set_up_needed {
        return Err(AppError::TwoStepSetUpNeeded);
    }
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(AppError::internal)?;
    let keep = session.id().map(|id| id.to_string()).unwrap_or_default();
    let typed = ssr::Typed {
        current: &current_password,
        new: &new_password,
        confirm: &confirm_password,
    };
    let range = state.config.pwned_range.as_ref();
    let changed =
        match crate::server::common_passwords::breached_problem(range, &new_password).await {
            Some(problem) => Err(AppError::invalid("new_password", problem)),
            None => ssr::change(&state.db, user.id, &keep, &typed, &asking.ip).await,
        };
    match changed {
        Ok(changed) => {
            // This session moves to the new generation with the person; the others ended.
            session.insert(GENERATION_KEY, changed.generation).await?;
            if crate::ui::kept::plain_form_post() {
                leptos_axum::redirect(&format!("{SECTION}?{CHANGED}#password"));
            }
            Ok(())
        }
        Err(error) => {
            // Nothing typed is kept: every field here is a password.
            crate::ui::kept::fail_to(SECTION, ChangePassword::PATH, error.clone(), &[]).await;
            Err(error)
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::error::AppError;
    use crate::server::audit::{self, Action, AuditEvent, Outcome};
    use crate::server::common_passwords::new_password_problem;
    use crate::server::db::Db;
    use crate::server::{passwords, session_store, users};
    use crate::ui::current_password::ssr as current_password;
    use std::collections::BTreeMap;

    /// The three fields as typed.
    pub struct Typed<'a> {
        pub current: &'a str,
        pub new: &'a str,
        pub confirm: &'a str,
    }

    /// A change made.
    #[derive(Debug, PartialEq, Eq)]
    pub struct Changed {
        /// The person's other sessions that ended.
        pub sessions_ended: u64,
        /// The person's new session generation, which the kept session must carry.
        pub generation: i64,
    }

    pub use crate::ui::current_password::ssr::CURRENT_WRONG;
    pub const CONFIRM_DIFFERS: &str = "The passwords don't match. Type the same password twice.";
    pub const SAME_AS_CURRENT: &str =
        "Your new password is the same as your current one. Choose a different password.";

    fn event(user_id: i64, outcome: Outcome, ip: &str) -> AuditEvent {
        current_password::event(Action::PasswordChanged, user_id, outcome, ip)
    }

    /// Changes the password of `user_id` (signed in, in the session `keep_session`) from
    /// `ip`. The fields are checked first, so a new password that would be refused anyway
    /// costs no guess at the current one; then the current password, under the sign-in
    /// limits; then the new one is stored, the other sessions end and any unused
    /// set-password link dies, in one transaction with the audit event.
    pub async fn change(
        db: &Db,
        user_id: i64,
        keep_session: &str,
        typed: &Typed<'_>,
        ip: &str,
    ) -> Result<Changed, AppError> {
        let user = users::active_user(&db.pool, user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let mut fields = BTreeMap::new();
        if typed.current.is_empty() {
            fields.insert(
                "current_password".to_string(),
                "Enter your current password.".to_string(),
            );
        }
        if let Some(problem) = new_password_problem(typed.new, &user.email).await? {
            fields.insert("new_password".to_string(), problem);
        } else if typed.new != typed.confirm {
            fields.insert("confirm_password".to_string(), CONFIRM_DIFFERS.to_string());
        }
        if !fields.is_empty() {
            return Err(AppError::Invalid { fields });
        }

        let stored = current_password::check(
            db,
            user_id,
            &user.email,
            &current_password::Typed {
                field: "current_password",
                password: typed.current,
            },
            ip,
            Action::PasswordChanged,
        )
        .await?;
        if typed.new == typed.current {
            return Err(AppError::invalid("new_password", SAME_AS_CURRENT));
        }

        // Hashing takes a while on purpose; do it before holding the write lock.
        let hash = passwords::make(typed.new.to_string())
            .await
            .map_err(AppError::internal)?;
        let now = db.now_ms();
        let mut tx = db.begin_write().await?;
        // Only over the password just checked: a reset or another change that landed
        // meanwhile wins, and this one says so.
        let updated = sqlx::query(
            "UPDATE users SET password_hash = $1, updated_at = $2 \
             WHERE id = $3 AND active = 1 AND password_hash = $4",
        )
        .bind(&hash)
        .bind(now)
        .bind(user_id)
        .bind(&stored)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(AppError::Conflict {
                message: "Your password was changed or reset somewhere else. Sign in again."
                    .to_string(),
            });
        }
        sqlx::query(
            "UPDATE password_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let (sessions_ended, generation) =
            session_store::end_sessions_but(&mut tx, user_id, keep_session).await?;
        let detail = serde_json::json!({ "sessions_ended": sessions_ended });
        audit::record(
            &mut *tx,
            &event(user_id, Outcome::Success, ip).detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(Changed {
            sessions_ended,
            generation,
        })
    }
}

/// The section, for every signed-in person.
#[component]
pub fn ChangePasswordSettings() -> impl IntoView {
    let error = posted_error(&[ChangePassword::PATH]);
    let changed = error.is_none()
        && use_query_map().read_untracked().get("password").as_deref() == Some("changed");
    let field_error = |name: &str| error.as_ref().and_then(|e| e.field(name));
    let new_hint = format!(
        "At least {PASSWORD_MIN_CHARS} characters. Avoid common passwords and your email address."
    );
    view! {
        <section class="sm-settings-section" aria-labelledby="password-heading" id="password">
            <h2 id="password-heading">"Change your password"</h2>
            <ErrorSummary error=Signal::stored(error.clone()) />
            {changed.then(|| view! {
                <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">"Your password is changed. You're signed out on all other devices. You're still signed in here."</p>
                    </div>
                </div>
            })}
            <form class="usa-form" method="post" action=ChangePassword::PATH novalidate>
                <PasswordField
                    name="current_password"
                    label="Current password"
                    autocomplete="current-password"
                    hint=None
                    error=field_error("current_password")
                />
                <PasswordField
                    name="new_password"
                    label="New password"
                    autocomplete="new-password"
                    hint=Some(new_hint)
                    error=field_error("new_password")
                />
                <PasswordField
                    name="confirm_password"
                    label="Confirm new password"
                    autocomplete="new-password"
                    hint=None
                    error=field_error("confirm_password")
                />
                <button type="submit" class="usa-button">"Change password"</button>
            </form>
        </section>
    }
}
