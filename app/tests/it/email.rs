//! The email outbox on SQLite and PostgreSQL: an email is written with the transaction that
//! causes it or not at all, a claim hides an email from other workers until its lease ends,
//! failures are retried later then given up on and counted, and two workers claiming at
//! once never take the same email.

use app::email::ssr::delivery::{
    backoff_ms, claim_due, record_failure, record_sent, LEASE_MS, MAX_ATTEMPTS,
};
use app::email::ssr::notices::{email_due_notices, email_team_alerts, next_digest_at, set_choice};
use app::email::ssr::outbox::{delivery_counts, DeliveryCounts};
use app::email::ssr::{enqueue, letters, PublicUrl};
use app::email::NewMessageEmail;
use app::server::access::trusted;
use app::server::db::Db;
use app::server::demo;
use std::collections::BTreeSet;

/// The public address the data-layer tests put in links.
pub fn site() -> PublicUrl {
    PublicUrl::parse("https://messages.va.example").unwrap()
}

/// The start of a set-password link in an email, at [`site`].
pub const SET_PASSWORD_LINK: &str = "https://messages.va.example/set-password?token=";

/// When the person's set-password link stops working.
pub async fn link_expires_at(db: &Db, user_id: i64) -> i64 {
    sqlx::query_scalar("SELECT expires_at FROM password_links WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// The one link in the newest email of `kind` to `to`, read from the outbox as the delivery
/// worker would send it.
pub async fn emailed_link(db: &Db, to: &str, kind: &str) -> String {
    let text: String = sqlx::query_scalar(
        "SELECT text_body FROM email_outbox WHERE recipient = $1 AND kind = $2 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(to)
    .bind(kind)
    .fetch_one(&db.pool)
    .await
    .unwrap_or_else(|e| panic!("no {kind} email to {to}: {e}"));
    let links: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("https://"))
        .collect();
    assert_eq!(links.len(), 1, "one link in {text}");
    links[0].to_string()
}

async fn queue(db: &Db, to: &str) {
    let mut tx = db.begin_write().await.unwrap();
    enqueue(&mut tx, &site(), &letters::mfa_reset(&site(), to))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn counts(db: &Db) -> DeliveryCounts {
    delivery_counts(&db.pool).await.unwrap()
}

async fn an_email_is_written_only_with_the_event_that_causes_it(db: &Db) {
    let mut tx = db.begin_write().await.unwrap();
    enqueue(
        &mut tx,
        &site(),
        &letters::mfa_reset(&site(), "a@example.com"),
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(counts(db).await, DeliveryCounts::default());
    assert!(claim_due(db, db.now_ms(), 10).await.unwrap().is_empty());

    queue(db, "a@example.com").await;
    assert_eq!(counts(db).await.waiting, 1);
    let claimed = claim_due(db, db.now_ms(), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].recipient, "a@example.com");
    assert_eq!(claimed[0].attempts, 1);
    assert!(claimed[0].message_id.ends_with("@messages.va.example>"));
    assert!(claimed[0]
        .text_body
        .contains("https://messages.va.example/sign-in"));
}

async fn a_claimed_email_waits_for_its_lease_before_another_try(db: &Db) {
    queue(db, "a@example.com").await;
    queue(db, "b@example.com").await;
    let now = db.now_ms();
    let first = claim_due(db, now, 10).await.unwrap();
    assert_eq!(first.len(), 2);
    // Another worker, at once or a minute later, finds nothing to send.
    assert!(claim_due(db, now, 10).await.unwrap().is_empty());
    assert!(claim_due(db, now + 60_000, 10).await.unwrap().is_empty());
    // The first worker sent one and died before recording the other: only that one comes
    // back after the lease, under the same Message-ID.
    record_sent(db, first[0].id, now).await.unwrap();
    let again = claim_due(db, now + LEASE_MS, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, first[1].id);
    assert_eq!(again[0].message_id, first[1].message_id);
    assert_eq!(again[0].attempts, 2);
    // A delivered email keeps no bodies (a set-password link is a secret).
    let bodies: String =
        sqlx::query_scalar("SELECT text_body || html_body FROM email_outbox WHERE id = $1")
            .bind(first[0].id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(bodies, "");
    assert_eq!(
        counts(db).await,
        DeliveryCounts {
            waiting: 1,
            retrying: 1,
            failed: 0
        }
    );
}

async fn failures_are_retried_later_then_given_up_and_counted(db: &Db) {
    queue(db, "a@example.com").await;
    let mut now = db.now_ms();
    for attempt in 1..=MAX_ATTEMPTS {
        let claimed = claim_due(db, now, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt}");
        assert_eq!(claimed[0].attempts, attempt);
        let gave_up = record_failure(db, &claimed[0], false, now).await.unwrap();
        assert_eq!(gave_up, attempt == MAX_ATTEMPTS);
        if !gave_up {
            // Not before its backoff.
            let wait = backoff_ms(attempt);
            assert!(claim_due(db, now + wait - 1, 10).await.unwrap().is_empty());
            now += wait;
        }
    }
    assert!(claim_due(db, now + 24 * 3_600_000, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        counts(db).await,
        DeliveryCounts {
            waiting: 0,
            retrying: 0,
            failed: 1
        }
    );

    // A permanent refusal is given up on at once; its words are not kept either.
    queue(db, "b@example.com").await;
    let claimed = claim_due(db, now, 10).await.unwrap();
    assert!(record_failure(db, &claimed[0], true, now).await.unwrap());
    assert_eq!(counts(db).await.failed, 2);
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_outbox WHERE failed_at IS NOT NULL AND text_body <> ''",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(kept, 0);
}

async fn two_workers_claiming_at_once_never_take_the_same_email(db: &Db) {
    for n in 0..60 {
        queue(db, &format!("person{n}@example.com")).await;
    }
    let now = db.now_ms();
    let worker = |db: Db| async move {
        let mut mine = Vec::new();
        loop {
            let claimed = claim_due(&db, now, 4).await.unwrap();
            if claimed.is_empty() {
                return mine;
            }
            mine.extend(claimed.into_iter().map(|email| email.id));
            tokio::task::yield_now().await;
        }
    };
    let (first, second) = tokio::join!(
        tokio::spawn(worker(db.clone())),
        tokio::spawn(worker(db.clone()))
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    let all: BTreeSet<i64> = first.iter().chain(&second).copied().collect();
    assert_eq!(all.len(), 60, "every email claimed");
    assert_eq!(first.len() + second.len(), 60, "none claimed twice");
}

/// The bodies of every email of `kind` in the outbox, by recipient.
async fn emails_of(db: &Db, kind: &str) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT recipient, subject, text_body || html_body FROM email_outbox WHERE kind = $1 \
         ORDER BY id",
    )
    .bind(kind)
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

async fn a_team_reply_is_emailed_by_each_persons_choice_without_its_words(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let morgan = trusted::team(crate::common::user(db, "clinician@example.com").await).unwrap();
    let alex = crate::common::user(db, "veteran@example.com").await;
    let sam = crate::common::user(db, "caregiver@example.com").await;
    let (thread, subject, team): (i64, String, String) = sqlx::query_as(
        "SELECT t.id, t.subject, ct.name FROM threads t JOIN care_teams ct ON ct.id = t.team_id \
         WHERE t.veteran_id = $1 AND ct.name = 'Primary Care – Blue Team' ORDER BY t.id LIMIT 1",
    )
    .bind(alex.id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    // Sam, Alex's caregiver, wants one email a day, and lives in Honolulu; Alex keeps the
    // default, each time.
    set_choice(db, sam.id, NewMessageEmail::Daily)
        .await
        .unwrap();
    app::server::users::set_time_zone(db, sam.id, "Pacific/Honolulu")
        .await
        .unwrap();
    let words = "Your A1C came back at 6.1, metformin stays the same.";
    for _ in 0..2 {
        app::messages::ssr::team_reply(db, &morgan, thread, &crate::common::reply(words))
            .await
            .unwrap();
    }
    let now = db.now_ms();
    // Two messages, one email, to Alex alone for now.
    assert_eq!(email_due_notices(db, &site(), now).await.unwrap(), 1);
    assert_eq!(email_due_notices(db, &site(), now).await.unwrap(), 0);
    let each = emails_of(db, "new_message").await;
    assert_eq!(each.len(), 1);
    let (to, email_subject, body) = &each[0];
    assert_eq!(to, "veteran@example.com");
    assert_eq!(email_subject, "You have a new secure message");
    assert!(body.contains("https://messages.va.example/inbox"));
    for health in [
        words,
        "A1C",
        subject.as_str(),
        team.as_str(),
        "Blue Team",
        "Morgan",
    ] {
        assert!(!body.contains(health), "{health} in {body}");
        assert!(!email_subject.contains(health));
    }
    // Sam's digest: at the next 7 am in Sam's own time zone (not the team's New York), not
    // before.
    let seven = next_digest_at(now, chrono_tz::Pacific::Honolulu);
    assert_ne!(seven, next_digest_at(now, chrono_tz::America::New_York));
    assert!(seven > now);
    assert_eq!(email_due_notices(db, &site(), seven - 1).await.unwrap(), 0);
    assert_eq!(email_due_notices(db, &site(), seven).await.unwrap(), 1);
    let daily = emails_of(db, "new_message_digest").await;
    assert_eq!(daily.len(), 1);
    assert_eq!(daily[0].0, "caregiver@example.com");
    assert!(!daily[0].2.contains(words));

    // "Never": nothing at all.
    set_choice(db, alex.id, NewMessageEmail::Never)
        .await
        .unwrap();
    set_choice(db, sam.id, NewMessageEmail::Never)
        .await
        .unwrap();
    app::messages::ssr::team_reply(db, &morgan, thread, &crate::common::reply(words))
        .await
        .unwrap();
    let later = seven + 2 * 24 * 3_600_000;
    assert_eq!(email_due_notices(db, &site(), later).await.unwrap(), 0);
    assert_eq!(
        counts(db).await.waiting,
        2,
        "the two emails above, nothing since"
    );
}

async fn urgent_language_emails_the_team_on_duty_and_overdue_its_leads(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = crate::common::user(db, "veteran@example.com").await;
    let casey = crate::common::user(db, "nurse@example.com").await;
    let morgan = crate::common::user(db, "clinician@example.com").await;
    let blue = crate::common::team_id(db, "Primary Care – Blue Team").await;
    let now = db.now_ms();
    // Casey is away, covered by Morgan.
    sqlx::query(
        "INSERT INTO coverage (user_id, away_until, covering_user_id, updated_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(casey.id)
    .bind(now + 3_600_000)
    .bind(morgan.id)
    .bind(now)
    .execute(&db.pool)
    .await
    .unwrap();
    let words = "I keep thinking about suicide since the new pills.";
    let capability = trusted::messaging(alex.clone()).unwrap();
    let sent = app::messages::ssr::send_message(
        db,
        &capability,
        alex.id,
        &app::messages::NewMessage {
            care_team_id: Some(blue),
            category: Some(app::messages::Category::Medication),
            subject: "Bad week".to_string(),
            body: words.to_string(),
            client_key: uuid::Uuid::new_v4().to_string(),
            draft_id: None,
        },
    )
    .await
    .unwrap();
    assert!(sent.urgent_language);
    // An ordinary message alerts nobody.
    app::messages::ssr::reply(
        db,
        &capability,
        alex.id,
        sent.thread_id,
        &crate::common::reply("Also, my address changed."),
    )
    .await
    .unwrap();
    assert_eq!(email_team_alerts(db, &site(), now).await.unwrap(), 1);
    assert_eq!(email_team_alerts(db, &site(), now).await.unwrap(), 0);
    let urgent = emails_of(db, "urgent_message").await;
    assert_eq!(urgent.len(), 1, "Morgan on duty; Casey away");
    let (to, subject, body) = &urgent[0];
    assert_eq!(to, "clinician@example.com");
    assert_eq!(subject, "A message may need urgent attention");
    for health in [
        words,
        "suicide",
        "Bad week",
        "Alex",
        "Rivera",
        "Blue Team",
        "Primary Care",
    ] {
        assert!(!body.contains(health), "{health} in {body}");
    }
    assert!(body.contains("https://messages.va.example/team"));
    // In the app too, at once, to the same people: Morgan on duty, not Casey away.
    let in_app = |person: &app::auth::SignedInUser| {
        let team = trusted::team(person.clone()).unwrap();
        async move { app::team::ssr::notifications(db, &team).await.unwrap() }
    };
    let morgans = in_app(&morgan).await;
    assert_eq!(morgans.len(), 1, "{morgans:?}");
    assert_eq!(morgans[0].kind, app::team::types::NotificationKind::Urgent);
    assert_eq!(morgans[0].thread_id, sent.thread_id);
    assert!(morgans[0].read_at.is_none());
    assert!(in_app(&casey).await.is_empty(), "Casey is away");

    // Overdue: the job that tells the leads in the app tells them by email too, once.
    let later = now + 40 * 24 * 3_600_000;
    assert!(app::team::ssr::mark_overdue(db, later).await.unwrap() >= 1);
    let written = email_team_alerts(db, &site(), later).await.unwrap();
    assert!(written >= 1);
    let overdue = emails_of(db, "overdue").await;
    assert!(overdue
        .iter()
        .all(|(to, _, _)| to == "clinician@example.com"));
    assert!(overdue
        .iter()
        .all(|(_, _, body)| !body.contains("Bad week") && !body.contains("Alex")));
    assert_eq!(app::team::ssr::mark_overdue(db, later).await.unwrap(), 0);
    assert_eq!(email_team_alerts(db, &site(), later).await.unwrap(), 0);
}

async fn forgot_password_emails_an_account_a_one_hour_link_within_limits(db: &Db) {
    use app::account::forgot::ssr::{request_reset, PER_ADDRESS, PER_EMAIL};
    use app::admin::ssr as admin;
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let ip = "198.51.100.4";
    // An address no account uses: the same answer, and no email.
    request_reset(db, &site(), "nobody@example.com", ip)
        .await
        .unwrap();
    assert_eq!(counts(db).await.waiting, 0);
    assert!(request_reset(db, &site(), "  ", ip).await.is_err());

    request_reset(db, &site(), " Veteran2@Example.com ", ip)
        .await
        .unwrap();
    let link = emailed_link(db, "veteran2@example.com", "forgot_password").await;
    let token = link.strip_prefix(SET_PASSWORD_LINK).unwrap();
    let expires_at: i64 = sqlx::query_scalar(
        "SELECT MAX(l.expires_at) FROM password_links l JOIN users u ON u.id = l.user_id \
         WHERE u.email = 'veteran2@example.com'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let minutes = (expires_at - db.now_ms()) as f64 / 60_000.0;
    assert!((59.0..=60.0).contains(&minutes), "{minutes}");
    // The old password works until the link is used; then only the new one, once.
    admin::set_password_with_link(
        db,
        token,
        "a quiet harbor at dawn",
        "a quiet harbor at dawn",
        ip,
    )
    .await
    .unwrap();
    assert!(admin::set_password_with_link(
        db,
        token,
        "another long phrase",
        "another long phrase",
        ip
    )
    .await
    .is_err());

    // At most PER_EMAIL requests an hour for one address: the rest send nothing.
    for _ in 0..PER_EMAIL + 2 {
        request_reset(db, &site(), "veteran2@example.com", "198.51.100.5")
            .await
            .unwrap();
    }
    let emailed = |kind: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM email_outbox WHERE recipient = 'veteran2@example.com' \
                 AND kind = $1",
            )
            .bind(kind)
            .fetch_one(&db.pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(emailed("forgot_password").await, PER_EMAIL);
    let denied: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'password_reset_requested' \
         AND outcome = 'denied'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    // The first request above and five more: three over the limit, audited as refused.
    assert_eq!(denied, 3);

    // At most PER_ADDRESS requests an hour from one address, whatever it asks for.
    let sprayer = "203.0.113.99";
    for n in 0..PER_ADDRESS {
        request_reset(db, &site(), &format!("someone{n}@example.com"), sprayer)
            .await
            .unwrap();
    }
    request_reset(db, &site(), "veteran@example.com", sprayer)
        .await
        .unwrap();
    let to_alex: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM email_outbox WHERE recipient = 'veteran@example.com'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(to_alex, 0);
}

on_both_databases!(
    forgot_password_emails_an_account_a_one_hour_link_within_limits,
    urgent_language_emails_the_team_on_duty_and_overdue_its_leads,
    a_team_reply_is_emailed_by_each_persons_choice_without_its_words,
    an_email_is_written_only_with_the_event_that_causes_it,
    a_claimed_email_waits_for_its_lease_before_another_try,
    failures_are_retried_later_then_given_up_and_counted,
    two_workers_claiming_at_once_never_take_the_same_email,
);
