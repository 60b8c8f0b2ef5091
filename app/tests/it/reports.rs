//! Reports data layer: figures on hand-made data with known answers, on SQLite
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

use crate::common::admin;
use app::admin::ssr::Origin;
use app::auth::{Role, SignedInUser};
use app::error::AppError;
use app::reports::ssr::{choices, date_range, record_view, report, ReportRead};
use app::reports::types::{ReportRow, ReportScope};
use app::server::access::{team_lead, trusted, TeamCapability};
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

/// Adds a thread with its steps, keeping the thread's own bookkeeping as the app does on
/// every message and completion (`messages::ssr`, `team::ssr::thread`): the latest message
/// (notes aside), what waits on the team since when, and when it was completed. Reports
/// read that bookkeeping for threads untouched since the end of the range.
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
                sqlx::query(
                    "UPDATE threads SET completed_at = $1, waiting_since = NULL WHERE id = $2",
                )
                .bind(*at)
                .bind(id)
                .execute(&db.pool)
                .await
                .unwrap();
                continue;
            }
        };
        let bookkeeping = match (by_team, note) {
            (_, 1) => None,
            (1, _) => {
                Some("UPDATE threads SET last_message_at = $1, waiting_since = NULL WHERE id = $2")
            }
            _ => Some(
                "UPDATE threads SET last_message_at = $1, \
                 waiting_since = COALESCE(waiting_since, $1), completed_at = NULL WHERE id = $2",
            ),
        };
        if let Some(sql) = bookkeeping {
            sqlx::query(sql)
                .bind(at)
                .bind(id)
                .execute(&db.pool)
                .await
                .unwrap();
        }
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

/// The backlog at the end of every day from before the first thread to after the last, as
/// the report gives it, against its definition worked out from each thread's whole history
/// (the slow way, kept here as the reference): the report's quicker reading of threads
/// untouched since then must give the same answer on every day.
async fn the_backlog_on_every_day_matches_its_definition(db: &Db) {
    let w = november(db).await;
    let mut day = chrono::NaiveDate::from_ymd_opt(2026, 10, 18).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let mut days_with_backlog = 0;
    while day <= last {
        let got = report(db, &admin(), ReportScope::Team(w.podiatry), day, day)
            .await
            .unwrap();
        let end = chrono_tz::America::New_York
            .from_local_datetime(&day.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap())
            .single()
            .unwrap()
            .timestamp_millis();
        let waiting: Vec<i64> = sqlx::query_scalar(
            "SELECT w.waiting_since FROM (SELECT \
               (SELECT MIN(v.sent_at) FROM messages v WHERE v.thread_id = t.id \
                  AND v.sent_by_team = 0 AND v.sent_at < $2 \
                  AND v.sent_at > COALESCE((SELECT MAX(r.sent_at) FROM messages r \
                        WHERE r.thread_id = t.id AND r.sent_by_team = 1 \
                        AND r.is_internal_note = 0 AND r.sent_at < $2), -1) \
                  AND v.sent_at > COALESCE((SELECT MAX(e.at) FROM thread_events e \
                        WHERE e.thread_id = t.id AND e.kind = 'completed' AND e.at < $2), -1) \
               ) AS waiting_since FROM threads t WHERE t.team_id = $1 AND t.created_at < $2) w \
             WHERE w.waiting_since IS NOT NULL",
        )
        .bind(w.podiatry)
        .bind(end)
        .fetch_all(&db.pool)
        .await
        .unwrap();
        let overdue = waiting
            .iter()
            .filter(|since| {
                app::team::business_days::due_time_ms(**since, 3, chrono_tz::America::New_York)
                    <= end
            })
            .count() as i64;
        assert_eq!(
            (got.rows[0].backlog, got.rows[0].overdue),
            (waiting.len() as i64, overdue),
            "backlog at the end of {day}"
        );
        let start = chrono_tz::America::New_York
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
            .single()
            .unwrap()
            .timestamp_millis();
        let sent = |by_team: i64| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM messages m JOIN threads t ON t.id = m.thread_id \
                 WHERE t.team_id = $1 AND m.sent_by_team = $2 AND m.is_internal_note = 0 \
                 AND m.sent_at >= $3 AND m.sent_at < $4",
            )
            .bind(w.podiatry)
            .bind(by_team)
            .bind(start)
            .bind(end)
            .fetch_one(&db.pool)
        };
        assert_eq!(
            (got.rows[0].veteran_messages, got.rows[0].staff_messages),
            (sent(0).await.unwrap(), sent(1).await.unwrap()),
            "messages on {day}"
        );
        days_with_backlog += i64::from(!waiting.is_empty());
        day = day.succ_opt().unwrap();
    }
    // The data has waiting threads on most days, so the comparison compared something.
    assert!(days_with_backlog > 30, "{days_with_backlog}");
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

