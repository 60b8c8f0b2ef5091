//! Veteran messaging data layer: every scenario runs on SQLite and on PostgreSQL.
//!
//! The demo data is the starting point (DESIGN.md §5): Alex has four threads, Sam is Alex's
//! caregiver, Morgan and Casey are on Primary Care, Jordan writes only to Pharmacy.

use crate::common::{count, count_for, reply, team_id, user};
use app::error::AppError;
use app::messages::rules::{
    with_phone, REPLY_WINDOW_CLOSED, TEAM_BLOCKED, TEAM_NOT_ACCEPTING, TEAM_NOT_YOURS,
};
use app::messages::ssr as messaging;
use app::messages::{
    Category, DateRange, DraftInput, Folder, NewMessage, Page, SearchQuery, Signature, Sort,
    ThreadRow, PAGE_SIZE,
};
use app::server::access::{trusted, MessagingCapability, TeamCapability};
use app::server::db::Db;
use app::server::{demo, now_ms};

const DAY: i64 = 24 * 60 * 60 * 1000;

struct World {
    alex: MessagingCapability,
    alex_id: i64,
    jordan: MessagingCapability,
    jordan_id: i64,
    sam: MessagingCapability,
    morgan: TeamCapability,
    casey: TeamCapability,
    primary_care: i64,
    pharmacy: i64,
    mental_health: i64,
    cardiology: i64,
}

async fn world(db: &Db) -> World {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = user(db, "veteran@example.com").await;
    let jordan = user(db, "veteran2@example.com").await;
    World {
        alex_id: alex.id,
        alex: trusted::messaging(alex).unwrap(),
        jordan_id: jordan.id,
        jordan: trusted::messaging(jordan).unwrap(),
        sam: trusted::messaging(user(db, "caregiver@example.com").await).unwrap(),
        morgan: trusted::team(user(db, "clinician@example.com").await).unwrap(),
        casey: trusted::team(user(db, "nurse@example.com").await).unwrap(),
        primary_care: team_id(db, "Primary Care – Blue Team").await,
        pharmacy: team_id(db, "Pharmacy").await,
        mental_health: team_id(db, "Mental Health").await,
        cardiology: team_id(db, "Cardiology").await,
    }
}

fn message(team: i64, subject: &str, body: &str) -> NewMessage {
    NewMessage {
        care_team_id: Some(team),
        category: Some(Category::General),
        subject: subject.to_string(),
        body: body.to_string(),
        client_key: uuid::Uuid::new_v4().to_string(),
        draft_id: None,
    }
}

async fn page(db: &Db, who: &MessagingCapability, veteran: i64, folder: Folder) -> Page<ThreadRow> {
    messaging::list_folder(db, who, veteran, folder, Sort::NewestFirst, None)
        .await
        .unwrap()
}

fn subjects(page: &Page<ThreadRow>) -> Vec<String> {
    page.rows.iter().map(|r| r.subject.clone()).collect()
}

fn ids(page: &Page<ThreadRow>) -> Vec<i64> {
    page.rows.iter().map(|r| r.thread_id).collect()
}

/// (unread, total) of one folder in the navigation.
async fn tally(db: &Db, who: &MessagingCapability, veteran: i64, folder: Folder) -> (i64, i64) {
    let summary = messaging::folders(db, who, veteran)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.folder == folder)
        .expect("folder in the navigation");
    (summary.unread, summary.total)
}

async fn set_last_message_at(db: &Db, thread: i64, at: i64) {
    sqlx::query("UPDATE threads SET last_message_at = $1 WHERE id = $2")
        .bind(at)
        .bind(thread)
        .execute(&db.pool)
        .await
        .unwrap();
}

async fn sending_makes_a_thread_in_sent_and_audits_it(db: &Db) {
    let w = world(db).await;
    let sent_before = tally(db, &w.alex, w.alex_id, Folder::Sent).await.1;
    let mut new = message(
        w.primary_care,
        "  Knee pain after my walk  ",
        "It hurts\nwhen I climb stairs.",
    );
    new.category = Some(Category::Appointment);
    let sent = messaging::send_message(db, &w.alex, w.alex_id, &new)
        .await
        .unwrap();
    assert!(!sent.already_sent);
    assert!(!sent.urgent_language);

    let sent_page = page(db, &w.alex, w.alex_id, Folder::Sent).await;
    let first = &sent_page.rows[0];
    assert_eq!(first.thread_id, sent.thread_id);
    assert_eq!(
        first.subject, "Knee pain after my walk",
        "the subject is trimmed"
    );
    assert_eq!(first.category, Category::Appointment);
    assert_eq!(first.care_team, "Primary Care – Blue Team");
    assert!(!first.unread, "the sender has read what they sent");
    assert_eq!(
        tally(db, &w.alex, w.alex_id, Folder::Sent).await.1,
        sent_before + 1
    );
    assert!(!ids(&page(db, &w.alex, w.alex_id, Folder::Inbox).await).contains(&sent.thread_id));

    let thread = messaging::open_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    assert_eq!(thread.messages.len(), 1);
    let only = &thread.messages[0];
    assert_eq!(
        only.body, "It hurts\nwhen I climb stairs.",
        "the body is kept as typed"
    );
    assert_eq!(only.sender_name, "Alex Rivera");
    assert_eq!(only.on_behalf_of_name, None);
    assert_eq!(
        only.opened_status(),
        Some("Not yet opened by your care team")
    );
    assert!(thread.can_reply);

    let audited = count_for(
        db,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'message_sent' AND actor_id = $1 \
         AND patient_id = actor_id AND on_behalf_of_id IS NULL AND outcome = 'success'",
        w.alex_id,
    )
    .await;
    assert_eq!(audited, 1);
    let waiting = count_for(
        db,
        "SELECT COUNT(*) FROM threads WHERE id = $1 AND waiting_since IS NOT NULL \
         AND urgent_language = 0 AND completed_at IS NULL",
        sent.thread_id,
    )
    .await;
    assert_eq!(waiting, 1, "the team's clock starts");

    // Crisis language marks the thread for the team; sending is still allowed.
    let urgent = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(
            w.mental_health,
            "Hard week",
            "Some nights I think about Suicide.",
        ),
    )
    .await
    .unwrap();
    assert!(urgent.urgent_language);
    let flagged = count_for(
        db,
        "SELECT COUNT(*) FROM threads WHERE id = $1 AND urgent_language = 1",
        urgent.thread_id,
    )
    .await;
    assert_eq!(flagged, 1);
}

