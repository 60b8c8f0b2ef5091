//! Reports data layer (issue 6): figures on hand-made data with known answers, on SQLite
//! and on PostgreSQL.
//!
//! The data: a facility in New York, November 2026 (Eastern Standard Time from Nov 2, UTC−5).
//! Veterans Day (Wed Nov 11) and Thanksgiving (Thu Nov 26) are federal holidays. Business
//! hours are 08:00–16:30 on business days. "Podiatry" has a 3-day target, "Audiology" 1 day.
//!
//! Podiatry's threads:
//! - T1 started Fri Nov 6 15:00, answered Mon Nov 9 09:00: 1.5 h Friday + 1 h Monday = 2.5 h
//!   across the weekend; due Thu Nov 12 15:00 (Veterans Day skipped): within target.
//! - T2 started Tue Nov 10 16:00, answered Thu Nov 12 08:30: 0.5 h + (holiday) + 0.5 h = 1 h.
//! - T3 started Mon Nov 16 09:00, answered Mon Nov 23 10:00: 7.5 + 4 × 8.5 + 2 = 43.5 h, past
//!   its due time (Thu Nov 19 09:00). The Veteran wrote again Tue Nov 24 09:00: waiting
//!   since then, due Mon Nov 30 09:00 (Thanksgiving skipped), overdue at the end of November.
//! - T4 started Wed Nov 25 10:00, unanswered: due Tue Dec 1 10:00, after the range: waiting,
//!   not overdue, not judged yet.
//! - T5 started Mon Nov 2 09:00; only an internal note followed (not a reply): due Thu Nov 5,
//!   judged and missed; waiting and overdue.
//! - T6 started in October and answered then; the Veteran wrote Thu Nov 5 and the team marked
//!   it complete Fri Nov 6: one message in the range, not waiting.
//! - T7 started in October, never answered: waiting and overdue; not a new thread.
//! - T8 starts in December: outside the range.
//!
//! Audiology: T9 started Fri Nov 6 16:00, answered Mon Nov 9 08:30 (1 h), due Mon Nov 9
//! 16:00: within target.

#![cfg(feature = "ssr")]

mod common;

use app::auth::{Role, SignedInUser};
use app::error::AppError;
use app::reports::ssr::{date_range, report};
use app::reports::types::{ReportRow, ReportScope};
use app::server::access::{trusted, AdminCapability};
use app::server::db::Db;
use chrono::TimeZone;

const HOUR: i64 = 3_600_000;

/// Local New York time as stored (UTC epoch milliseconds).
fn ny(month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    chrono_tz::America::New_York
        .with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .single()
        .unwrap()
        .timestamp_millis()
}

fn admin() -> AdminCapability {
    trusted::admin(SignedInUser {
        id: 1,
        name: "Riley Admin".into(),
        email: "admin@example.com".into(),
        role: Role::Administrator,
    })
    .unwrap()
}

async fn insert_id(db: &Db, sql: &str, binds: &[&str]) -> i64 {
    let mut query = sqlx::query_scalar::<_, i64>(sql);
    for value in binds {
        query = query.bind(*value);
    }
    query.fetch_one(&db.pool).await.unwrap()
}

struct World {
    facility: i64,
    podiatry: i64,
    audiology: i64,
    veteran: i64,
    clinician: i64,
}

async fn world(db: &Db) -> World {
    let facility = insert_id(
        db,
        "INSERT INTO facilities (station_number, name, time_zone, created_at) \
         VALUES ('512', 'Test VA Medical Center', 'America/New_York', 0) RETURNING id",
        &[],
    )
    .await;
    let team = |name: &'static str, target: &'static str| {
        let sql = format!(
            "INSERT INTO care_teams (facility_id, name, response_target_days, created_at) \
             VALUES ({facility}, $1, {target}, 0) RETURNING id"
        );
        async move { insert_id(db, &sql, &[name]).await }
    };
    let podiatry = team("Podiatry", "3").await;
    let audiology = team("Audiology", "1").await;
    let person = |email: &'static str, role: &'static str| async move {
        insert_id(
            db,
            "INSERT INTO users (email, name, role, created_at, updated_at) \
             VALUES ($1, $1, $2, 0, 0) RETURNING id",
            &[email, role],
        )
        .await
    };
    World {
        facility,
        podiatry,
        audiology,
        veteran: person("vet@example.com", "veteran").await,
        clinician: person("doc@example.com", "clinician").await,
    }
}