/// A clinician as the team workspace knows them, joined to `team` as `team_role`.
async fn clinician_on(db: &Db, email: &'static str, team: i64, team_role: &str) -> TeamCapability {
    let id = insert_id(
        db,
        "INSERT INTO users (email, name, role, created_at, updated_at) \
         VALUES ($1, $1, 'clinician', 0, 0) RETURNING id",
        &[email],
    )
    .await;
    join(db, team, id, team_role).await;
    trusted::team(SignedInUser {
        id,
        name: email.to_string(),
        email: email.to_string(),
        role: Role::Clinician,
        time_zone: "America/New_York".into(),
    })
    .unwrap()
}

async fn join(db: &Db, team: i64, user: i64, team_role: &str) {
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, team_role, created_at) VALUES ($1, $2, $3, 0)",
    )
    .bind(team)
    .bind(user)
    .bind(team_role)
    .execute(&db.pool)
    .await
    .unwrap();
}

/// A care team lead reads the administrator's report on the teams they lead, with the
/// same figures, and nothing else: not a team they are only a member of, not another
/// team, not a facility. A clinician who leads no team has no lead capability at all.
async fn a_team_lead_sees_the_reports_of_the_teams_they_lead_only(db: &Db) {
    let w = november(db).await;
    let (from, to) = range("2026-11-01", "2026-11-30");
    let lead = clinician_on(db, "lead@example.com", w.podiatry, "lead").await;
    join(db, w.audiology, lead.user().id, "member").await;
    let lead = team_lead(db, &lead).await.unwrap().expect("leads Podiatry");
    assert_eq!(lead.teams(), [w.podiatry]);

    let offered = choices(db, &lead).await.unwrap();
    assert_eq!(offered.len(), 1);
    assert_eq!(offered[0].scope, ReportScope::Team(w.podiatry));
    assert_eq!(offered[0].label, "Podiatry — Test VA Medical Center");

    let theirs = report(db, &lead, ReportScope::Team(w.podiatry), from, to)
        .await
        .unwrap();
    let admins = report(db, &admin(), ReportScope::Team(w.podiatry), from, to)
        .await
        .unwrap();
    assert_eq!(theirs, admins, "the administrator's figures");
    for elsewhere in [
        ReportScope::Team(w.audiology),
        ReportScope::Facility(w.facility),
        ReportScope::Team(9_999),
    ] {
        assert_eq!(
            report(db, &lead, elsewhere, from, to).await,
            Err(AppError::NotFound),
            "{elsewhere:?}"
        );
    }
    // Reading is on the record, as the administrator's is.
    record_view(
        db,
        &lead,
        &Origin(None),
        &theirs,
        ReportScope::Team(w.podiatry),
        ReportRead::Page,
    )
    .await
    .unwrap();
    let recorded: (i64, String) = sqlx::query_as(
        "SELECT actor_id, target FROM audit_events WHERE action = 'report_viewed' \
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(recorded, (lead.user().id, format!("team:{}", w.podiatry)));

    // A member who leads nothing, here or anywhere: no reports.
    let member = clinician_on(db, "member@example.com", w.podiatry, "member").await;
    assert!(team_lead(db, &member).await.unwrap().is_none());
}

on_both_databases!(
    team_report_counts_business_hours_across_weekends_and_holidays,
    facility_report_has_a_row_per_team_and_a_total,
    a_short_range_ignores_what_happened_after_it,
    the_backlog_on_every_day_matches_its_definition,
    reports_hold_no_message_content_and_unknown_scopes_are_not_found,
    a_team_lead_sees_the_reports_of_the_teams_they_lead_only,
);