async fn a_retried_send_makes_no_second_message(db: &Db) {
    let w = world(db).await;
    let threads_before = count(db, "SELECT COUNT(*) FROM threads").await;
    let new = message(w.pharmacy, "Refill", "Please refill my prescription.");
    let first = messaging::send_message(db, &w.alex, w.alex_id, &new)
        .await
        .unwrap();
    let again = messaging::send_message(db, &w.alex, w.alex_id, &new)
        .await
        .unwrap();
    assert!(!first.already_sent);
    assert!(again.already_sent);
    assert_eq!(
        (again.thread_id, again.message_id),
        (first.thread_id, first.message_id)
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM threads").await,
        threads_before + 1
    );
    assert_eq!(
        count_for(
            db,
            "SELECT COUNT(*) FROM messages WHERE thread_id = $1",
            first.thread_id
        )
        .await,
        1
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'message_sent'"
        )
        .await,
        1,
        "one message, one audit event"
    );

    let answer = reply("Thanks, also my inhaler.");
    let one = messaging::reply(db, &w.alex, w.alex_id, first.thread_id, &answer)
        .await
        .unwrap();
    let two = messaging::reply(db, &w.alex, w.alex_id, first.thread_id, &answer)
        .await
        .unwrap();
    assert_eq!(one.message_id, two.message_id);
    assert!(two.already_sent);
    assert_eq!(
        count_for(
            db,
            "SELECT COUNT(*) FROM messages WHERE thread_id = $1",
            first.thread_id
        )
        .await,
        2
    );

    // A new key is a new message, even with the same words.
    let fresh = message(w.pharmacy, "Refill", "Please refill my prescription.");
    let other = messaging::send_message(db, &w.alex, w.alex_id, &fresh)
        .await
        .unwrap();
    assert_ne!(other.thread_id, first.thread_id);

    // Someone else's key never answers with another person's message.
    let jordans = messaging::send_message(db, &w.jordan, w.jordan_id, &new)
        .await
        .unwrap();
    assert!(!jordans.already_sent);
    assert_ne!(jordans.thread_id, first.thread_id);
}

