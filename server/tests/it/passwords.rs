//! Choosing a password through the routes: "Change your password" in Settings as the form
//! posts it without the wasm, the breached-password range service (on this machine, for the
//! test), and a set-password link past its day.

use crate::common::{demo_app, demo_app_with_clock, TestApp, PASSWORD};
use axum::http::StatusCode;
use std::sync::{Arc, Mutex};

const ALEX: &str = "veteran@example.com";
const CHANGE: &str = "/api/change_password";
const NEW: &str = "a kettle sings in the far kitchen";

fn form(current: &str, new: &str, confirm: &str) -> String {
    serde_urlencoded::to_string([
        ("current_password", current),
        ("new_password", new),
        ("confirm_password", confirm),
    ])
    .unwrap()
}

/// Posts the form from `/settings` and follows the answer back: the location and the page.
async fn post_change(app: &TestApp, cookie: &str, form: &str) -> (String, String) {
    let answer = app
        .post_form_from(CHANGE, form, Some(cookie), "/settings")
        .await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    let location = answer.location().to_string();
    let page = app
        .get(location.split('#').next().unwrap_or(""), Some(cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{location}");
    (location, page.body)
}

async fn inbox_opens(app: &TestApp, cookie: &str) -> bool {
    let page = app.get("/inbox", Some(cookie)).await;
    match page.status {
        StatusCode::OK => true,
        status if status.is_redirection() => {
            assert!(
                page.location().starts_with("/sign-in"),
                "{}",
                page.location()
            );
            false
        }
        other => panic!("/inbox answered {other}"),
    }
}

async fn audited(app: &TestApp, outcome: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'password_changed' \
         AND outcome = '{outcome}' AND actor_id = (SELECT id FROM users WHERE email = '{ALEX}')"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_page_shows_the_change_password_form_to_every_role() {
    let app = demo_app(&[]).await;
    for email in [
        ALEX,
        "caregiver@example.com",
        "nurse@example.com",
        "admin@example.com",
    ] {
        let cookie = app.sign_in(email).await;
        let page = app.get("/settings", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{email}");
        for words in [
            "Change your password",
            "Current password",
            "autocomplete=\"current-password\"",
            "Confirm new password",
            "autocomplete=\"new-password\"",
            "action=\"/api/change_password\"",
        ] {
            assert!(page.body.contains(words), "{email}: {words}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_current_password_or_a_common_new_one_is_refused_and_nothing_is_kept() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in(ALEX).await;

    let (location, page) = post_change(&app, &cookie, &form("not my password", NEW, NEW)).await;
    assert!(location.starts_with("/settings?"), "{location}");
    assert!(
        page.contains("Your current password is incorrect."),
        "{page}"
    );
    // The address names the error by a token only, and nothing typed comes back.
    assert!(!location.contains("incorrect"), "{location}");
    for typed in ["not my password", "not+my+password", "kettle"] {
        assert!(!location.contains(typed), "{location}");
        assert!(!page.contains(typed), "{typed} in the page");
    }
    assert_eq!(audited(&app, "failure").await, 1);

    let common = "Password123456789";
    let (_, page) = post_change(&app, &cookie, &form(PASSWORD, common, common)).await;
    assert!(page.contains("This password is too common."), "{page}");
    assert!(!page.contains(common));
    // The demo password still signs in; the session is still signed in.
    assert!(inbox_opens(&app, &cookie).await);
    app.sign_in(ALEX).await;

    // Called as the wasm calls it: the error itself, for the form.
    let answer = app
        .call(CHANGE, &form("not my password", NEW, NEW), Some(&cookie))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.refusal().field("current_password").is_some());

    // Signed out, the function refuses.
    let answer = app.call(CHANGE, &form(PASSWORD, NEW, NEW), None).await;
    assert!(
        matches!(
            answer.status,
            StatusCode::UNAUTHORIZED | StatusCode::FOUND | StatusCode::SEE_OTHER
        ),
        "{}",
        answer.status
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_password_signs_out_the_other_sessions_and_keeps_this_one() {
    let app = demo_app(&[]).await;
    let laptop = app.sign_in(ALEX).await;
    let phone = app.sign_in(ALEX).await;
    assert!(inbox_opens(&app, &laptop).await);

    let (location, page) = post_change(&app, &laptop, &form(PASSWORD, NEW, NEW)).await;
    assert_eq!(location, "/settings?password=changed#password");
    assert!(page.contains("Your password is changed."), "{page}");

    assert!(
        inbox_opens(&app, &laptop).await,
        "this session stays signed in"
    );
    assert!(!inbox_opens(&app, &phone).await, "the other one ended");
    assert_eq!(audited(&app, "success").await, 1);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'password_changed' \
             AND detail LIKE '%\"sessions_ended\":1%'"
        )
        .await,
        1
    );

    // The new password signs in; the old one no longer does.
    let old = app
        .post_form(
            "/api/sign_in",
            &format!("email={ALEX}&password={PASSWORD}"),
            None,
        )
        .await;
    assert!(old.location().contains("/sign-in?"), "{}", old.location());
    assert!(old.location().contains("__err"), "{}", old.location());
    let new = app
        .post_form(
            "/api/sign_in",
            &serde_urlencoded::to_string([("email", ALEX), ("password", NEW)]).unwrap(),
            None,
        )
        .await;
    assert_eq!(new.location(), "/inbox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_password_link_older_than_a_day_says_it_has_expired() {
    let (app, hand) = demo_app_with_clock(&[]).await;
    let db = &app.state.db;
    let riley = app::server::access::trusted::admin(
        app::server::users::credentials_by_email(&db.pool, "admin@example.com")
            .await
            .unwrap()
            .unwrap()
            .user,
    )
    .unwrap();
    let invite = app::admin::types::InviteInput {
        name: "Dana Cruz".to_string(),
        email: "dana@example.com".to_string(),
        role: "veteran".to_string(),
    };
    let origin = app::admin::ssr::Origin(None);
    app::admin::ssr::invite(db, &riley, &origin, &app.state.config.public_url, &invite)
        .await
        .unwrap();
    let link = set_password_path(&app, "dana@example.com").await;
    let page = app.get(&link, None).await;
    assert!(page.body.contains("Set your password"), "{}", page.body);

    hand.advance(24 * 60 * 60 * 1000);
    let page = app.get(&link, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("This link has expired"), "{}", page.body);
    assert!(page.body.contains("work for 24 hours"), "{}", page.body);

    let token = link.strip_prefix("/set-password?token=").unwrap();
    let answer = app
        .call(
            "/api/set_password",
            &serde_urlencoded::to_string([("token", token), ("password", NEW), ("confirm", NEW)])
                .unwrap(),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'dana@example.com' AND password_hash IS NOT NULL")
            .await,
        0
    );
}

/// A breached-password range service on this machine, for the test alone: it lists `listed`
/// (by the rest of its SHA-1, with a count) among padding lines, and keeps every path it
/// was asked for and whether padding was asked for.
async fn range_service(listed: &str) -> (String, Arc<Mutex<Vec<(String, bool)>>>) {
    use axum::extract::Path;
    use axum::http::HeaderMap;
    let asked = Arc::new(Mutex::new(Vec::new()));
    let digest = app::server::pwned_range::sha1_hex(listed);
    let (prefix, suffix) = digest.split_at(5);
    let (prefix, suffix) = (prefix.to_string(), suffix.to_string());
    let kept = Arc::clone(&asked);
    let router = axum::Router::new().route(
        "/range/{prefix}",
        axum::routing::get(move |Path(asked_for): Path<String>, headers: HeaderMap| {
            let kept = Arc::clone(&kept);
            let (prefix, suffix) = (prefix.clone(), suffix.clone());
            async move {
                let padded = headers.get("add-padding").is_some_and(|v| v == "true");
                kept.lock().unwrap().push((asked_for.clone(), padded));
                let mut lines = vec!["0018A45C4D1DEF81644B54AB7F969B88D65:1".to_string()];
                if asked_for == prefix {
                    lines.push(format!("{suffix}:42"));
                }
                lines.push("FFFFF0123456789ABCDEF0123456789ABCD:0".to_string());
                lines.join("\r\n")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}/range/"), asked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_the_range_service_lists_is_refused_and_only_a_prefix_is_sent() {
    let breached = "a breached phrase nobody lists locally";
    let (url, asked) = range_service(breached).await;
    let app = demo_app(&["--pwned-range-url", &url]).await;
    let cookie = app.sign_in(ALEX).await;

    let (_, page) = post_change(&app, &cookie, &form(PASSWORD, breached, breached)).await;
    assert!(page.contains("This password is too common."), "{page}");
    let digest = app::server::pwned_range::sha1_hex(breached);
    {
        let asked = asked.lock().unwrap();
        assert_eq!(asked.as_slice(), &[(digest[..5].to_string(), true)]);
    }

    // A short or listed password is never sent: its own rule answers.
    post_change(&app, &cookie, &form(PASSWORD, "short", "short")).await;
    post_change(
        &app,
        &cookie,
        &form(PASSWORD, "1234567890123", "1234567890123"),
    )
    .await;
    assert_eq!(asked.lock().unwrap().len(), 1);

    // The set-password link's page asks it too.
    let invite = app::admin::types::InviteInput {
        name: "Dana Cruz".to_string(),
        email: "dana@example.com".to_string(),
        role: "veteran".to_string(),
    };
    let riley = app::server::access::trusted::admin(
        app::server::users::credentials_by_email(&app.state.db.pool, "admin@example.com")
            .await
            .unwrap()
            .unwrap()
            .user,
    )
    .unwrap();
    app::admin::ssr::invite(
        &app.state.db,
        &riley,
        &app::admin::ssr::Origin(None),
        &app.state.config.public_url,
        &invite,
    )
    .await
    .unwrap();
    let link = set_password_path(&app, &invite.email).await;
    let token = link.strip_prefix("/set-password?token=").unwrap();
    let answer = app
        .call(
            "/api/set_password",
            &serde_urlencoded::to_string([
                ("token", token),
                ("password", breached),
                ("confirm", breached),
            ])
            .unwrap(),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.refusal().field("password").as_deref(),
        Some(app::admin::rules::PASSWORD_TOO_COMMON)
    );

    // A password it does not list goes through.
    let (location, _) = post_change(&app, &cookie, &form(PASSWORD, NEW, NEW)).await;
    assert_eq!(location, "/settings?password=changed#password");
    assert_eq!(asked.lock().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_range_service_cannot_be_reached_the_built_in_list_alone_decides() {
    // A port nothing listens on: taken, then let go.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let app = demo_app(&["--pwned-range-url", &format!("http://{closed}/range/")]).await;
    let cookie = app.sign_in(ALEX).await;
    let (_, page) = post_change(
        &app,
        &cookie,
        &form(PASSWORD, "Password123456789", "Password123456789"),
    )
    .await;
    assert!(page.contains("This password is too common."), "{page}");
    let (location, _) = post_change(&app, &cookie, &form(PASSWORD, NEW, NEW)).await;
    assert_eq!(
        location, "/settings?password=changed#password",
        "fails open"
    );
}

/// The set-password link of the newest invitation emailed to `to`, as a path on this site
/// (the demo keeps its emails in the outbox).
async fn set_password_path(app: &TestApp, to: &str) -> String {
    let text: String = sqlx::query_scalar(
        "SELECT text_body FROM email_outbox WHERE recipient = $1 AND kind = 'invitation' \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(to)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let at = text
        .find("/set-password?token=")
        .expect("a set-password link");
    text[at..].split_whitespace().next().unwrap().to_string()
}
