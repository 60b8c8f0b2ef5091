//! Passkeys, data layer: every scenario runs on SQLite and on PostgreSQL, from the demo data.
//! Passkeys are made and used the way a browser's authenticator does
//! (`webauthn-authenticator-rs`'s software passkey), at the site's own origin.

use crate::common::{count, user};
use crate::email::site as email_site;
use app::account::ssr::{attempt, PasswordChecked};
use app::admin::ssr::{self as admin, Origin};
use app::auth::SignedInUser;
use app::error::AppError;
use app::mfa::ssr as mfa;
use app::passkeys::ssr::{self as passkeys, Waiting};
use app::passkeys::DID_NOT_WORK;
use app::server::access::trusted;
use app::server::db::Db;
use app::server::demo::{self, DEMO_PASSWORD};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs::prelude::{Url, Webauthn};
use webauthn_rs_proto::AllowCredentials;

const IP: &str = "198.51.100.7";
const SITE: &str = "https://messages.va.example";

fn site() -> Url {
    Url::parse(SITE).unwrap()
}

fn relying_party() -> Webauthn {
    passkeys::relying_party(SITE).expect("a domain names a relying party")
}

/// Adds a passkey made by `device` to `person`'s account, as "Add a passkey" does.
async fn add(db: &Db, rp: &Webauthn, person: &SignedInUser, device: &mut SoftPasskey, name: &str) {
    let (options, waiting) = passkeys::start_adding(rp, db, person).await.unwrap();
    // The id the device keeps for the account, returned when it signs in without an
    // email address: it must be the one stored, or that sign-in finds nobody.
    let kept_by_device = uuid::Uuid::from_slice(&options.public_key.user.id).unwrap();
    let made = device.do_registration(site(), options).unwrap();
    let credential = serde_json::to_string(&made).unwrap();
    let new = passkeys::NewPasskey {
        credential: &credential,
        name,
    };
    passkeys::finish_adding(rp, db, &email_site(), person, waiting, new, IP)
        .await
        .unwrap();
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT user_handle FROM passkeys WHERE user_id = $1")
            .bind(person.id)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(stored, [kept_by_device.to_string()]);
}

/// The device's answer to the second step's challenge for `person`.
async fn second_step(
    db: &Db,
    rp: &Webauthn,
    person: &SignedInUser,
    device: &mut SoftPasskey,
) -> Result<SignedInUser, AppError> {
    let (options, waiting) = passkeys::start_second_step(rp, db, person.id, None).await?;
    let answer = device.do_authentication(site(), options).unwrap();
    let credential = serde_json::to_string(&answer).unwrap();
    passkeys::finish_signing_in(rp, db, waiting, &credential, IP)
        .await
        .map(|(user, _)| user)
}

async fn passkeys_are_kept_per_person_and_a_device_signs_in_only_its_own(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let rp = relying_party();
    let alex = user(db, "veteran@example.com").await;
    let sam = user(db, "veteran2@example.com").await;
    let mut phone = SoftPasskey::new(true);
    let mut laptop = SoftPasskey::new(true);
    add(db, &rp, &alex, &mut phone, "My phone").await;
    add(db, &rp, &alex, &mut laptop, "Laptop").await;
    let listed = passkeys::listed(db, &alex).await.unwrap();
    let names: Vec<_> = listed.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["My phone", "Laptop"]);
    assert!(listed.iter().all(|p| p.last_used.is_none()));
    assert!(passkeys::listed(db, &sam).await.unwrap().is_empty());
    // One account, one handle the authenticators keep.
    assert_eq!(
        count(db, "SELECT COUNT(DISTINCT user_handle) FROM passkeys").await,
        1
    );
    // Alex is told of each one by email, which names neither passkey; Sam of none.
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT text_body || html_body FROM email_outbox \
         WHERE recipient = 'veteran@example.com' AND kind = 'passkey_added'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(told.len(), 2);
    for email in &told {
        assert!(email.contains("https://messages.va.example/settings#passkeys"));
        assert!(!email.contains("My phone") && !email.contains("Laptop"));
    }
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM email_outbox WHERE kind = 'passkey_added' \
             AND recipient <> 'veteran@example.com'"
        )
        .await,
        0
    );

    // Alex's phone answers Alex's second step, once per challenge.
    let signed_in = second_step(db, &rp, &alex, &mut phone).await.unwrap();
    assert_eq!(signed_in.id, alex.id);
    let listed = passkeys::listed(db, &alex).await.unwrap();
    assert!(listed[0].last_used.is_some() && listed[1].last_used.is_none());

    // Sam has no passkey: there is no challenge to answer.
    let refused = passkeys::start_second_step(&rp, db, sam.id, None).await;
    assert_eq!(
        refused.unwrap_err().field("passkey").as_deref(),
        Some(DID_NOT_WORK)
    );

    // An answer checked against a ceremony of another kind signs nobody in.
    let (options, _) = passkeys::start_second_step(&rp, db, alex.id, None)
        .await
        .unwrap();
    let answer = phone.do_authentication(site(), options).unwrap();
    let (_, adding) = passkeys::start_adding(&rp, db, &alex).await.unwrap();
    assert!(matches!(adding, Waiting::Adding { .. }));
    let wrong_kind = passkeys::finish_signing_in(
        &rp,
        db,
        adding,
        &serde_json::to_string(&answer).unwrap(),
        IP,
    )
    .await;
    assert_eq!(
        wrong_kind.unwrap_err().field("passkey").as_deref(),
        Some(DID_NOT_WORK)
    );

    // Removing is one's own only; somebody else's passkey looks missing.
    let phone_id = listed[0].id;
    let phone_credential: String =
        sqlx::query_scalar("SELECT credential_id FROM passkeys WHERE id = $1")
            .bind(phone_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        passkeys::remove(db, sam.id, phone_id, IP)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    passkeys::remove(db, alex.id, phone_id, IP).await.unwrap();
    assert_eq!(count(db, "SELECT COUNT(*) FROM passkeys").await, 1);
    // The removed phone signs in no more, even offered where the server did not ask for
    // it; the laptop still does.
    let (mut options, waiting) = passkeys::start_second_step(&rp, db, alex.id, None)
        .await
        .unwrap();
    options.public_key.allow_credentials = vec![AllowCredentials {
        type_: "public-key".to_string(),
        id: URL_SAFE_NO_PAD.decode(phone_credential).unwrap(),
        transports: None,
    }];
    let answer = phone.do_authentication(site(), options).unwrap();
    let removed = passkeys::finish_signing_in(
        &rp,
        db,
        waiting,
        &serde_json::to_string(&answer).unwrap(),
        IP,
    )
    .await;
    assert_eq!(
        removed.unwrap_err().field("passkey").as_deref(),
        Some(DID_NOT_WORK)
    );
    assert!(second_step(db, &rp, &alex, &mut laptop).await.is_ok());
}

