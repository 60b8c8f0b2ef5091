//! "Change your email address" on SQLite and PostgreSQL: the current password is needed
//! and counted like a sign-in; the link goes to the new address only and works once, for a
//! day, for the person who asked; the old address is told; an address another account uses
//! gets a note instead of a link, and the asker learns nothing from the answer.

use crate::common::{count, user};
use crate::email::{emailed_link, site};
use app::account::change_email::ssr::{
    confirm, new_address_of_link, request, waiting, Typed, ADDRESS_TAKEN, LINK_DOES_NOT_WORK,
    PASSWORD_FIELD, PER_HOUR, SAME_ADDRESS, TOO_MANY,
};
use app::account::change_email::{CONFIRM_PATH, LINK_HOURS};
use app::error::AppError;
use app::server::clock::Clock;
use app::server::db::Db;
use app::server::demo::{self, DEMO_PASSWORD};
use app::server::{now_ms, users};

const IP: &str = "198.51.100.7";

fn typed<'a>(new_email: &'a str, current_password: &'a str) -> Typed<'a> {
    Typed {
        new_email,
        current_password,
    }
}

fn field(error: &AppError, name: &str) -> Option<String> {
    error.field(name)
}

/// The token of the newest confirmation link emailed to `to`.
async fn token_sent_to(db: &Db, to: &str) -> String {
    let link = emailed_link(db, to, "email_change_link").await;
    let prefix = format!("https://messages.va.example{CONFIRM_PATH}?token=");
    link.strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{link}"))
        .to_string()
}

async fn emails_to(db: &Db, to: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM email_outbox WHERE recipient = $1")
        .bind(to)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn a_new_address_is_confirmed_by_a_link_sent_to_it(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = user(db, "veteran@example.com").await;
    let new = "alex.rivera@example.net";

    // Refusals name their field and send nothing.
    let empty = request(db, &site(), alex.id, &typed("", ""), IP)
        .await
        .unwrap_err();
    assert_eq!(
        field(&empty, "new_email").as_deref(),
        Some("Enter your new email address.")
    );
    assert!(field(&empty, PASSWORD_FIELD).is_some());
    let malformed = request(
        db,
        &site(),
        alex.id,
        &typed("alex at home", DEMO_PASSWORD),
        IP,
    )
    .await
    .unwrap_err();
    assert!(field(&malformed, "new_email")
        .unwrap()
        .contains("right format"));
    let same = request(
        db,
        &site(),
        alex.id,
        &typed(" Veteran@Example.com ", DEMO_PASSWORD),
        IP,
    )
    .await
    .unwrap_err();
    assert_eq!(field(&same, "new_email").as_deref(), Some(SAME_ADDRESS));
    let wrong = request(db, &site(), alex.id, &typed(new, "not my password"), IP)
        .await
        .unwrap_err();
    assert!(field(&wrong, PASSWORD_FIELD).is_some(), "{wrong:?}");
    assert_eq!(emails_to(db, new).await, 0);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'email_change_requested' \
             AND outcome = 'failure'"
        )
        .await,
        1,
        "the wrong password is audited"
    );

    // The link goes to the new address; nothing changes yet.
    request(
        db,
        &site(),
        alex.id,
        &typed(" Alex.Rivera@Example.NET", DEMO_PASSWORD),
        IP,
    )
    .await
    .unwrap();
    assert_eq!(waiting(db, alex.id).await.unwrap().as_deref(), Some(new));
    assert_eq!(emails_to(db, "veteran@example.com").await, 0);
    let token = token_sent_to(db, new).await;
    assert!(users::credentials_by_email(&db.pool, "veteran@example.com")
        .await
        .unwrap()
        .is_some());

    // The link works only for the person who asked.
    let jordan = user(db, "veteran2@example.com").await;
    assert_eq!(
        new_address_of_link(db, jordan.id, &token).await.unwrap(),
        None
    );
    let not_theirs = confirm(db, &site(), jordan.id, &token, IP)
        .await
        .unwrap_err();
    assert_eq!(not_theirs.to_string(), LINK_DOES_NOT_WORK);
    assert_eq!(
        new_address_of_link(db, alex.id, &token)
            .await
            .unwrap()
            .as_deref(),
        Some(new)
    );

    confirm(db, &site(), alex.id, &token, IP).await.unwrap();
    let signed_in_as = users::credentials_by_email(&db.pool, new)
        .await
        .unwrap()
        .expect("Alex signs in with the new address");
    assert_eq!(signed_in_as.user.id, alex.id);
    assert!(users::credentials_by_email(&db.pool, "veteran@example.com")
        .await
        .unwrap()
        .is_none());
    // The old address is told, without a way in for whoever reads it.
    let notice = emailed_link(db, "veteran@example.com", "email_changed").await;
    assert_eq!(notice, "https://messages.va.example/sign-in");
    assert_eq!(waiting(db, alex.id).await.unwrap(), None);
    // Once only.
    let again = confirm(db, &site(), alex.id, &token, IP).await.unwrap_err();
    assert_eq!(again.to_string(), LINK_DOES_NOT_WORK);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'email_changed' \
             AND outcome = 'success'"
        )
        .await,
        1
    );
}

