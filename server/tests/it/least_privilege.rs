//! Least privilege: the whole router, in process (`oneshot`), on a fresh SQLite
//! database in demo mode.
//!
//! - An administrator calling any server function of the Veteran and care team pages gets
//!   "forbidden" or "not found", never content. The endpoints are read from the source
//!   (`#[server(endpoint = …)]` in `app/src/messages`, `app/src/team` and the Veteran's and
//!   team's home pages), so a new one is covered the day it is written; a parameter type this
//!   test cannot fill in fails it, asking for a value.
//! - Veterans, caregivers and clinicians calling the report and audit log functions get 403.

use crate::common::{demo_app, Answer, Multipart, TestApp};
use app::error::AppError;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::codec::PostcardEncoding;
use leptos::server_fn::error::FromServerFnError;
use leptos::server_fn::Decodes;
use std::path::{Path, PathBuf};

impl TestApp {
    /// A server function call as our own pages make it (same origin), with `form` as the
    /// body of a POST or the query of a GET.
    async fn call_endpoint(&self, endpoint: &Endpoint, form: &str, cookie: &str) -> Answer {
        let path = format!("/api/{}", endpoint.name);
        let multipart = endpoint
            .parameters
            .iter()
            .any(|(_, kind)| kind == "MultipartData");
        if endpoint.get {
            let request = Request::get(format!("{path}?{form}"))
                .header("sec-fetch-site", "same-origin")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap();
            self.send(request).await
        } else if multipart {
            // A file-carrying form (compose without the wasm): one text field is enough to
            // reach the capability check.
            let form = Multipart::new().text("subject", "x");
            self.call_multipart(&path, form, Some(cookie)).await
        } else {
            self.call(&path, form, Some(cookie)).await
        }
    }
}

/// A server function as declared in the source.
#[derive(Debug)]
struct Endpoint {
    name: String,
    /// `input = GetUrl`: called with GET.
    get: bool,
    /// (name, type) of each argument.
    parameters: Vec<(String, String)>,
    file: PathBuf,
}

fn source_files(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            source_files(&entry.unwrap().path(), files);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        files.push(path.to_path_buf());
    }
}

