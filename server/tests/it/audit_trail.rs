//! The audit trail is complete: a Veteran's reads carry where they came from, a thread
//! opened by someone it is not theirs to open is on the record as refused, and searches and
//! the team inbox are reads too (what was asked, never the words or the results).

use crate::common::{demo_app, TestApp};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use std::net::SocketAddr;

/// A page, as a browser on `peer` asks for it.
async fn get_from(app: &TestApp, path: &str, cookie: &str, peer: [u8; 4]) -> StatusCode {
    let mut request = Request::get(path)
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 50_000))));
    app.send(request).await.status
}

async fn thread_of(app: &TestApp, email: &str) -> i64 {
    app.count(&format!(
        "SELECT MIN(t.id) FROM threads t JOIN users u ON u.id = t.veteran_id \
         WHERE u.email = '{email}'"
    ))
    .await
}

/// (outcome, ip, patient) of the latest event with `action` by `email`.
async fn latest(app: &TestApp, action: &str, email: &str) -> (String, Option<String>, Option<i64>) {
    sqlx::query_as(
        "SELECT outcome, ip, patient_id FROM audit_events WHERE action = $1 \
         AND actor_id = (SELECT id FROM users WHERE email = $2) ORDER BY id DESC LIMIT 1",
    )
    .bind(action)
    .bind(email)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_veterans_read_records_where_it_came_from() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in("veteran@example.com").await;
    let thread = thread_of(&app, "veteran@example.com").await;
    let status = get_from(
        &app,
        &format!("/messages/{thread}"),
        &cookie,
        [198, 51, 100, 9],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (outcome, ip, patient) = latest(&app, "thread_read", "veteran@example.com").await;
    assert_eq!(outcome, "success");
    assert_eq!(ip.as_deref(), Some("198.51.100.9"));
    assert!(patient.is_some());
}

#[tokio::test]
async fn opening_someone_elses_thread_is_recorded_as_refused() {
    let app = demo_app(&[]).await;
    let alex_thread = thread_of(&app, "veteran@example.com").await;
    let jordan = app.sign_in("veteran2@example.com").await;
    get_from(
        &app,
        &format!("/messages/{alex_thread}"),
        &jordan,
        [198, 51, 100, 10],
    )
    .await;
    let (outcome, ip, patient) = latest(&app, "thread_read", "veteran2@example.com").await;
    assert_eq!(outcome, "denied");
    assert_eq!(ip.as_deref(), Some("198.51.100.10"));
    assert_eq!(patient, None, "the record does not say whose thread it was");

    // The same for a care team member and another team's thread.
    let other_team = app
        .count(
            "SELECT MIN(t.id) FROM threads t WHERE t.team_id NOT IN (SELECT team_id \
             FROM team_members WHERE user_id = (SELECT id FROM users WHERE email = 'nurse@example.com'))",
        )
        .await;
    let casey = app.sign_in("nurse@example.com").await;
    get_from(
        &app,
        &format!("/team/threads/{other_team}"),
        &casey,
        [198, 51, 100, 11],
    )
    .await;
    let (outcome, ip, patient) = latest(&app, "thread_read", "nurse@example.com").await;
    assert_eq!(outcome, "denied");
    assert_eq!(ip.as_deref(), Some("198.51.100.11"));
    assert_eq!(patient, None);
}

#[tokio::test]
async fn searches_and_the_team_inbox_are_reads_without_the_words() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let status = get_from(&app, "/search?q=inhaler+refill", &alex, [198, 51, 100, 12]).await;
    assert_eq!(status, StatusCode::OK);
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'messages_searched' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(detail.contains("\"words\":2"), "{detail}");
    assert!(!detail.contains("inhaler"), "the words stay out: {detail}");
    let (_, ip, _) = latest(&app, "messages_searched", "veteran@example.com").await;
    assert_eq!(ip.as_deref(), Some("198.51.100.12"));

    let casey = app.sign_in("nurse@example.com").await;
    let status = get_from(&app, "/team?q=chest", &casey, [198, 51, 100, 13]).await;
    assert_eq!(status, StatusCode::OK);
    let (outcome, ip, _) = latest(&app, "team_inbox_listed", "nurse@example.com").await;
    assert_eq!(outcome, "success");
    assert_eq!(ip.as_deref(), Some("198.51.100.13"));
}
