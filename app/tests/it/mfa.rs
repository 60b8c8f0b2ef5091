//! Two-step verification, data layer: every scenario runs on SQLite and on PostgreSQL, from
//! the demo data (Alex Rivera, Veteran; Dr. Morgan Patel, clinician; Riley Admin). Codes are
//! made the way a person's authenticator app makes them: with `totp-rs`, from the key the
//! set-up shows as text.

use crate::common::{count, count_for, user};
use app::account::ssr::{
    attempt, attempt_code, attempt_recovery_code, sign_in_again, PasswordChecked, PendingSignIn,
};
use app::admin::ssr::{self as admin, Origin};
use app::auth::SignedInUser;
use app::error::AppError;
use app::mfa::ssr::sealing::MfaKey;
use app::mfa::ssr::{self as mfa, CodeCheck, State};
use app::mfa::{CODE_MISSING, CODE_WRONG, RECOVERY_MISSING, RECOVERY_WRONG};
use app::server::access::trusted;
use app::server::audit::{self, Action, Outcome};
use app::server::db::Db;
use app::server::demo::{self, DEMO_PASSWORD};
use app::server::now_ms;
use app::server::sign_in_guard::ACCOUNT_LIMIT;
use totp_rs::{Algorithm, Secret, TOTP};

const IP: &str = "198.51.100.4";
/// A fixed "now" for the scenarios that walk through time steps: 2027-01-15, step-aligned.
const T0: u64 = 1_800_000_000 / 30 * 30;

async fn seeded(db: &Db) -> (SignedInUser, SignedInUser, SignedInUser) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    (
        user(db, "veteran@example.com").await,
        user(db, "clinician@example.com").await,
        user(db, "admin@example.com").await,
    )
}

/// The person's authenticator app, set up from the key shown as text.
fn authenticator(key_text: &str) -> TOTP {
    let base32: String = key_text.split_whitespace().collect();
    let secret = Secret::Encoded(base32).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, secret, None, String::new()).unwrap()
}

/// The code the app shows during time step `step`.
fn code(app: &TOTP, step: u64) -> String {
    app.generate(step * 30)
}

/// "Set up" and the app added: not on until confirmed.
async fn start(db: &Db, key: &MfaKey, person: &SignedInUser) -> TOTP {
    mfa::start_set_up(db, key, person).await.unwrap();
    let status = mfa::status(db, key, person, true).await.unwrap();
    authenticator(&status.set_up.expect("the key while setting up").key_text)
}

/// Set up and confirmed with the code of step `T0 / 30`.
async fn turned_on(db: &Db, key: &MfaKey, person: &SignedInUser) -> TOTP {
    let app = start(db, key, person).await;
    mfa::confirm_set_up(db, key, person, &code(&app, T0 / 30), IP, T0)
        .await
        .unwrap();
    app
}

fn field_error<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(error @ AppError::Invalid { .. }) => error.field("code").expect("a code error"),
        other => panic!("expected a code error, got {other:?}"),
    }
}

