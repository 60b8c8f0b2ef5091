//! Choosing a password, on SQLite and PostgreSQL, from the demo data: changing one's own
//! in Settings (the current password first, under the sign-in limits; the common-password
//! list; the other sessions end, this one stays), and set-password links that live a day.

use crate::common::{count, record_failures, user};
use crate::email::{emailed_link, link_expires_at, site, SET_PASSWORD_LINK};
use app::account::change_password::ssr::{
    change, Typed, CONFIRM_DIFFERS, CURRENT_WRONG, SAME_AS_CURRENT,
};
use app::admin::rules::PASSWORD_TOO_COMMON;
use app::admin::ssr::{self as admin, Origin};
use app::admin::types::{InviteInput, PasswordLinkState};
use app::error::AppError;
use app::server::access::trusted;
use app::server::clock::Clock;
use app::server::db::Db;
use app::server::{demo, now_ms, passwords, sign_in_guard, users};

const ALEX: &str = "veteran@example.com";
const DEMO_PASSWORD: &str = "demo-password-2026";
const FROM: &str = "203.0.113.9";
const NEW: &str = "a kettle sings in the far kitchen";

fn typed<'a>(current: &'a str, new: &'a str, confirm: &'a str) -> Typed<'a> {
    Typed {
        current,
        new,
        confirm,
    }
}

fn field_error<T: std::fmt::Debug>(result: Result<T, AppError>, field: &str) -> String {
    match result {
        Err(error @ AppError::Invalid { .. }) => error
            .field(field)
            .unwrap_or_else(|| panic!("no {field} error in {error:?}")),
        other => panic!("expected a {field} error, got {other:?}"),
    }
}

async fn add_session(db: &Db, user_id: i64) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query("INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, '{}', $3)")
        .bind(&id)
        .bind(user_id)
        .bind(now_ms() + 600_000)
        .execute(&db.pool)
        .await
        .unwrap();
    id
}

async fn sessions_of(db: &Db, user_id: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

async fn stored_hash(db: &Db, email: &str) -> Option<String> {
    users::credentials_by_email(&db.pool, email)
        .await
        .unwrap()
        .unwrap()
        .password_hash
}

async fn audited(db: &Db, outcome: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT COALESCE(detail, '') FROM audit_events WHERE action = 'password_changed' \
         AND outcome = $1 ORDER BY id",
    )
    .bind(outcome)
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

async fn a_password_change_needs_the_current_password_and_an_uncommon_new_one(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = user(db, ALEX).await;
    let here = add_session(db, alex.id).await;
    let phone = add_session(db, alex.id).await;
    let before = stored_hash(db, ALEX).await;

    let empty = change(db, alex.id, &here, &typed("", NEW, NEW), FROM).await;
    assert_eq!(
        field_error(empty, "current_password"),
        "Enter your current password."
    );
    let common = "Password123456789";
    let refused = change(
        db,
        alex.id,
        &here,
        &typed(DEMO_PASSWORD, common, common),
        FROM,
    )
    .await;
    assert_eq!(field_error(refused, "new_password"), PASSWORD_TOO_COMMON);
    let short = change(
        db,
        alex.id,
        &here,
        &typed(DEMO_PASSWORD, "short", "short"),
        FROM,
    )
    .await;
    assert!(field_error(short, "new_password").contains("at least 12"));
    let mismatch = change(
        db,
        alex.id,
        &here,
        &typed(DEMO_PASSWORD, NEW, "a kettle"),
        FROM,
    )
    .await;
    assert_eq!(field_error(mismatch, "confirm_password"), CONFIRM_DIFFERS);
    // None of these was a guess at the current password: nothing counted, nothing changed.
    assert_eq!(count(db, "SELECT COUNT(*) FROM sign_in_attempts").await, 0);
    assert_eq!(stored_hash(db, ALEX).await, before);

    let wrong = change(
        db,
        alex.id,
        &here,
        &typed("not my password", NEW, NEW),
        FROM,
    )
    .await;
    assert_eq!(field_error(wrong, "current_password"), CURRENT_WRONG);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM sign_in_attempts WHERE account = 'account:veteran@example.com'"
        )
        .await,
        1,
        "a wrong current password counts as a failed sign-in"
    );
    let failures = audited(db, "failure").await;
    assert_eq!(failures.len(), 1);
    assert!(failures[0].contains("current_password_wrong"));
    assert!(!failures[0].contains("not my password"));
    let same = change(
        db,
        alex.id,
        &here,
        &typed(DEMO_PASSWORD, DEMO_PASSWORD, DEMO_PASSWORD),
        FROM,
    )
    .await;
    assert_eq!(field_error(same, "new_password"), SAME_AS_CURRENT);
    assert_eq!(stored_hash(db, ALEX).await, before);

    // An unused set-password link from earlier dies with the change.
    sqlx::query(
        "INSERT INTO password_links (user_id, token_hash, purpose, created_by, created_at, \
         expires_at) VALUES ($1, 'digest', 'reset', 1, $2, $3)",
    )
    .bind(alex.id)
    .bind(now_ms())
    .bind(now_ms() + 3_600_000)
    .execute(&db.pool)
    .await
    .unwrap();
    let generation_before: i64 =
        sqlx::query_scalar("SELECT session_generation FROM users WHERE id = $1")
            .bind(alex.id)
            .fetch_one(&db.pool)
            .await
            .unwrap();

    let changed = change(db, alex.id, &here, &typed(DEMO_PASSWORD, NEW, NEW), FROM)
        .await
        .unwrap();
    assert_eq!(changed.sessions_ended, 1);
    assert_eq!(changed.generation, generation_before + 1);
    assert_eq!(sessions_of(db, alex.id).await, vec![here.clone()]);
    assert!(!sessions_of(db, alex.id).await.contains(&phone));
    let after = stored_hash(db, ALEX).await;
    assert!(passwords::verify(NEW, after.as_deref()));
    assert!(!passwords::verify(DEMO_PASSWORD, after.as_deref()));
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM password_links WHERE used_at IS NULL"
        )
        .await,
        0
    );
    let successes = audited(db, "success").await;
    assert_eq!(successes.len(), 1);
    assert!(successes[0].contains("\"sessions_ended\":1"));
    let (actor, ip): (i64, String) = sqlx::query_as(
        "SELECT actor_id, ip FROM audit_events WHERE action = 'password_changed' \
         AND outcome = 'success'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((actor, ip.as_str()), (alex.id, FROM));
    // The right current password took back nothing it had not counted.
    assert_eq!(count(db, "SELECT COUNT(*) FROM sign_in_attempts").await, 1);
}

