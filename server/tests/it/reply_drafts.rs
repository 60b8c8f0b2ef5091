//! Reply drafts through the whole router, in process (`oneshot`), on a fresh SQLite
//! database in demo mode: each save is the caller's own, refused to anyone who may not
//! write in the thread; the pages bring the text back to its writer, and tell colleagues
//! only who is writing.

use crate::common::demo_app;
use axum::http::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_drafts_are_their_writers_and_colleagues_see_only_who_writes() {
    let app = demo_app(&[]).await;
    let thread = app
        .count("SELECT id FROM threads WHERE subject = 'Blood pressure medicine refill'")
        .await;
    let alex = app.sign_in("veteran@example.com").await;
    let jordan = app.sign_in("veteran2@example.com").await;
    let casey = app.sign_in("nurse@example.com").await;
    let morgan = app.sign_in("clinician@example.com").await;
    let form = |body: &str| {
        serde_urlencoded::to_string([("thread_id", thread.to_string()), ("body", body.into())])
            .unwrap()
    };
    let veteran_save = "/api/save_reply_draft";
    let team_save = "/api/team_save_reply_draft";

    // The Veteran's reply box.
    let saved = app
        .call(
            veteran_save,
            &form("Thanks, one more question"),
            Some(&alex),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let page = app.get(&format!("/messages/{thread}"), Some(&alex)).await;
    assert!(
        page.body.contains("Thanks, one more question"),
        "the text comes back"
    );
    assert!(page.body.contains("Draft saved at"));
    for (who, status) in [
        (Some(jordan.as_str()), StatusCode::NOT_FOUND),
        (Some(casey.as_str()), StatusCode::FORBIDDEN),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        let answer = app.call(veteran_save, &form("Not yours"), who).await;
        assert_eq!(answer.status, status, "{}", answer.body);
    }

    // A care team member's reply box.
    let words = "Your refill is waiting at the pharmacy";
    let saved = app.call(team_save, &form(words), Some(&casey)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let own = app
        .get(&format!("/team/threads/{thread}"), Some(&casey))
        .await;
    assert!(own.body.contains(words), "the text comes back");
    assert!(own.body.contains("Draft saved at"));
    assert!(!own.body.contains("Casey Nguyen is writing a reply"));
    for (who, status) in [
        (Some(alex.as_str()), StatusCode::FORBIDDEN),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        let answer = app.call(team_save, &form("Not yours"), who).await;
        assert_eq!(answer.status, status, "{}", answer.body);
    }

    // A colleague: who, never what.
    let colleague = app
        .get(&format!("/team/threads/{thread}"), Some(&morgan))
        .await;
    assert!(colleague.body.contains("Casey Nguyen is writing a reply"));
    assert!(!colleague.body.contains(words));
    let inbox = app.get("/team", Some(&morgan)).await;
    assert!(inbox.body.contains("Casey Nguyen is writing a reply"));
    assert!(!inbox.body.contains(words));
    // The Veteran's page never learns of the team's draft.
    let page = app.get(&format!("/messages/{thread}"), Some(&alex)).await;
    assert!(!page.body.contains(words));
    assert!(!page.body.contains("is writing a reply"));

    // Nothing typed reaches the audit trail.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events \
             WHERE detail LIKE '%waiting at the pharmacy%' OR detail LIKE '%one more question%'"
        )
        .await,
        0
    );
}
