//! Care teams write first: Veterans' dates of birth (set by the administrator on the user
//! page or by CSV import, checked the same way), the search a clinician uses to find a
//! Veteran of their teams, and the conversation the team starts, as the Veteran and their
//! caregiver then find it. Every scenario runs on SQLite and on PostgreSQL.

use crate::common::{admin, count_for, reply, team_id, user};
use app::admin::ssr::{self as administration, Origin};
use app::admin::types::ImportVerdict;
use app::error::AppError;
use app::messages::ssr as messaging;
use app::messages::{Category, Folder, NewMessage, Sort};
use app::server::access::{trusted, MessagingCapability, TeamCapability};
use app::server::db::Db;
use app::server::demo;
use app::team::ssr as team;

const FROM: &str = "203.0.113.7";

fn from() -> Origin {
    Origin(Some(FROM.to_string()))
}

struct World {
    alex: MessagingCapability,
    alex_id: i64,
    sam: MessagingCapability,
    jordan_id: i64,
    morgan: TeamCapability,
    morgan_id: i64,
    primary_care: i64,
    pharmacy: i64,
}

async fn world(db: &Db) -> World {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = user(db, "veteran@example.com").await;
    let morgan = user(db, "clinician@example.com").await;
    World {
        alex_id: alex.id,
        alex: trusted::messaging(alex).unwrap(),
        sam: trusted::messaging(user(db, "caregiver@example.com").await).unwrap(),
        jordan_id: user(db, "veteran2@example.com").await.id,
        morgan_id: morgan.id,
        morgan: trusted::team(morgan).unwrap(),
        primary_care: team_id(db, "Primary Care – Blue Team").await,
        pharmacy: team_id(db, "Pharmacy").await,
    }
}

/// A Veteran named `name`, born `born`, associated with `team` (blocked or not).
async fn veteran(db: &Db, email: &str, name: &str, born: &str, team: i64, blocked: bool) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, date_of_birth, created_at, updated_at) \
         VALUES ($1, $2, 'veteran', $3, 0, 0) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(born)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO veteran_teams (veteran_id, team_id, blocked, created_at) VALUES ($1, $2, $3, 0)",
    )
    .bind(id)
    .bind(team)
    .bind(i64::from(blocked))
    .execute(&db.pool)
    .await
    .unwrap();
    id
}

fn message(team: i64, subject: &str, body: &str) -> NewMessage {
    NewMessage {
        care_team_id: Some(team),
        category: Some(Category::Medication),
        subject: subject.to_string(),
        body: body.to_string(),
        client_key: uuid::Uuid::new_v4().to_string(),
        draft_id: None,
    }
}

