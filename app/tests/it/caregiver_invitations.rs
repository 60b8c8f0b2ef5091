//! "Give someone access": a Veteran invites a caregiver by email; the grant starts only when
//! a caregiver account signed in with that address accepts. Both databases.

use crate::common::{count, user};
use crate::email::site;
use app::error::AppError;
use app::messages::caregiver_invitations::ssr::{
    accept, invite, offer, pending, withdraw, ALREADY_HAS_ACCESS, LINK_DOES_NOT_WORK,
    NOT_A_CAREGIVER, ONLY_VETERANS, OTHER_ADDRESS, OWN_ADDRESS, TOO_MANY,
};
use app::server::access::{trusted, MessagingCapability};
use app::server::db::Db;
use app::server::demo;

async fn messaging(db: &Db, email: &str) -> MessagingCapability {
    trusted::messaging(user(db, email).await).unwrap()
}

/// The token of the newest invitation emailed to `to`, read from the email's link.
async fn emailed_token(db: &Db, to: &str) -> String {
    let (text, subject): (String, String) = sqlx::query_as(
        "SELECT text_body, subject FROM email_outbox \
         WHERE recipient = $1 AND kind = 'caregiver_invitation' ORDER BY id DESC LIMIT 1",
    )
    .bind(to)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    // The email does not say whose messages: that shows only after signing in.
    for name in ["Jordan", "Alex", "Lee", "Rivera"] {
        assert!(!text.contains(name), "{name} in {text}");
        assert!(!subject.contains(name));
    }
    let start = text
        .find("/caregiver-invitation?token=")
        .expect("the link in the email")
        + "/caregiver-invitation?token=".len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

async fn live_grants(db: &Db, caregiver: i64, veteran: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM caregiver_grants \
         WHERE caregiver_id = $1 AND veteran_id = $2 AND revoked_at IS NULL",
    )
    .bind(caregiver)
    .bind(veteran)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

fn field(error: AppError) -> String {
    error.field("caregiver_email").unwrap_or_default()
}

fn conflict(error: AppError) -> String {
    match error {
        AppError::Conflict { message } => message,
        other => panic!("a conflict expected, not {other:?}"),
    }
}

async fn a_veteran_s_invitation_becomes_access_when_the_invited_caregiver_accepts(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let jordan = messaging(db, "veteran2@example.com").await;
    let sam = messaging(db, "caregiver@example.com").await;
    let alex = messaging(db, "veteran@example.com").await;
    let (jordan_id, sam_id) = (jordan.user().id, sam.user().id);

    invite(db, &site(), &jordan, "  Caregiver@Example.com ")
        .await
        .unwrap();
    let token = emailed_token(db, "caregiver@example.com").await;
    let waiting = pending(db, &jordan).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].email, "caregiver@example.com");
    // Nothing is granted by inviting.
    assert_eq!(live_grants(db, sam_id, jordan_id).await, 0);

    // Only the invited address sees whose invitation it is.
    assert_eq!(
        offer(db, sam.user(), &token).await.unwrap(),
        Ok("Jordan Lee".to_string())
    );
    assert_eq!(
        offer(db, alex.user(), &token).await.unwrap(),
        Err(OTHER_ADDRESS.to_string())
    );
    assert_eq!(
        conflict(accept(db, &alex, &token, "10.0.0.9").await.unwrap_err()),
        OTHER_ADDRESS
    );

    accept(db, &sam, &token, "10.0.0.7").await.unwrap();
    assert_eq!(live_grants(db, sam_id, jordan_id).await, 1);
    assert!(pending(db, &jordan).await.unwrap().is_empty());
    assert_eq!(
        count(
            db,
            &format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'caregiver_access_granted' \
                 AND actor_id = {sam_id} AND patient_id = {jordan_id} AND ip = '10.0.0.7'"
            )
        )
        .await,
        1
    );
    assert_eq!(
        count(
            db,
            &format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'caregiver_invited' \
                 AND actor_id = {jordan_id} AND patient_id = {jordan_id}"
            )
        )
        .await,
        1
    );
    // The link works once.
    assert_eq!(
        conflict(accept(db, &sam, &token, "10.0.0.7").await.unwrap_err()),
        LINK_DOES_NOT_WORK
    );
    assert_eq!(live_grants(db, sam_id, jordan_id).await, 1);
}

async fn an_invitation_works_only_for_a_caregiver_in_time_and_until_withdrawn(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = messaging(db, "veteran@example.com").await;
    let jordan = messaging(db, "veteran2@example.com").await;

    // Jordan signs in with the invited address, but is a Veteran, not a caregiver.
    invite(db, &site(), &alex, "veteran2@example.com")
        .await
        .unwrap();
    let token = emailed_token(db, "veteran2@example.com").await;
    assert_eq!(
        offer(db, jordan.user(), &token).await.unwrap(),
        Err(NOT_A_CAREGIVER.to_string())
    );
    assert_eq!(
        conflict(accept(db, &jordan, &token, "10.0.0.8").await.unwrap_err()),
        NOT_A_CAREGIVER
    );

    // Past its time, the link works for nobody.
    sqlx::query("UPDATE caregiver_invitations SET expires_at = $1")
        .bind(db.now_ms() - 1)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        offer(db, jordan.user(), &token).await.unwrap(),
        Err(LINK_DOES_NOT_WORK.to_string())
    );

    // Withdrawn: the link dies, and only its Veteran may withdraw it.
    invite(db, &site(), &alex, "helper@example.net")
        .await
        .unwrap();
    let token = emailed_token(db, "helper@example.net").await;
    let id = pending(db, &alex).await.unwrap()[0].invitation_id;
    assert!(matches!(
        withdraw(db, &jordan, id).await.unwrap_err(),
        AppError::NotFound
    ));
    withdraw(db, &alex, id).await.unwrap();
    assert!(pending(db, &alex).await.unwrap().is_empty());
    assert_eq!(
        offer(db, alex.user(), &token).await.unwrap(),
        Err(LINK_DOES_NOT_WORK.to_string())
    );
}

async fn only_the_veteran_invites_and_bad_addresses_are_named(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = messaging(db, "veteran@example.com").await;
    let sam = messaging(db, "caregiver@example.com").await;
    let invited = |who, email: &'static str| {
        let site = site();
        async move { invite(db, &site, who, email).await }
    };
    // A caregiver acting for Alex cannot pass access on.
    assert_eq!(
        field(invited(&sam, "friend@example.com").await.unwrap_err()),
        ONLY_VETERANS
    );
    assert_eq!(
        field(invited(&alex, "veteran@example.com").await.unwrap_err()),
        OWN_ADDRESS
    );
    assert_eq!(
        field(invited(&alex, "caregiver@example.com").await.unwrap_err()),
        ALREADY_HAS_ACCESS
    );
    assert!(field(invited(&alex, "not an address").await.unwrap_err()).contains("right format"));
    assert!(field(invited(&alex, "").await.unwrap_err()).starts_with("Enter the email address"));
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM caregiver_invitations").await,
        0
    );

    // Five an hour; a new one to the same address replaces the last.
    for _ in 0..5 {
        invited(&alex, "friend@example.com").await.unwrap();
    }
    assert_eq!(pending(db, &alex).await.unwrap().len(), 1);
    assert_eq!(
        field(invited(&alex, "other@example.com").await.unwrap_err()),
        TOO_MANY
    );
}

on_both_databases!(
    a_veteran_s_invitation_becomes_access_when_the_invited_caregiver_accepts,
    an_invitation_works_only_for_a_caregiver_in_time_and_until_withdrawn,
    only_the_veteran_invites_and_bad_addresses_are_named,
);
