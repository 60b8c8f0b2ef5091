//! Route tests for the administration console: every admin server function
//! checks the admin capability itself, whoever calls it and however. The shared
//! harness (`common`): the whole router in process (`oneshot`), a fresh demo SQLite database.

use crate::common::{demo_app, Multipart, TestApp};
use app::error::AppError;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

/// Every administration server function, with arguments it accepts: a refusal must come
/// from the capability check, not from a malformed request.
const ADMIN_CALLS: [(&str, &str); 20] = [
    ("/api/admin_facilities", ""),
    (
        "/api/admin_save_facility",
        "facility=&station_number=777&name=Test&time_zone=UTC",
    ),
    ("/api/admin_teams", ""),
    ("/api/admin_team", "team=1"),
    (
        "/api/admin_save_team",
        "team=&facility=1&name=Test&description=&accepting_messages=on&response_target_days=3",
    ),
    (
        "/api/admin_add_member",
        "team=1&member_email=nurse%40example.com&team_role=member",
    ),
    ("/api/admin_remove_member", "team=1&user=1"),
    (
        "/api/admin_add_association",
        "team=1&veteran_email=veteran2%40example.com",
    ),
    ("/api/admin_set_blocked", "team=1&veteran=1&blocked=yes"),
    ("/api/admin_import", "preview=x"),
    ("/api/admin_users", ""),
    ("/api/admin_user", "user=1"),
    (
        "/api/admin_invite",
        "email=new%40example.com&name=New+Person&role=clinician",
    ),
    ("/api/admin_change_role", "user=1&role=administrator"),
    ("/api/admin_set_active", "user=1&active=no"),
    ("/api/admin_reset_password", "user=1"),
    ("/api/admin_reset_mfa", "user=1"),
    (
        "/api/admin_grant_caregiver",
        "user=1&veteran_email=veteran2%40example.com",
    ),
    ("/api/admin_revoke_caregiver", "user=1&grant=1"),
    ("/api/admin_overview", ""),
];

/// A CSV file the import accepts: Jordan (`veteran2`) is not with Mental Health yet.
const GOOD_CSV: &[u8] =
    b"veteran_email,team_name,facility_station\nveteran2@example.com,Mental Health,999\n";

/// Where the import form posts.
const IMPORT: &str = "/api/admin_preview_import";

