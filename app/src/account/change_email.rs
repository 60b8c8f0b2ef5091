//! "Change your email address" in `/settings`: the new address and the current password,
//! then a link emailed to the new address. Following it (signed in as the same person)
//! makes the new address the one they sign in with, and the old address is told. Until
//! then nothing changes, so a typo or someone at an unlocked computer cannot take the
//! account to an address that is not the person's.
//!
//! The answer to the request is the same whether or not another account uses the new
//! address (that address gets an email saying so instead of a link), so the form cannot be
//! used to find out who has an account. Both steps are plain form posts and work without
//! the wasm.

use crate::error::AppError;
use crate::ui::current_password::PasswordField;
use crate::ui::{posted_error, ErrorSummary, FieldError, SuccessStatus};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// Where the emailed link opens.
pub const CONFIRM_PATH: &str = "/settings/email";

/// How long the emailed link works.
pub const LINK_HOURS: i64 = 24;

/// Where a refused change comes back to.
#[cfg(feature = "ssr")]
const SECTION: &str = "/settings";

/// What the section shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress {
    /// The address the person signs in with.
    pub current: String,
    /// A new address waiting for its link to be followed.
    pub waiting: Option<String>,
    /// What a refused post had in the new-address field.
    pub typed: String,
}

#[server(endpoint = "my_email_address", output = leptos::server_fn::codec::Postcard)]
pub async fn my_email_address(kept: Option<String>) -> Result<EmailAddress, AppError> {
    use crate::server::access::{app_state, signed_in};
    let person = signed_in()?;
    let state = app_state()?;
    let typed = match kept {
        Some(token) => crate::ui::kept::kept_fields(&token).await?,
        None => Default::default(),
    };
    Ok(EmailAddress {
        current: person.email.clone(),
        waiting: ssr::waiting(&state.db, person.id).await?,
        typed: typed.get("new_email").cloned().unwrap_or_default(),
    })
}

/// Emails a link to `new_email` that makes it the asker's address. Audited as
/// `email_change_requested`, succeeded or not.
#[server(endpoint = "change_email", output = leptos::server_fn::codec::Postcard)]
pub async fn change_email(new_email: String, email_password: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester};
    let state = app_state()?;
    let asking = requester();
    let user = asking.user.ok_or(AppError::Unauthenticated)?;
    if asking.set_up_needed {
        return Err(AppError::TwoStepSetUpNeeded);
    }
    let typed = ssr::Typed {
        new_email: &new_email,
        current_password: &email_password,
    };
    match ssr::request(
        &state.db,
        &state.config.public_url,
        user.id,
        &typed,
        &asking.ip,
    )
    .await
    {
        Ok(()) => {
            leptos_axum::redirect("/settings?done=email_link_sent#email-address");
            Ok(())
        }
        Err(error) => {
            // The address is kept to be corrected; the password never is.
            let kept = [("new_email", new_email.as_str())];
            crate::ui::kept::fail_to(SECTION, ChangeEmail::PATH, error.clone(), &kept).await;
            Err(error)
        }
    }
}

/// The new address a link of the asker's would confirm, or `None` when the link does not
/// work for them (unknown, used, expired, or another person's).
#[server(endpoint = "email_change_waiting", output = leptos::server_fn::codec::Postcard)]
pub async fn email_change_waiting(token: String) -> Result<Option<String>, AppError> {
    use crate::server::access::{app_state, signed_in};
    let person = signed_in()?;
    let state = app_state()?;
    ssr::new_address_of_link(&state.db, person.id, &token).await
}