async fn concurrent_retries_make_one_message(db: &Db) {
    let w = world(db).await;
    let new = message(w.pharmacy, "Twice", "Sent from two tabs at once.");
    let (one, two) = tokio::join!(
        messaging::send_message(db, &w.alex, w.alex_id, &new),
        messaging::send_message(db, &w.alex, w.alex_id, &new),
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(one.message_id, two.message_id);
    assert_eq!(one.thread_id, two.thread_id);
    assert!(one.already_sent != two.already_sent, "exactly one made it");
    let made = count(
        db,
        "SELECT COUNT(*) FROM messages WHERE body = 'Sent from two tabs at once.'",
    )
    .await;
    assert_eq!(made, 1);
    let threads = count(db, "SELECT COUNT(*) FROM threads WHERE subject = 'Twice'").await;
    assert_eq!(threads, 1, "the loser's thread was rolled back");
}

async fn folder_pages_are_keyset_paged(db: &Db) {
    let w = world(db).await;
    let empty = page(db, &w.jordan, w.jordan_id, Folder::Sent).await;
    assert!(empty.rows.is_empty());
    assert_eq!(empty.next, None);

    for n in 1..=23 {
        messaging::send_message(
            db,
            &w.jordan,
            w.jordan_id,
            &message(w.pharmacy, &format!("Question {n}"), "Body"),
        )
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    let mut sizes = Vec::new();
    loop {
        let page = messaging::list_folder(
            db,
            &w.jordan,
            w.jordan_id,
            Folder::Sent,
            Sort::NewestFirst,
            after,
        )
        .await
        .unwrap();
        sizes.push(page.rows.len());
        seen.extend(subjects(&page));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(sizes, [PAGE_SIZE, PAGE_SIZE, 3]);
    let expected: Vec<String> = (1..=23).rev().map(|n| format!("Question {n}")).collect();
    assert_eq!(seen, expected, "newest first, each thread once");

    let oldest = messaging::list_folder(
        db,
        &w.jordan,
        w.jordan_id,
        Folder::Sent,
        Sort::OldestFirst,
        None,
    )
    .await
    .unwrap();
    let expected: Vec<String> = (1..=10).map(|n| format!("Question {n}")).collect();
    assert_eq!(subjects(&oldest), expected);
    let second = messaging::list_folder(
        db,
        &w.jordan,
        w.jordan_id,
        Folder::Sent,
        Sort::OldestFirst,
        oldest.next,
    )
    .await
    .unwrap();
    assert_eq!(second.rows[0].subject, "Question 11");

    // Exactly a page: no next page is promised.
    let exact = messaging::list_folder(
        db,
        &w.jordan,
        w.jordan_id,
        Folder::Sent,
        Sort::OldestFirst,
        second.next,
    )
    .await
    .unwrap();
    assert_eq!(exact.rows.len(), 3);
    assert_eq!(exact.next, None);
    assert_eq!(
        tally(db, &w.jordan, w.jordan_id, Folder::Sent).await,
        (0, 23)
    );

    // A thread the team answered sorts by its latest message.
    let alex_inbox = page(db, &w.alex, w.alex_id, Folder::Inbox).await;
    let dates: Vec<i64> = alex_inbox.rows.iter().map(|r| r.last_message_at).collect();
    let mut sorted = dates.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert_eq!(alex_inbox.rows[0].subject, "Blood pressure medicine refill");
}

async fn search_finds_words_within_folders_categories_and_dates(db: &Db) {
    let w = world(db).await;
    let mut brace = message(
        w.primary_care,
        "Knee brace fitting",
        "My new brace rubs against the skin behind the knee.",
    );
    brace.category = Some(Category::General);
    let brace = messaging::send_message(db, &w.alex, w.alex_id, &brace)
        .await
        .unwrap();
    let mut swelling = message(
        w.primary_care,
        "Swelling",
        "Should I take ibuprofen for the knee swelling?",
    );
    swelling.category = Some(Category::Medication);
    let swelling = messaging::send_message(db, &w.alex, w.alex_id, &swelling)
        .await
        .unwrap();
    // Jordan's words never show up in Alex's results.
    messaging::send_message(
        db,
        &w.jordan,
        w.jordan_id,
        &message(w.pharmacy, "Knee", "My knee brace is too small."),
    )
    .await
    .unwrap();

    let search = |keywords: &str| SearchQuery {
        keywords: keywords.to_string(),
        ..SearchQuery::default()
    };
    let (alex, alex_id) = (&w.alex, w.alex_id);
    let found = |query: SearchQuery| async move {
        ids(&messaging::search(db, alex, alex_id, &query, None)
            .await
            .unwrap())
    };

    assert_eq!(
        found(search("rubs")).await,
        [brace.thread_id],
        "a body word"
    );
    assert_eq!(
        found(search("BRACES")).await,
        [brace.thread_id],
        "stemmed, any case"
    );
    assert_eq!(found(search("ibuprofen")).await, [swelling.thread_id]);
    assert_eq!(
        found(search("knee")).await,
        [swelling.thread_id, brace.thread_id],
        "newest first"
    );
    let oldest_first = SearchQuery {
        sort: Sort::OldestFirst,
        ..search("knee")
    };
    assert_eq!(
        found(oldest_first).await,
        [brace.thread_id, swelling.thread_id]
    );
    assert!(
        found(search("fitting skin")).await == [brace.thread_id],
        "subject and body together"
    );
    assert!(
        found(search("brace ibuprofen")).await.is_empty(),
        "every word must match"
    );
    assert!(found(search("tuba")).await.is_empty());

    // The team's name is searched too, and may combine with the body.
    let demo_inhaler: i64 = sqlx::query_scalar("SELECT id FROM threads WHERE subject = $1")
        .bind("Question about my new inhaler")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(found(search("pharmacy inhaler")).await, [demo_inhaler]);
    assert!(found(search("blue team")).await.contains(&brace.thread_id));

    // Category filter.
    let medication = SearchQuery {
        category: Some(Category::Medication),
        ..search("knee")
    };
    assert_eq!(found(medication).await, [swelling.thread_id]);

    // Folder filter: Sent has both; Inbox neither; Trash hides from "everywhere".
    let in_folder = |folder| SearchQuery {
        folder: Some(folder),
        ..search("knee")
    };
    assert_eq!(found(in_folder(Folder::Sent)).await.len(), 2);
    assert!(found(in_folder(Folder::Inbox)).await.is_empty());
    messaging::trash_thread(db, &w.alex, w.alex_id, brace.thread_id)
        .await
        .unwrap();
    assert_eq!(found(search("knee")).await, [swelling.thread_id]);
    assert_eq!(found(in_folder(Folder::Trash)).await, [brace.thread_id]);

    // Date range: the demo's 60-day-old thread, by its latest message's date.
    let now = now_ms();
    let around_60_days = SearchQuery {
        dates: DateRange::Custom {
            from_ms: Some(now - 61 * DAY),
            to_ms: Some(now - 59 * DAY),
        },
        ..SearchQuery::default()
    };
    let old = messaging::search(db, &w.alex, w.alex_id, &around_60_days, None)
        .await
        .unwrap();
    assert_eq!(subjects(&old), ["Lab results from my checkup"]);
    let last_3_months = SearchQuery {
        dates: DateRange::Last3Months,
        ..search("cholesterol")
    };
    assert_eq!(found(last_3_months).await.len(), 1);

    // Internal notes are never searched for the Veteran.
    sqlx::query(
        "INSERT INTO messages (thread_id, author_id, sent_by_team, body, sent_at, is_internal_note) \
         SELECT $1, u.id, 1, 'Consider physiotherapy referral', $2, 1 FROM users u \
         WHERE u.email = 'clinician@example.com'",
    )
    .bind(swelling.thread_id)
    .bind(now)
    .execute(&db.pool)
    .await
    .unwrap();
    assert!(found(search("physiotherapy")).await.is_empty());

    // Who sent a message finds it: a team member by name (never through an internal note:
    // Dr. Patel's note above is on the swelling thread), and a caregiver writing for Alex.
    assert!(found(search("Patel"))
        .await
        .iter()
        .all(|id| *id != swelling.thread_id));
    messaging::team_reply(
        db,
        &w.morgan,
        brace.thread_id,
        &reply("Bring it to clinic."),
    )
    .await
    .unwrap();
    assert!(found(search("Patel")).await.contains(&brace.thread_id));
    assert_eq!(
        found(search("patel clinic")).await,
        [brace.thread_id],
        "a name and a word of the same message"
    );
    let sams = messaging::send_message(
        db,
        &w.sam,
        w.alex_id,
        &message(w.primary_care, "Transport", "Alex needs a ride on Tuesday."),
    )
    .await
    .unwrap();
    assert!(found(search("Sam")).await.contains(&sams.thread_id));
    assert_eq!(found(search("sam tuesday")).await, [sams.thread_id]);

    // Drafts are not searched; another person's folder is not found.
    let drafts = SearchQuery {
        folder: Some(Folder::Drafts),
        ..search("knee")
    };
    assert!(messaging::search(db, &w.alex, w.alex_id, &drafts, None)
        .await
        .unwrap_err()
        .field("folder")
        .is_some());
    let jordans_folder = messaging::create_folder(db, &w.jordan, "Knees")
        .await
        .unwrap();
    let foreign = SearchQuery {
        folder: Some(jordans_folder),
        ..search("knee")
    };
    assert_eq!(
        messaging::search(db, &w.alex, w.alex_id, &foreign, None)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
}

async fn folders_are_personal_unique_and_deleted_only_when_empty(db: &Db) {
    let w = world(db).await;
    let heart = messaging::create_folder(db, &w.alex, "  Heart care ")
        .await
        .unwrap();
    let Folder::Custom(heart_id) = heart else {
        panic!("a custom folder")
    };
    let duplicate = messaging::create_folder(db, &w.alex, "HEART   care")
        .await
        .unwrap_err();
    assert_eq!(
        duplicate.field("name").as_deref(),
        Some("You already have a folder with that name. Choose another name.")
    );
    let symbols = messaging::create_folder(db, &w.alex, "Heart <3")
        .await
        .unwrap_err();
    assert_eq!(
        symbols.field("name").as_deref(),
        Some("Folder name can only use letters, numbers and spaces.")
    );
    assert!(messaging::create_folder(db, &w.alex, &"x".repeat(51))
        .await
        .unwrap_err()
        .field("name")
        .is_some());
    // Unique per person: Jordan may use the same name.
    let jordans = messaging::create_folder(db, &w.jordan, "Heart care")
        .await
        .unwrap();

    let navigation = messaging::folders(db, &w.alex, w.alex_id).await.unwrap();
    let names: Vec<_> = navigation.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Inbox", "Sent", "Drafts", "Trash", "Heart care"]);

    let other = messaging::create_folder(db, &w.alex, "Cardiology notes")
        .await
        .unwrap();
    let Folder::Custom(other_id) = other else {
        panic!("a custom folder")
    };
    assert!(
        messaging::rename_folder(db, &w.alex, other_id, "heart CARE")
            .await
            .unwrap_err()
            .field("name")
            .is_some()
    );
    messaging::rename_folder(db, &w.alex, heart_id, "Heart Care")
        .await
        .unwrap();
    messaging::rename_folder(db, &w.alex, heart_id, "Cardiac")
        .await
        .unwrap();
    let names: Vec<_> = messaging::folders(db, &w.alex, w.alex_id)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names[4..], ["Cardiac", "Cardiology notes"]);

    // Move a thread in: it leaves the Inbox for Alex alone.
    let inbox = page(db, &w.alex, w.alex_id, Folder::Inbox).await;
    let thread = inbox.rows[0].thread_id;
    assert!(inbox.rows[0].unread);
    messaging::move_thread(db, &w.alex, w.alex_id, thread, heart)
        .await
        .unwrap();
    assert!(!ids(&page(db, &w.alex, w.alex_id, Folder::Inbox).await).contains(&thread));
    let in_heart = page(db, &w.alex, w.alex_id, heart).await;
    assert_eq!(ids(&in_heart), [thread]);
    assert_eq!(in_heart.rows[0].folder, heart);
    assert_eq!(
        tally(db, &w.alex, w.alex_id, heart).await,
        (1, 1),
        "the unread mark moves too"
    );
    let sams_inbox = page(db, &w.sam, w.alex_id, Folder::Inbox).await;
    assert!(
        ids(&sams_inbox).contains(&thread),
        "the caregiver's view is untouched"
    );

    // Only an empty folder can be deleted.
    let refused = messaging::delete_folder(db, &w.alex, heart_id)
        .await
        .unwrap_err();
    assert!(matches!(refused, AppError::Conflict { .. }));
    messaging::move_thread(db, &w.alex, w.alex_id, thread, Folder::Inbox)
        .await
        .unwrap();
    messaging::delete_folder(db, &w.alex, heart_id)
        .await
        .unwrap();
    assert_eq!(
        messaging::list_folder(db, &w.alex, w.alex_id, heart, Sort::NewestFirst, None)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert!(ids(&page(db, &w.alex, w.alex_id, Folder::Inbox).await).contains(&thread));

    // Another person's folder is not found, whatever the operation.
    let Folder::Custom(jordans_id) = jordans else {
        panic!("a custom folder")
    };
    assert_eq!(
        messaging::move_thread(db, &w.alex, w.alex_id, thread, jordans)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        messaging::rename_folder(db, &w.alex, jordans_id, "Mine")
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        messaging::delete_folder(db, &w.alex, jordans_id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        messaging::list_folder(db, &w.alex, w.alex_id, jordans, Sort::NewestFirst, None)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    // Sent and Drafts are not places to put a thread.
    assert!(
        messaging::move_thread(db, &w.alex, w.alex_id, thread, Folder::Sent)
            .await
            .unwrap_err()
            .field("folder")
            .is_some()
    );
}

async fn drafts_save_update_list_and_delete(db: &Db) {
    let w = world(db).await;
    let first = messaging::save_draft(
        db,
        &w.alex,
        w.alex_id,
        &DraftInput {
            body: "Dear team,".to_string(),
            ..DraftInput::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(first.subject, "");
    assert_eq!(first.care_team_id, None);

    let updated = messaging::save_draft(
        db,
        &w.alex,
        w.alex_id,
        &DraftInput {
            draft_id: Some(first.draft_id),
            care_team_id: Some(w.primary_care),
            category: Some(Category::Education),
            subject: "Diet advice".to_string(),
            body: "Dear team, what should I eat?".to_string(),
            ..DraftInput::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        updated.draft_id, first.draft_id,
        "an autosave updates, not adds"
    );
    assert_eq!(
        updated.care_team.as_deref(),
        Some("Primary Care – Blue Team")
    );
    assert_eq!(updated.category, Some(Category::Education));
    let listed = messaging::list_drafts(db, &w.alex, w.alex_id, Sort::NewestFirst, None)
        .await
        .unwrap();
    assert_eq!(listed.rows.len(), 1);
    assert_eq!(listed.rows[0], updated);
    assert_eq!(tally(db, &w.alex, w.alex_id, Folder::Drafts).await, (0, 1));
    assert_eq!(
        messaging::get_draft(db, &w.alex, w.alex_id, first.draft_id)
            .await
            .unwrap(),
        updated
    );

    // Too long is refused, with the field named; a team that isn't Jordan's too.
    let too_long = messaging::save_draft(
        db,
        &w.alex,
        w.alex_id,
        &DraftInput {
            draft_id: Some(first.draft_id),
            subject: "s".repeat(51),
            ..DraftInput::default()
        },
    )
    .await
    .unwrap_err();
    assert!(too_long.field("subject").is_some());
    let foreign_team = messaging::save_draft(
        db,
        &w.jordan,
        w.jordan_id,
        &DraftInput {
            care_team_id: Some(w.primary_care),
            ..DraftInput::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        foreign_team.field("care_team").as_deref(),
        Some(TEAM_NOT_YOURS)
    );

    // A reply draft: one per author and thread, shown with the thread, gone once sent.
    let thread = page(db, &w.alex, w.alex_id, Folder::Inbox).await.rows[0].thread_id;
    let reply_draft = |body: &str| DraftInput {
        thread_id: Some(thread),
        body: body.to_string(),
        ..DraftInput::default()
    };
    let one = messaging::save_draft(db, &w.alex, w.alex_id, &reply_draft("Thank"))
        .await
        .unwrap();
    let two = messaging::save_draft(db, &w.alex, w.alex_id, &reply_draft("Thank you!"))
        .await
        .unwrap();
    assert_eq!(one.draft_id, two.draft_id);
    assert_eq!(two.thread_id, Some(thread));
    assert_eq!(two.subject, "Blood pressure medicine refill");
    let view = messaging::open_thread(db, &w.alex, w.alex_id, thread)
        .await
        .unwrap();
    assert_eq!(
        view.reply_draft.map(|d| d.body).as_deref(),
        Some("Thank you!")
    );
    // Sam's reply draft on the same thread is Sam's own.
    let sams = messaging::save_draft(db, &w.sam, w.alex_id, &reply_draft("From Sam"))
        .await
        .unwrap();
    assert_ne!(sams.draft_id, one.draft_id);
    assert_eq!(
        messaging::list_drafts(db, &w.alex, w.alex_id, Sort::NewestFirst, None)
            .await
            .unwrap()
            .rows
            .len(),
        2
    );
    messaging::reply(db, &w.alex, w.alex_id, thread, &reply("Thank you!"))
        .await
        .unwrap();
    assert_eq!(
        messaging::get_draft(db, &w.alex, w.alex_id, one.draft_id)
            .await
            .unwrap_err(),
        AppError::NotFound,
        "sending the reply removes its draft"
    );
    assert!(messaging::get_draft(db, &w.sam, w.alex_id, sams.draft_id)
        .await
        .is_ok());

    // Sending a new message from its draft removes the draft.
    let mut from_draft = message(w.primary_care, "Diet advice", "What should I eat?");
    from_draft.draft_id = Some(first.draft_id);
    messaging::send_message(db, &w.alex, w.alex_id, &from_draft)
        .await
        .unwrap();
    assert!(
        messaging::list_drafts(db, &w.alex, w.alex_id, Sort::NewestFirst, None)
            .await
            .unwrap()
            .rows
            .is_empty()
    );

    // Deleting is for good, audited, and only for the author.
    let doomed = messaging::save_draft(
        db,
        &w.alex,
        w.alex_id,
        &DraftInput {
            body: "Never mind".to_string(),
            ..DraftInput::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        messaging::delete_draft(db, &w.sam, w.alex_id, doomed.draft_id)
            .await
            .unwrap_err(),
        AppError::NotFound,
        "a caregiver cannot delete the Veteran's draft"
    );
    assert_eq!(
        messaging::get_draft(db, &w.jordan, w.jordan_id, doomed.draft_id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    messaging::delete_draft(db, &w.alex, w.alex_id, doomed.draft_id)
        .await
        .unwrap();
    assert_eq!(
        messaging::delete_draft(db, &w.alex, w.alex_id, doomed.draft_id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        count_for(
            db,
            "SELECT COUNT(*) FROM drafts WHERE id = $1",
            doomed.draft_id
        )
        .await,
        0
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'draft_deleted'"
        )
        .await,
        1
    );
}

async fn read_status_follows_the_team_and_the_reader(db: &Db) {
    let w = world(db).await;
    let first = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(
            w.primary_care,
            "Sleep",
            "I can't sleep since the new pills.",
        ),
    )
    .await
    .unwrap();
    let second = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(w.primary_care, "Shoes", "Do you have diabetic shoes?"),
    )
    .await
    .unwrap();
    let (alex, alex_id) = (&w.alex, w.alex_id);
    let opened = |thread| async move {
        messaging::open_thread(db, alex, alex_id, thread)
            .await
            .unwrap()
            .messages
            .iter()
            .map(|m| m.opened_status())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        opened(first.thread_id).await,
        [Some("Not yet opened by your care team")]
    );

    // A clinician opening the thread marks the Veteran's message opened.
    let seen = app::team::ssr::open_thread(db, &w.morgan, first.thread_id, None)
        .await
        .unwrap();
    assert_eq!(seen.veteran_name, "Alex Rivera");
    assert_eq!(
        opened(first.thread_id).await,
        [Some("Opened by your care team")]
    );
    assert_eq!(
        opened(second.thread_id).await,
        [Some("Not yet opened by your care team")]
    );

    // A team reply: unread in Alex's Inbox (moved from Sent), counted, then read.
    let (inbox_unread, _) = tally(db, &w.alex, w.alex_id, Folder::Inbox).await;
    messaging::set_signature(
        db,
        &w.casey,
        &Signature {
            name: "Casey Nguyen, RN".to_string(),
            title: "Primary Care".to_string(),
        },
    )
    .await
    .unwrap();
    let answer = messaging::team_reply(
        db,
        &w.casey,
        second.thread_id,
        &reply("Yes, we'll order a pair."),
    )
    .await
    .unwrap();
    assert!(!answer.already_sent);
    let inbox = page(db, &w.alex, w.alex_id, Folder::Inbox).await;
    assert_eq!(inbox.rows[0].thread_id, second.thread_id);
    assert!(inbox.rows[0].unread);
    assert!(!ids(&page(db, &w.alex, w.alex_id, Folder::Sent).await).contains(&second.thread_id));
    assert_eq!(
        tally(db, &w.alex, w.alex_id, Folder::Inbox).await.0,
        inbox_unread + 1
    );
    let thread = messaging::open_thread(db, &w.alex, w.alex_id, second.thread_id)
        .await
        .unwrap();
    assert_eq!(thread.messages.len(), 2);
    let team_message = &thread.messages[1];
    assert!(team_message.from_team);
    assert_eq!(team_message.sender_name, "Casey Nguyen");
    assert_eq!(team_message.opened_by_team, None);
    assert_eq!(
        team_message.signature.as_deref(),
        Some("Casey Nguyen, RN\nPrimary Care")
    );
    assert_eq!(
        thread.messages[0].opened_status(),
        Some("Opened by your care team"),
        "replying means the team read it"
    );
    assert!(!page(db, &w.alex, w.alex_id, Folder::Inbox).await.rows[0].unread);
    assert_eq!(
        tally(db, &w.alex, w.alex_id, Folder::Inbox).await.0,
        inbox_unread
    );
    let waiting = count_for(
        db,
        "SELECT COUNT(*) FROM threads WHERE id = $1 AND waiting_since IS NULL",
        second.thread_id,
    )
    .await;
    assert_eq!(waiting, 1, "nothing waits on the team after its reply");
    // Sam still has it unread: read marks are per person.
    let sams = page(db, &w.sam, w.alex_id, Folder::Inbox).await;
    let sams_row = sams
        .rows
        .iter()
        .find(|r| r.thread_id == second.thread_id)
        .unwrap();
    assert!(sams_row.unread);

    // Every open is audited with the patient, Veteran's side and team alike.
    let reads = count_for(
        db,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'thread_read' AND patient_id = $1",
        w.alex_id,
    )
    .await;
    assert_eq!(reads, 5);

    // A clinician reaches only the threads of their own teams.
    let jordans = messaging::send_message(
        db,
        &w.jordan,
        w.jordan_id,
        &message(w.pharmacy, "Pills", "Which pharmacy hours?"),
    )
    .await
    .unwrap();
    assert_eq!(
        app::team::ssr::open_thread(db, &w.morgan, jordans.thread_id, None)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        messaging::team_reply(db, &w.morgan, jordans.thread_id, &reply("Hi"))
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(opened(first.thread_id).await.len(), 1);
}

async fn trash_and_restore(db: &Db) {
    let w = world(db).await;
    let sent = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(w.primary_care, "Old question", "Never mind this one."),
    )
    .await
    .unwrap();
    messaging::trash_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    assert!(!ids(&page(db, &w.alex, w.alex_id, Folder::Sent).await).contains(&sent.thread_id));
    assert_eq!(
        ids(&page(db, &w.alex, w.alex_id, Folder::Trash).await),
        [sent.thread_id]
    );
    // Nothing is erased; it can still be opened.
    let view = messaging::open_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    assert_eq!(view.folder, Some(Folder::Trash));
    assert_eq!(view.messages.len(), 1);

    let back = messaging::restore_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    assert_eq!(back, Folder::Sent, "never answered: back to Sent");
    assert!(page(db, &w.alex, w.alex_id, Folder::Trash)
        .await
        .rows
        .is_empty());
    assert_eq!(
        messaging::restore_thread(db, &w.alex, w.alex_id, sent.thread_id)
            .await
            .unwrap(),
        Folder::Sent,
        "restoring what is not in Trash changes nothing"
    );

    // A team reply brings a trashed thread back to the Inbox, unread.
    messaging::trash_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    messaging::team_reply(db, &w.morgan, sent.thread_id, &reply("Glad it's sorted."))
        .await
        .unwrap();
    let inbox = page(db, &w.alex, w.alex_id, Folder::Inbox).await;
    assert_eq!(inbox.rows[0].thread_id, sent.thread_id);
    assert!(inbox.rows[0].unread);

    // Once answered, a restored thread goes to the Inbox.
    messaging::trash_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    assert_eq!(
        messaging::restore_thread(db, &w.alex, w.alex_id, sent.thread_id)
            .await
            .unwrap(),
        Folder::Inbox
    );
    let moves = count(
        db,
        "SELECT COUNT(*) FROM audit_events WHERE action IN ('thread_trashed', 'thread_restored')",
    )
    .await;
    assert_eq!(moves, 5);
}

async fn the_reply_window_closes_after_45_days(db: &Db) {
    let w = world(db).await;
    let sent = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(w.primary_care, "Follow up", "Checking in."),
    )
    .await
    .unwrap();
    let now = now_ms();
    set_last_message_at(db, sent.thread_id, now - 46 * DAY).await;
    let refused = messaging::reply(db, &w.alex, w.alex_id, sent.thread_id, &reply("Hello?"))
        .await
        .unwrap_err();
    assert_eq!(refused.field("body").as_deref(), Some(REPLY_WINDOW_CLOSED));
    let view = messaging::open_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    assert!(!view.can_reply);
    assert_eq!(
        view.reply_closed_reason.as_deref(),
        Some(REPLY_WINDOW_CLOSED)
    );
    assert_eq!(
        view.care_team_id, w.primary_care,
        "to start a new message to the same team"
    );
    assert_eq!(
        count_for(
            db,
            "SELECT COUNT(*) FROM messages WHERE thread_id = $1",
            sent.thread_id
        )
        .await,
        1
    );

    // Just inside 45 days it is still open.
    set_last_message_at(db, sent.thread_id, now - 45 * DAY + 60_000).await;
    messaging::reply(db, &w.alex, w.alex_id, sent.thread_id, &reply("Hello?"))
        .await
        .unwrap();

    // The demo's 60-day-old thread offers no reply.
    let old: i64 = sqlx::query_scalar("SELECT id FROM threads WHERE subject = $1")
        .bind("Lab results from my checkup")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let old_view = messaging::open_thread(db, &w.alex, w.alex_id, old)
        .await
        .unwrap();
    assert!(!old_view.can_reply);
    assert_eq!(old_view.messages.len(), 2);
    // The team is not bound by the Veteran's window.
    messaging::team_reply(db, &w.casey, old, &reply("Your next labs are due."))
        .await
        .unwrap();
}

async fn teams_that_cannot_be_written_to_are_refused_with_a_reason(db: &Db) {
    let w = world(db).await;
    let threads_before = count(db, "SELECT COUNT(*) FROM threads").await;
    let refused = |who: &'static str, error: AppError| {
        assert_eq!(error.status(), 422, "{who}");
        error.field("care_team")
    };
    let cardiology = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(w.cardiology, "Heart", "Question"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused("cardiology", cardiology).as_deref(),
        Some(TEAM_NOT_ACCEPTING)
    );

    sqlx::query("UPDATE veteran_teams SET blocked = 1 WHERE veteran_id = $1 AND team_id = $2")
        .bind(w.alex_id)
        .bind(w.mental_health)
        .execute(&db.pool)
        .await
        .unwrap();
    let blocked = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(w.mental_health, "Hi", "Question"),
    )
    .await
    .unwrap_err();
    assert_eq!(refused("blocked", blocked).as_deref(), Some(TEAM_BLOCKED));

    let not_jordans = messaging::send_message(
        db,
        &w.jordan,
        w.jordan_id,
        &message(w.primary_care, "Hi", "Question"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused("not associated", not_jordans).as_deref(),
        Some(TEAM_NOT_YOURS)
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM threads").await,
        threads_before
    );

    // The "To" list explains rather than hides, with the facility's phone number.
    let not_accepting = with_phone(TEAM_NOT_ACCEPTING, demo::FACILITY_PHONE);
    let blocked_why = with_phone(TEAM_BLOCKED, demo::FACILITY_PHONE);
    assert!(blocked_why.contains("Call your facility at 800-555-0100"));
    let options = messaging::care_teams(db, &w.alex, w.alex_id).await.unwrap();
    let why: Vec<_> = options
        .iter()
        .map(|t| (t.name.as_str(), t.can_write, t.why_not.as_deref()))
        .collect();
    assert_eq!(
        why,
        [
            ("Cardiology", false, Some(not_accepting.as_str())),
            ("Mental Health", false, Some(blocked_why.as_str())),
            ("Pharmacy", true, None),
            ("Primary Care – Blue Team", true, None),
        ]
    );

    // Every bad field at once, named the USWDS way.
    let bad = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &NewMessage {
            care_team_id: None,
            category: None,
            subject: "s".repeat(51),
            body: "   ".to_string(),
            client_key: "k1".to_string(),
            draft_id: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        bad.field("care_team").as_deref(),
        Some("Choose a care team.")
    );
    assert_eq!(bad.field("category").as_deref(), Some("Choose a category."));
    assert_eq!(
        bad.field("subject").as_deref(),
        Some("Subject must be 50 characters or fewer.")
    );
    assert_eq!(bad.field("body").as_deref(), Some("Enter a message."));
    let long = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(w.pharmacy, "Long", &"x".repeat(10_001)),
    )
    .await
    .unwrap_err();
    assert_eq!(
        long.field("body").as_deref(),
        Some("Message must be 10,000 characters or fewer.")
    );

    // Old threads with a team that stopped accepting stay readable, without a reply box.
    let pharmacy_thread = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(w.pharmacy, "Hours", "When are you open?"),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE care_teams SET accepting_messages = 0 WHERE id = $1")
        .bind(w.pharmacy)
        .execute(&db.pool)
        .await
        .unwrap();
    let view = messaging::open_thread(db, &w.alex, w.alex_id, pharmacy_thread.thread_id)
        .await
        .unwrap();
    assert!(!view.can_reply);
    assert_eq!(
        view.reply_closed_reason,
        Some(with_phone(TEAM_NOT_ACCEPTING, demo::FACILITY_PHONE))
    );
    let late = messaging::reply(
        db,
        &w.alex,
        w.alex_id,
        pharmacy_thread.thread_id,
        &reply("Hello?"),
    )
    .await
    .unwrap_err();
    assert_eq!(late.field("body").as_deref(), Some(TEAM_NOT_ACCEPTING));
}

async fn caregivers_write_on_behalf_and_lose_access_at_once(db: &Db) {
    let w = world(db).await;
    let sam_id = w.sam.user().id;
    // Sam sees Alex's threads in his own views (the demo has four).
    assert_eq!(tally(db, &w.sam, w.alex_id, Folder::Inbox).await.1, 3);
    let sent = messaging::send_message(
        db,
        &w.sam,
        w.alex_id,
        &message(
            w.primary_care,
            "Ride to the clinic",
            "Alex needs a ride on Monday.",
        ),
    )
    .await
    .unwrap();
    let alex_view = messaging::open_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    assert_eq!(
        alex_view.messages[0].sent_by_line(),
        "Sent by Sam Rivera on behalf of Alex Rivera"
    );
    let team_view = app::team::ssr::open_thread(db, &w.morgan, sent.thread_id, None)
        .await
        .unwrap();
    assert_eq!(
        team_view.messages[0].sent_by_line(),
        "Sent by Sam Rivera on behalf of Alex Rivera",
        "everyone sees who wrote it"
    );
    let recorded = count_for(
        db,
        "SELECT COUNT(*) FROM messages m JOIN users u ON u.id = m.on_behalf_of_id \
         WHERE m.thread_id = $1 AND u.email = 'veteran@example.com'",
        sent.thread_id,
    )
    .await;
    assert_eq!(recorded, 1);
    let audited = count_for(
        db,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'message_sent' AND actor_id = $1 \
         AND on_behalf_of_id = patient_id",
        sam_id,
    )
    .await;
    assert_eq!(audited, 1);

    // Sam's folders are his: trashing moves it for Sam only.
    messaging::trash_thread(db, &w.sam, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    assert!(ids(&page(db, &w.alex, w.alex_id, Folder::Sent).await).contains(&sent.thread_id));
    assert_eq!(
        ids(&page(db, &w.sam, w.alex_id, Folder::Trash).await),
        [sent.thread_id]
    );

    // Sam cannot act for Jordan.
    assert_eq!(
        messaging::folders(db, &w.sam, w.jordan_id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );

    // Revoked: the very next call gets nothing.
    sqlx::query("UPDATE caregiver_grants SET revoked_at = $1 WHERE caregiver_id = $2")
        .bind(now_ms())
        .bind(sam_id)
        .execute(&db.pool)
        .await
        .unwrap();
    let thread = sent.thread_id;
    let errors = vec![
        messaging::folders(db, &w.sam, w.alex_id).await.map(|_| ()),
        messaging::list_folder(
            db,
            &w.sam,
            w.alex_id,
            Folder::Inbox,
            Sort::NewestFirst,
            None,
        )
        .await
        .map(|_| ()),
        messaging::open_thread(db, &w.sam, w.alex_id, thread)
            .await
            .map(|_| ()),
        messaging::send_message(db, &w.sam, w.alex_id, &message(w.pharmacy, "Hi", "Hi"))
            .await
            .map(|_| ()),
        messaging::reply(db, &w.sam, w.alex_id, thread, &reply("Hi"))
            .await
            .map(|_| ()),
        messaging::search(db, &w.sam, w.alex_id, &SearchQuery::default(), None)
            .await
            .map(|_| ()),
        messaging::save_draft(db, &w.sam, w.alex_id, &DraftInput::default())
            .await
            .map(|_| ()),
        messaging::list_drafts(db, &w.sam, w.alex_id, Sort::NewestFirst, None)
            .await
            .map(|_| ()),
        messaging::restore_thread(db, &w.sam, w.alex_id, thread)
            .await
            .map(|_| ()),
        messaging::care_teams(db, &w.sam, w.alex_id)
            .await
            .map(|_| ()),
    ];
    for (n, result) in errors.into_iter().enumerate() {
        assert_eq!(result, Err(AppError::NotFound), "call {n}");
    }
    assert_eq!(
        count_for(
            db,
            "SELECT COUNT(*) FROM messages WHERE author_id = $1",
            sam_id
        )
        .await,
        2,
        "the demo's message and the one before revocation, nothing after"
    );
}

async fn one_person_never_reaches_anothers_threads(db: &Db) {
    let w = world(db).await;
    let alexs = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(w.primary_care, "Private", "Something personal."),
    )
    .await
    .unwrap();
    let thread = alexs.thread_id;
    let before = messaging::folders(db, &w.alex, w.alex_id).await.unwrap();

    // Jordan, as himself, reaching for Alex's thread by id.
    let attempts = vec![
        messaging::open_thread(db, &w.jordan, w.jordan_id, thread)
            .await
            .map(|_| ()),
        messaging::move_thread(db, &w.jordan, w.jordan_id, thread, Folder::Inbox).await,
        messaging::trash_thread(db, &w.jordan, w.jordan_id, thread).await,
        messaging::restore_thread(db, &w.jordan, w.jordan_id, thread)
            .await
            .map(|_| ()),
        messaging::reply(db, &w.jordan, w.jordan_id, thread, &reply("Hi"))
            .await
            .map(|_| ()),
        messaging::save_draft(
            db,
            &w.jordan,
            w.jordan_id,
            &DraftInput {
                thread_id: Some(thread),
                body: "Hi".to_string(),
                ..DraftInput::default()
            },
        )
        .await
        .map(|_| ()),
        // ...or claiming to act for Alex.
        messaging::open_thread(db, &w.jordan, w.alex_id, thread)
            .await
            .map(|_| ()),
        messaging::folders(db, &w.jordan, w.alex_id)
            .await
            .map(|_| ()),
        messaging::list_folder(
            db,
            &w.jordan,
            w.alex_id,
            Folder::Sent,
            Sort::NewestFirst,
            None,
        )
        .await
        .map(|_| ()),
        messaging::search(db, &w.jordan, w.alex_id, &SearchQuery::default(), None)
            .await
            .map(|_| ()),
        messaging::move_thread(db, &w.jordan, w.alex_id, thread, Folder::Trash).await,
    ];
    for (n, result) in attempts.into_iter().enumerate() {
        assert_eq!(result, Err(AppError::NotFound), "attempt {n}");
    }

    // Jordan's own counts and lists know nothing of Alex's threads.
    for summary in messaging::folders(db, &w.jordan, w.jordan_id)
        .await
        .unwrap()
    {
        assert_eq!((summary.unread, summary.total), (0, 0), "{}", summary.name);
    }
    let everything = messaging::search(db, &w.jordan, w.jordan_id, &SearchQuery::default(), None)
        .await
        .unwrap();
    assert!(everything.rows.is_empty());
    let personal = SearchQuery {
        keywords: "personal".to_string(),
        ..SearchQuery::default()
    };
    assert!(
        messaging::search(db, &w.jordan, w.jordan_id, &personal, None)
            .await
            .unwrap()
            .rows
            .is_empty()
    );
    assert_eq!(
        messaging::search(db, &w.alex, w.alex_id, &personal, None)
            .await
            .unwrap()
            .rows
            .len(),
        1
    );

    // Nothing of Alex's changed, and no read of it was recorded for Jordan: Jordan's tries
    // are on the record as refused, and name no patient.
    assert_eq!(
        messaging::folders(db, &w.alex, w.alex_id).await.unwrap(),
        before
    );
    assert!(ids(&page(db, &w.alex, w.alex_id, Folder::Sent).await).contains(&thread));
    assert_eq!(
        count_for(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE actor_id = $1 \
             AND action NOT IN ('message_sent', 'messages_searched') AND outcome <> 'denied'",
            w.jordan_id
        )
        .await,
        0
    );
    assert!(
        count_for(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE actor_id = $1 \
             AND action = 'thread_read' AND outcome = 'denied' AND patient_id IS NULL",
            w.jordan_id
        )
        .await
            >= 1
    );
    assert_eq!(
        count_for(
            db,
            "SELECT COUNT(*) FROM drafts WHERE thread_id = $1",
            thread
        )
        .await,
        0
    );
}

async fn signatures_are_kept_and_added_to_messages(db: &Db) {
    let w = world(db).await;
    assert_eq!(
        messaging::signature(db, &w.alex).await.unwrap(),
        Signature::default()
    );
    let signature = Signature {
        name: " Alex Rivera ".to_string(),
        title: "U.S. Army, retired".to_string(),
    };
    messaging::set_signature(db, &w.alex, &signature)
        .await
        .unwrap();
    assert_eq!(
        messaging::signature(db, &w.alex).await.unwrap().name,
        "Alex Rivera"
    );
    let sent = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(w.pharmacy, "Signed", "Hello."),
    )
    .await
    .unwrap();
    let view = messaging::open_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    assert_eq!(
        view.messages[0].signature.as_deref(),
        Some("Alex Rivera\nU.S. Army, retired")
    );
    assert_eq!(view.messages[0].body, "Hello.", "the body stays as typed");

    let bad = messaging::set_signature(
        db,
        &w.alex,
        &Signature {
            name: "n".repeat(101),
            title: String::new(),
        },
    )
    .await
    .unwrap_err();
    assert!(bad.field("signature_name").is_some());
    // Clearing it stops adding it; Sam's signature is his own.
    messaging::set_signature(db, &w.alex, &Signature::default())
        .await
        .unwrap();
    assert_eq!(
        messaging::signature(db, &w.sam).await.unwrap(),
        Signature::default()
    );
    let unsigned = messaging::reply(db, &w.alex, w.alex_id, sent.thread_id, &reply("P.S."))
        .await
        .unwrap();
    let view = messaging::open_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    let last = view.messages.last().unwrap();
    assert_eq!(last.message_id, unsigned.message_id);
    assert_eq!(last.signature, None);
}

async fn the_demo_seeds_threads_for_alex(db: &Db) {
    let w = world(db).await;
    let inbox = page(db, &w.alex, w.alex_id, Folder::Inbox).await;
    assert_eq!(
        subjects(&inbox),
        [
            "Blood pressure medicine refill",
            "Rescheduling my visit",
            "Lab results from my checkup"
        ]
    );
    let unread: Vec<bool> = inbox.rows.iter().map(|r| r.unread).collect();
    assert_eq!(unread, [true, false, false]);
    let sent = page(db, &w.alex, w.alex_id, Folder::Sent).await;
    assert_eq!(subjects(&sent), ["Question about my new inhaler"]);
    assert!(
        sent.rows[0].unread,
        "Sam wrote it; Alex has not read it yet"
    );
    let oldest = inbox.rows.last().unwrap();
    assert!(now_ms() - oldest.last_message_at >= 60 * DAY - 60_000);
    let refill = messaging::open_thread(db, &w.alex, w.alex_id, inbox.rows[0].thread_id)
        .await
        .unwrap();
    assert!(refill.messages[1].from_team);
    assert_eq!(refill.messages[1].sender_name, "Dr. Morgan Patel");
    // Jordan has none.
    assert!(page(db, &w.jordan, w.jordan_id, Folder::Inbox)
        .await
        .rows
        .is_empty());
}

/// "Download my messages": every conversation Alex sees, in any folder, as one HTML file
/// with the words escaped, never an internal note or another Veteran's conversation;
/// audited once; a caregiver is refused.
async fn a_veteran_downloads_every_conversation_as_one_file(db: &Db) {
    use app::messages::download::ssr::download;
    let w = world(db).await;
    let sent = messaging::send_message(
        db,
        &w.alex,
        w.alex_id,
        &message(
            w.primary_care,
            "Rash <after> the new cream",
            "It itches & <b>burns</b>.",
        ),
    )
    .await
    .unwrap();
    messaging::trash_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    let jordans = messaging::send_message(
        db,
        &w.jordan,
        w.jordan_id,
        &message(w.pharmacy, "Jordan's own question", "Private to Jordan."),
    )
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO messages (thread_id, author_id, sent_by_team, body, sent_at, is_internal_note) \
         SELECT $1, u.id, 1, 'Consider a dermatology consult', $2, 1 FROM users u \
         WHERE u.email = 'clinician@example.com'",
    )
    .bind(sent.thread_id)
    .bind(now_ms())
    .execute(&db.pool)
    .await
    .unwrap();
    assert!(jordans.thread_id != sent.thread_id);

    let file = download(db, &w.alex).await.unwrap();
    let seen = count_for(
        db,
        "SELECT COUNT(*) FROM thread_views WHERE user_id = $1 AND veteran_id = $1",
        w.alex_id,
    )
    .await as usize;
    assert!(seen >= 3, "the demo's conversations and the new one");
    assert_eq!(file.conversations, seen, "every folder, Trash too");
    assert!(file.name.starts_with("my-va-messages-") && file.name.ends_with(".html"));
    assert!(file.html.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    assert!(file.html.contains("Rash &lt;after&gt; the new cream"));
    assert!(file
        .html
        .contains("It itches &amp; &lt;b&gt;burns&lt;/b&gt;."));
    assert!(file.html.contains("In Trash"));
    assert!(!file.html.contains("<b>burns"));
    assert!(!file.html.contains("<script") && !file.html.contains("href="));
    assert!(!file.html.contains("dermatology"), "an internal note");
    assert!(
        !file.html.contains("Jordan"),
        "another Veteran's conversation"
    );
    assert_eq!(
        count_for(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'messages_downloaded' \
             AND patient_id = $1",
            w.alex_id
        )
        .await,
        1
    );

    assert!(matches!(
        download(db, &w.sam).await,
        Err(AppError::Forbidden)
    ));
}

on_both_databases!(
    sending_makes_a_thread_in_sent_and_audits_it,
    a_retried_send_makes_no_second_message,
    concurrent_retries_make_one_message,
    folder_pages_are_keyset_paged,
    search_finds_words_within_folders_categories_and_dates,
    folders_are_personal_unique_and_deleted_only_when_empty,
    drafts_save_update_list_and_delete,
    read_status_follows_the_team_and_the_reader,
    trash_and_restore,
    the_reply_window_closes_after_45_days,
    teams_that_cannot_be_written_to_are_refused_with_a_reason,
    caregivers_write_on_behalf_and_lose_access_at_once,
    one_person_never_reaches_anothers_threads,
    signatures_are_kept_and_added_to_messages,
    the_demo_seeds_threads_for_alex,
    a_veteran_downloads_every_conversation_as_one_file,
);