/// The import form: one `csv` file part named `file_name`, as a browser sends it.
fn csv_file(file_name: &str, bytes: &[u8]) -> Multipart {
    Multipart::new().file("csv", file_name, "text/csv", bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clinicians_and_veterans_calling_admin_server_functions_get_403() {
    let app = demo_app(&[]).await;
    let snapshot = "SELECT (SELECT COUNT(*) FROM facilities) + (SELECT COUNT(*) FROM care_teams) \
         + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM team_members) \
         + (SELECT COUNT(*) FROM veteran_teams) + (SELECT COUNT(*) FROM caregiver_grants) \
         + (SELECT COUNT(*) FROM users WHERE active = 1)";
    let before = app.count(snapshot).await;
    for email in [
        "clinician@example.com",
        "veteran@example.com",
        "caregiver@example.com",
    ] {
        let cookie = app.sign_in(email).await;
        for (path, form) in ADMIN_CALLS {
            let answer = app.call(path, form, Some(&cookie)).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{email} {path}: {}",
                answer.body
            );
            assert_eq!(answer.refusal(), AppError::Forbidden, "{path}");
        }
        let import = app
            .call_multipart(IMPORT, csv_file("a.csv", GOOD_CSV), Some(&cookie))
            .await;
        assert_eq!(import.status, StatusCode::FORBIDDEN, "{email} import");
    }
    for (path, form) in ADMIN_CALLS {
        let answer = app.call(path, form, None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "signed out {path}");
    }
    let import = app
        .call_multipart(IMPORT, csv_file("a.csv", GOOD_CSV), None)
        .await;
    assert_eq!(import.status, StatusCode::UNAUTHORIZED, "signed out import");
    assert_eq!(app.count(snapshot).await, before, "nothing changed");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'access_refused' AND target LIKE 'api:admin%'").await,
        3 * (ADMIN_CALLS.len() as i64 + 1),
        "every refusal is audited"
    );

    let admin = app.sign_in("admin@example.com").await;
    let users = app.call("/api/admin_users", "q=jordan", Some(&admin)).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.body);
    assert!(
        users.body.contains("veteran2@example.com"),
        "{}",
        users.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_a_clinician_ends_their_open_session_at_once() {
    let app = demo_app(&[]).await;
    let nurse = app.sign_in("nurse@example.com").await;
    assert_eq!(app.get("/team", Some(&nurse)).await.status, StatusCode::OK);
    let casey: i64 = app
        .count("SELECT id FROM users WHERE email = 'nurse@example.com'")
        .await;
    let admin = app.sign_in("admin@example.com").await;
    let done = app
        .call(
            "/api/admin_set_active",
            &format!("user={casey}&active=no"),
            Some(&admin),
        )
        .await;
    assert!(
        done.status.is_success() || done.status.is_redirection(),
        "{}",
        done.body
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = 'nurse@example.com')").await,
        0
    );
    let after = app.get("/team", Some(&nurse)).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(
        after.location().starts_with("/sign-in"),
        "{}",
        after.location()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_set_password_page_and_its_server_function_are_open_before_sign_in() {
    let app = demo_app(&[]).await;
    let page = app.get("/set-password?token=nonsense", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("This link doesn"), "{}", page.body);
    let answer = app
        .call(
            "/api/set_password",
            "token=nonsense&password=a+long+enough+phrase&confirm=a+long+enough+phrase",
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
}

/// Posts a file to the import form as the page does and follows the answer back to the
/// page: its location and the page's text.
async fn import_file(
    app: &TestApp,
    admin: &str,
    file_name: &str,
    bytes: &[u8],
) -> (String, String) {
    let answer = app
        .post_multipart(IMPORT, csv_file(file_name, bytes), Some(admin))
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.body);
    let location = answer.location().to_string();
    let page = app
        .get(location.split('#').next().unwrap_or(""), Some(admin))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{location}");
    (location, page.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_file_over_1_mib_or_not_utf8_is_refused_by_name_and_nothing_is_kept() {
    let app = demo_app(&[]).await;
    let admin = app.sign_in("admin@example.com").await;
    let associations = "SELECT COUNT(*) FROM veteran_teams";
    let before = app.count(associations).await;

    // One byte over the limit: a file of real lines, padded.
    let mut large = GOOD_CSV.to_vec();
    large.resize(1024 * 1024 + 1, b'\n');
    let (location, page) = import_file(&app, &admin, "everyone.csv", &large).await;
    assert!(!location.contains("preview="), "{location}");
    assert!(
        page.contains("everyone.csv is larger than 1 MB, the limit for an import file."),
        "{page}"
    );

    // Latin-1, as a spreadsheet saves plain "CSV": é is one byte, not UTF-8.
    let latin1 = b"veteran_email,team_name,facility_station\nren\xe9@example.com,Pharmacy,999\n";
    let (location, page) = import_file(&app, &admin, "latin.csv", latin1).await;
    assert!(!location.contains("preview="), "{location}");
    assert!(
        page.contains("latin.csv is not UTF-8 text. Save it as CSV UTF-8 and choose it again."),
        "{page}"
    );

    // "Preview import" with no file chosen: the browser sends an empty, nameless part.
    let (location, page) = import_file(&app, &admin, "", b"").await;
    assert!(!location.contains("preview="), "{location}");
    assert!(page.contains("Choose a CSV file."), "{page}");

    // Exactly 1 MiB, UTF-8 with the mark "CSV UTF-8" files start with, is previewed.
    let mut full = "\u{feff}".as_bytes().to_vec();
    full.extend_from_slice(GOOD_CSV);
    full.resize(1024 * 1024, b'\n');
    let (location, page) = import_file(&app, &admin, "ok.csv", &full).await;
    assert!(location.contains("preview="), "{location}");
    assert!(
        page.contains("1 to add, 0 with no change, 0 rejected."),
        "{page}"
    );
    assert_eq!(
        app.count(associations).await,
        before,
        "a preview imports nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_the_audit_log_or_a_report_is_itself_audited() {
    let app = demo_app(&[]).await;
    let admin = app.sign_in("admin@example.com").await;
    let get = |path: &str| {
        Request::get(path)
            .header(header::COOKIE, &admin)
            .body(Body::empty())
            .unwrap()
    };
    let details = |action: &str| {
        let sql = format!(
            "SELECT COALESCE(detail, '') FROM audit_events WHERE action = '{action}' \
             AND actor_id = (SELECT id FROM users WHERE email = 'admin@example.com') ORDER BY id"
        );
        let pool = app.state.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(&sql)
                .fetch_all(&pool)
                .await
                .unwrap()
        }
    };

    let page = app
        .call(
            "/api/admin_audit_log",
            "patient=alex&outcome=denied",
            Some(&admin),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let viewed = details("audit_log_viewed").await;
    assert_eq!(viewed.len(), 1, "{viewed:?}");
    assert!(viewed[0].contains(r#""patient":"alex""#), "{}", viewed[0]);
    assert!(viewed[0].contains(r#""outcome":"denied""#), "{}", viewed[0]);

    let csv = app.send(get("/api/admin_audit_csv?person=casey")).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let exported = details("audit_log_exported").await;
    assert_eq!(exported.len(), 1, "{exported:?}");
    assert!(
        exported[0].contains(r#""person":"casey""#),
        "{}",
        exported[0]
    );

    let facility = app.count("SELECT MIN(id) FROM facilities").await;
    let range = format!("report_on=facility%3A{facility}&from=2026-11-01&to=2026-11-27");
    let report = app.call("/api/admin_report", &range, Some(&admin)).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let report_csv = app
        .send(get(&format!("/api/admin_report_csv?{range}")))
        .await;
    assert_eq!(report_csv.status, StatusCode::OK, "{}", report_csv.body);
    let reports = details("report_viewed").await;
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(reports[0].contains(r#""as":"page""#), "{}", reports[0]);
    assert!(reports[1].contains(r#""as":"csv""#), "{}", reports[1]);
    for detail in &reports {
        assert!(detail.contains(r#""from":"2026-11-01""#), "{detail}");
        assert!(detail.contains(r#""to":"2026-11-27""#), "{detail}");
    }

    // A filter that needs correcting shows no events, so nothing was read.
    let refused = app
        .call("/api/admin_audit_log", "from=not-a-day", Some(&admin))
        .await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    assert_eq!(details("audit_log_viewed").await.len(), 1);
}