async fn stored_date_of_birth(db: &Db, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT date_of_birth FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn date_of_birth_is_checked_and_stored(db: &Db) {
    let w = world(db).await;
    let riley = admin();
    // The demo Veterans have theirs.
    assert_eq!(
        stored_date_of_birth(db, w.alex_id).await.as_deref(),
        Some("1961-03-04")
    );
    for (typed, says) in [
        ("1961-02-30", "not a real date"),
        ("03/04/1961", "like 1961-03-04"),
        ("2999-01-01", "can't be in the future"),
        ("1899-12-31", "can't be before 1900"),
    ] {
        let refused =
            administration::set_date_of_birth(db, &riley, &from(), w.jordan_id, typed).await;
        let Err(error) = refused else {
            panic!("{typed} was accepted");
        };
        let message = error.field("date_of_birth").unwrap_or_default();
        assert!(message.contains(says), "{typed}: {message}");
    }
    assert_eq!(
        stored_date_of_birth(db, w.jordan_id).await.as_deref(),
        Some("1975-09-18"),
        "a refused date changes nothing"
    );
    administration::set_date_of_birth(db, &riley, &from(), w.jordan_id, " 1980-07-01 ")
        .await
        .unwrap();
    assert_eq!(
        stored_date_of_birth(db, w.jordan_id).await.as_deref(),
        Some("1980-07-01")
    );
    let (actor, patient, detail): (i64, i64, String) = sqlx::query_as(
        "SELECT actor_id, patient_id, detail FROM audit_events \
         WHERE action = 'user_date_of_birth_changed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((actor, patient), (1, w.jordan_id));
    assert!(detail.contains("1975-09-18") && detail.contains("1980-07-01"));
    // An empty field takes it off the record.
    administration::set_date_of_birth(db, &riley, &from(), w.jordan_id, "")
        .await
        .unwrap();
    assert_eq!(stored_date_of_birth(db, w.jordan_id).await, None);
    // Only Veterans have one.
    let refused =
        administration::set_date_of_birth(db, &riley, &from(), w.morgan_id, "1970-01-01").await;
    assert!(refused.unwrap_err().field("date_of_birth").is_some());
    assert_eq!(stored_date_of_birth(db, w.morgan_id).await, None);
    // The user page shows it.
    let detail = administration::user_detail(db, &riley, w.alex_id)
        .await
        .unwrap();
    assert_eq!(detail.user.date_of_birth.as_deref(), Some("1961-03-04"));
}

async fn csv_import_sets_dates_of_birth(db: &Db) {
    let w = world(db).await;
    let riley = admin();
    let bad = "veteran_email,team_name,facility_station,date_of_birth\n\
               veteran2@example.com,Mental Health,999,1975-02-29\n\
               veteran@example.com,Pharmacy,999,1961-03-04\n";
    let preview = administration::preview_import(db, &riley, bad)
        .await
        .unwrap();
    let ImportVerdict::Rejected(why) = &preview.lines[0].verdict else {
        panic!("an impossible date was accepted: {:?}", preview.lines[0]);
    };
    assert_eq!(preview.lines[0].line, 2, "the preview names the line");
    assert!(
        why.starts_with("Date of birth:") && why.contains("not a real date"),
        "{why}"
    );
    // Alex is associated with Pharmacy already and the date is already on the record.
    assert_eq!(preview.lines[1].sets_date_of_birth, None);
    assert!(
        administration::import_associations(db, &riley, &from(), bad)
            .await
            .is_err()
    );
    assert_eq!(
        stored_date_of_birth(db, w.jordan_id).await.as_deref(),
        Some("1975-09-18")
    );

    let good = "veteran_email,team_name,facility_station,date_of_birth\n\
                veteran2@example.com,Mental Health,999,1975-09-19\n\
                veteran2@example.com,Pharmacy,999,1975-09-19\n\
                veteran@example.com,Pharmacy,999,\n";
    let preview = administration::preview_import(db, &riley, good)
        .await
        .unwrap();
    assert_eq!(
        preview.lines[0].sets_date_of_birth.as_deref(),
        Some("1975-09-19")
    );
    assert!(preview.rejected() == 0, "{:?}", preview.lines);
    administration::import_associations(db, &riley, &from(), good)
        .await
        .unwrap();
    assert_eq!(
        stored_date_of_birth(db, w.jordan_id).await.as_deref(),
        Some("1975-09-19")
    );
    // An empty date leaves the record as it is.
    assert_eq!(
        stored_date_of_birth(db, w.alex_id).await.as_deref(),
        Some("1961-03-04")
    );
    assert_eq!(
        count_for(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'user_date_of_birth_changed' \
             AND patient_id = $1",
            w.jordan_id
        )
        .await,
        1,
        "written once for the two lines"
    );

    // Two dates for one Veteran in one file: the later line is refused.
    let clash = "veteran_email,team_name,facility_station,date_of_birth\n\
                 veteran2@example.com,Mental Health,999,1975-09-19\n\
                 veteran2@example.com,Pharmacy,999,1975-09-20\n";
    let preview = administration::preview_import(db, &riley, clash)
        .await
        .unwrap();
    let ImportVerdict::Rejected(why) = &preview.lines[1].verdict else {
        panic!("two dates for one Veteran were accepted");
    };
    assert!(why.contains("line 2"), "{why}");
    // The file without the column still imports.
    let plain =
        "veteran_email,team_name,facility_station\nveteran2@example.com,Mental Health,999\n";
    assert_eq!(
        administration::preview_import(db, &riley, plain)
            .await
            .unwrap()
            .rejected(),
        0
    );
}

async fn search_finds_only_veterans_of_my_teams(db: &Db) {
    let w = world(db).await;
    let dermatology: i64 = sqlx::query_scalar(
        "INSERT INTO care_teams (facility_id, name, created_at) \
         SELECT id, 'Dermatology', 0 FROM facilities RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let other_alex = veteran(
        db,
        "alex.r@example.com",
        "Alex Rivera",
        "1980-07-01",
        w.primary_care,
        false,
    )
    .await;
    let blocked = veteran(
        db,
        "lee.b@example.com",
        "Robin Lee",
        "1950-01-02",
        w.primary_care,
        true,
    )
    .await;
    let elsewhere = veteran(
        db,
        "lee.d@example.com",
        "Drew Lee",
        "1955-05-05",
        dermatology,
        false,
    )
    .await;

    // Two Veterans named Alex Rivera: told apart by date of birth; facility shown.
    let found = team::find_veterans(db, &w.morgan, "alex RIV")
        .await
        .unwrap();
    let seen: Vec<(i64, Option<&str>)> = found
        .iter()
        .map(|v| (v.veteran_id, v.born.as_deref()))
        .collect();
    assert_eq!(seen.len(), 2, "{found:?}");
    assert!(seen.contains(&(w.alex_id, Some("Mar 4, 1961"))));
    assert!(seen.contains(&(other_alex, Some("Jul 1, 1980"))));
    for veteran in &found {
        assert_eq!(
            veteran.facilities,
            vec!["Demo VA Medical Center".to_string()]
        );
    }
    // Alex shares only Primary Care with Morgan, whatever other teams Alex writes to.
    let alex = found.iter().find(|v| v.veteran_id == w.alex_id).unwrap();
    let teams: Vec<i64> = alex.teams.iter().map(|t| t.team_id).collect();
    assert_eq!(teams, vec![w.primary_care]);

    // Never a Veteran outside Morgan's teams, nor one blocked there.
    for name in ["lee", "jordan", "drew", "robin"] {
        let found = team::find_veterans(db, &w.morgan, name).await.unwrap();
        let ids: Vec<i64> = found.iter().map(|v| v.veteran_id).collect();
        for outside in [w.jordan_id, blocked, elsewhere] {
            assert!(!ids.contains(&outside), "{name}: {found:?}");
        }
    }
    for outside in [w.jordan_id, blocked, elsewhere] {
        assert!(matches!(
            team::veteran_choice(db, &w.morgan, outside).await,
            Err(AppError::NotFound)
        ));
    }
    // Wildcards are words, not patterns; nothing typed finds nobody.
    assert!(team::find_veterans(db, &w.morgan, "%")
        .await
        .unwrap()
        .is_empty());
    assert!(team::find_veterans(db, &w.morgan, "  ")
        .await
        .unwrap()
        .is_empty());

    // Casey, once on Pharmacy too, finds Jordan.
    let casey = trusted::team(user(db, "nurse@example.com").await).unwrap();
    sqlx::query("INSERT INTO team_members (team_id, user_id, team_role, created_at) SELECT $1, id, 'member', 0 FROM users WHERE email = 'nurse@example.com'")
        .bind(w.pharmacy)
        .execute(&db.pool)
        .await
        .unwrap();
    let found = team::find_veterans(db, &casey, "jordan").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].born.as_deref(), Some("Sep 18, 1975"));

    // Searches are on the record, without the words.
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'veterans_searched' AND actor_id = $1 \
         ORDER BY id LIMIT 1",
    )
    .bind(w.morgan_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(!detail.to_lowercase().contains("alex"), "{detail}");
}

