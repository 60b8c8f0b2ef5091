//! Server-only two-step verification: the sealed secret, codes, and each person's
//! `mfa_enrolments` row. Nothing here logs or returns a secret once it is turned on.
//!
//! Each function acts for the person it is given (their own row only); an administrator's
//! reset is `admin::ssr::reset_mfa`, behind the admin capability.

pub mod codes;
pub mod recovery;
pub mod sealing;

use crate::auth::SignedInUser;
use crate::error::AppError;
use crate::mfa::{set_up_needed, typed_code, TwoStepStatus, CODE_WRONG};
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::{Db, Tx};
use crate::server::sign_in_guard::{self, Gate};
use sealing::MfaKey;
use sqlx::AnyPool;

/// Where a person's two-step verification stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Off,
    /// "Set up" was chosen; no code has confirmed it yet.
    SettingUp,
    On,
}

/// What a code typed at sign-in turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right, and now used up: no later attempt may use the same step or an earlier one.
    Accepted,
    /// Not a code of this secret near now.
    Wrong,
    /// Right for the secret, but its step (or a later one) was already used.
    Reused,
    /// Two-step verification is not on for this person (an administrator reset it).
    NotOn,
}

struct Row {
    sealed_secret: String,
    confirmed: bool,
    last_used_step: Option<i64>,
}

async fn row(pool: &AnyPool, user_id: i64) -> Result<Option<Row>, sqlx::Error> {
    let row: Option<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT sealed_secret, confirmed_at, last_used_step FROM mfa_enrolments WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(
        row.map(|(sealed_secret, confirmed_at, last_used_step)| Row {
            sealed_secret,
            confirmed: confirmed_at.is_some(),
            last_used_step,
        }),
    )
}

pub async fn state(pool: &AnyPool, user_id: i64) -> Result<State, sqlx::Error> {
    Ok(match row(pool, user_id).await? {
        None => State::Off,
        Some(row) if row.confirmed => State::On,
        Some(_) => State::SettingUp,
    })
}

pub async fn turned_on(pool: &AnyPool, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(state(pool, user_id).await? == State::On)
}

/// Whether this signed-in person must set it up before anything else (the gate asks). A
/// passkey meets the requirement as well as the authenticator app.
pub async fn must_set_up(
    pool: &AnyPool,
    user: &SignedInUser,
    required_by_server: bool,
) -> Result<bool, sqlx::Error> {
    if !set_up_needed(user.role, false, required_by_server) {
        return Ok(false);
    }
    Ok(!turned_on(pool, user.id).await? && !crate::passkeys::ssr::has_any(pool, user.id).await?)
}

/// What a right password must be followed by, if anything: the app's code when two-step
/// verification is on, and a passkey for a person who has one, when their role must use a
/// second step (they may have met that with a passkey alone) or the code is asked anyway.
pub async fn second_step(
    pool: &AnyPool,
    user: &SignedInUser,
) -> Result<crate::mfa::SecondStepWays, sqlx::Error> {
    let code = turned_on(pool, user.id).await?;
    let has_passkey = crate::passkeys::ssr::has_any(pool, user.id).await?;
    Ok(crate::mfa::SecondStepWays {
        code,
        passkey: has_passkey && (code || crate::mfa::required_for(user.role)),
    })
}

/// The section of the settings page: on or off, required or not, and the key while a
/// set-up is in progress.
pub async fn status(
    db: &Db,
    key: &MfaKey,
    user: &SignedInUser,
    required_by_server: bool,
) -> Result<TwoStepStatus, AppError> {
    let required = required_by_server && crate::mfa::required_for(user.role);
    let row = row(&db.pool, user.id).await?;
    let set_up = match &row {
        Some(row) if !row.confirmed => Some(codes::set_up_key(
            &open(key, user.id, &row.sealed_secret)?,
            &user.email,
        )?),
        _ => None,
    };
    let turned_on = row.is_some_and(|r| r.confirmed);
    let recovery_codes_left = if turned_on {
        recovery::left(&db.pool, user.id).await?
    } else {
        0
    };
    Ok(TwoStepStatus {
        turned_on,
        required,
        set_up,
        recovery_codes_left,
        new_recovery_codes: Vec::new(),
    })
}

