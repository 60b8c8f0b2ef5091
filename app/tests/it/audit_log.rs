//! Audit log viewer data layer: filters, newest-first keyset paging and the CSV
//! export, on SQLite and on PostgreSQL; and proof that no audit event holds message content.

use crate::common::admin;
use app::admin::ssr::Origin;
use app::audit_log::ssr::{check, csv_export, events, record_read, CheckedFilter};
use app::audit_log::types::{AuditEntry, AuditFilter};
use app::auth::{Role, SignedInUser};
use app::error::AppError;
use app::messages::ssr as messaging;
use app::messages::{Category, NewMessage, Reply};
use app::server::access::trusted;
use app::server::audit::Action;
use app::server::db::Db;
use app::server::{demo, users};
use app::team::ssr as team;
use chrono::TimeZone;
use futures::StreamExt;

/// Local New York time as stored (UTC epoch milliseconds).
fn ny(month: u32, day: u32, hour: u32) -> i64 {
    chrono_tz::America::New_York
        .with_ymd_and_hms(2026, month, day, hour, 0, 0)
        .single()
        .unwrap()
        .timestamp_millis()
}

async fn user_id(db: &Db, email: &str) -> i64 {
    users::credentials_by_email(&db.pool, email)
        .await
        .unwrap()
        .unwrap()
        .user
        .id
}

async fn event(db: &Db, at: i64, actor: i64, patient: Option<i64>, action: &str, outcome: &str) {
    sqlx::query(
        "INSERT INTO audit_events (at, actor_id, patient_id, action, target, outcome, ip) \
         VALUES ($1, $2, $3, $4, 'thread:1', $5, '203.0.113.7')",
    )
    .bind(at)
    .bind(actor)
    .bind(patient)
    .bind(action)
    .bind(outcome)
    .execute(&db.pool)
    .await
    .unwrap();
}

fn filter(change: impl FnOnce(&mut AuditFilter)) -> CheckedFilter {
    let mut filter = AuditFilter::default();
    change(&mut filter);
    check(&filter, "America/New_York").unwrap()
}

async fn all(db: &Db, filter: &CheckedFilter) -> Vec<AuditEntry> {
    events(db, &admin(), filter, None, 1_000).await.unwrap().0
}

/// Demo people plus a few events on known days, after whatever the demo seeding recorded.
struct World {
    casey: i64,
    morgan: i64,
    alex: i64,
    jordan: i64,
}

async fn world(db: &Db) -> World {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let w = World {
        casey: user_id(db, "nurse@example.com").await,
        morgan: user_id(db, "clinician@example.com").await,
        alex: user_id(db, "veteran@example.com").await,
        jordan: user_id(db, "veteran2@example.com").await,
    };
    event(
        db,
        ny(11, 2, 10),
        w.casey,
        Some(w.alex),
        "thread_read",
        "success",
    )
    .await;
    event(
        db,
        ny(11, 3, 10),
        w.morgan,
        Some(w.jordan),
        "thread_read",
        "success",
    )
    .await;
    event(db, ny(11, 4, 10), w.casey, None, "access_refused", "denied").await;
    event(
        db,
        ny(11, 5, 10),
        w.casey,
        Some(w.jordan),
        "thread_completed",
        "success",
    )
    .await;
    w
}

async fn filters_find_events_by_person_patient_action_outcome_and_day(db: &Db) {
    let w = world(db).await;
    let by_email = all(db, &filter(|f| f.person = " Nurse@Example.com ".into())).await;
    let casey: Vec<&str> = by_email.iter().map(|e| e.action.as_str()).collect();
    // Newest first.
    assert_eq!(casey, ["thread_completed", "access_refused", "thread_read"]);
    assert_eq!(
        by_email[2].person.as_deref(),
        Some("Casey Nguyen (nurse@example.com)")
    );
    assert_eq!(
        by_email[2].patient.as_deref(),
        Some("Alex Rivera (veteran@example.com)")
    );
    assert_eq!(by_email[2].action_words, "Opened a thread");
    assert_eq!(by_email[1].outcome, "Refused");

    let by_name = all(db, &filter(|f| f.person = "morgan".into())).await;
    assert_eq!(by_name.len(), 1);
    assert_eq!(
        by_name[0].patient.as_deref(),
        Some("Jordan Lee (veteran2@example.com)")
    );

    let jordan = all(db, &filter(|f| f.patient = "veteran2@example.com".into())).await;
    assert_eq!(jordan.len(), 2);
    let reads = all(
        db,
        &filter(|f| {
            f.patient = "Jordan".into();
            f.action = "thread_read".into();
        }),
    )
    .await;
    assert_eq!(reads.len(), 1);

    let denied = all(db, &filter(|f| f.outcome = "denied".into())).await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].action, "access_refused");

    // Nov 3 and 4, Eastern time, both days included.
    let days = all(
        db,
        &filter(|f| {
            f.from = "2026-11-03".into();
            f.to = "2026-11-04".into();
        }),
    )
    .await;
    let actions: Vec<&str> = days.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["access_refused", "thread_read"]);

    // "%" is a character to look for, not a wildcard.
    assert!(all(db, &filter(|f| f.person = "%".into())).await.is_empty());
    let _ = w.casey;
}