async fn wrong_current_passwords_are_held_to_the_sign_in_limits(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = user(db, ALEX).await;
    let here = add_session(db, alex.id).await;
    record_failures(db, ALEX, FROM, sign_in_guard::ACCOUNT_LIMIT).await;
    let refused = change(db, alex.id, &here, &typed(DEMO_PASSWORD, NEW, NEW), FROM).await;
    assert!(
        matches!(refused, Err(AppError::TooManyAttempts { .. })),
        "{refused:?}"
    );
    assert!(passwords::verify(
        DEMO_PASSWORD,
        stored_hash(db, ALEX).await.as_deref()
    ));
    assert_eq!(audited(db, "denied").await.len(), 1);
}

async fn a_set_password_link_lives_a_day(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let (clock, hand) = Clock::settable(now_ms());
    let db = &db.clone().with_clock(clock);
    let riley = trusted::admin(user(db, "admin@example.com").await).unwrap();
    let from = Origin(Some(FROM.to_string()));
    let invite = InviteInput {
        name: "Dana Cruz".to_string(),
        email: "dana@example.com".to_string(),
        role: "clinician".to_string(),
    };
    let dana = admin::invite(db, &riley, &from, &site(), &invite)
        .await
        .unwrap();
    let expires_at = link_expires_at(db, dana).await;
    assert_eq!(expires_at - db.now_ms(), 24 * 3_600_000);
    let link = emailed_link(db, "dana@example.com", "invitation").await;
    let token = link.strip_prefix(SET_PASSWORD_LINK).unwrap();

    hand.advance(24 * 3_600_000 - 1);
    assert!(matches!(
        admin::password_link_check(db, token).await.unwrap(),
        PasswordLinkState::Works(_)
    ));
    hand.advance(1);
    assert_eq!(
        admin::password_link_check(db, token).await.unwrap(),
        PasswordLinkState::Expired
    );
    assert!(admin::password_link_holder(db, token)
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        admin::set_password_with_link(db, token, NEW, NEW, FROM).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(stored_hash(db, "dana@example.com").await, None);

    // A link made when links lived 72 hours ends a day after it was made all the same.
    let dana = user(db, "dana@example.com").await;
    let old_token = "0".repeat(64);
    let digest: String = {
        use sha2::Digest;
        sha2::Sha256::digest(old_token.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let made = db.now_ms() - 25 * 3_600_000;
    sqlx::query(
        "INSERT INTO password_links (user_id, token_hash, purpose, created_by, created_at, \
         expires_at) VALUES ($1, $2, 'invite', 1, $3, $4)",
    )
    .bind(dana.id)
    .bind(digest)
    .bind(made)
    .bind(made + 72 * 3_600_000)
    .execute(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        admin::password_link_check(db, &old_token).await.unwrap(),
        PasswordLinkState::Expired
    );
    assert!(matches!(
        admin::set_password_with_link(db, &old_token, NEW, NEW, FROM).await,
        Err(AppError::NotFound)
    ));

    // A used link, or none, is not "expired": it is dead.
    assert_eq!(
        admin::password_link_check(db, "no such token")
            .await
            .unwrap(),
        PasswordLinkState::Dead
    );
    admin::reset_password(db, &riley, &from, &site(), dana.id)
        .await
        .unwrap();
    let fresh = emailed_link(db, "dana@example.com", "password_reset").await;
    let fresh = fresh.strip_prefix(SET_PASSWORD_LINK).unwrap();
    let common = "qwertyuiopasdfgh";
    let refused = admin::set_password_with_link(db, fresh, common, common, FROM).await;
    assert_eq!(field_error(refused, "password"), PASSWORD_TOO_COMMON);
    admin::set_password_with_link(db, fresh, NEW, NEW, FROM)
        .await
        .unwrap();
    assert_eq!(
        admin::password_link_check(db, fresh).await.unwrap(),
        PasswordLinkState::Dead
    );
}

async fn the_first_administrator_cannot_have_a_common_password(db: &Db) {
    use app::server::bootstrap::create_administrator;
    let common = "1234567890123";
    let refused = create_administrator(db, "pat@example.com", "Pat Chief", common).await;
    assert_eq!(field_error(refused, "password"), PASSWORD_TOO_COMMON);
    create_administrator(db, "pat@example.com", "Pat Chief", NEW)
        .await
        .unwrap();
}

on_both_databases!(
    a_password_change_needs_the_current_password_and_an_uncommon_new_one,
    wrong_current_passwords_are_held_to_the_sign_in_limits,
    a_set_password_link_lives_a_day,
    the_first_administrator_cannot_have_a_common_password,
);