/// What happens in a thread, in order.
enum Step {
    Veteran(i64),
    Team(i64),
    Note(i64),
    Completed(i64),
}

async fn thread(db: &Db, w: &World, team: i64, steps: &[Step]) -> i64 {
    let started = match steps.first() {
        Some(Step::Veteran(at)) => *at,
        _ => panic!("a thread starts with the Veteran's message"),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO threads (veteran_id, team_id, subject, category, created_at, last_message_at) \
         VALUES ($1, $2, 'Secret subject about my feet', 'general', $3, $3) RETURNING id",
    )
    .bind(w.veteran)
    .bind(team)
    .bind(started)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    for step in steps {
        let (author, by_team, note, at) = match step {
            Step::Veteran(at) => (w.veteran, 0, 0, *at),
            Step::Team(at) => (w.clinician, 1, 0, *at),
            Step::Note(at) => (w.clinician, 1, 1, *at),
            Step::Completed(at) => {
                sqlx::query(
                    "INSERT INTO thread_events (thread_id, at, actor_id, kind) \
                     VALUES ($1, $2, $3, 'completed')",
                )
                .bind(id)
                .bind(*at)
                .bind(w.clinician)
                .execute(&db.pool)
                .await
                .unwrap();
                continue;
            }
        };
        sqlx::query(
            "INSERT INTO messages (thread_id, author_id, sent_by_team, body, sent_at, is_internal_note) \
             VALUES ($1, $2, $3, 'Secret body text', $4, $5)",
        )
        .bind(id)
        .bind(author)
        .bind(by_team)
        .bind(at)
        .bind(note)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    id
}

async fn november(db: &Db) -> World {
    use Step::*;
    let w = world(db).await;
    let p = w.podiatry;
    thread(
        db,
        &w,
        p,
        &[Veteran(ny(11, 6, 15, 0)), Team(ny(11, 9, 9, 0))],
    )
    .await;
    thread(
        db,
        &w,
        p,
        &[Veteran(ny(11, 10, 16, 0)), Team(ny(11, 12, 8, 30))],
    )
    .await;
    thread(
        db,
        &w,
        p,
        &[
            Veteran(ny(11, 16, 9, 0)),
            Team(ny(11, 23, 10, 0)),
            Veteran(ny(11, 24, 9, 0)),
        ],
    )
    .await;
    thread(db, &w, p, &[Veteran(ny(11, 25, 10, 0))]).await;
    thread(
        db,
        &w,
        p,
        &[Veteran(ny(11, 2, 9, 0)), Note(ny(11, 3, 10, 0))],
    )
    .await;
    thread(
        db,
        &w,
        p,
        &[
            Veteran(ny(10, 20, 10, 0)),
            Team(ny(10, 21, 10, 0)),
            Veteran(ny(11, 5, 10, 0)),
            Completed(ny(11, 6, 10, 0)),
        ],
    )
    .await;
    thread(db, &w, p, &[Veteran(ny(10, 28, 10, 0))]).await;
    thread(
        db,
        &w,
        p,
        &[Veteran(ny(12, 2, 10, 0)), Team(ny(12, 2, 11, 0))],
    )
    .await;
    thread(
        db,
        &w,
        w.audiology,
        &[Veteran(ny(11, 6, 16, 0)), Team(ny(11, 9, 8, 30))],
    )
    .await;
    w
}

fn range(from: &str, to: &str) -> (chrono::NaiveDate, chrono::NaiveDate) {
    date_range(from, to).unwrap()
}

async fn team_report_counts_business_hours_across_weekends_and_holidays(db: &Db) {
    let w = november(db).await;
    let (from, to) = range("2026-11-01", "2026-11-30");
    let got = report(db, &admin(), ReportScope::Team(w.podiatry), from, to)
        .await
        .unwrap();
    assert_eq!(got.covers, "Podiatry, Test VA Medical Center");
    assert_eq!(got.time_zone, "America/New_York");
    assert_eq!(
        got.rows,
        vec![ReportRow {
            label: "Podiatry".into(),
            new_threads: 5,
            veteran_messages: 7,
            staff_messages: 3,
            answered: 3,
            // 1 h (across Veterans Day), 2.5 h (across a weekend), 43.5 h.
            median_response_ms: Some(25 * HOUR / 10),
            p90_response_ms: Some(435 * HOUR / 10),
            within_target: 2,
            judged: 4,
            backlog: 4,
            overdue: 3,
        }]
    );
    assert_eq!(got.rows[0].within_target_percent(), Some(50));
}

async fn facility_report_has_a_row_per_team_and_a_total(db: &Db) {
    let w = november(db).await;
    let (from, to) = range("2026-11-01", "2026-11-30");
    let got = report(db, &admin(), ReportScope::Facility(w.facility), from, to)
        .await
        .unwrap();
    assert_eq!(got.covers, "Test VA Medical Center");
    let labels: Vec<&str> = got.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["Audiology", "Podiatry", "All teams"]);
    assert_eq!(
        got.rows[0],
        ReportRow {
            label: "Audiology".into(),
            new_threads: 1,
            veteran_messages: 1,
            staff_messages: 1,
            answered: 1,
            median_response_ms: Some(HOUR),
            p90_response_ms: Some(HOUR),
            within_target: 1,
            judged: 1,
            backlog: 0,
            overdue: 0,
        }
    );
    assert_eq!(
        got.rows[2],
        ReportRow {
            label: "All teams".into(),
            new_threads: 6,
            veteran_messages: 8,
            staff_messages: 4,
            answered: 4,
            // [1, 1, 2.5, 43.5] h: rank 2 and rank 4.
            median_response_ms: Some(HOUR),
            p90_response_ms: Some(435 * HOUR / 10),
            within_target: 3,
            judged: 5,
            backlog: 4,
            overdue: 3,
        }
    );
}