/// Makes the link's new address the asker's. Audited as `email_changed`.
#[server(endpoint = "confirm_email_change", output = leptos::server_fn::codec::Postcard)]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester};
    let state = app_state()?;
    let asking = requester();
    let user = asking.user.ok_or(AppError::Unauthenticated)?;
    if asking.set_up_needed {
        return Err(AppError::TwoStepSetUpNeeded);
    }
    match ssr::confirm(
        &state.db,
        &state.config.public_url,
        user.id,
        &token,
        &asking.ip,
    )
    .await
    {
        Ok(()) => {
            leptos_axum::redirect("/settings?done=email_changed#email-address");
            Ok(())
        }
        Err(error) => {
            let back = format!("{CONFIRM_PATH}?token={}", crate::ui::encode(&token));
            crate::ui::kept::fail_to(&back, ConfirmEmailChange::PATH, error.clone(), &[]).await;
            Err(error)
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{CONFIRM_PATH, LINK_HOURS};
    use crate::email::ssr::{enqueue, letters, PublicUrl};
    use crate::error::AppError;
    use crate::server::audit::{self, Action, Outcome};
    use crate::server::db::{is_unique_violation, Db};
    use crate::server::link_tokens::{new_token, token_hash};
    use crate::server::users::{self, email_format_problem, normalize_email};
    use crate::ui::current_password::ssr as current_password;
    use std::collections::BTreeMap;

    /// Links one person may ask for in an hour: enough for a typo or two, too few to flood
    /// someone else's address.
    pub const PER_HOUR: i64 = 5;
    const HOUR_MS: i64 = 60 * 60 * 1000;

    pub const SAME_ADDRESS: &str = "This is already your email address.";
    pub const TOO_MANY: &str =
        "You asked for 5 links in the last hour. Wait an hour, then try again.";
    pub const LINK_DOES_NOT_WORK: &str = "This link doesn't work. It may have expired or been \
         used already. Ask for a new one in Settings.";
    pub const ADDRESS_TAKEN: &str = "Another account uses this email address now, so we \
         couldn't change yours. Choose another address in Settings.";

    /// The current password's field (the password section of Settings has its own).
    pub const PASSWORD_FIELD: &str = "email_password";

    /// The two fields as typed.
    pub struct Typed<'a> {
        pub new_email: &'a str,
        pub current_password: &'a str,
    }

    /// Checks the request of `user_id` from `ip` and emails the new address: the link, or,
    /// when another account uses it, a note that nothing changed. Earlier links die.
    pub async fn request(
        db: &Db,
        site: &PublicUrl,
        user_id: i64,
        typed: &Typed<'_>,
        ip: &str,
    ) -> Result<(), AppError> {
        let user = users::active_user(&db.pool, user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let new_email = normalize_email(typed.new_email);
        let mut fields = BTreeMap::new();
        if let Some(problem) = email_format_problem(&new_email) {
            let problem = if new_email.is_empty() {
                "Enter your new email address."
            } else {
                problem
            };
            fields.insert("new_email".to_string(), problem.to_string());
        } else if new_email == user.email {
            fields.insert("new_email".to_string(), SAME_ADDRESS.to_string());
        }
        if typed.current_password.is_empty() {
            fields.insert(
                PASSWORD_FIELD.to_string(),
                "Enter your current password.".to_string(),
            );
        }
        if !fields.is_empty() {
            return Err(AppError::Invalid { fields });
        }
        current_password::check(
            db,
            user_id,
            &user.email,
            &current_password::Typed {
                field: PASSWORD_FIELD,
                password: typed.current_password,
            },
            ip,
            Action::EmailChangeRequested,
        )
        .await?;

        let now = db.now_ms();
        let mut tx = db.begin_write().await?;
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM email_changes WHERE user_id = $1 AND created_at > $2",
        )
        .bind(user_id)
        .bind(now - HOUR_MS)
        .fetch_one(&mut *tx)
        .await?;
        if recent >= PER_HOUR {
            return Err(AppError::invalid("new_email", TOO_MANY));
        }
        void_links(&mut tx, user_id, now).await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(&new_email)
            .fetch_optional(&mut *tx)
            .await?;
        // A row either way, so the hourly limit counts every email sent.
        let (token, hash) = new_token();
        sqlx::query(
            "INSERT INTO email_changes \
             (user_id, new_email, token_hash, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(&new_email)
        .bind(hash)
        .bind(now)
        .bind(now + LINK_HOURS * HOUR_MS)
        .bind(taken.map(|_| now))
        .execute(&mut *tx)
        .await?;
        let email = match taken {
            Some(_) => letters::email_address_in_use(site, &new_email),
            None => letters::confirm_new_email(
                site,
                &new_email,
                &format!("{CONFIRM_PATH}?token={token}"),
                LINK_HOURS,
            ),
        };
        enqueue(&mut tx, site, &email).await?;
        audit::record(
            &mut *tx,
            &current_password::event(Action::EmailChangeRequested, user_id, Outcome::Success, ip),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn void_links(
        tx: &mut crate::server::db::Tx,
        user_id: i64,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE email_changes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The new address of `user_id`'s link that still works, if any.
    pub async fn waiting(db: &Db, user_id: i64) -> Result<Option<String>, AppError> {
        Ok(sqlx::query_scalar(
            "SELECT new_email FROM email_changes \
             WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2 \
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(user_id)
        .bind(db.now_ms())
        .fetch_optional(&db.pool)
        .await?)
    }

    /// The new address the link `token` would give `user_id`, if it works for them.
    pub async fn new_address_of_link(
        db: &Db,
        user_id: i64,
        token: &str,
    ) -> Result<Option<String>, AppError> {
        Ok(sqlx::query_scalar(
            "SELECT new_email FROM email_changes \
             WHERE token_hash = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash(token))
        .bind(user_id)
        .bind(db.now_ms())
        .fetch_optional(&db.pool)
        .await?)
    }

    /// Follows the link `token` for `user_id`: the new address becomes theirs, the link and
    /// any other die, and the old address is told, all in one transaction with the audit
    /// event.
    pub async fn confirm(
        db: &Db,
        site: &PublicUrl,
        user_id: i64,
        token: &str,
        ip: &str,
    ) -> Result<(), AppError> {
        let now = db.now_ms();
        let mut tx = db.begin_write().await?;
        let link: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, new_email FROM email_changes \
             WHERE token_hash = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash(token))
        .bind(user_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((_, new_email)) = link else {
            return Err(AppError::Conflict {
                message: LINK_DOES_NOT_WORK.to_string(),
            });
        };
        let old_email: Option<String> =
            sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND active = 1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let old_email = old_email.ok_or(AppError::Unauthenticated)?;
        let changed = sqlx::query("UPDATE users SET email = $1, updated_at = $2 WHERE id = $3")
            .bind(&new_email)
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await;
        match changed {
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => {
                return Err(AppError::Conflict {
                    message: ADDRESS_TAKEN.to_string(),
                });
            }
            Err(error) => return Err(error.into()),
        }
        void_links(&mut tx, user_id, now).await?;
        enqueue(&mut tx, site, &letters::email_changed(site, &old_email)).await?;
        audit::record(
            &mut *tx,
            &current_password::event(Action::EmailChanged, user_id, Outcome::Success, ip),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The section, for every signed-in person.
#[component]
pub fn ChangeEmailSettings() -> impl IntoView {
    let query = use_query_map();
    let kept = query.read_untracked().get("kept");
    let address = crate::ui::page_data(move || kept.clone(), my_email_address);
    view! {
        <section class="sm-settings-section" aria-labelledby="email-address-heading" id="email-address">
            <h2 id="email-address-heading">"Change your email address"</h2>
            {crate::ui::loaded(address, "Loading your email address…", |address| {
                view! { <ChangeEmailForm address /> }.into_any()
            })}
        </section>
    }
}

#[component]
fn ChangeEmailForm(address: EmailAddress) -> impl IntoView {
    let error = posted_error(&[ChangeEmail::PATH]);
    let done = error
        .is_none()
        .then(|| use_query_map().read_untracked().get("done"))
        .flatten();
    let status = match done.as_deref() {
        Some("email_link_sent") => Some(format!(
            "We emailed a link to your new address. Your email address changes when you follow it, within {LINK_HOURS} hours."
        )),
        Some("email_changed") => {
            Some("Your email address is changed. Sign in with it from now on.".to_string())
        }
        _ => None,
    };
    let field_error = |name: &str| error.as_ref().and_then(|e| e.field(name));
    let new_error = field_error("new_email");
    let has_new_error = new_error.is_some();
    let new_described = if has_new_error {
        "new_email-hint new_email-error"
    } else {
        "new_email-hint"
    };
    view! {
        <ErrorSummary error=Signal::stored(error.clone()) />
        <SuccessStatus text=move || status.clone() />
        <p>"You sign in with " <strong>{address.current}</strong> ". Our emails go there."</p>
        {address.waiting.map(|waiting| view! {
            <p>"We're waiting for you to follow the link we emailed to " <strong>{waiting}</strong> "."</p>
        })}
        <form class="usa-form" method="post" action=ChangeEmail::PATH novalidate>
            <div class="usa-form-group" class:usa-form-group--error=has_new_error>
                <label class="usa-label" class:usa-label--error=has_new_error for="new_email">"New email address"</label>
                <span class="usa-hint" id="new_email-hint">
                    {format!("We'll email a link to it. Nothing changes until you follow the link, within {LINK_HOURS} hours.")}
                </span>
                <FieldError id="new_email" message=new_error />
                <input
                    class="usa-input"
                    class:usa-input--error=has_new_error
                    id="new_email"
                    name="new_email"
                    type="email"
                    autocomplete="email"
                    value=address.typed
                    aria-invalid=has_new_error.to_string()
                    aria-describedby=new_described
                />
            </div>
            <PasswordField
                name="email_password"
                label="Current password"
                autocomplete="current-password"
                hint=None
                error=field_error("email_password")
            />
            <button type="submit" class="usa-button">"Email me a link"</button>
        </form>
    }
}

/// `/settings/email?token=…`: where the emailed link opens. It changes nothing by itself
/// (mail scanners open links); the person confirms with a button.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    view! {
        <crate::ui::Gate area=crate::auth::Area::Account>
            <ConfirmEmail />
        </crate::ui::Gate>
    }
}

#[component]
fn ConfirmEmail() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let error = posted_error(&[ConfirmEmailChange::PATH]);
    let lookup = token.clone();
    let waiting = crate::ui::page_data(move || lookup.clone(), email_change_waiting);
    view! {
        {crate::ui::loaded(waiting, "Loading…", move |waiting| match waiting {
            Some(new_email) => view! {
                <Title text="Confirm your new email address" />
                <h1>"Confirm your new email address"</h1>
                <ErrorSummary error=Signal::stored(error.clone()) />
                <p>"Sign in with " <strong>{new_email}</strong> " from now on? We'll tell your old address that it changed."</p>
                <form class="usa-form" method="post" action=ConfirmEmailChange::PATH>
                    <input type="hidden" name="token" value=token.clone() />
                    <button type="submit" class="usa-button">"Use this address"</button>
                </form>
                <p><a href="/settings">"Cancel and go to Settings"</a></p>
            }
            .into_any(),
            None => view! {
                <Title text="This link doesn't work" />
                <h1>"This link doesn't work"</h1>
                <ErrorSummary error=Signal::stored(error.clone()) />
                <p>{format!("It may have expired (links work for {LINK_HOURS} hours), been used already, or been made for another account. Make sure you're signed in with the account that asked for it.")}</p>
                <p><a href="/settings#email-address">"Ask for a new link in Settings"</a></p>
            }
            .into_any(),
        })}
    }
}
