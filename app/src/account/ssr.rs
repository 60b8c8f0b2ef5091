//! The sign-in rules, free of HTTP so data-layer tests can run them on both databases.

use crate::auth::SignedInUser;
use crate::error::AppError;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::Db;
use crate::server::sign_in_guard::{self, Gate};
use crate::server::{now_ms, passwords, users};
use serde_json::json;
use std::collections::BTreeMap;

/// What a right password leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordChecked {
    /// Signed in: the account does not use two-step verification.
    SignedIn(SignedInUser),
    /// A second step follows (a code, or a passkey): not signed in until it is taken.
    CodeNeeded(SignedInUser),
}

impl PasswordChecked {
    pub fn user(&self) -> &SignedInUser {
        match self {
            PasswordChecked::SignedIn(user) | PasswordChecked::CodeNeeded(user) => user,
        }
    }
}

/// The session key of a sign-in waiting for its code.
pub const PENDING_SIGN_IN_KEY: &str = "pending_sign_in";

/// A right password waiting for its code, kept in the server-side session (never in the
/// cookie): who, where to go next, and since when.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingSignIn {
    pub user_id: i64,
    pub next: Option<String>,
    pub since_ms: i64,
}

impl PendingSignIn {
    pub fn new(user_id: i64, next: Option<String>) -> Self {
        PendingSignIn {
            user_id,
            next,
            since_ms: now_ms(),
        }
    }

    /// Still waiting: a code may complete it for `PENDING_SIGN_IN_MINUTES`.
    pub fn is_current(&self, now_ms: i64) -> bool {
        let limit = crate::mfa::PENDING_SIGN_IN_MINUTES * 60_000;
        now_ms >= self.since_ms && now_ms - self.since_ms < limit
    }
}

