//! One page load, one audit event: opening a page that shows health information or the
//! audit trail records its read once, however the page gets its data (DESIGN.md §3). A
//! page that runs its server functions more than once while rendering writes the read
//! more than once, and the audit trail then overstates who looked at what.
//!
//! The whole router, in process (axum's `oneshot`), on a fresh SQLite database in demo
//! mode, as in `routes.rs`; the helpers are copied from there.

use app::server::state::AppState;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use server::config::Config;
use std::time::Duration;
use tower::ServiceExt;

struct TestApp {
    router: Router,
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn demo_app() -> TestApp {
    use clap::Parser;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/reads.db?mode=rwc", dir.path().display());
    let files = dir.path().join("files");
    let config = Config::parse_from([
        "secure-messaging",
        "--demo",
        "--database-url",
        &url,
        "--attachment-dir",
        files.to_str().unwrap(),
    ]);
    let settings = config.settings(([127, 0, 0, 1], 3000).into()).unwrap();
    let options = leptos::config::LeptosOptions::builder()
        .output_name("secure-messaging")
        .build();
    let state = server::build_state(&settings, options).await.unwrap();
    let router = server::router(state.clone(), &settings);
    TestApp {
        router,
        state,
        _dir: dir,
    }
}

impl TestApp {
    /// Sends one request and reads the whole answer; one not answered in 60 s fails the
    /// test with its method and path, rather than holding the whole run.
    async fn send(&self, request: Request<Body>) -> (StatusCode, Vec<String>, String) {
        let what = format!("{} {}", request.method(), request.uri());
        let answer = async {
            let response = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let cookies = response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok().map(String::from))
                .collect();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (status, cookies, String::from_utf8_lossy(&bytes).to_string())
        };
        tokio::time::timeout(Duration::from_secs(60), answer)
            .await
            .unwrap_or_else(|_| panic!("no answer to {what} within 60 s"))
    }

    /// The session cookie of a demo person, as `name=value`.
    async fn sign_in(&self, email: &str) -> String {
        let request = Request::post("/api/sign_in")
            .header(header::ACCEPT, "text/html")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, "http://localhost:3000")
            .header(header::HOST, "localhost:3000")
            .header(header::REFERER, "http://localhost:3000/sign-in")
            .body(Body::from(format!(
                "email={email}&password=demo-password-2026"
            )))
            .unwrap();
        let (status, cookies, _) = self.send(request).await;
        assert_eq!(status, StatusCode::FOUND, "sign-in of {email} redirects");
        cookies
            .iter()
            .find(|c| c.starts_with("sm_session="))
            .map(|c| c.split(';').next().unwrap_or("").to_string())
            .expect("a session cookie")
    }

    async fn number(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
    }

    /// Loads `path` `LOADS` times as a browser does, one after the other, and answers how
    /// many audit events with `action` (and `target`, when given) by `email` each load
    /// wrote, with every action the first load wrote, for the failure message.
    async fn events_per_load(
        &self,
        email: &str,
        path: &str,
        action: &str,
        target: Option<&str>,
    ) -> (Vec<i64>, String) {
        let cookie = self.sign_in(email).await;
        let target = target.map_or(String::new(), |t| format!(" AND target = '{t}'"));
        let mut written = Vec::new();
        let mut first = String::new();
        for _ in 0..LOADS {
            let last = self
                .number("SELECT COALESCE(MAX(id), 0) FROM audit_events")
                .await;
            let request = Request::get(path)
                .header(header::ACCEPT, "text/html")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap();
            let (status, _, body) = self.send(request).await;
            assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
            written.push(
                self.number(&format!(
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
                .fetch_all(&self.state.db.pool)
                .await
                .unwrap();
                first = format!("{all:?}");
            }
        }
        (written, first)
    }
}

/// Loads of each page. How many times a page's reads run while it renders depends on
/// timing (with the cores busy it is sometimes once); several loads make a page that
/// reads more than once show it.
const LOADS: usize = 3;

const ONE_EACH: [i64; LOADS] = [1; LOADS];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veteran_thread_page_records_one_read() {
    let app = demo_app().await;
    let thread = app
        .number(
            "SELECT MIN(thread_id) FROM thread_views WHERE folder = 'inbox' \
             AND user_id = (SELECT id FROM users WHERE email = 'veteran@example.com')",
        )
        .await;
    let target = format!("thread:{thread}");
    let (written, all) = app
        .events_per_load(
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
    let app = demo_app().await;
    let thread = app
        .number(
            "SELECT MIN(t.id) FROM threads t JOIN team_members m ON m.team_id = t.team_id \
             WHERE m.user_id = (SELECT id FROM users WHERE email = 'nurse@example.com')",
        )
        .await;
    let target = format!("thread:{thread}");
    let (written, all) = app
        .events_per_load(
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
    let app = demo_app().await;
    let (written, all) = app
        .events_per_load(
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
    let app = demo_app().await;
    let (written, all) = app
        .events_per_load("admin@example.com", "/admin/reports", "report_viewed", None)
        .await;
    assert_eq!(
        written, ONE_EACH,
        "each GET of /admin/reports should write one report_viewed event; {LOADS} GETs wrote \
         {written:?} (all events of the first: {all})"
    );
}