async fn team_started_thread_reaches_the_veteran(db: &Db) {
    let w = world(db).await;
    let sent = team::start_thread(
        db,
        &w.morgan,
        w.alex_id,
        &message(
            w.primary_care,
            "Your new prescription",
            "Please pick it up on Monday.",
        ),
    )
    .await
    .unwrap();

    // In the Inbox of Alex and of Sam (caregiver), unread, from the team.
    for who in [&w.alex, &w.sam] {
        let inbox =
            messaging::list_folder(db, who, w.alex_id, Folder::Inbox, Sort::NewestFirst, None)
                .await
                .unwrap();
        let row = inbox
            .rows
            .iter()
            .find(|r| r.thread_id == sent.thread_id)
            .expect("in the Inbox");
        assert!(row.unread);
        assert_eq!(row.care_team, "Primary Care – Blue Team");
        assert_eq!(row.subject, "Your new prescription");
    }
    let view = messaging::open_thread(db, &w.alex, w.alex_id, sent.thread_id)
        .await
        .unwrap();
    assert_eq!(view.messages.len(), 1);
    assert!(view.messages[0].from_team);
    assert_eq!(view.messages[0].sender_name, "Dr. Morgan Patel");
    assert!(view.can_reply);

    // Nothing waits on the team until Alex answers.
    let thread = team::open_thread(db, &w.morgan, sent.thread_id, None)
        .await
        .unwrap();
    assert_eq!(thread.waiting_since, None);
    assert_eq!(thread.veteran_born.as_deref(), Some("Mar 4, 1961"));
    messaging::reply(
        db,
        &w.alex,
        w.alex_id,
        sent.thread_id,
        &reply("Thank you, I will."),
    )
    .await
    .unwrap();
    let thread = team::open_thread(db, &w.morgan, sent.thread_id, None)
        .await
        .unwrap();
    assert_eq!(thread.messages.len(), 2);
    assert!(
        thread.waiting_since.is_some(),
        "Alex's reply waits on the team"
    );

    // On the record like every send: who, which patient, a new thread the team started.
    let (actor, patient, detail): (i64, i64, String) = sqlx::query_as(
        "SELECT actor_id, patient_id, detail FROM audit_events \
         WHERE action = 'message_sent' AND target = $1 ORDER BY id LIMIT 1",
    )
    .bind(format!("thread:{}", sent.thread_id))
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((actor, patient), (w.morgan_id, w.alex_id));
    assert!(detail.contains("\"new_thread\":true") && detail.contains("started_by_team"));

    // The same form posted twice makes one conversation.
    let first = message(w.primary_care, "Lab results", "Your results are normal.");
    let a = team::start_thread(db, &w.morgan, w.alex_id, &first)
        .await
        .unwrap();
    let b = team::start_thread(db, &w.morgan, w.alex_id, &first)
        .await
        .unwrap();
    assert_eq!(a.thread_id, b.thread_id);
    assert!(b.already_sent);
}