async fn set_up_turns_on_only_with_a_right_code(db: &Db) {
    let key = MfaKey::generate();
    let (alex, _, _) = seeded(db).await;
    assert_eq!(mfa::state(&db.pool, alex.id).await.unwrap(), State::Off);
    let app = start(db, &key, &alex).await;
    assert_eq!(
        mfa::state(&db.pool, alex.id).await.unwrap(),
        State::SettingUp
    );
    assert!(!mfa::turned_on(&db.pool, alex.id).await.unwrap());

    // Not six digits, then a wrong code: still only setting up.
    let typo = mfa::confirm_set_up(db, &key, &alex, "12345", IP, T0).await;
    assert_eq!(field_error(typo), CODE_MISSING);
    let right = code(&app, T0 / 30);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let refused = mfa::confirm_set_up(db, &key, &alex, &wrong, IP, T0).await;
    assert_eq!(field_error(refused), CODE_WRONG);
    assert_eq!(
        mfa::state(&db.pool, alex.id).await.unwrap(),
        State::SettingUp
    );
    // A code from another secret (the set-up started again in another tab) does not do.
    let old_app = app;
    let app = start(db, &key, &alex).await;
    let stale = mfa::confirm_set_up(db, &key, &alex, &code(&old_app, T0 / 30), IP, T0).await;
    assert_eq!(field_error(stale), CODE_WRONG);

    mfa::confirm_set_up(db, &key, &alex, &code(&app, T0 / 30), IP, T0)
        .await
        .unwrap();
    assert_eq!(mfa::state(&db.pool, alex.id).await.unwrap(), State::On);
    let status = mfa::status(db, &key, &alex, true).await.unwrap();
    assert!(status.turned_on);
    assert!(status.set_up.is_none(), "the key is never shown again");
    assert!(status.can_turn_off(), "optional for a Veteran");
    // "Set up" again cannot replace the secret in use.
    assert!(matches!(
        mfa::start_set_up(db, &key, &alex).await,
        Err(AppError::Conflict { .. })
    ));

    // Audited: two wrong codes, one success; the secret is stored sealed, not as the key.
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'mfa_turned_on' AND outcome = 'failure'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'mfa_turned_on' AND outcome = 'success'"
        )
        .await,
        1
    );
    let stored: String = sqlx::query_scalar("SELECT sealed_secret FROM mfa_enrolments")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let key_text = app.get_secret_base32();
    assert!(!stored.contains(&key_text) && !stored.contains(&key_text[..8]));
    // The confirming code is used up: it cannot then sign anyone in.
    assert_eq!(
        mfa::use_code(db, &key, alex.id, &code(&app, T0 / 30), T0)
            .await
            .unwrap(),
        CodeCheck::Reused
    );
}

async fn codes_from_one_step_either_side_are_accepted(db: &Db) {
    let key = MfaKey::generate();
    let (alex, _, _) = seeded(db).await;
    let app = turned_on(db, &key, &alex).await;
    let s = T0 / 30;
    let at = |step: u64| step * 30 + 7;
    // One step behind now (a code typed just as it changed), now, one step ahead (a clock
    // a little fast): each right, each taking a later step than the last.
    for (code_step, now_step) in [(s + 2, s + 3), (s + 4, s + 4), (s + 6, s + 5)] {
        assert_eq!(
            mfa::use_code(db, &key, alex.id, &code(&app, code_step), at(now_step))
                .await
                .unwrap(),
            CodeCheck::Accepted,
            "code of step {code_step} at step {now_step}"
        );
    }
    // Two steps away either side is too far.
    for (code_step, now_step) in [(s + 10, s + 8), (s + 10, s + 12)] {
        assert_eq!(
            mfa::use_code(db, &key, alex.id, &code(&app, code_step), at(now_step))
                .await
                .unwrap(),
            CodeCheck::Wrong,
            "code of step {code_step} at step {now_step}"
        );
    }
}

async fn a_used_code_is_refused(db: &Db) {
    let key = MfaKey::generate();
    let (alex, _, _) = seeded(db).await;
    let app = turned_on(db, &key, &alex).await;
    let s = T0 / 30 + 10;
    let now = s * 30 + 3;
    assert_eq!(
        mfa::use_code(db, &key, alex.id, &code(&app, s), now)
            .await
            .unwrap(),
        CodeCheck::Accepted
    );
    // The same code again, seconds later: replay.
    assert_eq!(
        mfa::use_code(db, &key, alex.id, &code(&app, s), now + 5)
            .await
            .unwrap(),
        CodeCheck::Reused
    );
    // An older code still inside the window: also refused, it is before the last used.
    assert_eq!(
        mfa::use_code(db, &key, alex.id, &code(&app, s - 1), now + 5)
            .await
            .unwrap(),
        CodeCheck::Reused
    );
    // The next step's code works.
    assert_eq!(
        mfa::use_code(db, &key, alex.id, &code(&app, s + 1), now + 30)
            .await
            .unwrap(),
        CodeCheck::Accepted
    );
}

