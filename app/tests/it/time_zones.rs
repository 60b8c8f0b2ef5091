//! Each person's time zone (their own choice, else their facility's) and when a Veteran can
//! expect their care team's answer: data-layer scenarios on both databases.

use crate::common::{reply, team_id, user};
use app::messages::ssr as messaging;
use app::messages::{Category, NewMessage};
use app::server::access::trusted;
use app::server::db::Db;
use app::server::{demo, users};

async fn zone_of(db: &Db, email: &str) -> String {
    user(db, email).await.time_zone
}

async fn set_facility_zone(db: &Db, zone: &str) {
    sqlx::query("UPDATE facilities SET time_zone = $1")
        .bind(zone)
        .execute(&db.pool)
        .await
        .unwrap();
}

async fn a_person_reads_times_in_their_own_zone_else_their_facility_s(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    // Nobody has chosen: the demo facility's zone for everyone at it, the default for the
    // administrator, who has no facility.
    set_facility_zone(db, "America/Chicago").await;
    for email in [
        "veteran@example.com",
        "caregiver@example.com",
        "clinician@example.com",
    ] {
        assert_eq!(zone_of(db, email).await, "America/Chicago", "{email}");
    }
    assert_eq!(zone_of(db, "admin@example.com").await, "America/New_York");

    // A choice wins over the facility, for that person alone.
    let alex = user(db, "veteran@example.com").await;
    users::set_time_zone(db, alex.id, "Pacific/Honolulu")
        .await
        .unwrap();
    assert_eq!(zone_of(db, "veteran@example.com").await, "Pacific/Honolulu");
    assert_eq!(
        zone_of(db, "caregiver@example.com").await,
        "America/Chicago"
    );
    // The session's person is read the same way on every request.
    let signed_in = users::active_user(&db.pool, alex.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(signed_in.time_zone, "Pacific/Honolulu");
}

async fn the_browser_s_zone_is_kept_only_for_someone_with_no_facility_or_choice(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let riley = user(db, "admin@example.com").await;
    let alex = user(db, "veteran@example.com").await;
    // Not a zone: ignored.
    assert!(!users::remember_browser_zone(db, riley.id, "Mars/Olympus")
        .await
        .unwrap());
    // Alex's facility decides until Alex chooses: the browser is not asked.
    assert!(!users::remember_browser_zone(db, alex.id, "Europe/Berlin")
        .await
        .unwrap());
    assert_eq!(zone_of(db, "veteran@example.com").await, "America/New_York");
    // Riley has no facility: the first sign-in's browser zone is kept …
    assert!(users::remember_browser_zone(db, riley.id, "America/Denver")
        .await
        .unwrap());
    assert_eq!(zone_of(db, "admin@example.com").await, "America/Denver");
    // … and a later browser elsewhere does not change it: it is Riley's now.
    assert!(!users::remember_browser_zone(db, riley.id, "Asia/Manila")
        .await
        .unwrap());
    assert_eq!(zone_of(db, "admin@example.com").await, "America/Denver");
}

async fn a_waiting_veteran_sees_when_the_team_s_answer_is_expected(db: &Db) {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let primary_care = team_id(db, "Primary Care – Blue Team").await;
    // This team promises five business days, not the default three.
    sqlx::query("UPDATE care_teams SET response_target_days = 5 WHERE id = $1")
        .bind(primary_care)
        .execute(&db.pool)
        .await
        .unwrap();
    let alex_user = user(db, "veteran@example.com").await;
    let alex_id = alex_user.id;
    let alex = trusted::messaging(alex_user).unwrap();
    let morgan = trusted::team(user(db, "clinician@example.com").await).unwrap();
    let sent = messaging::send_message(
        db,
        &alex,
        alex_id,
        &NewMessage {
            care_team_id: Some(primary_care),
            category: Some(Category::General),
            subject: "Knee brace".to_string(),
            body: "Which size should I order?".to_string(),
            client_key: uuid::Uuid::new_v4().to_string(),
            draft_id: None,
        },
    )
    .await
    .unwrap();
    let due_at: i64 = sqlx::query_scalar("SELECT due_at FROM threads WHERE id = $1")
        .bind(sent.thread_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let waiting = messaging::open_thread(db, &alex, alex_id, sent.thread_id)
        .await
        .unwrap();
    let expected = waiting.reply_expected.expect("a reply is expected");
    assert_eq!(expected.business_days, 5);
    assert_eq!(expected.due_at, due_at);
    // Five business days are at least five whole calendar days.
    assert!(due_at - sent_at(db, sent.thread_id).await >= 5 * 24 * 60 * 60 * 1000);

    // Once the team has answered, nothing is awaited.
    messaging::team_reply(db, &morgan, sent.thread_id, &reply("Size M."))
        .await
        .unwrap();
    let answered = messaging::open_thread(db, &alex, alex_id, sent.thread_id)
        .await
        .unwrap();
    assert_eq!(answered.reply_expected, None);
}

async fn sent_at(db: &Db, thread: i64) -> i64 {
    sqlx::query_scalar("SELECT created_at FROM threads WHERE id = $1")
        .bind(thread)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

on_both_databases!(
    a_person_reads_times_in_their_own_zone_else_their_facility_s,
    the_browser_s_zone_is_kept_only_for_someone_with_no_facility_or_choice,
    a_waiting_veteran_sees_when_the_team_s_answer_is_expected,
);