/// On Nov 16 alone: T3 started but its reply (Nov 23) came after the range, so it is
/// unanswered, not yet due, and waiting; the backlog is the one at the end of Nov 16.
async fn a_short_range_ignores_what_happened_after_it(db: &Db) {
    let w = november(db).await;
    let (from, to) = range("2026-11-16", "2026-11-16");
    let got = report(db, &admin(), ReportScope::Team(w.podiatry), from, to)
        .await
        .unwrap();
    let row = &got.rows[0];
    assert_eq!(
        (row.new_threads, row.veteran_messages, row.staff_messages),
        (1, 1, 0)
    );
    assert_eq!((row.answered, row.median_response_ms), (0, None));
    assert_eq!((row.judged, row.within_target), (0, 0));
    assert_eq!(row.within_target_percent(), None);
    // T3 (new, not due), T5 and T7 (overdue); T1, T2 answered, T6 completed.
    assert_eq!((row.backlog, row.overdue), (3, 2));
}

async fn reports_hold_no_message_content_and_unknown_scopes_are_not_found(db: &Db) {
    let w = november(db).await;
    let (from, to) = range("2026-10-01", "2026-12-31");
    let got = report(db, &admin(), ReportScope::Facility(w.facility), from, to)
        .await
        .unwrap();
    let charts = app::reports::charts::report_charts(&got);
    let csv = app::reports::csv::report_csv(&got).unwrap();
    for text in [format!("{got:?}"), charts.join(""), csv] {
        assert!(!text.contains("Secret"), "{text}");
        assert!(!text.contains("vet@example.com"), "{text}");
    }
    assert_eq!(
        report(db, &admin(), ReportScope::Team(9_999), from, to).await,
        Err(AppError::NotFound)
    );
    assert_eq!(
        report(db, &admin(), ReportScope::Facility(9_999), from, to).await,
        Err(AppError::NotFound)
    );
}

on_both_databases!(
    team_report_counts_business_hours_across_weekends_and_holidays,
    facility_report_has_a_row_per_team_and_a_total,
    a_short_range_ignores_what_happened_after_it,
    reports_hold_no_message_content_and_unknown_scopes_are_not_found,
);
