//! The care team workspace's routes for leads' reports and printouts: who may call them,
//! what they answer, and that each read is on the record.

use crate::common::{demo_app, Answer, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

/// A download as a script fetches it (no `Accept: text/html`, so no redirect to a page).
async fn download(app: &TestApp, path: &str, cookie: &str) -> Answer {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

/// Dr. Morgan Patel leads Primary Care; Casey Nguyen is only a member of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_team_lead_reads_reports_and_only_their_teams() {
    let app = demo_app(&[]).await;
    let team_of = |name: &'static str| {
        let pool = app.state.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM care_teams WHERE name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let primary_care = team_of("Primary Care – Blue Team").await;
    let pharmacy = team_of("Pharmacy").await;
    let range = |team: i64| format!("report_on=team%3A{team}&from=2026-11-01&to=2026-11-27");

    let nurse = app.sign_in("nurse@example.com").await;
    let refused = app
        .call("/api/team_report", &range(primary_care), Some(&nurse))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let refused_csv = download(
        &app,
        &format!("/api/team_report_csv?{}", range(primary_care)),
        &nurse,
    )
    .await;
    assert_eq!(
        refused_csv.status,
        StatusCode::FORBIDDEN,
        "{}",
        refused_csv.body
    );
    let page = app.get("/team/reports", Some(&nurse)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains("Median first response"));
    let inbox = app.get("/team", Some(&nurse)).await;
    assert!(
        !inbox.body.contains("href=\"/team/reports\""),
        "no link for a member"
    );
    let refusals = app
        .count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'access_refused' \
             AND target = 'api:team_report' \
             AND actor_id = (SELECT id FROM users WHERE email = 'nurse@example.com')",
        )
        .await;
    assert!(refusals >= 1);

    let admin = app.sign_in("admin@example.com").await;
    let not_a_clinician = app
        .call("/api/team_report", &range(primary_care), Some(&admin))
        .await;
    assert_eq!(not_a_clinician.status, StatusCode::FORBIDDEN);

    let lead = app.sign_in("clinician@example.com").await;
    let inbox = app.get("/team", Some(&lead)).await;
    assert!(
        inbox.body.contains("href=\"/team/reports\""),
        "a lead finds it"
    );
    let theirs = app
        .call("/api/team_report", &range(primary_care), Some(&lead))
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    let elsewhere = app
        .call("/api/team_report", &range(pharmacy), Some(&lead))
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let csv = download(
        &app,
        &format!("/api/team_report_csv?{}", range(primary_care)),
        &lead,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(csv.body.starts_with("Care team,"), "{}", csv.body);
    let page = app.get("/team/reports", Some(&lead)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Team reports"));
    assert!(
        !page.body.contains("Pharmacy —"),
        "another team is not offered"
    );
    let reads = app
        .count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'report_viewed' \
             AND actor_id = (SELECT id FROM users WHERE email = 'clinician@example.com')",
        )
        .await;
    assert_eq!(reads, 3, "the call, the CSV and the page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_printout_leaves_out_internal_notes_unless_asked() {
    let app = demo_app(&[]).await;
    let thread = app
        .count(
            "SELECT MIN(t.id) FROM threads t JOIN team_members m ON m.team_id = t.team_id \
             WHERE m.user_id = (SELECT id FROM users WHERE email = 'nurse@example.com')",
        )
        .await;
    let nurse = app.sign_in("nurse@example.com").await;
    let noted = app
        .call(
            "/api/team_add_note",
            &format!("thread_id={thread}&note=Printable+note+text&note_key=k1"),
            Some(&nurse),
        )
        .await;
    assert!(
        noted.status.is_success() || noted.status.is_redirection(),
        "{}",
        noted.body
    );
    let plain = app
        .get(&format!("/team/threads/{thread}/print"), Some(&nurse))
        .await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.body.contains("Alex Rivera"));
    assert!(
        plain.body.contains("(born Mar 4, 1961)"),
        "the printout tells the Veteran apart by date of birth"
    );
    assert!(plain.body.contains("Printed"));
    assert!(plain.body.contains("Include internal notes"));
    assert!(!plain.body.contains("Printable note text"));
    let with_notes = app
        .get(
            &format!("/team/threads/{thread}/print?notes=yes"),
            Some(&nurse),
        )
        .await;
    assert!(with_notes.body.contains("Printable note text"));
    assert!(with_notes.body.contains("Leave out internal notes"));

    let veteran = app.sign_in("veteran@example.com").await;
    let refused = app
        .get(&format!("/team/threads/{thread}/print"), Some(&veteran))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