async fn a_clinicians_passkey_meets_the_requirement_asks_to_be_used_and_goes_with_a_reset(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let rp = relying_party();
    let morgan = user(db, "clinician@example.com").await;
    let alex = user(db, "veteran@example.com").await;
    assert!(mfa::must_set_up(&db.pool, &morgan, true).await.unwrap());
    let mut key = SoftPasskey::new(true);
    add(db, &rp, &morgan, &mut key, "Security key").await;
    assert!(!mfa::must_set_up(&db.pool, &morgan, true).await.unwrap());
    // The password is now only the first step for Morgan...
    let checked = attempt(db, "clinician@example.com", DEMO_PASSWORD, IP)
        .await
        .unwrap();
    assert!(matches!(checked, PasswordChecked::CodeNeeded(_)));
    let ways = mfa::second_step(&db.pool, &morgan).await.unwrap();
    assert!(ways.passkey && !ways.code);
    // ...but a Veteran's passkey is a way in beside the password, not a second step.
    let mut phone = SoftPasskey::new(true);
    add(db, &rp, &alex, &mut phone, "Phone").await;
    let checked = attempt(db, "veteran@example.com", DEMO_PASSWORD, IP)
        .await
        .unwrap();
    assert!(matches!(checked, PasswordChecked::SignedIn(_)));

    // A lost key: the administrator's reset removes it, and the requirement is back.
    let riley = trusted::admin(user(db, "admin@example.com").await).unwrap();
    let from = Origin(Some(IP.to_string()));
    admin::reset_mfa(db, &riley, &from, &crate::email::site(), morgan.id)
        .await
        .unwrap();
    assert!(!passkeys::has_any(&db.pool, morgan.id).await.unwrap());
    assert!(passkeys::has_any(&db.pool, alex.id).await.unwrap());
    assert!(mfa::must_set_up(&db.pool, &morgan, true).await.unwrap());
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'mfa_reset'"
        )
        .await,
        1
    );
}

async fn a_passkey_is_kept_for_one_account_only(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let rp = relying_party();
    let alex = user(db, "veteran@example.com").await;
    let sam = user(db, "veteran2@example.com").await;
    let mut phone = SoftPasskey::new(true);
    add(db, &rp, &alex, &mut phone, "Phone").await;
    // The same passkey kept for a second account is refused.
    let stored: String = sqlx::query_scalar("SELECT passkey FROM passkeys")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let passkey: webauthn_rs::prelude::Passkey = serde_json::from_str(&stored).unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let again = passkeys::add(&mut tx, sam.id, uuid::Uuid::new_v4(), "Copied", &passkey).await;
    drop(tx);
    assert_eq!(
        again.unwrap_err().field("passkey").as_deref(),
        Some("This passkey is already added to an account.")
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM passkeys").await, 1);
}

on_both_databases!(
    passkeys_are_kept_per_person_and_a_device_signs_in_only_its_own,
    a_clinicians_passkey_meets_the_requirement_asks_to_be_used_and_goes_with_a_reset,
    a_passkey_is_kept_for_one_account_only,
);