async fn a_filter_that_needs_correcting_says_which_field(_db: &Db) {
    let error = check(
        &AuditFilter {
            from: "yesterday".into(),
            outcome: "maybe".into(),
            ..AuditFilter::default()
        },
        "America/New_York",
    )
    .unwrap_err();
    assert_eq!(
        error.field("from").as_deref(),
        Some("Enter a date, for example 2026-11-01, or leave this empty.")
    );
    assert_eq!(
        error.field("outcome").as_deref(),
        Some("Choose an outcome from the list.")
    );
    let backwards = check(
        &AuditFilter {
            from: "2026-11-05".into(),
            to: "2026-11-01".into(),
            ..AuditFilter::default()
        },
        "America/New_York",
    )
    .unwrap_err();
    assert!(backwards.field("to").is_some());
    assert!(matches!(backwards, AppError::Invalid { .. }));
}

/// 120 events, 40 of them at the very same millisecond: pages of 50 cover each exactly once,
/// newest first, and the CSV export (in chunks of 7) holds every one.
async fn pages_and_the_csv_export_cover_every_event_once(db: &Db) {
    let w = world(db).await;
    for n in 0..120 {
        let at = if n < 40 {
            ny(11, 20, 9)
        } else {
            ny(11, 20, 9) + n
        };
        event(db, at, w.jordan, Some(w.jordan), "sign_in", "success").await;
    }
    let mine = filter(|f| f.person = "veteran2@example.com".into());
    let mut seen = Vec::new();
    let mut before = None;
    let mut pages = 0;
    loop {
        let (entries, next) = events(db, &admin(), &mine, before, 50).await.unwrap();
        pages += 1;
        seen.extend(entries.iter().map(|e| e.id));
        match next {
            Some(cursor) => before = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 120);
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 120, "no event twice");
    // Within the same millisecond, the newer (higher id) event comes first.
    assert!(seen[80..].windows(2).all(|pair| pair[0] > pair[1]));

    let chunks: Vec<String> = csv_export(db.clone(), admin(), mine, 7)
        .map(|chunk| chunk.unwrap())
        .collect()
        .await;
    assert_eq!(chunks.len(), 18, "120 events in chunks of 7");
    let text = chunks.concat();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().get(0),
        Some("When"),
        "one header line"
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 120);
    assert_eq!(&records[0][1], "Jordan Lee (veteran2@example.com)");
    assert_eq!(&records[0][4], "Signed in");
}