async fn sign_in_asks_for_the_code_and_counts_wrong_ones(db: &Db) {
    let key = MfaKey::generate();
    let (alex, _, _) = seeded(db).await;
    let app = turned_on(db, &key, &alex).await;

    // The right password only asks for the code: no sign-in yet.
    let checked = attempt(db, "veteran@example.com", DEMO_PASSWORD, IP)
        .await
        .unwrap();
    assert_eq!(checked, PasswordChecked::CodeNeeded(alex.clone()));
    let sign_ins =
        "SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in' AND outcome = 'success'";
    assert_eq!(count(db, sign_ins).await, 0);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in_password_accepted'"
        )
        .await,
        1
    );

    let pending = PendingSignIn::new(alex.id, Some("/sent".to_string()));
    let now = T0 + 600;
    // Empty: the field's own message, not counted as a guess.
    let empty = attempt_code(db, &key, &pending, "", IP, now).await;
    assert_eq!(field_error(empty), CODE_MISSING);
    // Wrong: refused, audited as a failed sign-in, counted toward the limits.
    let right = code(&app, now / 30);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 7) % 1_000_000);
    let refused = attempt_code(db, &key, &pending, &wrong, IP, now).await;
    assert_eq!(field_error(refused), CODE_WRONG);
    let failures = || {
        audit::count_since_for_target(
            &db.pool,
            Action::SignIn,
            Outcome::Failure,
            "account:veteran@example.com",
            None,
            0,
        )
    };
    assert_eq!(failures().await.unwrap(), 1);
    // Right: signed in, audited as the code step.
    let signed_in = attempt_code(db, &key, &pending, &right, IP, now)
        .await
        .unwrap();
    assert_eq!(signed_in, alex);
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'sign_in' AND outcome = 'success'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(detail.contains("authentication_code"), "{detail}");
    // Replayed: refused, and counted.
    let replayed = attempt_code(db, &key, &pending, &right, IP, now + 2).await;
    assert_eq!(field_error(replayed), CODE_WRONG);
    assert_eq!(failures().await.unwrap(), 2);

    // At the account's limit even the right code is refused for a while.
    crate::common::record_failures(db, "veteran@example.com", IP, ACCOUNT_LIMIT - 2).await;
    let next = code(&app, now / 30 + 1);
    assert_eq!(
        attempt_code(db, &key, &pending, &next, IP, now + 30).await,
        Err(AppError::TooManyAttempts { minutes: 15 })
    );
}

async fn a_pending_sign_in_times_out(db: &Db) {
    let key = MfaKey::generate();
    let (alex, _, _) = seeded(db).await;
    let app = turned_on(db, &key, &alex).await;
    let old = PendingSignIn {
        user_id: alex.id,
        next: None,
        since_ms: now_ms() - 6 * 60_000,
    };
    let now = T0 + 300;
    let late = attempt_code(db, &key, &old, &code(&app, now / 30), IP, now).await;
    assert!(
        matches!(&late, Err(AppError::Conflict { message }) if message.contains("timed out")),
        "{late:?}"
    );
    // A deactivated account must start again too.
    sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
        .bind(alex.id)
        .execute(&db.pool)
        .await
        .unwrap();
    let pending = PendingSignIn::new(alex.id, None);
    assert!(matches!(
        attempt_code(db, &key, &pending, &code(&app, now / 30), IP, now).await,
        Err(AppError::Conflict { .. })
    ));
}

