//! "Forgot your password?" (`/sign-in/forgot`): a person types their email address and, if
//! an account uses it, gets a link by email to choose a new password. The answer is the same
//! whether or not an account uses the address, so the page cannot be used to learn who has
//! an account (ASVS 2.5.x). The link works once, for an hour, and using it signs the person
//! out everywhere (`admin::ssr::set_password_with_link`). Requests are limited per address
//! typed and per requesting address, counted whether or not an account exists, so the
//! limits say nothing either.

use super::sign_in::FormField;
use crate::error::AppError;
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Where the page is, linked from the sign-in page.
pub const FORGOT_PATH: &str = "/sign-in/forgot";

/// How long the emailed link works.
pub const FORGOT_LINK_MINUTES: i64 = 60;

#[server(endpoint = "forgot_password", output = leptos::server_fn::codec::Postcard)]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester};
    let state = app_state()?;
    ssr::request_reset(&state.db, &state.config.public_url, &email, &requester().ip).await?;
    leptos_axum::redirect(&format!("{FORGOT_PATH}?done=sent"));
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::FORGOT_LINK_MINUTES;
    use crate::email::ssr::{enqueue, letters, PublicUrl};
    use crate::error::AppError;
    use crate::server::audit::{self, Action, AuditEvent, Outcome};
    use crate::server::db::Db;
    use crate::server::users::normalize_email;

    /// Requests for one typed address in the window before further ones are quietly
    /// dropped: enough for a person who mistyped or lost an email, too few to flood them.
    pub const PER_EMAIL: i64 = 3;
    /// Requests from one address in the window, for any typed addresses.
    pub const PER_ADDRESS: i64 = 10;
    /// The window the limits count over.
    pub const WINDOW_MS: i64 = 60 * 60 * 1000;

    /// Records the request and, within the limits and when an active account uses the
    /// address, emails that account a one-time link, all in one transaction that runs alone
    /// among reset requests (so requests sent at once are held to the same limits). An
    /// empty or malformed address is refused; anything else answers the same.
    pub async fn request_reset(
        db: &Db,
        site: &PublicUrl,
        email: &str,
        ip: &str,
    ) -> Result<(), AppError> {
        let email = normalize_email(email);
        if email.is_empty() {
            return Err(AppError::invalid("email", "Enter your email address."));
        }
        if !email.contains('@') || email.contains(char::is_whitespace) || email.len() > 254 {
            return Err(AppError::invalid(
                "email",
                "Enter an email address in the right format, like name@example.com.",
            ));
        }
        let now = db.now_ms();
        let mut tx = db.begin_counting("password_reset_requests").await?;
        sqlx::query("DELETE FROM password_reset_requests WHERE at < $1")
            .bind(now - WINDOW_MS)
            .execute(&mut *tx)
            .await?;
        let (for_email, from_here): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(CASE WHEN email = $1 THEN 1 END), \
             COUNT(CASE WHEN address = $2 THEN 1 END) FROM password_reset_requests",
        )
        .bind(&email)
        .bind(ip)
        .fetch_one(&mut *tx)
        .await?;
        let within_limits = for_email < PER_EMAIL && from_here < PER_ADDRESS;
        let mut event = AuditEvent::new(
            Action::PasswordResetRequested,
            if within_limits {
                Outcome::Success
            } else {
                Outcome::Denied
            },
        )
        .target(crate::server::sign_in_guard::account_target(&email))
        .from_address(ip);
        if within_limits {
            sqlx::query(
                "INSERT INTO password_reset_requests (email, address, at) VALUES ($1, $2, $3)",
            )
            .bind(&email)
            .bind(ip)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let account: Option<i64> =
                sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND active = 1")
                    .bind(&email)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(user_id) = account {
                let link = crate::admin::ssr::new_link(
                    &mut tx,
                    user_id,
                    user_id,
                    "reset",
                    FORGOT_LINK_MINUTES * 60 * 1000,
                )
                .await?;
                enqueue(
                    &mut tx,
                    site,
                    &letters::forgot_password(site, &email, &link.path),
                )
                .await?;
                event = event.actor(user_id);
            }
        }
        audit::record(&mut *tx, &event).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let error = move || action.value().get().and_then(Result::err);
    let field_error = move || error().and_then(|e| e.field("email"));
    let query = use_query_map();
    let sent = move || error().is_none() && query.read().get("done").as_deref() == Some("sent");
    view! {
        <Title text="Forgot your password?" />
        <div class="sm-sign-in">
            <h1>"Forgot your password?"</h1>
            {move || sent().then(|| view! {
                <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">
                            {format!("If an account uses that address, we emailed a link to choose a new password. It works once, for {FORGOT_LINK_MINUTES} minutes, and signs you out on every device.")}
                        </p>
                    </div>
                </div>
            })}
            <p>"Enter the email address you sign in with. We'll email you a link to choose a new password."</p>
            <ErrorSummary error=Signal::derive(error) />
            <form class="usa-form" method="post" action=ForgotPassword::PATH novalidate>
                <FormField name="email" label="Email address" kind="email" autocomplete="username" error=Signal::derive(field_error) />
                <button type="submit" class="usa-button">"Email me a link"</button>
            </form>
            <p><a href="/sign-in">"Back to sign in"</a></p>
        </div>
    }
}
