//! Reply drafts, on both databases: what is typed in a reply box is the writer's own draft,
//! kept until the reply is sent; colleagues on the care team see who is writing, never
//! what.
//!
//! The demo data is the starting point (DESIGN.md §5): Alex's "Blood pressure medicine
//! refill" is with Primary Care, where Morgan and Casey work; Sam is Alex's caregiver;
//! Jordan is another Veteran. Pat (made here) works on Pharmacy only.

use crate::common::{reply, team_id, user};
use app::auth::{Role, SignedInUser};
use app::error::AppError;
use app::messages::ssr as messaging;
use app::messages::{DraftInput, Sort};
use app::server::access::{trusted, MessagingCapability, TeamCapability};
use app::server::db::Db;
use app::server::demo;
use app::team::reply_draft::WRITING_SHOWN_FOR_MS;
use app::team::ssr as team;
use app::team::types::InboxQuery;

struct World {
    alex: MessagingCapability,
    alex_id: i64,
    sam: MessagingCapability,
    jordan: MessagingCapability,
    jordan_id: i64,
    morgan: TeamCapability,
    casey: TeamCapability,
    pat: TeamCapability,
    /// "Blood pressure medicine refill", Alex's thread with Primary Care.
    thread: i64,
}

async fn world(db: &Db) -> World {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = user(db, "veteran@example.com").await;
    let jordan = user(db, "veteran2@example.com").await;
    let pat_id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, created_at, updated_at) \
         VALUES ('pat@example.com', 'Pat Kim', 'clinician', 0, 0) RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, team_role, created_at) \
         VALUES ($1, $2, 'member', 0)",
    )
    .bind(team_id(db, "Pharmacy").await)
    .bind(pat_id)
    .execute(&db.pool)
    .await
    .unwrap();
    let thread: i64 = sqlx::query_scalar(
        "SELECT id FROM threads WHERE subject = 'Blood pressure medicine refill'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    World {
        alex_id: alex.id,
        alex: trusted::messaging(alex).unwrap(),
        sam: trusted::messaging(user(db, "caregiver@example.com").await).unwrap(),
        jordan_id: jordan.id,
        jordan: trusted::messaging(jordan).unwrap(),
        morgan: trusted::team(user(db, "clinician@example.com").await).unwrap(),
        casey: trusted::team(user(db, "nurse@example.com").await).unwrap(),
        pat: trusted::team(SignedInUser {
            id: pat_id,
            name: "Pat Kim".into(),
            email: "pat@example.com".into(),
            role: Role::Clinician,
            time_zone: "America/New_York".into(),
        })
        .unwrap(),
        thread,
    }
}

fn reply_draft(thread: i64, body: &str) -> DraftInput {
    DraftInput {
        thread_id: Some(thread),
        body: body.to_string(),
        ..DraftInput::default()
    }
}

/// The text of `who`'s reply draft in the thread, as the thread page loads it.
async fn veteran_side_text(
    db: &Db,
    who: &MessagingCapability,
    veteran: i64,
    thread: i64,
) -> Option<String> {
    messaging::open_thread(db, who, veteran, thread)
        .await
        .unwrap()
        .reply_draft
        .map(|draft| draft.body)
}

async fn team_text(db: &Db, who: &TeamCapability, thread: i64) -> Option<String> {
    team::reply_draft(db, who, thread)
        .await
        .unwrap()
        .map(|draft| draft.body)
}

async fn writing(db: &Db, who: &TeamCapability, thread: i64) -> Vec<String> {
    team::writing(db, who, &[thread])
        .await
        .unwrap()
        .into_iter()
        .map(|(_, name)| name)
        .collect()
}

async fn inbox_writing(db: &Db, who: &TeamCapability, thread: i64) -> Vec<String> {
    team::list_inbox(db, who, &InboxQuery::default(), None)
        .await
        .unwrap()
        .rows
        .into_iter()
        .find(|row| row.thread_id == thread)
        .expect("the thread is in the team inbox")
        .writing
}

on_both_databases!(
    a_veterans_reply_draft_is_saved_restored_and_the_writers_own,
    a_clinicians_reply_draft_is_saved_restored_and_their_own,
    colleagues_see_who_is_writing_but_not_what,
);

