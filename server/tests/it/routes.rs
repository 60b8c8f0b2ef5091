//! Route tests: the whole router, in process, without a socket (axum's `oneshot`), on a
//! fresh SQLite database in demo mode.

use crate::common::{demo_app, TestApp, PASSWORD};
use app::error::AppError;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use leptos::server_fn::error::FromServerFnError;
use std::time::Duration;
use tower::ServiceExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_out_pages_redirect_to_sign_in_and_back() {
    let app = demo_app(&[]).await;
    for path in [
        "/inbox",
        "/team",
        "/admin",
        "/admin/users",
        "/settings",
        "/nowhere",
    ] {
        let answer = app.get(path, None).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        let encoded = path.replace('/', "%2F");
        assert_eq!(
            answer.location(),
            format!("/sign-in?next={encoded}"),
            "{path}"
        );
    }
    assert_eq!(app.get("/", None).await.location(), "/sign-in");
    // After signing in with that `next`, the person lands where they were going.
    let answer = app
        .post_form(
            "/api/sign_in",
            "email=veteran@example.com&password=demo-password-2026&next=%2Fsent",
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(answer.location(), "/sent");
    // A `next` pointing off the site is ignored.
    let answer = app
        .post_form(
            "/api/sign_in",
            "email=veteran@example.com&password=demo-password-2026&next=%2F%2Fevil.example",
            None,
        )
        .await;
    assert_eq!(answer.location(), "/inbox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_routes_answer_signed_out() {
    let app = demo_app(&[]).await;
    let sign_in = app.get("/sign-in", None).await;
    assert_eq!(sign_in.status, StatusCode::OK);
    assert!(sign_in.body.contains("Email address"));
    assert!(sign_in.body.contains("Sign in"));
    assert!(sign_in.body.contains("Demo"), "the demo banner shows");
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    app.state.db.pool.close().await;
    assert_eq!(
        app.get("/readyz", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let app = demo_app(&[]).await;
    let answer = app.get("/sign-in", None).await;
    let header = |name: &str| {
        answer
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let csp = header("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce");
    assert!(
        answer.body.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the response's nonce"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
    assert!(header("strict-transport-security").starts_with("max-age="));
    assert_eq!(header("cache-control"), "no-store");
    assert!(
        header("x-request-id").len() >= 32,
        "each response names its request"
    );
    // A second response gets another nonce.
    let again = app.get("/sign-in", None).await;
    assert!(!again.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains(nonce));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_state_changes_are_refused() {
    let app = demo_app(&[]).await;
    let form = "email=veteran@example.com&password=demo-password-2026";
    let attempts = [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![
            ("origin", "https://evil.example"),
            ("host", "localhost:3000"),
        ],
        vec![],
    ];
    for headers in attempts {
        let mut request = Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html");
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let answer = app.send(request.body(Body::from(form)).unwrap()).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(answer.session_cookie().is_none());
    }
    // Same origin by Origin and Host alone (older browsers) is accepted.
    let request = Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::ORIGIN, "http://localhost:3000")
        .header(header::HOST, "localhost:3000")
        .body(Body::from(form))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_demo_account_lands_on_its_home() {
    let app = demo_app(&[]).await;
    for (email, name, home) in [
        ("veteran@example.com", "Alex Rivera", "/inbox"),
        ("caregiver@example.com", "Sam Rivera", "/inbox"),
        ("clinician@example.com", "Dr. Morgan Patel", "/team"),
        ("nurse@example.com", "Casey Nguyen", "/team"),
        ("admin@example.com", "Riley Admin", "/admin"),
    ] {
        let answer = app
            .post_form(
                "/api/sign_in",
                &format!("email={email}&password=demo-password-2026"),
                None,
            )
            .await;
        assert_eq!(answer.location(), home, "{email}");
        let cookie = answer.session_cookie().unwrap();
        let page = app.get(home, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{email}");
        assert!(page.body.contains(name), "{email} sees their name");
        assert!(page.body.contains("Sign out"));
        assert_eq!(page.headers["cache-control"], "no-store");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_locked_down_and_renewed_at_sign_in() {
    let app = demo_app(&[]).await;
    let answer = app
        .post_form(
            "/api/sign_in",
            "email=veteran@example.com&password=demo-password-2026",
            None,
        )
        .await;
    let set_cookie = answer.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    // The stored session outlives the absolute limit's 12 hours at most; the idle limit
    // is the gate's (sessions.rs).
    assert!(
        set_cookie.contains("Max-Age=43200"),
        "12 hours at most: {set_cookie}"
    );
    let first = answer.session_cookie().unwrap();

    // Signing in again from a signed-in browser gives a new id; the old one stops working.
    let again = app
        .post_form(
            "/api/sign_in",
            "email=veteran@example.com&password=demo-password-2026",
            Some(&first),
        )
        .await;
    let second = again.session_cookie().unwrap();
    assert_ne!(first, second);
    assert_eq!(
        app.get("/inbox", Some(&first)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get("/inbox", Some(&second)).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_or_idle_session_is_not_honoured() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in("veteran@example.com").await;
    // A made-up cookie value (not signed by our key) is ignored.
    let forged = "sm_session=AAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        app.get("/inbox", Some(forged)).await.status,
        StatusCode::SEE_OTHER
    );
    // 30 minutes without a request: the stored session has expired.
    sqlx::query("UPDATE sessions SET expires_at = 0")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        app.get("/inbox", Some(&cookie)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_session_on_the_server() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in("clinician@example.com").await;
    assert_eq!(app.get("/team", Some(&cookie)).await.status, StatusCode::OK);
    let answer = app.post_form("/api/sign_out", "", Some(&cookie)).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(answer.location(), "/sign-in");
    // Replaying the old cookie does not bring the session back.
    assert_eq!(
        app.get("/team", Some(&cookie)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'sign_out'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_roles_page_is_refused_with_403_and_audited() {
    let app = demo_app(&[]).await;
    let veteran = app.sign_in("veteran@example.com").await;
    for path in ["/admin", "/admin/users", "/team"] {
        let page = app.get(path, Some(&veteran)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.body.contains("You don&#39;t have access to this page")
                || page.body.contains("You don't have access to this page")
        );
    }
    let clinician = app.sign_in("clinician@example.com").await;
    assert_eq!(
        app.get("/inbox", Some(&clinician)).await.status,
        StatusCode::FORBIDDEN
    );
    let admin = app.sign_in("admin@example.com").await;
    assert_eq!(
        app.get("/team", Some(&admin)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'access_refused' AND outcome = 'denied'").await,
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_functions_check_their_own_capability() {
    let app = demo_app(&[]).await;
    let signed_out = app.call("/api/admin_overview", "", None).await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    assert_eq!(signed_out.refusal(), AppError::Unauthenticated);

    let veteran = app.sign_in("veteran@example.com").await;
    let refused = app.call("/api/admin_overview", "", Some(&veteran)).await;
    // Its own status, not the 500 server functions answer every error with by default.
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.refusal(), AppError::Forbidden);
    // Nothing but the refusal: not one of the counts it guards.
    assert_eq!(refused.bytes, AppError::Forbidden.ser().to_vec());

    let admin = app.sign_in("admin@example.com").await;
    let allowed = app.call("/api/admin_overview", "", Some(&admin)).await;
    assert_eq!(allowed.status, StatusCode::OK);
    let counts: app::pages::SystemCounts = allowed.answered();
    assert_eq!(counts.care_teams, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = demo_app(&[]).await;
    let wrong = app
        .post_form(
            "/api/sign_in",
            "email=veteran@example.com&password=nope-nope-nope",
            None,
        )
        .await;
    let unknown = app
        .post_form(
            "/api/sign_in",
            "email=nobody@example.com&password=nope-nope-nope",
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FOUND);
    assert_eq!(
        wrong.location(),
        unknown.location(),
        "the same error, back on the sign-in page"
    );
    assert!(wrong
        .location()
        .starts_with("http://localhost:3000/sign-in?__path="));
    assert!(wrong.session_cookie().is_none());
    // The page the browser returns to shows the message.
    let path = wrong.location().trim_start_matches("http://localhost:3000");
    let page = app.get(path, None).await;
    assert!(
        page.body
            .contains("The email address or password is incorrect."),
        "{}",
        page.body
    );
}

/// Wrong guesses at `email`'s password from `ip`, up to the limit, as the sign-in limits
/// count them.
async fn guessed(app: &TestApp, email: &str, ip: &str) {
    for _ in 0..app::server::sign_in_guard::ACCOUNT_LIMIT {
        let (guess, _) = app::server::sign_in_guard::begin(&app.state.db, email, ip)
            .await
            .unwrap();
        guess.failed();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_are_refused_for_a_while() {
    let app = demo_app(&[]).await;
    guessed(&app, "nurse@example.com", "203.0.113.5").await;
    let refused = app
        .sign_in_from("203.0.113.5", None, "nurse@example.com", PASSWORD)
        .await;
    assert!(
        refused.session_cookie().is_none(),
        "even the right password is refused for now"
    );
    let path = refused
        .location()
        .trim_start_matches("http://localhost:3000");
    let page = app.get(path, None).await;
    assert!(page
        .body
        .contains("Too many failed attempts. Wait 15 minutes and try again."));
}

/// The address the last sign-in of `email` was audited from.
async fn signed_in_from(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar(
        "SELECT ip FROM audit_events WHERE action = 'sign_in' AND outcome = 'success' \
         AND target = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(format!("account:{email}"))
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_person_keeps_their_own_address() {
    let app = demo_app(&["--trusted-proxies", "127.0.0.1, 10.0.0.0/8"]).await;
    // Someone at 198.51.100.7 guessed the nurse's password until refused.
    guessed(&app, "nurse@example.com", "198.51.100.7").await;
    let proxy = "127.0.0.1";
    let guesser = app
        .sign_in_from(proxy, Some("198.51.100.7"), "nurse@example.com", PASSWORD)
        .await;
    assert!(
        guesser.session_cookie().is_none(),
        "the guessing address is refused"
    );
    // Writing another address first changes nothing: the proxy appended the real one.
    let spoofed = app
        .sign_in_from(
            proxy,
            Some("198.51.100.8, 198.51.100.7"),
            "nurse@example.com",
            PASSWORD,
        )
        .await;
    assert!(
        spoofed.session_cookie().is_none(),
        "a claimed address is not believed"
    );
    // The nurse, through the same proxy from their own address, signs in; the audit trail
    // names their address, not the proxy's, through a second proxy hop too.
    let nurse = app
        .sign_in_from(
            proxy,
            Some("198.51.100.8, 10.1.2.3"),
            "nurse@example.com",
            PASSWORD,
        )
        .await;
    assert!(
        nurse.session_cookie().is_some(),
        "the nurse is not locked out"
    );
    assert_eq!(
        signed_in_from(&app, "nurse@example.com").await,
        "198.51.100.8"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trusted_proxies_a_forwarding_header_is_not_believed() {
    let app = demo_app(&[]).await;
    let signed_in = app
        .sign_in_from(
            "203.0.113.5",
            Some("198.51.100.8"),
            "veteran@example.com",
            PASSWORD,
        )
        .await;
    assert!(signed_in.session_cookie().is_some());
    assert_eq!(
        signed_in_from(&app, "veteran@example.com").await,
        "203.0.113.5"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_say_not_found() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in("veteran@example.com").await;
    let page = app.get("/no-such-page", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Page not found"));
    // A real folder page, for contrast: Alex's Sent lists the thread Sam sent for Alex.
    let sent = app.get("/sent", Some(&cookie)).await;
    assert_eq!(sent.status, StatusCode::OK);
    assert!(sent.body.contains("Question about my new inhaler"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_person_is_signed_out_on_their_next_request() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in("nurse@example.com").await;
    sqlx::query("UPDATE users SET active = 0 WHERE email = 'nurse@example.com'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        app.get("/team", Some(&cookie)).await.status,
        StatusCode::SEE_OTHER
    );
}

/// The next `data:` line of an event stream, or `None` when nothing comes within `wait`.
async fn next_event(body: &mut Body, wait: Duration) -> Option<String> {
    loop {
        let frame = tokio::time::timeout(wait, body.frame()).await.ok()??.ok()?;
        if let Ok(bytes) = frame.into_data() {
            let text = String::from_utf8_lossy(&bytes).to_string();
            if let Some(data) = text.lines().find_map(|l| l.strip_prefix("data: ")) {
                return Some(data.to_string());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_events_reach_only_those_who_may_see_the_thread() {
    use app::server::events::HubEvent;
    let app = demo_app(&[]).await;
    // Signed out: no stream.
    let signed_out = app.get("/events", None).await;
    assert_ne!(signed_out.status, StatusCode::OK);

    let id_of = |email: &'static str| {
        let pool = app.state.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let alex = id_of("veteran@example.com").await;
    let jordan = id_of("veteran2@example.com").await;
    let cookie = app.sign_in("veteran2@example.com").await;
    let request = Request::get("/events")
        .header(header::ACCEPT, "text/event-stream")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut body = response.into_body();

    let changed = |thread_id, veteran_id| HubEvent::ThreadChanged {
        thread_id,
        team_id: 1,
        veteran_id,
        previous_team_id: None,
    };
    // Alex's thread, then a team member typing, then Jordan's own thread.
    app.state.events.publish(changed(101, alex)).await;
    app.state
        .events
        .publish(HubEvent::Replying {
            thread_id: 102,
            team_id: 1,
            user_id: 1,
            name: "Casey Nguyen".into(),
        })
        .await;
    app.state.events.publish(changed(103, jordan)).await;
    let first = next_event(&mut body, Duration::from_secs(10)).await;
    assert_eq!(
        first.as_deref(),
        Some(r#"{"kind":"thread_changed","thread_id":103}"#),
        "Jordan hears of his own thread only"
    );
    assert_eq!(
        next_event(&mut body, Duration::from_millis(300)).await,
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_member_of_the_threads_team_can_say_they_are_replying() {
    use app::server::events::HubEvent;
    let app = demo_app(&[]).await;
    let (thread_on_her_team, thread_elsewhere): (i64, i64) = {
        let pool = &app.state.db.pool;
        let mine = "SELECT t.id FROM threads t JOIN team_members m ON m.team_id = t.team_id \
                    JOIN users u ON u.id = m.user_id WHERE u.email = 'nurse@example.com' \
                    ORDER BY t.id LIMIT 1";
        let other = "SELECT t.id FROM threads t WHERE t.team_id NOT IN (SELECT m.team_id \
                     FROM team_members m JOIN users u ON u.id = m.user_id \
                     WHERE u.email = 'nurse@example.com') ORDER BY t.id LIMIT 1";
        (
            sqlx::query_scalar(mine).fetch_one(pool).await.unwrap(),
            sqlx::query_scalar(other).fetch_one(pool).await.unwrap(),
        )
    };
    let announce = |thread_id: i64, cookie: String| {
        let app = &app;
        async move {
            let form = format!("thread_id={thread_id}");
            app.call("/api/announce_replying", &form, Some(&cookie))
                .await
        }
    };
    let mut heard = app.state.events.subscribe();

    let veteran = app.sign_in("veteran@example.com").await;
    let refused = announce(thread_on_her_team, veteran).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let nurse = app.sign_in("nurse@example.com").await;
    let elsewhere = announce(thread_elsewhere, nurse.clone()).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert!(heard.try_recv().is_err(), "nothing said for a refused call");

    let allowed = announce(thread_on_her_team, nurse).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    match heard.try_recv() {
        Ok(HubEvent::Replying {
            thread_id, name, ..
        }) => {
            assert_eq!(thread_id, thread_on_her_team);
            assert_eq!(name, "Casey Nguyen");
        }
        other => panic!("expected a replying event, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinician_hears_of_her_teams_threads_only() {
    use app::server::events::HubEvent;
    let app = demo_app(&[]).await;
    let (her_team, other_team): (i64, i64) = {
        let pool = &app.state.db.pool;
        let mine = "SELECT m.team_id FROM team_members m JOIN users u ON u.id = m.user_id \
                    WHERE u.email = 'nurse@example.com' ORDER BY m.team_id LIMIT 1";
        let other = "SELECT id FROM care_teams WHERE id NOT IN (SELECT m.team_id \
                     FROM team_members m JOIN users u ON u.id = m.user_id \
                     WHERE u.email = 'nurse@example.com') ORDER BY id LIMIT 1";
        (
            sqlx::query_scalar(mine).fetch_one(pool).await.unwrap(),
            sqlx::query_scalar(other).fetch_one(pool).await.unwrap(),
        )
    };
    let cookie = app.sign_in("nurse@example.com").await;
    let request = Request::get("/events")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let mut body = app
        .router
        .clone()
        .oneshot(request)
        .await
        .unwrap()
        .into_body();
    let changed = |thread_id, team_id, previous_team_id| HubEvent::ThreadChanged {
        thread_id,
        team_id,
        veteran_id: 1,
        previous_team_id,
    };
    app.state
        .events
        .publish(changed(201, other_team, None))
        .await;
    app.state.events.publish(changed(202, her_team, None)).await;
    // Moved from her team to another: her list must lose it, so she hears of it too.
    app.state
        .events
        .publish(changed(203, other_team, Some(her_team)))
        .await;
    let wait = Duration::from_secs(10);
    assert_eq!(
        next_event(&mut body, wait).await.as_deref(),
        Some(r#"{"kind":"thread_changed","thread_id":202}"#)
    );
    assert_eq!(
        next_event(&mut body, wait).await.as_deref(),
        Some(r#"{"kind":"thread_changed","thread_id":203}"#)
    );
}

/// A message from the other side is announced ("message_arrived"); one from the person's
/// own side (their own, a colleague's) only reloads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_message_is_announced_to_the_other_side_only() {
    use app::server::events::HubEvent;
    let app = demo_app(&[]).await;
    let pool = app.state.db.pool.clone();
    let id_of = |email: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (alex, nurse, morgan) = (
        id_of("veteran@example.com").await,
        id_of("nurse@example.com").await,
        id_of("clinician@example.com").await,
    );
    let team: i64 = sqlx::query_scalar("SELECT team_id FROM team_members WHERE user_id = $1")
        .bind(nurse)
        .fetch_one(&pool)
        .await
        .unwrap();
    let stream = |email: &'static str| {
        let app = &app;
        async move {
            let cookie = app.sign_in(email).await;
            let request = Request::get("/events")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap();
            app.router
                .clone()
                .oneshot(request)
                .await
                .unwrap()
                .into_body()
        }
    };
    let mut nurse_hears = stream("nurse@example.com").await;
    let mut alex_hears = stream("veteran@example.com").await;
    let arrived = |thread_id, author_id, from_team| HubEvent::MessageArrived {
        thread_id,
        team_id: team,
        veteran_id: alex,
        author_id,
        from_team,
    };
    // Alex writes; then Morgan (the nurse's colleague) replies; then the nurse replies.
    app.state.events.publish(arrived(301, alex, false)).await;
    app.state.events.publish(arrived(302, morgan, true)).await;
    app.state.events.publish(arrived(303, nurse, true)).await;
    let wait = Duration::from_secs(10);
    let said = |thread: i64, kind: &str| format!(r#"{{"kind":"{kind}","thread_id":{thread}}}"#);
    for (thread, kind) in [
        (301, "message_arrived"),
        (302, "thread_changed"),
        (303, "thread_changed"),
    ] {
        assert_eq!(
            next_event(&mut nurse_hears, wait).await,
            Some(said(thread, kind))
        );
    }
    for (thread, kind) in [
        (301, "thread_changed"),
        (302, "message_arrived"),
        (303, "message_arrived"),
    ] {
        assert_eq!(
            next_event(&mut alex_hears, wait).await,
            Some(said(thread, kind))
        );
    }
}

#[tokio::test]
async fn request_ids_are_always_the_servers_own() {
    let app = demo_app(&[]).await;
    let request = axum::http::Request::get("/healthz")
        .header("x-request-id", "planted-by-the-client")
        .body(axum::body::Body::empty())
        .unwrap();
    let answer = app.send(request).await;
    let id = answer.header("x-request-id");
    assert!(!id.is_empty(), "every answer names its request");
    assert_ne!(id, "planted-by-the-client");
}

#[tokio::test]
async fn a_request_that_cannot_be_read_is_answered_without_quoting_it() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in("veteran@example.com").await;
    let answer = app
        .call(
            "/api/send_reply",
            "thread_id=%3Cscript%3Eplanted%3C%2Fscript%3E&body=x&reply_key=k",
            Some(&cookie),
        )
        .await;
    assert!(answer.status.is_client_error() || answer.status.is_server_error());
    assert!(!answer.body.contains("planted"), "{}", answer.body);
    // Only which step failed, in the server's own words: never the parser's message.
    match answer.refusal() {
        app::error::AppError::Transport { detail } => {
            assert_eq!(detail, "reading the arguments")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_update_stream_ends_when_its_session_does() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in("veteran2@example.com").await;
    let request = Request::get("/events")
        .header(header::ACCEPT, "text/event-stream")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    // Signed out in this browser (the same would follow a reset or another device).
    app.post_form_from("/api/sign_out", "", Some(&cookie), "/inbox")
        .await;
    // The stream ends by itself within its check interval (15 s), keep-alives aside.
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match body.frame().await {
                None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived its session");
}

/// An address with an error in it, as Leptos writes one after a refused form post, plus
/// the `error=` and `message=` a hand-made link might try.
fn address_with_error(page: &str, path: &str, error: AppError) -> String {
    use leptos::server_fn::error::ServerFnUrlError;
    let url = ServerFnUrlError::new(path, error)
        .to_url(&format!("http://localhost{page}"))
        .unwrap();
    format!(
        "{}?{}&error=Call+555-0142&message=Call+555-0142",
        url.path(),
        url.query().unwrap_or_default()
    )
}

/// A page's text as a person reads it: the markup (tags and their attributes) left out.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn words_in_the_address_never_reach_the_page() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let planted = "Call 555-0142 now to keep your account";
    let planted_errors = [
        // Read by a ServerAction (the Inbox's row forms) and by `ui::posted_error`
        // (compose), in each of the shapes an error with words can take.
        (
            "/inbox",
            "/api/move_thread_to_folder",
            AppError::Conflict {
                message: planted.to_string(),
            },
            "Inbox",
        ),
        (
            "/messages/new",
            "/api/send_new_message",
            AppError::invalid("subject", planted),
            "Subject",
        ),
        (
            "/messages/new",
            "/api/send_new_message",
            AppError::Internal {
                reference: planted.to_string(),
            },
            "Subject",
        ),
    ];
    for (page, path, error, shown) in planted_errors {
        let answer = app
            .get(&address_with_error(page, path, error), Some(&alex))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{page}");
        assert!(answer.body.contains(shown), "{page} renders");
        // Not anywhere: the planted error. Not as text: what `error=` and `message=` say
        // (a form's hidden "come back here" address may carry them, as typed).
        assert!(!answer.body.contains("keep your account"), "{page}");
        let text = visible_text(&answer.body);
        assert!(!text.contains("555-0142"), "{page}: {text}");
        assert!(!text.contains("There is a problem"), "{page}");
    }
    // A status line takes only a number from the address.
    let riley = app.sign_in("admin@example.com").await;
    let answer = app
        .get(
            "/admin/teams?done=imported&added=Call+555-0142",
            Some(&riley),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let text = visible_text(&answer.body);
    assert!(!text.contains("555-0142"), "{text}");
    assert!(text.contains("Import complete: 0 new Veteran–team associations."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_plain_post_shows_its_error_to_its_own_session_only() {
    let app = demo_app(&[]).await;
    let riley = app.sign_in("admin@example.com").await;
    // Station 999 is the demo facility's.
    let answer = app
        .post_form_from(
            "/api/admin_save_facility",
            "facility=&station_number=999&name=Another&time_zone=America%2FNew_York",
            Some(&riley),
            "/admin/facilities?add",
        )
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    let back = answer.location().to_string();
    assert!(back.starts_with("/admin/facilities?"), "{back}");
    assert!(back.contains("__err="), "{back}");
    // The address names the error; the words stay on the server.
    let refusal = "Another facility already has this station number.";
    let page = app.get(&back, Some(&riley)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(refusal), "{}", page.body);
    assert!(page.body.contains("There is a problem"));
    // The same address in another session shows the page without it.
    let elsewhere = app.sign_in("admin@example.com").await;
    let page = app.get(&back, Some(&elsewhere)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(refusal));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caregivers_form_is_refused_once_they_act_for_another_veteran() {
    use app::messages::rules::ACTING_FOR_CHANGED;
    let app = demo_app(&[]).await;
    let id_of = |email: &str| format!("SELECT id FROM users WHERE email = '{email}'");
    let sam_id = app.count(&id_of("caregiver@example.com")).await;
    let alex_id = app.count(&id_of("veteran@example.com")).await;
    let jordan_id = app.count(&id_of("veteran2@example.com")).await;
    sqlx::query(
        "INSERT INTO caregiver_grants (caregiver_id, veteran_id, granted_at) VALUES ($1, $2, $3)",
    )
    .bind(sam_id)
    .bind(jordan_id)
    .bind(app.state.db.now_ms())
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    let primary_care = app
        .count("SELECT id FROM care_teams WHERE name = 'Primary Care – Blue Team'")
        .await;
    let pharmacy = app
        .count("SELECT id FROM care_teams WHERE name = 'Pharmacy'")
        .await;
    let sam = app.sign_in("caregiver@example.com").await;

    // The form Sam opens acts for Alex (the first of Sam's Veterans) and names Alex.
    let page = app.get("/messages/new", Some(&sam)).await;
    assert_eq!(page.status, StatusCode::OK);
    let named = format!(r#"name="acting_for" value="{alex_id}""#);
    assert!(page.body.contains(&named), "{}", page.body);

    // Sam switches to Jordan in another window; the Alex form's send and draft save are
    // refused, and nothing is sent or saved.
    let switched = app
        .call(
            "/api/choose_veteran",
            &format!("veteran_id={jordan_id}"),
            Some(&sam),
        )
        .await;
    assert!(switched.status.is_success() || switched.status.is_redirection());
    let messages = app.count("SELECT COUNT(*) FROM messages").await;
    let drafts = app.count("SELECT COUNT(*) FROM drafts").await;
    let refused = AppError::Conflict {
        message: ACTING_FOR_CHANGED.to_string(),
    };
    let fields = |team: i64, veteran: i64, key: &str| {
        format!(
            "care_team={team}&category=test_results&subject=Results&body=For+the+right+Veteran\
             &client_key={key}&draft_id=&acting_for={veteran}"
        )
    };
    let answer = app
        .call(
            "/api/send_new_message",
            &fields(primary_care, alex_id, "k1"),
            Some(&sam),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.refusal(), refused);
    let answer = app
        .call(
            "/api/save_compose_draft",
            &fields(primary_care, alex_id, "k1"),
            Some(&sam),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.refusal(), refused);
    // The form posted without the wasm comes back with the words typed and the reason.
    let answer = app
        .post_form_from(
            "/api/send_new_message",
            &fields(primary_care, alex_id, "k1"),
            Some(&sam),
            "/messages/new",
        )
        .await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    let back = app.get(answer.location(), Some(&sam)).await;
    assert!(
        back.body
            .contains("You switched to another Veteran in another window"),
        "{}",
        back.body
    );
    assert!(back.body.contains("For the right Veteran"));
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, messages);
    assert_eq!(app.count("SELECT COUNT(*) FROM drafts").await, drafts);

    // A form drawn for Jordan goes.
    let answer = app
        .call(
            "/api/send_new_message",
            &fields(pharmacy, jordan_id, "k2"),
            Some(&sam),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages").await,
        messages + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_takes_too_long_is_stopped_but_live_updates_stay_open() {
    use futures_util::StreamExt;
    let app = demo_app(&["--request-timeout-seconds", "1"]).await;
    // A form whose body never finishes arriving.
    let trickle =
        futures_util::stream::iter([Ok::<_, std::io::Error>(&b"thread_id=1&body=Hel"[..])])
            .chain(futures_util::stream::pending());
    let request = Request::post("/api/send_reply")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from_stream(trickle))
        .unwrap();
    let started = std::time::Instant::now();
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.refusal(), AppError::TimedOut);
    assert_eq!(answer.header(header::RETRY_AFTER), "5");
    assert!(started.elapsed() < Duration::from_secs(10));

    // The live-update stream is meant to stay open: no such limit.
    let cookie = app.sign_in("veteran2@example.com").await;
    let request = Request::get("/events")
        .header(header::ACCEPT, "text/event-stream")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match body.frame().await {
                None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(ended.is_err(), "the stream ended under the request limit");
}

/// "Download my messages" from Settings: a file to save, never cached, for the Veteran
/// only; a caregiver is refused and a stranger is sent to sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veteran_downloads_their_messages_as_a_file_and_nobody_else_can() {
    let app = demo_app(&[]).await;
    let alex = app.sign_in("veteran@example.com").await;
    let settings = app.get("/settings", Some(&alex)).await;
    assert!(
        settings
            .body
            .contains("action=\"/api/download_my_messages\""),
        "{}",
        settings.body
    );
    let file = app.get("/api/download_my_messages", Some(&alex)).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert_eq!(
        file.headers.get(header::CONTENT_TYPE).unwrap(),
        "text/html; charset=utf-8"
    );
    let disposition = file.headers.get(header::CONTENT_DISPOSITION).unwrap();
    assert!(disposition
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"my-va-messages-"));
    assert_eq!(file.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    assert!(file.body.contains("<h1>Your VA secure messages</h1>"));
    assert!(file.body.contains("Alex Rivera"));
    assert!(
        file.body.contains("Lab results from my checkup"),
        "{}",
        file.body
    );

    let sam = app.sign_in("caregiver@example.com").await;
    let refused = app.get("/api/download_my_messages", Some(&sam)).await;
    assert_ne!(refused.status, StatusCode::OK);
    assert!(!refused.body.contains("Your VA secure messages"));
    let settings = app.get("/settings", Some(&sam)).await;
    assert!(!settings.body.contains("download_my_messages"));

    let stranger = app.get("/api/download_my_messages", None).await;
    assert_ne!(stranger.status, StatusCode::OK);
    assert!(!stranger.body.contains("Alex Rivera"));
}