async fn team_cannot_write_outside_its_teams(db: &Db) {
    let w = world(db).await;
    let threads = |db: &Db| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM threads")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let before = threads(db).await;
    // Jordan is on Pharmacy only; Morgan is not on Pharmacy; nobody is 999999.
    for (veteran, team) in [
        (w.jordan_id, w.primary_care),
        (w.jordan_id, w.pharmacy),
        (w.alex_id, w.pharmacy),
        (999_999, w.primary_care),
    ] {
        let refused =
            team::start_thread(db, &w.morgan, veteran, &message(team, "Hello", "Hi")).await;
        assert!(
            matches!(refused, Err(AppError::NotFound)),
            "{veteran} {team}: {refused:?}"
        );
    }
    // Fields are checked, each with its own sentence.
    let mut empty = message(w.primary_care, " ", "");
    empty.category = None;
    empty.care_team_id = None;
    let Err(error) = team::start_thread(db, &w.morgan, w.alex_id, &empty).await else {
        panic!("an empty message was sent");
    };
    for field in ["care_team", "category", "subject", "body"] {
        assert!(error.field(field).is_some(), "{field}: {error:?}");
    }
    let long = message(w.primary_care, &"s".repeat(51), "Hi");
    let error = team::start_thread(db, &w.morgan, w.alex_id, &long)
        .await
        .unwrap_err();
    assert!(error.field("subject").unwrap().contains("50 characters"));
    assert_eq!(threads(db).await, before, "nothing was sent");
}

on_both_databases!(
    date_of_birth_is_checked_and_stored,
    csv_import_sets_dates_of_birth,
    search_finds_only_veterans_of_my_teams,
    team_started_thread_reaches_the_veteran,
    team_cannot_write_outside_its_teams,
);