async fn a_veterans_reply_draft_is_saved_restored_and_the_writers_own(db: &Db) {
    let w = world(db).await;
    let t = w.thread;
    // Saved as typed, and the next save replaces it: one reply draft per writer and thread.
    let first = messaging::save_draft(db, &w.alex, w.alex_id, &reply_draft(t, "Thanks, I"))
        .await
        .unwrap();
    let again = messaging::save_draft(db, &w.alex, w.alex_id, &reply_draft(t, "Thanks, I got it"))
        .await
        .unwrap();
    assert_eq!(first.draft_id, again.draft_id);
    assert_eq!(
        veteran_side_text(db, &w.alex, w.alex_id, t)
            .await
            .as_deref(),
        Some("Thanks, I got it"),
        "the thread page brings the text back"
    );
    // Listed in Drafts with the conversation, to be continued there.
    let drafts = messaging::list_drafts(db, &w.alex, w.alex_id, Sort::NewestFirst, None)
        .await
        .unwrap();
    assert_eq!(drafts.rows.len(), 1);
    assert_eq!(drafts.rows[0].thread_id, Some(t));

    // Sam, acting for Alex, has a draft of his own; neither overwrites the other.
    messaging::save_draft(db, &w.sam, w.alex_id, &reply_draft(t, "Sam here"))
        .await
        .unwrap();
    assert_eq!(
        veteran_side_text(db, &w.alex, w.alex_id, t)
            .await
            .as_deref(),
        Some("Thanks, I got it")
    );
    assert_eq!(
        veteran_side_text(db, &w.sam, w.alex_id, t).await.as_deref(),
        Some("Sam here")
    );

    // Another Veteran can neither read nor write it.
    assert_eq!(
        messaging::save_draft(db, &w.jordan, w.jordan_id, &reply_draft(t, "Mine now"))
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        messaging::open_thread(db, &w.jordan, w.jordan_id, t)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        messaging::get_draft(db, &w.jordan, w.jordan_id, first.draft_id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );

    // The care team neither sees it nor sees the Veteran as "writing".
    assert_eq!(team_text(db, &w.morgan, t).await, None);
    assert!(writing(db, &w.morgan, t).await.is_empty());

    // Sending the reply removes the sender's draft, not Sam's.
    messaging::reply(db, &w.alex, w.alex_id, t, &reply("Thanks, I got it"))
        .await
        .unwrap();
    assert_eq!(veteran_side_text(db, &w.alex, w.alex_id, t).await, None);
    assert_eq!(
        veteran_side_text(db, &w.sam, w.alex_id, t).await.as_deref(),
        Some("Sam here")
    );
}

async fn a_clinicians_reply_draft_is_saved_restored_and_their_own(db: &Db) {
    let w = world(db).await;
    let t = w.thread;
    let saved = team::save_reply_text(db, &w.casey, t, "Your refill")
        .await
        .unwrap();
    assert_eq!(saved.draft.body, "Your refill");
    let again = team::save_reply_text(db, &w.casey, t, "Your refill is ready")
        .await
        .unwrap();
    assert_eq!(saved.draft.draft_id, again.draft.draft_id);
    assert_eq!(
        team_text(db, &w.casey, t).await.as_deref(),
        Some("Your refill is ready"),
        "the team thread page brings the text back"
    );

    // A colleague has their own, and cannot read or overwrite Casey's.
    assert_eq!(team_text(db, &w.morgan, t).await, None);
    team::save_reply_text(db, &w.morgan, t, "Morgan's words")
        .await
        .unwrap();
    assert_eq!(
        team_text(db, &w.casey, t).await.as_deref(),
        Some("Your refill is ready")
    );
    assert_eq!(
        team_text(db, &w.morgan, t).await.as_deref(),
        Some("Morgan's words")
    );

    // Someone on another team can do neither.
    assert_eq!(
        team::save_reply_text(db, &w.pat, t, "Not my thread")
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(team_text(db, &w.pat, t).await, None);

    // Never on the Veteran's side.
    assert_eq!(veteran_side_text(db, &w.alex, w.alex_id, t).await, None);
    assert!(
        messaging::list_drafts(db, &w.alex, w.alex_id, Sort::NewestFirst, None)
            .await
            .unwrap()
            .rows
            .is_empty()
    );

    // Too long is refused with a sentence, and the saved draft stays as it was.
    let too_long = team::save_reply_text(db, &w.casey, t, &"x".repeat(10_001))
        .await
        .unwrap_err();
    assert!(too_long.field("body").is_some());
    assert_eq!(
        team_text(db, &w.casey, t).await.as_deref(),
        Some("Your refill is ready")
    );

    // Sending the reply removes the sender's draft only.
    team::reply(db, &w.casey, t, &reply("Your refill is ready"))
        .await
        .unwrap();
    assert_eq!(team_text(db, &w.casey, t).await, None);
    assert_eq!(
        team_text(db, &w.morgan, t).await.as_deref(),
        Some("Morgan's words")
    );
}

async fn colleagues_see_who_is_writing_but_not_what(db: &Db) {
    let w = world(db).await;
    let t = w.thread;
    let began = team::save_reply_text(db, &w.casey, t, "Checking your labs")
        .await
        .unwrap();
    assert!(began.writing_changed, "colleagues hear that Casey began");
    let went_on = team::save_reply_text(db, &w.casey, t, "Checking your labs now")
        .await
        .unwrap();
    assert!(
        !went_on.writing_changed,
        "nothing new to tell while she types"
    );

    // Morgan sees the name on the thread and on its inbox row; only the name.
    assert_eq!(writing(db, &w.morgan, t).await, ["Casey Nguyen"]);
    assert_eq!(inbox_writing(db, &w.morgan, t).await, ["Casey Nguyen"]);
    // Nobody is told they are writing themselves.
    assert!(writing(db, &w.casey, t).await.is_empty());
    assert!(inbox_writing(db, &w.casey, t).await.is_empty());
    // Someone on another team hears nothing of the thread.
    assert!(writing(db, &w.pat, t).await.is_empty());

    // Emptying the box stops it at once.
    let emptied = team::save_reply_text(db, &w.casey, t, "  ").await.unwrap();
    assert!(emptied.writing_changed);
    assert!(writing(db, &w.morgan, t).await.is_empty());

    // A draft left untouched past the window no longer counts as open.
    team::save_reply_text(db, &w.casey, t, "Back to it")
        .await
        .unwrap();
    assert_eq!(writing(db, &w.morgan, t).await, ["Casey Nguyen"]);
    sqlx::query("UPDATE drafts SET updated_at = updated_at - $1 WHERE thread_id = $2")
        .bind(WRITING_SHOWN_FOR_MS + 1_000)
        .bind(t)
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(writing(db, &w.morgan, t).await.is_empty());
    let resumed = team::save_reply_text(db, &w.casey, t, "Back to it, really")
        .await
        .unwrap();
    assert!(resumed.writing_changed, "coming back counts as beginning");

    // Sent: gone from the thread and its row.
    team::reply(db, &w.casey, t, &reply("Your labs are normal."))
        .await
        .unwrap();
    assert!(writing(db, &w.morgan, t).await.is_empty());
    assert!(inbox_writing(db, &w.morgan, t).await.is_empty());
}
