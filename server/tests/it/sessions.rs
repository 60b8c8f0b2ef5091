//! Ending sessions is certain: "Sign out of all other devices" ends the others and keeps
//! this one, and a session ended while a request was in flight is not written back.

use crate::common::{demo_app, TestApp};
use app::server::session_store::{end_all_sessions_of, DbSessionStore};
use axum::http::StatusCode;
use tower_sessions::session::{Id, Record};
use tower_sessions::SessionStore;

const ALEX: &str = "veteran@example.com";

async fn inbox_opens(app: &TestApp, cookie: &str) -> bool {
    let page = app.get("/inbox", Some(cookie)).await;
    match page.status {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER | StatusCode::FOUND => {
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

async fn alex_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(ALEX)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

/// Alex's stored sessions, as the store keeps them.
async fn stored_sessions(app: &TestApp) -> Vec<Record> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1")
        .bind(alex_id(app).await)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    let store = DbSessionStore::new(app.state.db.pool.clone());
    let mut records = Vec::new();
    for id in ids {
        let id: Id = id.parse().unwrap();
        records.push(store.load(&id).await.unwrap().unwrap());
    }
    records
}

#[tokio::test]
async fn signing_out_of_other_devices_ends_them_and_keeps_this_one() {
    let app = demo_app(&[]).await;
    let phone = app.sign_in(ALEX).await;
    let laptop = app.sign_in(ALEX).await;
    let library = app.sign_in(ALEX).await;
    assert!(inbox_opens(&app, &library).await);

    let answer = app
        .post_form_from("/api/sign_out_other_devices", "", Some(&phone), "/settings")
        .await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(answer.location(), "/settings?devices=signed_out#devices");
    let settings = app.get("/settings?devices=signed_out", Some(&phone)).await;
    assert!(
        settings
            .body
            .contains("You're signed out on all other devices"),
        "{}",
        settings.body
    );

    assert!(
        inbox_opens(&app, &phone).await,
        "this device stays signed in"
    );
    assert!(!inbox_opens(&app, &laptop).await);
    assert!(!inbox_opens(&app, &library).await);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'other_sessions_ended' \
             AND detail LIKE '%\"sessions_ended\":2%'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_session_ended_during_a_request_is_not_written_back() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in(ALEX).await;
    assert!(inbox_opens(&app, &cookie).await);
    // A request in flight holds the session as it was loaded…
    let in_flight = stored_sessions(&app).await.pop().unwrap();
    // …while an administrator's reset ends all of Alex's sessions.
    let mut connection = app.state.db.pool.acquire().await.unwrap();
    assert_eq!(
        end_all_sessions_of(&mut connection, alex_id(&app).await)
            .await
            .unwrap(),
        1
    );
    drop(connection);
    // The request ends and its session layer saves: nothing comes back.
    let store = DbSessionStore::new(app.state.db.pool.clone());
    store.save(&in_flight).await.unwrap();
    assert!(store.load(&in_flight.id).await.unwrap().is_none());
    assert!(!inbox_opens(&app, &cookie).await);
}

#[tokio::test]
async fn a_session_from_before_its_person_was_signed_out_everywhere_is_refused() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in(ALEX).await;
    let mut old = stored_sessions(&app).await.pop().unwrap();
    let mut connection = app.state.db.pool.acquire().await.unwrap();
    end_all_sessions_of(&mut connection, alex_id(&app).await)
        .await
        .unwrap();
    drop(connection);
    // Even if the old session's row were put back (a store that upserts, a backup
    // restored), it belongs to the generation that ended.
    let store = DbSessionStore::new(app.state.db.pool.clone());
    let id = old.id;
    store.create(&mut old).await.unwrap();
    assert_eq!(old.id, id, "the same session is back in the store");
    assert!(!inbox_opens(&app, &cookie).await);
    // Signing in again works, in the new generation.
    let again = app.sign_in(ALEX).await;
    assert!(inbox_opens(&app, &again).await);
}

const MINUTE: i64 = 60_000;

/// The time left as the page's timer asks for it (a call of the wasm's: not activity).
async fn time_left(app: &TestApp, cookie: &str) -> Option<app::account::session_time::TimeLeft> {
    let answer = app.call("/api/session_time_left", "", Some(cookie)).await;
    (answer.status == StatusCode::OK).then(|| answer.answered())
}

#[tokio::test]
async fn only_what_the_person_does_keeps_a_session_going() {
    let (app, clock) = crate::common::demo_app_with_clock(&[]).await;
    let cookie = app.sign_in(ALEX).await;
    clock.advance(20 * MINUTE);
    // The page's own calls (its timer, live updates, data it reloads) do not count.
    let left = time_left(&app, &cookie).await.expect("still signed in");
    assert_eq!(left.idle_ms, 10 * MINUTE);
    assert_eq!(left.warning_ms, 2 * MINUTE);
    clock.advance(5 * MINUTE);
    assert_eq!(time_left(&app, &cookie).await.unwrap().idle_ms, 5 * MINUTE);
    // Opening a page does: the idle clock starts again.
    assert!(inbox_opens(&app, &cookie).await);
    clock.advance(25 * MINUTE);
    assert_eq!(time_left(&app, &cookie).await.unwrap().idle_ms, 5 * MINUTE);
    // So does a key press on the page ("still here").
    let answer = app.call("/api/still_here", "", Some(&cookie)).await;
    assert_eq!(answer.status, StatusCode::OK);
    clock.advance(29 * MINUTE);
    assert!(time_left(&app, &cookie).await.is_some());
    // Then nothing for 30 minutes: the session ends, and the sign-in page says why.
    clock.advance(MINUTE);
    assert!(time_left(&app, &cookie).await.is_none());
    let page = app.get("/inbox", Some(&cookie)).await;
    assert_eq!(page.location(), "/sign-in?next=%2Finbox", "already ended");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'sign_out' \
             AND detail LIKE '%\"session_ended\":\"idle\"%'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_idle_page_goes_to_sign_in_saying_why() {
    let (app, clock) = crate::common::demo_app_with_clock(&[]).await;
    let cookie = app.sign_in(ALEX).await;
    clock.advance(30 * MINUTE);
    let page = app.get("/messages/new", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location(),
        "/sign-in?ended=idle&next=%2Fmessages%2Fnew"
    );
    let sign_in = app.get(page.location(), None).await;
    assert!(
        sign_in
            .body
            .contains("You were signed out because you hadn&#39;t done anything for a while")
            || sign_in
                .body
                .contains("You were signed out because you hadn't done anything for a while"),
        "{}",
        sign_in.body
    );
}

#[tokio::test]
async fn a_busy_session_still_ends_at_the_absolute_limit() {
    let (app, clock) = crate::common::demo_app_with_clock(&["--session-max-seconds", "3600"]).await;
    let cookie = app.sign_in(ALEX).await;
    for _ in 0..2 {
        clock.advance(20 * MINUTE);
        assert!(inbox_opens(&app, &cookie).await);
    }
    clock.advance(20 * MINUTE);
    let page = app.get("/inbox", Some(&cookie)).await;
    assert_eq!(page.location(), "/sign-in?ended=max&next=%2Finbox");
}

/// A call the page's script makes, as Chromium sends it (`Sec-Fetch-Mode: cors`).
async fn background_call(app: &TestApp, path: &str, cookie: &str) -> crate::common::Answer {
    let request = axum::http::Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("sec-fetch-mode", "cors")
        .header("cookie", cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn a_page_call_answered_after_the_session_was_renewed_does_not_sign_the_person_out() {
    let app = demo_app(&[]).await;
    let before = app.sign_in(ALEX).await;
    // Signing in again from that browser renews the session: a new id, the old one gone.
    let renewed = app
        .post_form(
            "/api/sign_in",
            &format!("email={ALEX}&password={}", crate::common::PASSWORD),
            Some(&before),
        )
        .await
        .session_cookie()
        .expect("a renewed session cookie");
    assert_ne!(renewed, before);
    // The page's timer asked with the old cookie just before, and is answered after: its
    // answer neither removes the browser's cookie nor puts the old one back.
    let late = background_call(&app, "/api/session_time_left", &before).await;
    assert_eq!(late.session_cookie(), None, "{:?}", late.headers);
    assert!(inbox_opens(&app, &renewed).await);
    // A page opened with the old cookie still clears it, as before.
    let page = app.get("/inbox", Some(&before)).await;
    assert_eq!(page.session_cookie().as_deref(), Some("sm_session="));

    // A call with the current cookie leaves it to the pages to refresh it.
    let call = background_call(&app, "/api/session_time_left", &renewed).await;
    assert_eq!(call.status, StatusCode::OK);
    assert_eq!(call.session_cookie(), None);
    assert_eq!(
        app.get("/inbox", Some(&renewed)).await.session_cookie(),
        Some(renewed.clone())
    );
}