async fn veterans_may_turn_it_off_but_clinicians_may_not_while_required(db: &Db) {
    let key = MfaKey::generate();
    let (alex, morgan, _) = seeded(db).await;
    let app = turned_on(db, &key, &alex).await;
    let now = T0 + 900;
    let wrong = format!(
        "{:06}",
        (code(&app, now / 30).parse::<u32>().unwrap() + 3) % 1_000_000
    );
    let refused = mfa::turn_off(db, &key, &alex, &wrong, IP, true, now).await;
    assert_eq!(field_error(refused), CODE_WRONG);
    assert_eq!(mfa::state(&db.pool, alex.id).await.unwrap(), State::On);
    // A wrong code here counts toward the account's sign-in limits.
    assert_eq!(
        audit::count_since_for_target(
            &db.pool,
            Action::MfaTurnedOff,
            Outcome::Failure,
            "account:veteran@example.com",
            None,
            0,
        )
        .await
        .unwrap(),
        1
    );
    mfa::turn_off(db, &key, &alex, &code(&app, now / 30), IP, true, now)
        .await
        .unwrap();
    assert_eq!(mfa::state(&db.pool, alex.id).await.unwrap(), State::Off);
    // With it off, the password alone signs in again.
    assert!(matches!(
        attempt(db, "veteran@example.com", DEMO_PASSWORD, IP)
            .await
            .unwrap(),
        PasswordChecked::SignedIn(_)
    ));

    let morgan_app = turned_on(db, &key, &morgan).await;
    let status = mfa::status(db, &key, &morgan, true).await.unwrap();
    assert!(status.required && !status.can_turn_off());
    let required = mfa::turn_off(
        db,
        &key,
        &morgan,
        &code(&morgan_app, now / 30),
        IP,
        true,
        now,
    )
    .await;
    assert!(matches!(required, Err(AppError::Conflict { .. })));
    assert_eq!(mfa::state(&db.pool, morgan.id).await.unwrap(), State::On);
    // Where the server does not require it (the demo), a clinician may turn it off too.
    mfa::turn_off(
        db,
        &key,
        &morgan,
        &code(&morgan_app, now / 30),
        IP,
        false,
        now,
    )
    .await
    .unwrap();
    assert_eq!(mfa::state(&db.pool, morgan.id).await.unwrap(), State::Off);
}

async fn an_administrator_resets_it_and_the_person_is_signed_out(db: &Db) {
    let key = MfaKey::generate();
    let (_, morgan, riley) = seeded(db).await;
    turned_on(db, &key, &morgan).await;
    sqlx::query("INSERT INTO sessions (id, user_id, data, expires_at) VALUES ('s1', $1, '{}', $2)")
        .bind(morgan.id)
        .bind(now_ms() + 600_000)
        .execute(&db.pool)
        .await
        .unwrap();
    // Only an administrator's capability opens the reset.
    assert!(trusted::admin(morgan.clone()).is_none());
    let riley = trusted::admin(riley).unwrap();
    let from = Origin(Some(IP.to_string()));
    let detail = admin::user_detail(db, &riley, morgan.id).await.unwrap();
    assert!(detail.user.mfa_on);

    admin::reset_mfa(db, &riley, &from, &crate::email::site(), morgan.id)
        .await
        .unwrap();
    assert_eq!(mfa::state(&db.pool, morgan.id).await.unwrap(), State::Off);
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM mfa_enrolments").await,
        0,
        "the secret is deleted"
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM sessions WHERE id = 's1'").await,
        0,
        "signed out everywhere"
    );
    assert!(
        !admin::user_detail(db, &riley, morgan.id)
            .await
            .unwrap()
            .user
            .mfa_on
    );
    let (actor, target, ip, detail): (i64, String, String, String) = sqlx::query_as(
        "SELECT actor_id, target, ip, detail FROM audit_events WHERE action = 'mfa_reset'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(actor, riley.user().id);
    assert_eq!(target, format!("user:{}", morgan.id));
    assert_eq!(ip, IP);
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["before"]["mfa"], true);
    assert_eq!(detail["after"]["mfa"], false);
    assert_eq!(detail["after"]["sessions_ended"], 1);
    // Again: nothing to reset, nothing audited; an unknown person is not found.
    admin::reset_mfa(db, &riley, &from, &crate::email::site(), morgan.id)
        .await
        .unwrap();
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'mfa_reset'"
        )
        .await,
        1
    );
    assert_eq!(
        admin::reset_mfa(db, &riley, &from, &crate::email::site(), 999_999).await,
        Err(AppError::NotFound)
    );
    // The password alone signs in now.
    assert!(matches!(
        attempt(db, "clinician@example.com", DEMO_PASSWORD, IP)
            .await
            .unwrap(),
        PasswordChecked::SignedIn(_)
    ));
}