/// "Set up": a new secret, kept sealed until a code confirms it. Choosing "Set up" again
/// replaces a set-up in progress; it never replaces a secret already in use.
pub async fn start_set_up(db: &Db, key: &MfaKey, user: &SignedInUser) -> Result<(), AppError> {
    let sealed = key
        .seal(user.id, &codes::new_secret())
        .map_err(AppError::internal)?;
    let done = sqlx::query(
        "INSERT INTO mfa_enrolments (user_id, sealed_secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, \
         created_at = excluded.created_at WHERE mfa_enrolments.confirmed_at IS NULL",
    )
    .bind(user.id)
    .bind(sealed)
    .bind(db.now_ms())
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(already_on());
    }
    Ok(())
}

/// Turns it on when `code` was made from the secret being set up, with ten new recovery
/// codes, which it answers (to be shown once). A wrong code is audited but not counted
/// against sign-in: the person is already signed in, and the secret was only just shown
/// to them.
pub async fn confirm_set_up(
    db: &Db,
    key: &MfaKey,
    user: &SignedInUser,
    code: &str,
    ip: &str,
    unix_seconds: u64,
) -> Result<Vec<String>, AppError> {
    let code = typed_code(code)?;
    let Some(row) = row(&db.pool, user.id).await? else {
        return Err(AppError::Conflict {
            message: "That set-up is no longer in progress. Choose \"Set up\" to start again."
                .to_string(),
        });
    };
    if row.confirmed {
        // A second press of the button: the first already turned it on (and its page
        // shows the codes it made).
        return Ok(Vec::new());
    }
    let secret = open(key, user.id, &row.sealed_secret)?;
    let event = |outcome| {
        AuditEvent::new(Action::MfaTurnedOn, outcome)
            .actor(user.id)
            .target(sign_in_guard::account_target(&user.email))
            .from_address(ip)
    };
    let Some(step) = codes::matching_step(&secret, &code, unix_seconds)? else {
        audit::record(&db.pool, &event(Outcome::Failure)).await?;
        return Err(AppError::invalid("code", CODE_WRONG));
    };
    let mut tx = db.begin_write().await?;
    // The confirming code is used up too: it cannot then sign anyone in.
    let done = sqlx::query(
        "UPDATE mfa_enrolments SET confirmed_at = $1, last_used_step = $2 \
         WHERE user_id = $3 AND confirmed_at IS NULL AND sealed_secret = $4",
    )
    .bind(db.now_ms())
    .bind(step_number(step)?)
    .bind(user.id)
    .bind(&row.sealed_secret)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        // "Set up" was chosen again meanwhile (another tab): this code was for the old key.
        return Err(AppError::invalid("code", CODE_WRONG));
    }
    let codes = recovery::replace_in(db, &mut tx, key, user.id).await?;
    audit::record(&mut *tx, &event(Outcome::Success)).await?;
    tx.commit().await?;
    Ok(codes)
}