/// A Veteran's message and a clinician's reply and note leave audit events (the send, the
/// clinician's read) that name the thread and never hold what was written; the viewer shows
/// the clinician's read of the Veteran's thread.
async fn audit_events_hold_no_message_content(db: &Db) {
    world(db).await;
    let alex = users::credentials_by_email(&db.pool, "veteran@example.com")
        .await
        .unwrap()
        .unwrap()
        .user;
    let casey = users::credentials_by_email(&db.pool, "nurse@example.com")
        .await
        .unwrap()
        .unwrap()
        .user;
    let team_id: i64 = sqlx::query_scalar("SELECT id FROM care_teams WHERE name = $1")
        .bind("Primary Care – Blue Team")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let alex_id = alex.id;
    let alex = trusted::messaging(alex).unwrap();
    let casey = trusted::team(casey).unwrap();
    let sent = messaging::send_message(
        db,
        &alex,
        alex_id,
        &NewMessage {
            care_team_id: Some(team_id),
            category: Some(Category::Medication),
            subject: "Zebrafish subject".into(),
            body: "Quokka body about my rash".into(),
            client_key: uuid::Uuid::new_v4().to_string(),
            draft_id: None,
        },
    )
    .await
    .unwrap();
    team::open_thread(db, &casey, sent.thread_id, Some("198.51.100.4"))
        .await
        .unwrap();
    team::reply(
        db,
        &casey,
        sent.thread_id,
        &Reply {
            body: "Narwhal reply text".into(),
            client_key: uuid::Uuid::new_v4().to_string(),
        },
    )
    .await
    .unwrap();
    let everything = all(db, &CheckedFilter::default()).await;
    assert!(everything.len() >= 3);
    let text = format!("{everything:?}");
    for secret in ["Zebrafish", "Quokka", "Narwhal", "rash"] {
        assert!(!text.contains(secret), "audit log shows {secret}: {text}");
    }
    let reads = all(
        db,
        &filter(|f| {
            f.person = "nurse@example.com".into();
            f.patient = "Alex Rivera".into();
            f.action = "thread_read".into();
        }),
    )
    .await;
    assert_eq!(
        reads.first().and_then(|e| e.target.clone()),
        Some(format!("thread:{}", sent.thread_id))
    );
    assert_eq!(reads[0].ip.as_deref(), Some("198.51.100.4"));
}

/// `seed-bulk --audit-events` (the figures' data) works on both databases and spreads the
/// events over actions, outcomes and people.
async fn bulk_audit_events_fill_every_filter(db: &Db) {
    world(db).await;
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    app::audit_log::bulk::seed_audit_events(db, 1_200)
        .await
        .unwrap();
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(after - before, 1_200);
    let denied = all(db, &filter(|f| f.outcome = "denied".into())).await;
    assert_eq!(denied.len(), 200 + 1, "every sixth, and the world's one");
    let reads = events(
        db,
        &admin(),
        &filter(|f| f.action = "thread_read".into()),
        None,
        50,
    )
    .await
    .unwrap();
    assert_eq!(reads.0.len(), 50);
    assert!(reads.1.is_some());
}

/// Reading the log names patients, so each read is itself an event: who read it, from
/// where, and with which filter; the viewer finds it like any other.
async fn reading_the_log_is_itself_recorded_with_the_filter(db: &Db) {
    world(db).await;
    let typed = AuditFilter {
        patient: "alex".into(),
        from: "2026-11-01".into(),
        ..AuditFilter::default()
    };
    let from = Origin(Some("198.51.100.9".into()));
    // The demo administrator, by their real id: the event names who read the log.
    let riley = trusted::admin(SignedInUser {
        id: user_id(db, "admin@example.com").await,
        name: "Riley Admin".into(),
        email: "admin@example.com".into(),
        role: Role::Administrator,
        time_zone: "America/New_York".into(),
    })
    .unwrap();
    record_read(
        db,
        &riley,
        &from,
        Action::AuditLogViewed,
        &typed,
        Some("next-page"),
    )
    .await
    .unwrap();
    record_read(db, &riley, &from, Action::AuditLogExported, &typed, None)
        .await
        .unwrap();
    let viewed = all(db, &filter(|f| f.action = "audit_log_viewed".into())).await;
    assert_eq!(viewed.len(), 1);
    assert_eq!(
        viewed[0].person.as_deref(),
        Some("Riley Admin (admin@example.com)")
    );
    assert_eq!(viewed[0].action_words, "Viewed the audit log");
    assert_eq!(viewed[0].ip.as_deref(), Some("198.51.100.9"));
    let detail: serde_json::Value =
        serde_json::from_str(viewed[0].detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["filter"]["patient"], "alex");
    assert_eq!(detail["filter"]["from"], "2026-11-01");
    assert_eq!(detail["before"], "next-page");
    let exported = all(db, &filter(|f| f.action = "audit_log_exported".into())).await;
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].action_words, "Downloaded the audit log");
    assert!(exported[0]
        .detail
        .as_deref()
        .unwrap()
        .contains(r#""patient":"alex""#));
}

on_both_databases!(
    reading_the_log_is_itself_recorded_with_the_filter,
    bulk_audit_events_fill_every_filter,
    filters_find_events_by_person_patient_action_outcome_and_day,
    a_filter_that_needs_correcting_says_which_field,
    pages_and_the_csv_export_cover_every_event_once,
    audit_events_hold_no_message_content,
);