/// Every `#[server(endpoint = "…")]` under `paths` (files or folders below `app/src`).
fn endpoints(paths: &[&str]) -> Vec<Endpoint> {
    let app_src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
    let mut files = Vec::new();
    for path in paths {
        source_files(&app_src.join(path), &mut files);
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (start, _) in text.match_indices("#[server(") {
            let rest = &text[start..];
            let attribute = &rest[..rest.find(")]").unwrap()];
            let name = attribute
                .split("endpoint = \"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("a server function without an endpoint in {file:?}"))
                .to_string();
            let signature = &rest[rest.find("pub async fn").unwrap()..];
            let open = signature.find('(').unwrap();
            let close = open + signature[open..].find(')').unwrap();
            let parameters = split_top_level(&signature[open + 1..close])
                .into_iter()
                .filter(|p| !p.trim().is_empty())
                .map(|p| {
                    let (name, kind) = p.split_once(':').unwrap();
                    (name.trim().to_string(), kind.trim().to_string())
                })
                .collect();
            found.push(Endpoint {
                name,
                get: attribute.contains("GetUrl"),
                parameters,
                file: file.clone(),
            });
        }
    }
    found
}

/// Splits on commas outside `<…>`.
fn split_top_level(list: &str) -> Vec<String> {
    let (mut parts, mut current, mut depth) = (Vec::new(), String::new(), 0);
    for c in list.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

/// A form for the endpoint's arguments with real ids of Alex's (`thread_id`, `veteran_id`),
/// so a refusal is the capability check's, not a missing thread's.
fn form(endpoint: &Endpoint, thread_id: i64, alex_id: i64) -> String {
    endpoint
        .parameters
        .iter()
        .filter(|(_, kind)| !kind.starts_with("Option<"))
        .map(|(name, kind)| {
            let value = match (name.as_str(), kind.as_str()) {
                ("thread_id", "i64") => thread_id.to_string(),
                ("veteran_id", "i64") => alex_id.to_string(),
                ("report_on", "String") => "facility:1".to_string(),
                ("from", "String") => "2026-11-01".to_string(),
                ("to", "String") => "2026-11-30".to_string(),
                // Every field of the search form is text; empty asks for the form alone.
                ("params", "SearchParams") => "params[q]=x&params[folder]=&params[category]=&params[dates]=&params[from]=&params[to]=&params[sort]="
                    .to_string(),
                (_, "i64") => "1".to_string(),
                (_, "String") => "x".to_string(),
                (_, "bool") => "false".to_string(),
                // Sent as a multipart body by `call`.
                (_, "MultipartData") => String::new(),
                (name, kind) => panic!(
                    "teach least_privilege.rs a value for `{name}: {kind}` of {} ({:?})",
                    endpoint.name, endpoint.file
                ),
            };
            if value.contains('=') {
                value
            } else {
                format!("{name}={value}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Functions of pages every role shares that answer an administrator with nothing at all
/// (`null`) instead of refusing, and why.
const ANSWER_NOTHING: [(&str, &str); 1] = [(
    "my_signature",
    "the settings page serves every role; an administrator has no signature to show",
)];

const DEMO_CONTENT: [&str; 6] = [
    "Lab results",
    "cholesterol",
    "inhaler",
    "Blood pressure",
    "Rescheduling",
    "tastes different",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_gets_nothing_from_the_veteran_and_team_functions() {
    let app = demo_app(&[]).await;
    let veteran_and_team = endpoints(&[
        "messages",
        "team",
        "live.rs",
        "pages/veteran_home.rs",
        "pages/team_home.rs",
    ]);
    let names: Vec<&str> = veteran_and_team.iter().map(|e| e.name.as_str()).collect();
    // The reading found them: the ones that open a thread, on both sides, among others.
    for known in [
        "load_thread",
        "folder_listing",
        "search_messages",
        "load_team_thread",
        "team_inbox",
    ] {
        assert!(names.contains(&known), "{known} in {names:?}");
    }
    assert!(veteran_and_team.len() >= 35, "{names:?}");

    let thread_id = app
        .count(
            "SELECT t.id FROM threads t JOIN users u ON u.id = t.veteran_id \
             WHERE u.email = 'veteran@example.com' ORDER BY t.id LIMIT 1",
        )
        .await;
    let alex_id = app
        .count("SELECT id FROM users WHERE email = 'veteran@example.com'")
        .await;
    let admin = app.sign_in("admin@example.com").await;
    let mut refused = 0;
    for endpoint in &veteran_and_team {
        let answer = app
            .call_endpoint(endpoint, &form(endpoint, thread_id, alex_id), &admin)
            .await;
        for content in DEMO_CONTENT {
            assert!(
                !answer.body.contains(content),
                "{}: {}",
                endpoint.name,
                answer.body
            );
        }
        if let Some((_, why)) = ANSWER_NOTHING
            .iter()
            .find(|(name, _)| *name == endpoint.name)
        {
            let nothing: Option<app::messages::Signature> =
                PostcardEncoding::decode(answer.bytes.into()).unwrap();
            assert_eq!(
                (answer.status, nothing),
                (StatusCode::OK, None),
                "{}: {why}",
                endpoint.name
            );
            continue;
        }
        assert!(
            matches!(answer.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{}: {} {}",
            endpoint.name,
            answer.status,
            answer.body
        );
        // The server function itself refused (the app's error), not the cross-site check.
        let error = AppError::de(answer.bytes.into());
        assert!(
            matches!(error, AppError::Forbidden | AppError::NotFound),
            "{}: {error:?}",
            endpoint.name,
        );
        refused += 1;
    }
    assert_eq!(refused, veteran_and_team.len() - ANSWER_NOTHING.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_may_call_the_report_and_audit_functions() {
    let app = demo_app(&[]).await;
    // A team lead's reports (`team_report…`) live beside the administrator's; they are
    // checked below.
    let (lead_functions, admin_functions): (Vec<Endpoint>, Vec<Endpoint>) =
        endpoints(&["reports", "audit_log"])
            .into_iter()
            .partition(|e| e.name.starts_with("team_report"));
    assert_eq!(lead_functions.len(), 2);
    let names: Vec<&str> = admin_functions.iter().map(|e| e.name.as_str()).collect();
    for known in [
        "admin_report",
        "admin_report_csv",
        "admin_audit_log",
        "admin_audit_csv",
    ] {
        assert!(names.contains(&known), "{known} in {names:?}");
    }
    for email in [
        "veteran@example.com",
        "caregiver@example.com",
        "clinician@example.com",
        "nurse@example.com",
    ] {
        let cookie = app.sign_in(email).await;
        for endpoint in &admin_functions {
            let answer = app
                .call_endpoint(endpoint, &form(endpoint, 1, 1), &cookie)
                .await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{email} {}",
                endpoint.name
            );
            assert!(!answer.body.contains("Care team"), "{}", answer.body);
            assert_eq!(AppError::de(answer.bytes.into()), AppError::Forbidden);
        }
    }
    let admin = app.sign_in("admin@example.com").await;
    for endpoint in &admin_functions {
        let answer = app
            .call_endpoint(endpoint, &form(endpoint, 1, 1), &admin)
            .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{} {}",
            endpoint.name,
            answer.body
        );
    }
    // A team lead's reports: refused to everyone but a clinician who leads a team, and
    // even then never a whole facility (it holds other teams).
    let lead = app.sign_in("clinician@example.com").await;
    for email in [
        "veteran@example.com",
        "caregiver@example.com",
        "nurse@example.com",
        "admin@example.com",
    ] {
        let cookie = app.sign_in(email).await;
        for endpoint in &lead_functions {
            let answer = app
                .call_endpoint(endpoint, &form(endpoint, 1, 1), &cookie)
                .await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{email} {}",
                endpoint.name
            );
            assert_eq!(AppError::de(answer.bytes.into()), AppError::Forbidden);
        }
    }
    for endpoint in &lead_functions {
        let answer = app
            .call_endpoint(endpoint, &form(endpoint, 1, 1), &lead)
            .await;
        // The page asked for nothing gets the lead's own first team; the download asked
        // for a facility is not found.
        let expected = match endpoint.name.as_str() {
            "team_report" => StatusCode::OK,
            _ => StatusCode::NOT_FOUND,
        };
        assert_eq!(answer.status, expected, "{}", endpoint.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_and_audit_pages_and_downloads_hold_counts_never_content() {
    let app = demo_app(&[]).await;
    let admin = app.sign_in("admin@example.com").await;

    let report = app.get("/admin/reports", Some(&admin)).await;
    assert_eq!(report.status, StatusCode::OK);
    for expected in [
        "<h1>Reports</h1>",
        "Primary Care – Blue Team",
        "All teams",
        "role=\"img\"",
        "Messages in the range",
        "Download CSV",
    ] {
        assert!(report.body.contains(expected), "{expected}");
    }
    let audit = app
        .get("/admin/audit?person=admin%40example.com", Some(&admin))
        .await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("<h1>Audit log</h1>"));
    assert!(audit.body.contains("Riley Admin (admin@example.com)"));
    assert!(audit.body.contains("Signed in"));
    for page in [&report.body, &audit.body] {
        for content in DEMO_CONTENT {
            assert!(!page.contains(content), "{content}");
        }
    }

    let facility = app.count("SELECT id FROM facilities").await;
    let csv = app
        .get(&format!("/api/admin_report_csv?report_on=facility%3A{facility}&from=2026-01-01&to=2026-12-31"), Some(&admin))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(
        csv.headers.get(header::CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        csv.headers.get(header::CONTENT_DISPOSITION).unwrap(),
        "attachment; filename=\"report-2026-01-01-2026-12-31.csv\""
    );
    assert!(csv
        .body
        .starts_with("Care team,First day,Last day,New threads"));
    assert!(csv.body.contains("\nAll teams,2026-01-01,2026-12-31,"));

    let log = app
        .get(
            "/api/admin_audit_csv?action=sign_in&outcome=success",
            Some(&admin),
        )
        .await;
    assert_eq!(log.status, StatusCode::OK);
    assert_eq!(
        log.headers.get(header::CONTENT_DISPOSITION).unwrap(),
        "attachment; filename=\"audit-log.csv\""
    );
    let mut lines = log.body.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("When,Person,On behalf of,Patient,Action"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "one sign-in so far: {rows:?}");
    assert!(rows[0].contains("Riley Admin (admin@example.com)"));

    let wrong = app
        .get(
            "/api/admin_report_csv?report_on=team%3A1&from=soon&to=2026-12-31",
            Some(&admin),
        )
        .await;
    // A browser's form gets its error back on the page it came from, not a file.
    assert_eq!(wrong.status, StatusCode::FOUND, "{}", wrong.body);
    assert!(wrong.headers.get(header::CONTENT_DISPOSITION).is_none());
}