/// "Make new codes": ten new recovery codes replace all the old ones, used or not. The
/// caller has checked the person's current password.
pub async fn make_new_recovery_codes(
    db: &Db,
    key: &MfaKey,
    user: &SignedInUser,
    ip: &str,
) -> Result<Vec<String>, AppError> {
    let mut tx = db.begin_write().await?;
    let lock = db.lock_rows();
    let on: Option<Option<i64>> = sqlx::query_scalar(&format!(
        "SELECT confirmed_at FROM mfa_enrolments WHERE user_id = $1{lock}"
    ))
    .bind(user.id)
    .fetch_optional(&mut *tx)
    .await?;
    if on.flatten().is_none() {
        return Err(AppError::Conflict {
            message: "Two-step verification is off, so there are no recovery codes to make. \
                      Set it up first."
                .to_string(),
        });
    }
    let codes = recovery::replace_in(db, &mut tx, key, user.id).await?;
    audit::record(
        &mut *tx,
        &AuditEvent::new(Action::MfaRecoveryCodesMade, Outcome::Success)
            .actor(user.id)
            .target(sign_in_guard::account_target(&user.email))
            .from_address(ip),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Checks a code for a person whose two-step verification is on and, when it is right, uses
/// it up. Two requests racing with one code cannot both pass: the update only moves
/// `last_used_step` forward, and the second finds it already there.
pub async fn use_code(
    db: &Db,
    key: &MfaKey,
    user_id: i64,
    code: &str,
    unix_seconds: u64,
) -> Result<CodeCheck, AppError> {
    let Some(row) = row(&db.pool, user_id).await?.filter(|r| r.confirmed) else {
        return Ok(CodeCheck::NotOn);
    };
    let secret = open(key, user_id, &row.sealed_secret)?;
    let Some(step) = codes::matching_step(&secret, code, unix_seconds)? else {
        return Ok(CodeCheck::Wrong);
    };
    let step = step_number(step)?;
    if row.last_used_step.is_some_and(|last| step <= last) {
        return Ok(CodeCheck::Reused);
    }
    let done = sqlx::query(
        "UPDATE mfa_enrolments SET last_used_step = $1 WHERE user_id = $2 \
         AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $1)",
    )
    .bind(step)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(if done.rows_affected() == 1 {
        CodeCheck::Accepted
    } else {
        CodeCheck::Reused
    })
}

/// "Turn off", with a current code, for people whose role does not require it. Wrong codes
/// count toward the sign-in failure limits of the account (`sign_in_guard`): a session left
/// open must not become a way to guess codes.
pub async fn turn_off(
    db: &Db,
    key: &MfaKey,
    user: &SignedInUser,
    code: &str,
    ip: &str,
    required_by_server: bool,
    unix_seconds: u64,
) -> Result<(), AppError> {
    if required_by_server && crate::mfa::required_for(user.role) {
        return Err(AppError::Conflict {
            message: "Two-step verification is required for your role, so it can't be turned \
                      off. To move it to a new phone, ask an administrator to reset it."
                .to_string(),
        });
    }
    let code = typed_code(code)?;
    let target = sign_in_guard::account_target(&user.email);
    let event = |outcome| {
        AuditEvent::new(Action::MfaTurnedOff, outcome)
            .actor(user.id)
            .target(target.clone())
            .from_address(ip)
    };
    let (guess, gate) = sign_in_guard::begin(db, &user.email, ip).await?;
    match gate {
        Gate::Refuse => {
            guess.not_counted(&db.pool).await?;
            audit::record(&db.pool, &event(Outcome::Denied)).await?;
            return Err(AppError::TooManyAttempts {
                minutes: sign_in_guard::WINDOW_MINUTES,
            });
        }
        Gate::Slow(wait) => tokio::time::sleep(wait).await,
        Gate::Open => {}
    }
    match use_code(db, key, user.id, &code, unix_seconds).await? {
        CodeCheck::Accepted => guess.not_counted(&db.pool).await?,
        CodeCheck::NotOn => {
            guess.not_counted(&db.pool).await?;
            return Ok(());
        }
        CodeCheck::Wrong | CodeCheck::Reused => {
            guess.failed();
            audit::record(&db.pool, &event(Outcome::Failure)).await?;
            return Err(AppError::invalid("code", CODE_WRONG));
        }
    }
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM mfa_enrolments WHERE user_id = $1")
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    recovery::remove_in(&mut tx, user.id).await?;
    audit::record(&mut *tx, &event(Outcome::Success)).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a person's secret (set up or in progress) inside an administrator's change;
/// whether it was on, for the audit's "before".
pub async fn remove_in(db: &Db, tx: &mut Tx, user_id: i64) -> Result<bool, sqlx::Error> {
    let lock = db.lock_rows();
    let confirmed: Option<Option<i64>> = sqlx::query_scalar(&format!(
        "SELECT confirmed_at FROM mfa_enrolments WHERE user_id = $1{lock}"
    ))
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM mfa_enrolments WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    recovery::remove_in(tx, user_id).await?;
    Ok(confirmed.flatten().is_some())
}

fn open(key: &MfaKey, user_id: i64, sealed: &str) -> Result<Vec<u8>, AppError> {
    // The cause names no secret; the reference lets support find this line.
    key.open(user_id, sealed)
        .map_err(|cause| AppError::internal(format!("user {user_id}: {cause}")))
}

fn step_number(step: u64) -> Result<i64, AppError> {
    i64::try_from(step).map_err(AppError::internal)
}

fn already_on() -> AppError {
    AppError::Conflict {
        message: "Two-step verification is already on.".to_string(),
    }
}