/// The message when the pending sign-in has timed out or is missing.
pub fn sign_in_again() -> AppError {
    AppError::Conflict {
        message: "Your sign-in timed out. Enter your email address and password again.".to_string(),
    }
}

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
/// `SignInFailed`, after the same work. A right password for an account with two-step
/// verification on only asks for the code.
pub async fn attempt(
    db: &Db,
    email: &str,
    password: &str,
    ip: &str,
) -> Result<PasswordChecked, AppError> {
    validate(email, password)?;
    let email = users::normalize_email(email);
    let target = sign_in_guard::account_target(&email);
    let (guess, gate) = sign_in_guard::begin(db, &email, ip).await?;
    match gate {
        Gate::Refuse => {
            guess.not_counted(&db.pool).await?;
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
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let matches = passwords::check(password.to_string(), stored)
        .await
        .map_err(AppError::internal)?;

    match account {
        Some(account) if matches && account.active => {
            guess.not_counted(&db.pool).await?;
            let code_needed = crate::mfa::ssr::second_step(&db.pool, &account.user)
                .await?
                .any();
            let action = if code_needed {
                Action::SignInPasswordAccepted
            } else {
                Action::SignIn
            };
            audit::record(
                &db.pool,
                &AuditEvent::new(action, Outcome::Success)
                    .actor(account.user.id)
                    .target(target)
                    .from_address(ip),
            )
            .await?;
            Ok(if code_needed {
                PasswordChecked::CodeNeeded(account.user)
            } else {
                PasswordChecked::SignedIn(account.user)
            })
        }
        account => {
            guess.failed();
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

/// The code step of a sign-in whose password was right (`pending`). The same failure limits
/// as passwords apply, per account and per address; wrong and reused codes are `sign_in`
/// failures, so they count toward them. A deactivated account, or one whose two-step
/// verification an administrator reset meanwhile, must start again.
pub async fn attempt_code(
    db: &Db,
    key: &crate::mfa::ssr::sealing::MfaKey,
    pending: &PendingSignIn,
    code: &str,
    ip: &str,
    unix_seconds: u64,
) -> Result<SignedInUser, AppError> {
    use crate::mfa::ssr::{use_code, CodeCheck};
    if !pending.is_current(now_ms()) {
        return Err(sign_in_again());
    }
    let code = crate::mfa::typed_code(code)?;
    let Some(user) = users::active_user(&db.pool, pending.user_id).await? else {
        return Err(sign_in_again());
    };
    let second = SecondStep {
        user: &user,
        ip,
        step: "authentication_code",
    };
    let guess = second.turn(db).await?;
    let reason = match use_code(db, key, user.id, &code, unix_seconds).await? {
        CodeCheck::Accepted => {
            guess.not_counted(&db.pool).await?;
            audit::record(&db.pool, &second.event(Outcome::Success, json!({}))).await?;
            return Ok(user);
        }
        CodeCheck::NotOn => {
            guess.not_counted(&db.pool).await?;
            return Err(sign_in_again());
        }
        CodeCheck::Wrong => "wrong",
        CodeCheck::Reused => "already_used",
    };
    guess.failed();
    let failed = second.event(Outcome::Failure, json!({ "reason": reason }));
    audit::record(&db.pool, &failed).await?;
    Err(AppError::invalid("code", crate::mfa::CODE_WRONG))
}

/// The code step with one of the person's recovery codes instead of an authenticator code:
/// the same limits and audit as a code (`"step": "recovery_code"`). A right one is used up;
/// the answer says how many are left.
pub async fn attempt_recovery_code(
    db: &Db,
    key: &crate::mfa::ssr::sealing::MfaKey,
    pending: &PendingSignIn,
    code: &str,
    ip: &str,
) -> Result<(SignedInUser, u32), AppError> {
    use crate::mfa::ssr::{recovery, turned_on};
    if !pending.is_current(now_ms()) {
        return Err(sign_in_again());
    }
    if recovery::typed(code).is_none() {
        return Err(AppError::invalid(
            "recovery_code",
            crate::mfa::RECOVERY_MISSING,
        ));
    }
    let Some(user) = users::active_user(&db.pool, pending.user_id).await? else {
        return Err(sign_in_again());
    };
    let second = SecondStep {
        user: &user,
        ip,
        step: "recovery_code",
    };
    let guess = second.turn(db).await?;
    // An administrator's reset removed the codes with the secret: start again.
    if !turned_on(&db.pool, user.id).await? {
        guess.not_counted(&db.pool).await?;
        return Err(sign_in_again());
    }
    if recovery::use_code(db, key, user.id, code).await? {
        guess.not_counted(&db.pool).await?;
        let left = recovery::left(&db.pool, user.id).await?;
        let signed_in = second.event(Outcome::Success, json!({ "codes_left": left }));
        audit::record(&db.pool, &signed_in).await?;
        return Ok((user, left));
    }
    guess.failed();
    let failed = second.event(Outcome::Failure, json!({ "reason": "wrong_or_used" }));
    audit::record(&db.pool, &failed).await?;
    Err(recovery::wrong())
}

/// The second step of a sign-in (`step`: a code from the app, a recovery code, a passkey) for
/// `user`: its audit events, and its turn under the same limits as passwords.
pub(crate) struct SecondStep<'a> {
    pub user: &'a SignedInUser,
    pub ip: &'a str,
    pub step: &'static str,
}

impl SecondStep<'_> {
    /// A `sign_in` event of this step, its `detail` the step and `extra`.
    pub fn event(&self, outcome: Outcome, extra: serde_json::Value) -> AuditEvent {
        let mut detail = json!({ "step": self.step });
        if let (Some(detail), serde_json::Value::Object(extra)) = (detail.as_object_mut(), extra) {
            detail.extend(extra);
        }
        AuditEvent::new(Action::SignIn, outcome)
            .actor(self.user.id)
            .target(sign_in_guard::account_target(&self.user.email))
            .from_address(self.ip)
            .detail(detail)
    }

    /// Waits this step's turn under the sign-in limits: refused, and audited, when over
    /// them; answered later the closer it is. The attempt is then settled by the check.
    pub async fn turn(&self, db: &Db) -> Result<sign_in_guard::Attempt, AppError> {
        let (guess, gate) = sign_in_guard::begin(db, &self.user.email, self.ip).await?;
        match gate {
            Gate::Refuse => {
                guess.not_counted(&db.pool).await?;
                let refused = self.event(Outcome::Denied, json!({}));
                audit::record(&db.pool, &refused).await?;
                Err(AppError::TooManyAttempts {
                    minutes: sign_in_guard::WINDOW_MINUTES,
                })
            }
            Gate::Slow(wait) => {
                tokio::time::sleep(wait).await;
                Ok(guess)
            }
            Gate::Open => Ok(guess),
        }
    }
}