async fn clinicians_and_administrators_must_set_it_up_when_required(db: &Db) {
    let key = MfaKey::generate();
    let (alex, morgan, riley) = seeded(db).await;
    for (person, required) in [(&alex, false), (&morgan, true), (&riley, true)] {
        assert_eq!(
            mfa::must_set_up(&db.pool, person, true).await.unwrap(),
            required,
            "{}",
            person.email
        );
        assert!(!mfa::must_set_up(&db.pool, person, false).await.unwrap());
    }
    // Setting up is not enough; confirming it is.
    let app = start(db, &key, &morgan).await;
    assert!(mfa::must_set_up(&db.pool, &morgan, true).await.unwrap());
    mfa::confirm_set_up(db, &key, &morgan, &code(&app, T0 / 30), IP, T0)
        .await
        .unwrap();
    assert!(!mfa::must_set_up(&db.pool, &morgan, true).await.unwrap());
}

async fn a_secret_opens_only_with_its_key_and_on_its_own_row(db: &Db) {
    let key = MfaKey::generate();
    let (alex, morgan, _) = seeded(db).await;
    let app = turned_on(db, &key, &alex).await;
    let now = T0 + 1200;
    // Another server key (a lost SM_MFA_KEY): an error with a reference, not a sign-in.
    assert!(matches!(
        mfa::use_code(db, &MfaKey::generate(), alex.id, &code(&app, now / 30), now).await,
        Err(AppError::Internal { .. })
    ));
    // Alex's sealed secret copied onto Morgan's row does not make Morgan's codes.
    sqlx::query(
        "INSERT INTO mfa_enrolments (user_id, sealed_secret, created_at, confirmed_at) \
         SELECT $1, sealed_secret, created_at, confirmed_at FROM mfa_enrolments WHERE user_id = $2",
    )
    .bind(morgan.id)
    .bind(alex.id)
    .execute(&db.pool)
    .await
    .unwrap();
    assert!(matches!(
        mfa::use_code(db, &key, morgan.id, &code(&app, now / 30), now).await,
        Err(AppError::Internal { .. })
    ));
}

fn recovery_error<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(error @ AppError::Invalid { .. }) => {
            error.field("recovery_code").expect("a recovery code error")
        }
        other => panic!("expected a recovery code error, got {other:?}"),
    }
}