async fn a_link_lives_a_day_and_a_newer_one_replaces_it(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let (clock, hand) = Clock::settable(now_ms());
    let db = &db.clone().with_clock(clock);
    let sam = user(db, "caregiver@example.com").await;

    request(
        db,
        &site(),
        sam.id,
        &typed("sam@example.net", DEMO_PASSWORD),
        IP,
    )
    .await
    .unwrap();
    let first = token_sent_to(db, "sam@example.net").await;
    request(
        db,
        &site(),
        sam.id,
        &typed("sam@example.org", DEMO_PASSWORD),
        IP,
    )
    .await
    .unwrap();
    let second = token_sent_to(db, "sam@example.org").await;
    let replaced = confirm(db, &site(), sam.id, &first, IP).await.unwrap_err();
    assert_eq!(replaced.to_string(), LINK_DOES_NOT_WORK);

    hand.advance(LINK_HOURS * 3_600_000);
    let expired = confirm(db, &site(), sam.id, &second, IP).await.unwrap_err();
    assert_eq!(expired.to_string(), LINK_DOES_NOT_WORK);
    assert_eq!(waiting(db, sam.id).await.unwrap(), None);
    assert!(
        users::credentials_by_email(&db.pool, "caregiver@example.com")
            .await
            .unwrap()
            .is_some()
    );
}

async fn an_address_in_use_gets_a_note_and_no_link(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = user(db, "veteran@example.com").await;
    let jordan = user(db, "veteran2@example.com").await;

    // The same answer as for a free address…
    request(
        db,
        &site(),
        alex.id,
        &typed("veteran2@example.com", DEMO_PASSWORD),
        IP,
    )
    .await
    .unwrap();
    // …and the address's owner hears that nothing changed, with no link to follow.
    let note = emailed_link(db, "veteran2@example.com", "email_address_in_use").await;
    assert_eq!(note, "https://messages.va.example/sign-in");
    assert_eq!(waiting(db, alex.id).await.unwrap(), None);

    // An address taken between the request and the link: the link says so.
    request(
        db,
        &site(),
        alex.id,
        &typed("shared@example.net", DEMO_PASSWORD),
        IP,
    )
    .await
    .unwrap();
    let token = token_sent_to(db, "shared@example.net").await;
    sqlx::query("UPDATE users SET email = 'shared@example.net' WHERE id = $1")
        .bind(jordan.id)
        .execute(&db.pool)
        .await
        .unwrap();
    let taken = confirm(db, &site(), alex.id, &token, IP).await.unwrap_err();
    assert_eq!(taken.to_string(), ADDRESS_TAKEN);
    assert!(users::credentials_by_email(&db.pool, "veteran@example.com")
        .await
        .unwrap()
        .is_some());
}

async fn links_are_limited_per_hour(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = user(db, "veteran@example.com").await;
    for n in 0..PER_HOUR {
        request(
            db,
            &site(),
            alex.id,
            &typed(&format!("alex{n}@example.net"), DEMO_PASSWORD),
            IP,
        )
        .await
        .unwrap();
    }
    let over = request(
        db,
        &site(),
        alex.id,
        &typed("alex-more@example.net", DEMO_PASSWORD),
        IP,
    )
    .await
    .unwrap_err();
    assert_eq!(field(&over, "new_email").as_deref(), Some(TOO_MANY));
    assert_eq!(emails_to(db, "alex-more@example.net").await, 0);
}

on_both_databases!(
    a_new_address_is_confirmed_by_a_link_sent_to_it,
    a_link_lives_a_day_and_a_newer_one_replaces_it,
    an_address_in_use_gets_a_note_and_no_link,
    links_are_limited_per_hour,
);
