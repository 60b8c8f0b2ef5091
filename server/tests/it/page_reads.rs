//! One page load, one audit event: opening a page that shows health information or the
//! audit trail records its read once, however the page gets its data (DESIGN.md §3). A
//! page that runs its server functions more than once while rendering writes the read
//! more than once, and the audit trail then overstates who looked at what.
//!
//! The whole router, in process (axum's `oneshot`), on a fresh SQLite database in demo
//! mode (the shared harness, `common`).

use crate::common::{demo_app, TestApp};
use axum::http::StatusCode;

/// Loads `path` `LOADS` times as a browser does, one after the other, and answers how many
/// audit events with `action` (and `target`, when given) by `email` each load wrote, with
/// every action the first load wrote, for the failure message.
async fn events_per_load(
    app: &TestApp,
    email: &str,
    path: &str,
    action: &str,
    target: Option<&str>,
) -> (Vec<i64>, String) {
    let cookie = app.sign_in(email).await;
    let target = target.map_or(String::new(), |t| format!(" AND target = '{t}'"));
    let mut written = Vec::new();
    let mut first = String::new();
    for _ in 0..LOADS {
        let last = app
            .count("SELECT COALESCE(MAX(id), 0) FROM audit_events")
            .await;
        let answer = app.get(path, Some(&cookie)).await;
        assert_eq!(answer.status, StatusCode::OK, "GET {path}: {}", answer.body);
        written.push(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE id > {last} \
                 AND action = '{action}' \
                 AND actor_id = (SELECT id FROM users WHERE email = '{email}'){target}"
            ))
            .await,
        );
        if first.is_empty() {
            let all: Vec<(String, i64)> = sqlx::query_as(&format!(
                "SELECT action, COUNT(*) FROM audit_events WHERE id > {last} \
                 GROUP BY action ORDER BY action"
            ))
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
            first = format!("{all:?}");
        }
    }
    (written, first)
}

/// Loads of each page. How many times a page's reads run while it renders depends on
/// timing (with the cores busy it is sometimes once); several loads make a page that
/// reads more than once show it.
const LOADS: usize = 3;

const ONE_EACH: [i64; LOADS] = [1; LOADS];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veteran_thread_page_records_one_read() {
    let app = demo_app(&[]).await;
    let thread = app
        .count(
            "SELECT MIN(thread_id) FROM thread_views WHERE folder = 'inbox' \
             AND user_id = (SELECT id FROM users WHERE email = 'veteran@example.com')",
        )
        .await;
    let target = format!("thread:{thread}");
    let (written, all) = events_per_load(
        &app,
        "veteran@example.com",
        &format!("/messages/{thread}"),
        "thread_read",
        Some(&target),
    )
    .await;
    assert_eq!(
        written, ONE_EACH,
        "each GET of Alex's thread page should write one thread_read event; {LOADS} GETs wrote \
         {written:?} (all events of the first: {all})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_thread_page_records_one_read() {
    let app = demo_app(&[]).await;
    let thread = app
        .count(
            "SELECT MIN(t.id) FROM threads t JOIN team_members m ON m.team_id = t.team_id \
             WHERE m.user_id = (SELECT id FROM users WHERE email = 'nurse@example.com')",
        )
        .await;
    let target = format!("thread:{thread}");
    let (written, all) = events_per_load(
        &app,
        "nurse@example.com",
        &format!("/team/threads/{thread}"),
        "thread_read",
        Some(&target),
    )
    .await;
    assert_eq!(
        written, ONE_EACH,
        "each GET of a team thread page should write one thread_read event; {LOADS} GETs wrote \
         {written:?} (all events of the first: {all})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_page_records_one_view() {
    let app = demo_app(&[]).await;
    let (written, all) = events_per_load(
        &app,
        "admin@example.com",
        "/admin/audit",
        "audit_log_viewed",
        None,
    )
    .await;
    assert_eq!(
        written, ONE_EACH,
        "each GET of /admin/audit should write one audit_log_viewed event; {LOADS} GETs wrote \
         {written:?} (all events of the first: {all})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reports_page_records_one_view() {
    let app = demo_app(&[]).await;
    let (written, all) = events_per_load(
        &app,
        "admin@example.com",
        "/admin/reports",
        "report_viewed",
        None,
    )
    .await;
    assert_eq!(
        written, ONE_EACH,
        "each GET of /admin/reports should write one report_viewed event; {LOADS} GETs wrote \
         {written:?} (all events of the first: {all})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_printout_records_one_read() {
    let app = demo_app(&[]).await;
    let thread = app
        .count(
            "SELECT MIN(t.id) FROM threads t JOIN team_members m ON m.team_id = t.team_id \
             WHERE m.user_id = (SELECT id FROM users WHERE email = 'nurse@example.com')",
        )
        .await;
    let target = format!("thread:{thread}");
    let (written, all) = events_per_load(
        &app,
        "nurse@example.com",
        &format!("/team/threads/{thread}/print?notes=yes"),
        "thread_read",
        Some(&target),
    )
    .await;
    assert_eq!(
        written, ONE_EACH,
        "each GET of a team printout should write one thread_read event; {LOADS} GETs wrote \
         {written:?} (all events of the first: {all})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leads_reports_page_records_one_view() {
    let app = demo_app(&[]).await;
    let (written, all) = events_per_load(
        &app,
        "clinician@example.com",
        "/team/reports",
        "report_viewed",
        None,
    )
    .await;
    assert_eq!(
        written, ONE_EACH,
        "each GET of /team/reports should write one report_viewed event; {LOADS} GETs wrote \
         {written:?} (all events of the first: {all})"
    );
}