async fn recovery_codes_sign_in_once_each_and_go_with_the_secret(db: &Db) {
    let key = MfaKey::generate();
    let (alex, morgan, riley) = seeded(db).await;
    let app = start(db, &key, &alex).await;
    let codes = mfa::confirm_set_up(db, &key, &alex, &code(&app, T0 / 30), IP, T0)
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    // Stored as keyed digests only.
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1")
            .bind(alex.id)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), 10);
    for code in &codes {
        let plain = code.replace('-', "");
        assert!(stored.iter().all(|digest| !digest.contains(&plain)));
    }
    let status = mfa::status(db, &key, &alex, true).await.unwrap();
    assert_eq!(status.recovery_codes_left, 10);

    let pending = PendingSignIn::new(alex.id, None);
    let failures = || {
        audit::count_since_for_target(
            &db.pool,
            Action::SignIn,
            Outcome::Failure,
            "account:veteran@example.com",
            None,
            0,
        )
    };
    // Not shaped like a code: the field's message, not counted as a guess.
    let typo = attempt_recovery_code(db, &key, &pending, "123456", IP).await;
    assert_eq!(recovery_error(typo), RECOVERY_MISSING);
    assert_eq!(failures().await.unwrap(), 0);
    // Copied by hand (capitals, a space for the dash): signs in once, 9 left.
    let by_hand = codes[0].to_uppercase().replace('-', " ");
    let (user, left) = attempt_recovery_code(db, &key, &pending, &by_hand, IP)
        .await
        .unwrap();
    assert_eq!((user, left), (alex.clone(), 9));
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'sign_in' AND outcome = 'success'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(detail.contains("recovery_code"), "{detail}");
    assert!(!detail.contains(&codes[0]), "the code is not in the audit");
    // The same code again: refused, and counted.
    let again = attempt_recovery_code(db, &key, &pending, &codes[0], IP).await;
    assert_eq!(recovery_error(again), RECOVERY_WRONG);
    assert_eq!(failures().await.unwrap(), 1);
    // Someone else's code, or Alex's under another server key, does not sign Alex in.
    let morgan_app = start(db, &key, &morgan).await;
    let morgan_codes = mfa::confirm_set_up(db, &key, &morgan, &code(&morgan_app, T0 / 30), IP, T0)
        .await
        .unwrap();
    let theirs = attempt_recovery_code(db, &key, &pending, &morgan_codes[0], IP).await;
    assert_eq!(recovery_error(theirs), RECOVERY_WRONG);
    let other_key = attempt_recovery_code(db, &MfaKey::generate(), &pending, &codes[1], IP).await;
    assert_eq!(recovery_error(other_key), RECOVERY_WRONG);
    // One code raced from two places signs in once.
    let (first, second) = tokio::join!(
        attempt_recovery_code(db, &key, &pending, &codes[2], IP),
        attempt_recovery_code(db, &key, &pending, &codes[2], IP),
    );
    assert_eq!(u8::from(first.is_ok()) + u8::from(second.is_ok()), 1);
    assert_eq!(
        mfa::status(db, &key, &alex, true)
            .await
            .unwrap()
            .recovery_codes_left,
        8
    );

    // "Make new codes": ten new ones, the old ones (used or not) no longer work.
    let new = mfa::make_new_recovery_codes(db, &key, &alex, IP)
        .await
        .unwrap();
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|code| !codes.contains(code)));
    assert_eq!(
        mfa::status(db, &key, &alex, true)
            .await
            .unwrap()
            .recovery_codes_left,
        10
    );
    let old = attempt_recovery_code(db, &key, &pending, &codes[3], IP).await;
    assert_eq!(recovery_error(old), RECOVERY_WRONG);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'mfa_recovery_codes_made'"
        )
        .await,
        1
    );
    // Morgan's codes were not touched by Alex's new ones.
    assert_eq!(
        mfa::status(db, &key, &morgan, true)
            .await
            .unwrap()
            .recovery_codes_left,
        10
    );

    // Turned off: the codes go with the secret, and new ones cannot be made.
    let later = T0 + 3_000;
    mfa::turn_off(db, &key, &alex, &code(&app, later / 30), IP, false, later)
        .await
        .unwrap();
    let alex_codes = "SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = $1";
    assert_eq!(count_for(db, alex_codes, alex.id).await, 0);
    assert!(matches!(
        mfa::make_new_recovery_codes(db, &key, &alex, IP).await,
        Err(AppError::Conflict { .. })
    ));
    // An administrator's reset removes them too.
    let riley = trusted::admin(riley).unwrap();
    admin::reset_mfa(
        db,
        &riley,
        &Origin(Some(IP.to_string())),
        &crate::email::site(),
        morgan.id,
    )
    .await
    .unwrap();
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM mfa_recovery_codes").await,
        0
    );
    let pending = PendingSignIn::new(morgan.id, None);
    let after_reset = attempt_recovery_code(db, &key, &pending, &morgan_codes[1], IP).await;
    // Two-step verification is off for Morgan now: the sign-in starts again.
    assert_eq!(after_reset.unwrap_err(), sign_in_again());
}

on_both_databases!(
    recovery_codes_sign_in_once_each_and_go_with_the_secret,
    set_up_turns_on_only_with_a_right_code,
    codes_from_one_step_either_side_are_accepted,
    a_used_code_is_refused,
    sign_in_asks_for_the_code_and_counts_wrong_ones,
    a_pending_sign_in_times_out,
    veterans_may_turn_it_off_but_clinicians_may_not_while_required,
    an_administrator_resets_it_and_the_person_is_signed_out,
    clinicians_and_administrators_must_set_it_up_when_required,
    a_secret_opens_only_with_its_key_and_on_its_own_row,
);
