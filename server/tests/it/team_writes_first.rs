//! "Start a message" through the router: the page finds only Veterans of the clinician's
//! teams, with their date of birth; the send is refused alike to a Veteran and for a Veteran
//! of another team; a plain form post (no wasm) starts the conversation, which the Veteran
//! then finds in their Inbox.

use crate::common::demo_app;
use axum::http::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinician_writes_first_only_to_veterans_of_their_teams() {
    let app = demo_app(&[]).await;
    let id_of = |sql: &'static str| {
        let pool = app.state.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let alex = id_of("SELECT id FROM users WHERE email = 'veteran@example.com'").await;
    let jordan = id_of("SELECT id FROM users WHERE email = 'veteran2@example.com'").await;
    let primary_care =
        id_of("SELECT id FROM care_teams WHERE name = 'Primary Care – Blue Team'").await;
    let pharmacy = id_of("SELECT id FROM care_teams WHERE name = 'Pharmacy'").await;
    let threads = "SELECT COUNT(*) FROM threads";
    let before = app.count(threads).await;

    let morgan = app.sign_in("clinician@example.com").await;
    let inbox = app.get("/team", Some(&morgan)).await;
    assert!(inbox.body.contains("href=\"/team/new\""), "Start a message");
    assert!(inbox.body.contains("(born Mar 4, 1961)"), "inbox rows");

    let found = app.get("/team/new?q=rivera", Some(&morgan)).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("Alex Rivera"));
    assert!(found.body.contains("(born Mar 4, 1961)"));
    assert!(found.body.contains("Demo VA Medical Center"));
    // Jordan writes to Pharmacy only, where Morgan does not work.
    let none = app.get("/team/new?q=jordan", Some(&morgan)).await;
    assert!(!none.body.contains("Jordan Lee"));
    assert!(!none.body.contains("1975"));
    let chosen = app
        .get(&format!("/team/new?veteran={jordan}"), Some(&morgan))
        .await;
    assert_eq!(chosen.status, StatusCode::NOT_FOUND);
    assert!(!chosen.body.contains("Jordan Lee"));

    let form = |veteran: i64, team: i64, key: &str| {
        format!(
            "veteran={veteran}&care_team={team}&category=medication&subject=New+dose&\
             body=Please+take+one+tablet+a+day.&client_key={key}"
        )
    };
    // Refused alike: Jordan through Pharmacy, and a Veteran calling it.
    let refused = app
        .call(
            "/api/team_start_message",
            &form(jordan, pharmacy, "00000000-0000-4000-8000-000000000001"),
            Some(&morgan),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    let veteran = app.sign_in("veteran@example.com").await;
    let refused = app
        .call(
            "/api/team_start_message",
            &form(alex, primary_care, "00000000-0000-4000-8000-000000000002"),
            Some(&veteran),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(app.count(threads).await, before, "nothing was sent");

    // A plain form post, as the page sends it before the wasm arrives.
    let sent = app
        .post_form_from(
            "/api/team_start_message",
            &form(alex, primary_care, "00000000-0000-4000-8000-000000000003"),
            Some(&morgan),
            &format!("/team/new?veteran={alex}"),
        )
        .await;
    assert_eq!(sent.status, StatusCode::FOUND, "{}", sent.body);
    assert!(
        sent.location().starts_with("/team/threads/") && sent.location().contains("done=started"),
        "{}",
        sent.location()
    );
    assert_eq!(app.count(threads).await, before + 1);
    let alex_inbox = app.get("/inbox", Some(&veteran)).await;
    assert!(alex_inbox.body.contains("New dose"));

    // A refused post keeps what was typed and says why at the field.
    let empty = app
        .post_form_from(
            "/api/team_start_message",
            &format!(
                "veteran={alex}&care_team={primary_care}&category=&subject=Kept+subject&body=&\
                 client_key=00000000-0000-4000-8000-000000000004"
            ),
            Some(&morgan),
            &format!("/team/new?veteran={alex}"),
        )
        .await;
    assert_eq!(empty.status, StatusCode::FOUND);
    let back = app.get(empty.location(), Some(&morgan)).await;
    assert!(back.body.contains("Choose a category."), "{}", back.body);
    assert!(back.body.contains("Kept subject"));
}
