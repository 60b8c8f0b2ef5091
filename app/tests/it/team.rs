//! Care team workspace data layer: every scenario runs on SQLite and on PostgreSQL.
//!
//! The demo data is the starting point (DESIGN.md §5): Morgan (lead) and Casey are on
//! Primary Care; Alex writes to every team. Scenarios that need a clean inbox make a team
//! of their own ("Podiatry"); Pat leads Pharmacy, so someone serves another team.

use crate::common::{count_for, reply, team_id, user};
use app::auth::{Role, SignedInUser};
use app::error::AppError;
use app::messages::ssr as messaging;
use app::messages::{Category, NewMessage, SearchQuery, Signature};
use app::server::access::{trusted, MessagingCapability, TeamCapability};
use app::server::clock::Clock;
use app::server::db::Db;
use app::server::{demo, now_ms};
use app::team::business_days::due_time_ms;
use app::team::ssr as team;
use app::team::types::{
    InboxFilter, InboxQuery, InboxRow, NoteInput, TemplateInput, ThreadEventKind, TEAM_PAGE_SIZE,
};

const HOUR: i64 = 60 * 60 * 1000;
const DAY: i64 = 24 * HOUR;
const FROM: Option<&str> = Some("203.0.113.9");

struct World {
    alex: MessagingCapability,
    alex_id: i64,
    sam: MessagingCapability,
    morgan: TeamCapability,
    morgan_id: i64,
    casey: TeamCapability,
    casey_id: i64,
    /// Lead of Pharmacy only.
    pat: TeamCapability,
    pat_id: i64,
    primary_care: i64,
    pharmacy: i64,
}

/// A clinician who belongs to `team` with `team_role`.
async fn clinician(db: &Db, email: &str, name: &str, team: i64, team_role: &str) -> SignedInUser {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, created_at, updated_at) \
         VALUES ($1, $2, 'clinician', 0, 0) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    join_team(db, team, id, team_role).await;
    SignedInUser {
        id,
        name: name.to_string(),
        email: email.to_string(),
        role: Role::Clinician,
        time_zone: "America/New_York".into(),
    }
}

async fn join_team(db: &Db, team: i64, user_id: i64, team_role: &str) {
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, team_role, created_at) VALUES ($1, $2, $3, 0)",
    )
    .bind(team)
    .bind(user_id)
    .bind(team_role)
    .execute(&db.pool)
    .await
    .unwrap();
}

async fn world(db: &Db) -> World {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = user(db, "veteran@example.com").await;
    let morgan = user(db, "clinician@example.com").await;
    let casey = user(db, "nurse@example.com").await;
    let pharmacy = team_id(db, "Pharmacy").await;
    let pat = clinician(db, "pat@example.com", "Pat Kim", pharmacy, "lead").await;
    World {
        alex_id: alex.id,
        alex: trusted::messaging(alex).unwrap(),
        sam: trusted::messaging(user(db, "caregiver@example.com").await).unwrap(),
        morgan_id: morgan.id,
        morgan: trusted::team(morgan).unwrap(),
        casey_id: casey.id,
        casey: trusted::team(casey).unwrap(),
        pat_id: pat.id,
        pat: trusted::team(pat).unwrap(),
        primary_care: team_id(db, "Primary Care – Blue Team").await,
        pharmacy,
    }
}

/// A new team at the demo facility with Morgan (lead) and Casey, that Alex may write to.
async fn podiatry(db: &Db, w: &World) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO care_teams (facility_id, name, created_at) \
         SELECT id, 'Podiatry', 0 FROM facilities RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    join_team(db, id, w.morgan_id, "lead").await;
    join_team(db, id, w.casey_id, "member").await;
    sqlx::query("INSERT INTO veteran_teams (veteran_id, team_id, created_at) VALUES ($1, $2, 0)")
        .bind(w.alex_id)
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    id
}

/// Alex starts a thread with `team`; returns its id.
async fn send(db: &Db, w: &World, team: i64, subject: &str, body: &str) -> i64 {
    send_as(db, w, team, subject, body, Category::General).await
}

async fn send_as(
    db: &Db,
    w: &World,
    team: i64,
    subject: &str,
    body: &str,
    category: Category,
) -> i64 {
    let message = NewMessage {
        care_team_id: Some(team),
        category: Some(category),
        subject: subject.to_string(),
        body: body.to_string(),
        client_key: uuid::Uuid::new_v4().to_string(),
        draft_id: None,
    };
    messaging::send_message(db, &w.alex, w.alex_id, &message)
        .await
        .unwrap()
        .thread_id
}

fn note(body: &str) -> NoteInput {
    NoteInput {
        body: body.to_string(),
        client_key: uuid::Uuid::new_v4().to_string(),
    }
}

async fn set_due(db: &Db, thread: i64, due_at: i64) {
    sqlx::query("UPDATE threads SET due_at = $1 WHERE id = $2")
        .bind(due_at)
        .bind(thread)
        .execute(&db.pool)
        .await
        .unwrap();
}

async fn scalar(db: &Db, sql: &str, id: i64) -> Option<i64> {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

fn query(filter: InboxFilter, team_id: Option<i64>) -> InboxQuery {
    InboxQuery {
        filter,
        team_id,
        ..InboxQuery::default()
    }
}

async fn rows(db: &Db, who: &TeamCapability, query: &InboxQuery) -> Vec<InboxRow> {
    team::list_inbox(db, who, query, None).await.unwrap().rows
}

async fn subjects(db: &Db, who: &TeamCapability, query: &InboxQuery) -> Vec<String> {
    rows(db, who, query)
        .await
        .into_iter()
        .map(|row| row.subject)
        .collect()
}

fn is_not_found<T: std::fmt::Debug>(result: Result<T, AppError>) -> bool {
    matches!(result, Err(AppError::NotFound))
}

async fn filters_order_and_counts(db: &Db) {
    let w = world(db).await;
    let podiatry = podiatry(db, &w).await;
    let now = now_ms();
    let knee = send(db, &w, podiatry, "Knee pain", "My knee hurts on stairs.").await;
    let urgent = send(
        db,
        &w,
        podiatry,
        "Bad night",
        "I had chest pain last night.",
    )
    .await;
    let later = send(db, &w, podiatry, "Insoles", "Can I get new insoles?").await;
    let pills = send_as(
        db,
        &w,
        podiatry,
        "Cream refill",
        "Please refill my foot cream.",
        Category::Medication,
    )
    .await;
    set_due(db, knee, now - HOUR).await;
    set_due(db, urgent, now + 2 * DAY).await;
    set_due(db, later, now + 3 * DAY).await;
    set_due(db, pills, now + DAY).await;
    // Answered: nothing waits, so it sorts after every waiting thread.
    team::reply(db, &w.morgan, pills, &reply("Sent to the pharmacy."))
        .await
        .unwrap();

    let open = rows(db, &w.morgan, &query(InboxFilter::Open, Some(podiatry))).await;
    let order: Vec<&str> = open.iter().map(|r| r.subject.as_str()).collect();
    assert_eq!(
        order,
        ["Bad night", "Knee pain", "Insoles", "Cream refill"],
        "urgent language first, then the earliest due, then nothing due"
    );
    let first = &open[0];
    assert!(first.urgent_language && first.unread && !first.overdue);
    assert_eq!(first.veteran_name, "Alex Rivera");
    assert_eq!(first.team_name, "Podiatry");
    assert_eq!(first.category, Category::General);
    assert!(first.waiting_since.is_some() && first.assignee.is_none());
    assert!(open[1].overdue, "the knee thread is past due");
    let answered = &open[3];
    assert_eq!((answered.waiting_since, answered.due_at), (None, None));
    assert!(!answered.unread, "replying opened the Veteran's message");

    // Assigned to me / Unassigned.
    let taken = team::assign_to_me(db, &w.casey, knee, FROM).await.unwrap();
    assert!(taken.changed);
    let casey_name = taken.assignee.as_ref().map(|p| p.name.as_str());
    assert_eq!(casey_name, Some("Casey Nguyen"));
    let mine = query(InboxFilter::AssignedToMe, Some(podiatry));
    assert_eq!(subjects(db, &w.casey, &mine).await, ["Knee pain"]);
    assert!(subjects(db, &w.morgan, &mine).await.is_empty());
    let unassigned = subjects(
        db,
        &w.morgan,
        &query(InboxFilter::Unassigned, Some(podiatry)),
    )
    .await;
    assert_eq!(unassigned, ["Bad night", "Insoles", "Cream refill"]);
    let row = rows(db, &w.morgan, &query(InboxFilter::Open, Some(podiatry))).await;
    assert_eq!(
        row[1].assignee.as_ref().map(|p| p.id),
        Some(w.casey_id),
        "the list names the assignee"
    );

    // Overdue.
    let overdue = query(InboxFilter::Overdue, Some(podiatry));
    assert_eq!(subjects(db, &w.morgan, &overdue).await, ["Knee pain"]);

    // Completed: Morgan reads and completes the insoles thread.
    team::open_thread(db, &w.morgan, later, FROM).await.unwrap();
    team::mark_complete(db, &w.morgan, later, FROM)
        .await
        .unwrap();
    let completed = query(InboxFilter::Completed, Some(podiatry));
    assert_eq!(subjects(db, &w.casey, &completed).await, ["Insoles"]);
    let open_now = subjects(db, &w.morgan, &query(InboxFilter::Open, Some(podiatry))).await;
    assert!(!open_now.contains(&"Insoles".to_string()));

    // Category and keywords (subject, body, internal notes, Veteran's name).
    let mut by_category = query(InboxFilter::Open, Some(podiatry));
    by_category.category = Some(Category::Medication);
    assert_eq!(
        subjects(db, &w.morgan, &by_category).await,
        ["Cream refill"]
    );
    let mut words = query(InboxFilter::Open, Some(podiatry));
    words.keywords = "stairs".into();
    assert_eq!(subjects(db, &w.morgan, &words).await, ["Knee pain"]);
    team::add_internal_note(db, &w.casey, knee, &note("Refer to orthopedics."), FROM)
        .await
        .unwrap();
    words.keywords = "orthopedics".into();
    assert_eq!(subjects(db, &w.morgan, &words).await, ["Knee pain"]);
    words.keywords = "RIVERA".into();
    assert_eq!(subjects(db, &w.morgan, &words).await.len(), 3);
    words.keywords = "nothing-like-this".into();
    assert!(subjects(db, &w.morgan, &words).await.is_empty());

    // Without a team filter: every team of the person (Primary Care's demo threads too).
    let everywhere = rows(db, &w.morgan, &query(InboxFilter::Open, None)).await;
    assert!(everywhere
        .iter()
        .any(|r| r.team_name == "Primary Care – Blue Team"));
    assert!(everywhere.iter().all(|r| r.team_name != "Pharmacy"));

    // Counts agree with the lists.
    let counts = team::inbox_counts(db, &w.casey, Some(podiatry))
        .await
        .unwrap();
    assert_eq!(
        (
            counts.open,
            counts.unassigned,
            counts.assigned_to_me,
            counts.overdue,
            counts.completed
        ),
        (3, 2, 1, 1, 1)
    );
}

async fn the_inbox_is_paged_25_at_a_time(db: &Db) {
    let w = world(db).await;
    let podiatry = podiatry(db, &w).await;
    let mut made = Vec::new();
    for n in 0..(TEAM_PAGE_SIZE + 5) {
        made.push(send(db, &w, podiatry, &format!("Question {n}"), "About my feet.").await);
    }
    let query = query(InboxFilter::Open, Some(podiatry));
    let first = team::list_inbox(db, &w.casey, &query, None).await.unwrap();
    assert_eq!(first.rows.len(), TEAM_PAGE_SIZE);
    let next = first.next.expect("a second page");
    let second = team::list_inbox(db, &w.casey, &query, Some(next))
        .await
        .unwrap();
    assert_eq!(second.rows.len(), 5);
    assert_eq!(second.next, None);
    let mut seen: Vec<i64> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.thread_id)
        .collect();
    let in_order: Vec<i64> = seen.clone();
    assert_eq!(
        in_order, made,
        "same due target: the earliest waiting first"
    );
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), TEAM_PAGE_SIZE + 5);
}

async fn another_team_sees_nothing(db: &Db) {
    let w = world(db).await;
    let thread = send(db, &w, w.primary_care, "Rash", "A rash on my arm.").await;
    // Pat leads Pharmacy, not Primary Care.
    assert!(is_not_found(
        team::open_thread(db, &w.pat, thread, FROM).await
    ));
    assert!(is_not_found(
        team::assign_to_me(db, &w.pat, thread, FROM).await
    ));
    assert!(is_not_found(
        team::assign_to_member(db, &w.pat, thread, w.pat_id, None, FROM).await
    ));
    assert!(is_not_found(
        team::unassign(db, &w.pat, thread, None, FROM).await
    ));
    assert!(is_not_found(
        team::reassign_team(db, &w.pat, thread, w.pharmacy, "Mine now", FROM).await
    ));
    assert!(is_not_found(
        team::mark_complete(db, &w.pat, thread, FROM).await
    ));
    assert!(is_not_found(
        team::add_internal_note(db, &w.pat, thread, &note("Peek"), FROM).await
    ));
    assert!(is_not_found(
        team::reply(db, &w.pat, thread, &reply("Hello")).await
    ));
    assert!(is_not_found(
        team::inbox_counts(db, &w.pat, Some(w.primary_care)).await
    ));
    assert!(is_not_found(
        team::list_inbox(
            db,
            &w.pat,
            &query(InboxFilter::Open, Some(w.primary_care)),
            None
        )
        .await
    ));
    assert!(is_not_found(
        team::templates(db, &w.pat, w.primary_care).await
    ));
    assert!(is_not_found(
        team::team_members(db, &w.pat, w.primary_care).await
    ));
    let pats = rows(db, &w.pat, &query(InboxFilter::Open, None)).await;
    assert!(pats.iter().all(|r| r.team_id == w.pharmacy));
    assert!(pats.iter().all(|r| r.thread_id != thread));
    let primary = team::inbox_counts(db, &w.morgan, None).await.unwrap();
    let pharmacy = team::inbox_counts(db, &w.pat, None).await.unwrap();
    assert_eq!(pharmacy.open, 1, "only the demo's inhaler question");
    assert!(primary.open >= 4);
    // Someone on no team at all sees zeros and an empty list.
    let loner = clinician(db, "loner@example.com", "Lee Solo", w.pharmacy, "member").await;
    sqlx::query("DELETE FROM team_members WHERE user_id = $1")
        .bind(loner.id)
        .execute(&db.pool)
        .await
        .unwrap();
    let loner = trusted::team(loner).unwrap();
    assert_eq!(
        team::inbox_counts(db, &loner, None).await.unwrap(),
        Default::default()
    );
    assert!(rows(db, &loner, &query(InboxFilter::Open, None))
        .await
        .is_empty());
    assert!(team::my_teams(db, &loner).await.unwrap().is_empty());
    // Nothing was read, so nothing is marked opened.
    let opened = scalar(
        db,
        "SELECT MAX(opened_by_team_at) FROM messages WHERE thread_id = $1",
        thread,
    )
    .await;
    assert_eq!(opened, None);
}

async fn concurrent_assignments_end_with_one_assignee(db: &Db) {
    let w = world(db).await;
    for round in 0..5 {
        let thread = send(
            db,
            &w,
            w.primary_care,
            &format!("Race {round}"),
            "Who takes it?",
        )
        .await;
        let (one, two) = tokio::join!(
            team::assign_to_me(db, &w.morgan, thread, FROM),
            team::assign_to_me(db, &w.casey, thread, FROM),
        );
        let (one, two) = (one.unwrap(), two.unwrap());
        assert!(one.changed != two.changed, "exactly one made the change");
        assert_eq!(one.assignee, two.assignee, "both are told the truth");
        let stored = scalar(db, "SELECT assigned_to FROM threads WHERE id = $1", thread).await;
        assert_eq!(stored, one.assignee.as_ref().map(|p| p.id));
        let events = count_for(
            db,
            "SELECT COUNT(*) FROM thread_events WHERE thread_id = $1",
            thread,
        )
        .await;
        assert_eq!(events, 1);
        let audited = count_for(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'thread_assigned' \
             AND target = 'thread:' || CAST($1 AS TEXT)",
            thread,
        )
        .await;
        assert_eq!(audited, 1);
    }

    // Assigning to a colleague from a stale page changes nothing and says who has it.
    let thread = send(db, &w, w.primary_care, "Stale", "Assign me.").await;
    let casey = team::assign_to_me(db, &w.casey, thread, FROM)
        .await
        .unwrap();
    assert!(casey.changed);
    let stale = team::assign_to_member(db, &w.morgan, thread, w.morgan_id, None, FROM)
        .await
        .unwrap();
    assert!(!stale.changed);
    assert_eq!(stale.assignee.map(|p| p.id), Some(w.casey_id));
    let moved = team::assign_to_member(db, &w.morgan, thread, w.morgan_id, Some(w.casey_id), FROM)
        .await
        .unwrap();
    assert!(moved.changed);
    assert_eq!(moved.assignee.map(|p| p.id), Some(w.morgan_id));
    let off_team = team::assign_to_member(db, &w.morgan, thread, w.pat_id, Some(w.morgan_id), FROM)
        .await
        .unwrap_err();
    assert!(off_team.field("member").is_some());
    let cleared = team::unassign(db, &w.casey, thread, Some(w.morgan_id), FROM)
        .await
        .unwrap();
    assert!(cleared.changed && cleared.assignee.is_none());
    let history = team::open_thread(db, &w.morgan, thread, FROM)
        .await
        .unwrap()
        .history;
    let kinds: Vec<ThreadEventKind> = history.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            ThreadEventKind::Assigned,
            ThreadEventKind::Assigned,
            ThreadEventKind::Unassigned
        ]
    );
    assert_eq!(history[1].actor.name, "Dr. Morgan Patel");
}

async fn reassigning_moves_the_thread_to_another_team(db: &Db) {
    let w = world(db).await;
    let thread = send(
        db,
        &w,
        w.primary_care,
        "Inhaler dose",
        "How many puffs a day?",
    )
    .await;
    team::assign_to_me(db, &w.casey, thread, FROM)
        .await
        .unwrap();
    // Pharmacy answers more slowly: 5 business days.
    sqlx::query("UPDATE care_teams SET response_target_days = 5 WHERE id = $1")
        .bind(w.pharmacy)
        .execute(&db.pool)
        .await
        .unwrap();

    let refused = team::reassign_team(db, &w.casey, thread, w.pharmacy, "  ", FROM)
        .await
        .unwrap_err();
    assert!(refused.field("reason").is_some());
    let same = team::reassign_team(db, &w.casey, thread, w.primary_care, "Why", FROM)
        .await
        .unwrap_err();
    assert!(same.field("team").is_some());
    let nowhere = team::reassign_team(db, &w.casey, thread, 999_999, "Why", FROM)
        .await
        .unwrap_err();
    assert!(nowhere.field("team").is_some());

    team::reassign_team(
        db,
        &w.casey,
        thread,
        w.pharmacy,
        "A pharmacist should answer.",
        FROM,
    )
    .await
    .unwrap();
    // Primary Care no longer serves it; Pharmacy sees it at once, unassigned.
    assert!(is_not_found(
        team::open_thread(db, &w.casey, thread, FROM).await
    ));
    let pharmacy = rows(
        db,
        &w.pat,
        &query(InboxFilter::Unassigned, Some(w.pharmacy)),
    )
    .await;
    let row = pharmacy
        .iter()
        .find(|r| r.thread_id == thread)
        .expect("in Pharmacy");
    assert!(row.assignee.is_none());
    let waiting_since = row.waiting_since.unwrap();
    assert_eq!(
        row.due_at,
        Some(due_time_ms(waiting_since, 5, chrono_tz::America::New_York)),
        "due again by Pharmacy's target"
    );
    let seen = team::open_thread(db, &w.pat, thread, FROM).await.unwrap();
    let moved = seen.history.last().unwrap();
    assert_eq!(moved.kind, ThreadEventKind::Reassigned);
    assert_eq!(moved.from_team.as_deref(), Some("Primary Care – Blue Team"));
    assert_eq!(moved.to_team.as_deref(), Some("Pharmacy"));
    assert_eq!(moved.reason.as_deref(), Some("A pharmacist should answer."));
    assert_eq!(moved.actor.id, w.casey_id);
    // The Veteran sees the new team's name, and may still reply.
    let veteran = messaging::open_thread(db, &w.alex, w.alex_id, thread)
        .await
        .unwrap();
    assert_eq!(veteran.care_team, "Pharmacy");
    assert!(veteran.can_reply);
    // Audited without the free text.
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'thread_reassigned' AND target = $1",
    )
    .bind(format!("thread:{thread}"))
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(detail.contains(&format!("\"to_team_id\":{}", w.pharmacy)));
    assert!(!detail.contains("pharmacist"));
}

async fn a_new_veteran_message_reopens_a_completed_thread(db: &Db) {
    let w = world(db).await;
    let thread = send(db, &w, w.primary_care, "Swelling", "My ankle is swollen.").await;
    // Not yet read by anyone on the team: completing is refused.
    let refused = team::mark_complete(db, &w.casey, thread, FROM)
        .await
        .unwrap_err();
    assert!(matches!(refused, AppError::Conflict { .. }));
    team::open_thread(db, &w.casey, thread, FROM).await.unwrap();
    team::mark_complete(db, &w.casey, thread, FROM)
        .await
        .unwrap();
    let done = |column: &'static str| {
        let sql = format!("SELECT {column} FROM threads WHERE id = $1");
        async move { scalar(db, &sql, thread).await }
    };
    assert!(done("completed_at").await.is_some());
    assert_eq!(
        done("waiting_since").await,
        None,
        "nothing waits once complete"
    );
    assert_eq!(done("due_at").await, None);
    // Completing twice changes nothing.
    team::mark_complete(db, &w.casey, thread, FROM)
        .await
        .unwrap();

    messaging::reply(db, &w.alex, w.alex_id, thread, &reply("It's worse today."))
        .await
        .unwrap();
    assert_eq!(done("completed_at").await, None, "reopened");
    let since = done("waiting_since").await.expect("waiting again");
    assert_eq!(
        done("due_at").await,
        Some(due_time_ms(since, 3, chrono_tz::America::New_York))
    );

    // Completing while a new message arrives leaves the thread open, whichever wins.
    for round in 0..5 {
        team::open_thread(db, &w.casey, thread, FROM).await.unwrap();
        let more = reply(&format!("One more thing ({round})."));
        let (completed, replied) = tokio::join!(
            team::mark_complete(db, &w.casey, thread, FROM),
            messaging::reply(db, &w.alex, w.alex_id, thread, &more),
        );
        replied.unwrap();
        match completed {
            Ok(()) | Err(AppError::Conflict { .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
        assert_eq!(done("completed_at").await, None, "round {round}");
        assert!(done("due_at").await.is_some(), "round {round}");
    }
    let open = subjects(
        db,
        &w.casey,
        &query(InboxFilter::Open, Some(w.primary_care)),
    )
    .await;
    assert!(open.contains(&"Swelling".to_string()));
}

/// "Reopen": a completed thread goes back to the team's open work, waiting on the team
/// from the moment it was reopened, with a due time; the history and the audit trail say
/// who did it. Another team cannot; an open thread stays as it is.
async fn reopening_puts_a_completed_thread_back_in_open_work(db: &Db) {
    let w = world(db).await;
    let thread = send(db, &w, w.primary_care, "Rash", "A rash on my arm.").await;
    team::open_thread(db, &w.casey, thread, FROM).await.unwrap();
    team::assign_to_me(db, &w.casey, thread, FROM)
        .await
        .unwrap();
    // Reopening an open thread changes nothing.
    team::reopen(db, &w.casey, thread, FROM).await.unwrap();
    let column = |column: &'static str| {
        let sql = format!("SELECT {column} FROM threads WHERE id = $1");
        async move { scalar(db, &sql, thread).await }
    };
    let waiting_before = column("waiting_since").await;
    assert!(waiting_before.is_some());
    team::mark_complete(db, &w.casey, thread, FROM)
        .await
        .unwrap();
    assert!(is_not_found(team::reopen(db, &w.pat, thread, FROM).await));
    assert!(
        column("completed_at").await.is_some(),
        "another team changed nothing"
    );

    let before = now_ms();
    team::reopen(db, &w.morgan, thread, FROM).await.unwrap();
    assert_eq!(column("completed_at").await, None);
    let since = column("waiting_since")
        .await
        .expect("waits on the team again");
    assert!(since >= before, "waiting from the moment it was reopened");
    assert_eq!(
        column("due_at").await,
        Some(due_time_ms(since, 3, chrono_tz::America::New_York))
    );
    assert_eq!(
        column("assigned_to").await,
        Some(w.casey_id),
        "assignment kept"
    );
    let open = subjects(
        db,
        &w.morgan,
        &query(InboxFilter::Open, Some(w.primary_care)),
    )
    .await;
    assert!(open.contains(&"Rash".to_string()));
    let completed = subjects(
        db,
        &w.morgan,
        &query(InboxFilter::Completed, Some(w.primary_care)),
    )
    .await;
    assert!(!completed.contains(&"Rash".to_string()));

    let history = team::open_thread(db, &w.morgan, thread, FROM)
        .await
        .unwrap()
        .history;
    let last = history.last().unwrap();
    assert_eq!(last.kind, ThreadEventKind::Reopened);
    assert_eq!(last.actor.id, w.morgan_id);
    let audited = count_for(
        db,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'thread_reopened' \
         AND target = 'thread:' || CAST($1 AS TEXT)",
        thread,
    )
    .await;
    assert_eq!(audited, 1);
    // Reopening twice records nothing more.
    team::reopen(db, &w.morgan, thread, FROM).await.unwrap();
    let events = count_for(
        db,
        "SELECT COUNT(*) FROM thread_events WHERE kind = 'reopened' AND thread_id = $1",
        thread,
    )
    .await;
    assert_eq!(events, 1);
}

/// A team printout: internal notes only when the printer chooses them; a read of health
/// information, audited with what was printed; another team's thread is not found.
async fn a_printout_includes_internal_notes_only_when_asked(db: &Db) {
    let w = world(db).await;
    let thread = send(db, &w, w.primary_care, "Print me", "My blood sugar log.").await;
    team::add_internal_note(
        db,
        &w.casey,
        thread,
        &note("Review at the next visit."),
        FROM,
    )
    .await
    .unwrap();
    let bodies = |thread: app::team::types::TeamThread| -> Vec<String> {
        thread.messages.into_iter().map(|m| m.body).collect()
    };
    let without = team::print_thread(db, &w.morgan, thread, false, FROM)
        .await
        .unwrap();
    assert_eq!(without.veteran_name, "Alex Rivera");
    assert_eq!(bodies(without), ["My blood sugar log."]);
    let with = team::print_thread(db, &w.morgan, thread, true, FROM)
        .await
        .unwrap();
    assert_eq!(
        bodies(with),
        ["My blood sugar log.", "Review at the next visit."]
    );
    assert!(is_not_found(
        team::print_thread(db, &w.pat, thread, true, FROM).await
    ));

    let details: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT outcome, detail FROM audit_events WHERE action = 'thread_read' \
         AND target = 'thread:' || CAST($1 AS TEXT) AND detail IS NOT NULL ORDER BY id",
    )
    .bind(thread)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let printed: Vec<serde_json::Value> = details
        .iter()
        .map(|(outcome, detail)| {
            assert_eq!(outcome, "success");
            serde_json::from_str(detail.as_deref().unwrap()).unwrap()
        })
        .collect();
    assert_eq!(
        printed,
        [
            serde_json::json!({ "printed": true, "internal_notes": false }),
            serde_json::json!({ "printed": true, "internal_notes": true }),
        ]
    );
    let patient = scalar(
        db,
        "SELECT patient_id FROM audit_events WHERE action = 'thread_read' \
         AND target = 'thread:' || CAST($1 AS TEXT) AND detail IS NOT NULL ORDER BY id LIMIT 1",
        thread,
    )
    .await;
    assert_eq!(patient, Some(w.alex_id));
}

/// The race made certain: a Veteran message is being stored (its transaction has written
/// the message and the thread) when "Mark complete" starts, and commits while completion
/// waits. Completion must see it and leave the thread open.
async fn a_message_committing_during_completion_keeps_the_thread_open(db: &Db) {
    let w = world(db).await;
    let thread = send(db, &w, w.primary_care, "Cough", "A cough for a week.").await;
    team::open_thread(db, &w.casey, thread, FROM).await.unwrap();
    let mut storing = db.begin_write().await.unwrap();
    let at = now_ms();
    sqlx::query(
        "INSERT INTO messages (thread_id, author_id, sent_by_team, body, sent_at) \
         VALUES ($1, $2, 0, 'And a fever now.', $3)",
    )
    .bind(thread)
    .bind(w.alex_id)
    .bind(at)
    .execute(&mut *storing)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE threads SET last_message_at = $1, waiting_since = COALESCE(waiting_since, $1), \
         completed_at = NULL WHERE id = $2",
    )
    .bind(at)
    .bind(thread)
    .execute(&mut *storing)
    .await
    .unwrap();
    let completing = tokio::spawn({
        let (db, casey) = (db.clone(), w.casey.clone());
        async move { team::mark_complete(&db, &casey, thread, FROM).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !completing.is_finished(),
        "completion waits for the thread row"
    );
    storing.commit().await.unwrap();
    let completed = completing.await.unwrap();
    assert!(
        matches!(completed, Err(AppError::Conflict { .. })),
        "{completed:?}"
    );
    assert_eq!(
        scalar(db, "SELECT completed_at FROM threads WHERE id = $1", thread).await,
        None
    );
}

async fn coverage_sends_new_assignments_to_the_covering_member(db: &Db) {
    let w = world(db).await;
    let now = now_ms();
    let before = send(db, &w, w.primary_care, "Before leave", "Assigned before.").await;
    team::assign_to_me(db, &w.casey, before, FROM)
        .await
        .unwrap();

    let me = team::set_coverage(db, &w.casey, now - HOUR, w.morgan_id)
        .await
        .unwrap_err();
    assert!(me.field("away_until").is_some());
    let myself = team::set_coverage(db, &w.casey, now + DAY, w.casey_id)
        .await
        .unwrap_err();
    assert!(myself.field("covering_user").is_some());
    let stranger = team::set_coverage(db, &w.casey, now + DAY, w.pat_id)
        .await
        .unwrap_err();
    assert!(stranger.field("covering_user").is_some());
    let coverage = team::set_coverage(db, &w.casey, now + DAY, w.morgan_id)
        .await
        .unwrap();
    assert_eq!(coverage.covered_by.name, "Dr. Morgan Patel");
    assert_eq!(
        team::my_coverage(db, &w.casey).await.unwrap(),
        Some(coverage)
    );

    // A new assignment to Casey goes to Morgan, who covers for her.
    let thread = send(db, &w, w.primary_care, "During leave", "Who has this?").await;
    let assigned = team::assign_to_member(db, &w.morgan, thread, w.casey_id, None, FROM)
        .await
        .unwrap();
    assert_eq!(assigned.assignee.map(|p| p.id), Some(w.morgan_id));
    assert_eq!(assigned.covering_for.map(|p| p.id), Some(w.casey_id));
    // The list shows who covers for the away assignee, and the members list too.
    let open = rows(
        db,
        &w.morgan,
        &query(InboxFilter::Open, Some(w.primary_care)),
    )
    .await;
    let row = open.iter().find(|r| r.thread_id == before).unwrap();
    assert_eq!(
        row.assignee_coverage.as_ref().map(|c| c.covered_by.id),
        Some(w.morgan_id)
    );
    let members = team::team_members(db, &w.morgan, w.primary_care)
        .await
        .unwrap();
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Dr. Morgan Patel", "Casey Nguyen"], "leads first");
    assert!(members[1].coverage.is_some() && members[0].coverage.is_none());
    let history = team::open_thread(db, &w.morgan, thread, FROM)
        .await
        .unwrap()
        .history;
    assert_eq!(
        history[0].covering_for.as_ref().map(|p| p.id),
        Some(w.casey_id)
    );

    // Back: assignments reach Casey again. Coverage that ran out is ignored too.
    team::clear_coverage(db, &w.casey).await.unwrap();
    assert_eq!(team::my_coverage(db, &w.casey).await.unwrap(), None);
    let back = team::assign_to_member(db, &w.morgan, thread, w.casey_id, Some(w.morgan_id), FROM)
        .await
        .unwrap();
    assert_eq!(back.assignee.map(|p| p.id), Some(w.casey_id));
    assert_eq!(back.covering_for, None);
    team::set_coverage(db, &w.casey, now + DAY, w.morgan_id)
        .await
        .unwrap();
    sqlx::query("UPDATE coverage SET away_until = $1 WHERE user_id = $2")
        .bind(now - 1)
        .bind(w.casey_id)
        .execute(&db.pool)
        .await
        .unwrap();
    let other = send(db, &w, w.primary_care, "After leave", "Back now?").await;
    let returned = team::assign_to_member(db, &w.morgan, other, w.casey_id, None, FROM)
        .await
        .unwrap();
    assert_eq!(returned.assignee.map(|p| p.id), Some(w.casey_id));
}

async fn only_leads_manage_templates(db: &Db) {
    let w = world(db).await;
    let input = |title: &str, body: &str| TemplateInput {
        title: title.to_string(),
        body: body.to_string(),
    };
    let made = team::create_template(
        db,
        &w.morgan,
        w.primary_care,
        &input(" Refill sent ", "Your refill is on its way."),
    )
    .await
    .unwrap();
    assert_eq!(made.title, "Refill sent");
    assert!(matches!(
        team::create_template(db, &w.casey, w.primary_care, &input("Mine", "Body")).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        team::update_template(db, &w.casey, made.template_id, &input("Changed", "Body")).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        team::delete_template(db, &w.casey, made.template_id).await,
        Err(AppError::Forbidden)
    ));
    assert!(is_not_found(
        team::update_template(db, &w.pat, made.template_id, &input("Mine", "Body")).await
    ));
    assert!(is_not_found(
        team::create_template(db, &w.pat, w.primary_care, &input("Mine", "Body")).await
    ));
    // Every member may use them.
    let listed = team::templates(db, &w.casey, w.primary_care).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&made));

    let duplicate =
        team::create_template(db, &w.morgan, w.primary_care, &input("Refill sent", "x"))
            .await
            .unwrap_err();
    assert!(duplicate.field("title").is_some());
    let empty = team::create_template(db, &w.morgan, w.primary_care, &input("", ""))
        .await
        .unwrap_err();
    assert!(empty.field("title").is_some() && empty.field("body").is_some());

    let changed = team::update_template(
        db,
        &w.morgan,
        made.template_id,
        &input("Refill sent", "Your refill ships today."),
    )
    .await
    .unwrap();
    assert_eq!(
        team::templates(db, &w.casey, w.primary_care).await.unwrap()[0].body,
        changed.body
    );
    team::delete_template(db, &w.morgan, made.template_id)
        .await
        .unwrap();
    assert!(team::templates(db, &w.casey, w.primary_care)
        .await
        .unwrap()
        .is_empty());
    let leads: Vec<bool> = team::my_teams(db, &w.casey)
        .await
        .unwrap()
        .iter()
        .map(|t| t.is_lead)
        .collect();
    assert_eq!(leads, [false]);
}

async fn internal_notes_never_reach_the_veteran(db: &Db) {
    let w = world(db).await;
    let thread = send(
        db,
        &w,
        w.primary_care,
        "Dizzy",
        "I feel dizzy when I stand up.",
    )
    .await;
    let before = messaging::open_thread(db, &w.alex, w.alex_id, thread)
        .await
        .unwrap();
    let since = scalar(
        db,
        "SELECT waiting_since FROM threads WHERE id = $1",
        thread,
    )
    .await;

    let key = note("Check orthostatic vitals at the next visit.");
    let note_id = team::add_internal_note(db, &w.casey, thread, &key, FROM)
        .await
        .unwrap();
    let again = team::add_internal_note(db, &w.casey, thread, &key, FROM)
        .await
        .unwrap();
    assert_eq!(again, note_id, "a retried note is not added twice");
    let empty = team::add_internal_note(db, &w.casey, thread, &note(""), FROM)
        .await
        .unwrap_err();
    assert!(empty.field("body").is_some());

    // The team sees it, flagged.
    let staff = team::open_thread(db, &w.morgan, thread, FROM)
        .await
        .unwrap();
    let flagged: Vec<bool> = staff.messages.iter().map(|m| m.internal_note).collect();
    assert_eq!(flagged, [false, true]);
    assert_eq!(staff.messages[1].sender_name, "Casey Nguyen");

    // The Veteran and the caregiver do not, and nothing changed on their side.
    for who in [&w.alex, &w.sam] {
        let view = messaging::open_thread(db, who, w.alex_id, thread)
            .await
            .unwrap();
        assert_eq!(view.messages.len(), 1);
        assert!(view.messages.iter().all(|m| !m.internal_note));
        assert_eq!(view.last_message_at, before.last_message_at);
        let found = messaging::search(
            db,
            who,
            w.alex_id,
            &SearchQuery {
                keywords: "orthostatic".into(),
                ..SearchQuery::default()
            },
            None,
        )
        .await
        .unwrap();
        assert!(found.rows.is_empty(), "search never finds a note");
    }
    assert_eq!(
        scalar(
            db,
            "SELECT waiting_since FROM threads WHERE id = $1",
            thread
        )
        .await,
        since,
        "a note does not stop the team's clock"
    );
    let audited = count_for(
        db,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'internal_note_added' AND actor_id = $1",
        w.casey_id,
    )
    .await;
    assert_eq!(audited, 1);
}

async fn team_replies_are_signed_and_stop_the_clock(db: &Db) {
    let w = world(db).await;
    let thread = send(
        db,
        &w,
        w.primary_care,
        "Flu shot",
        "When can I get a flu shot?",
    )
    .await;
    let since = scalar(
        db,
        "SELECT waiting_since FROM threads WHERE id = $1",
        thread,
    )
    .await
    .expect("waiting");
    assert_eq!(
        scalar(db, "SELECT due_at FROM threads WHERE id = $1", thread).await,
        Some(due_time_ms(since, 3, chrono_tz::America::New_York)),
        "due 3 business days after it started waiting, in the facility's zone"
    );
    messaging::set_signature(
        db,
        &w.morgan,
        &Signature {
            name: "Dr. Morgan Patel".into(),
            title: "Primary Care".into(),
        },
    )
    .await
    .unwrap();
    team::reply(db, &w.morgan, thread, &reply("Any weekday morning."))
        .await
        .unwrap();
    for column in ["waiting_since", "due_at"] {
        let sql = format!("SELECT {column} FROM threads WHERE id = $1");
        assert_eq!(scalar(db, &sql, thread).await, None, "{column}");
    }
    let view = messaging::open_thread(db, &w.alex, w.alex_id, thread)
        .await
        .unwrap();
    assert_eq!(
        view.messages[1].signature.as_deref(),
        Some("Dr. Morgan Patel\nPrimary Care")
    );
}

async fn overdue_threads_are_reported_to_leads_once(db: &Db) {
    let w = world(db).await;
    let now = now_ms();
    let thread = send(db, &w, w.primary_care, "Late", "Still waiting.").await;
    set_due(db, thread, now - HOUR).await;
    let pharmacy = send(db, &w, w.pharmacy, "Late too", "Also waiting.").await;
    set_due(db, pharmacy, now - HOUR).await;
    let due: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM threads WHERE due_at <= $1 AND completed_at IS NULL",
    )
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .unwrap();

    // Two job runs at once (two server processes) report each thread once.
    let (one, two) = tokio::join!(team::mark_overdue(db, now), team::mark_overdue(db, now));
    assert_eq!(one.unwrap() + two.unwrap(), due as u64);
    assert_eq!(team::mark_overdue(db, now).await.unwrap(), 0, "once only");

    let morgans = team::notifications(db, &w.morgan).await.unwrap();
    let late: Vec<_> = morgans.iter().filter(|n| n.thread_id == thread).collect();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].subject, "Late");
    assert_eq!(late[0].veteran_name, "Alex Rivera");
    assert!(morgans.iter().all(|n| n.team_name != "Pharmacy"));
    assert!(
        team::notifications(db, &w.casey).await.unwrap().is_empty(),
        "leads only"
    );
    let pats = team::notifications(db, &w.pat).await.unwrap();
    assert!(pats.iter().any(|n| n.thread_id == pharmacy));
    let rows_for_thread = count_for(
        db,
        "SELECT COUNT(*) FROM notifications WHERE thread_id = $1",
        thread,
    )
    .await;
    assert_eq!(rows_for_thread, 1);

    assert_eq!(late[0].team_id, w.primary_care);

    // Read; someone else's cannot be touched. The navigation's count follows.
    let unread_before = team::unread_notifications(db, &w.morgan).await.unwrap();
    assert_eq!(unread_before, morgans.len() as i64, "all new");
    assert_eq!(team::unread_notifications(db, &w.casey).await.unwrap(), 0);
    let id = late[0].notification_id;
    assert!(is_not_found(
        team::mark_notification_read(db, &w.casey, id).await
    ));
    team::mark_notification_read(db, &w.morgan, id)
        .await
        .unwrap();
    assert_eq!(
        team::unread_notifications(db, &w.morgan).await.unwrap(),
        unread_before - 1
    );

    // The team answers; a later wait that runs late is reported again, on the same row.
    team::reply(db, &w.casey, thread, &reply("Looking into it."))
        .await
        .unwrap();
    messaging::reply(db, &w.alex, w.alex_id, thread, &reply("Any news?"))
        .await
        .unwrap();
    assert_eq!(
        team::mark_overdue(db, now_ms()).await.unwrap(),
        0,
        "not due yet"
    );
    set_due(db, thread, now_ms() - 1).await;
    assert_eq!(team::mark_overdue(db, now_ms()).await.unwrap(), 1);
    let again: Vec<_> = team::notifications(db, &w.morgan)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.thread_id == thread)
        .collect();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].read_at, None, "raised again");
    assert_eq!(again[0].notification_id, id);
    assert_eq!(
        team::unread_notifications(db, &w.morgan).await.unwrap(),
        unread_before
    );
}

async fn opening_marks_veteran_messages_opened_once_and_audits(db: &Db) {
    let (clock, hand) = Clock::settable(now_ms());
    let db = &db.clone().with_clock(clock);
    let w = world(db).await;
    let thread = send(db, &w, w.primary_care, "Eyes", "My eyes are itchy.").await;
    let (alex, alex_id) = (&w.alex, w.alex_id);
    let status = |thread| async move {
        messaging::open_thread(db, alex, alex_id, thread)
            .await
            .unwrap()
            .messages[0]
            .opened_status()
    };
    assert_eq!(
        status(thread).await,
        Some("Not yet opened by your care team")
    );
    let unread = rows(
        db,
        &w.casey,
        &query(InboxFilter::Open, Some(w.primary_care)),
    )
    .await;
    assert!(
        unread
            .iter()
            .find(|r| r.thread_id == thread)
            .unwrap()
            .unread
    );

    let seen = team::open_thread(db, &w.casey, thread, FROM).await.unwrap();
    assert_eq!(seen.veteran_name, "Alex Rivera");
    assert_eq!(seen.facility_time_zone, "America/New_York");
    assert_eq!(seen.messages[0].opened_by_team, Some(true));
    assert!(seen.opened_now, "the Veteran's pages are told");
    assert_eq!(status(thread).await, Some("Opened by your care team"));
    let first = scalar(
        db,
        "SELECT opened_by_team_at FROM messages WHERE thread_id = $1",
        thread,
    )
    .await;
    hand.advance(60_000);
    let again = team::open_thread(db, &w.morgan, thread, FROM)
        .await
        .unwrap();
    assert!(!again.opened_now, "nothing new to tell");
    let second = scalar(
        db,
        "SELECT opened_by_team_at FROM messages WHERE thread_id = $1",
        thread,
    )
    .await;
    assert_eq!(first, second, "the first opening is kept");
    let read = rows(
        db,
        &w.casey,
        &query(InboxFilter::Open, Some(w.primary_care)),
    )
    .await;
    assert!(!read.iter().find(|r| r.thread_id == thread).unwrap().unread);

    // Audited: who, which patient, which thread, from where.
    let audit = sqlx::query_as::<_, (i64, Option<i64>, Option<String>)>(
        "SELECT actor_id, patient_id, ip FROM audit_events \
         WHERE action = 'thread_read' AND target = $1 ORDER BY id",
    )
    .bind(format!("thread:{thread}"))
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let staff: Vec<_> = audit
        .iter()
        .filter(|(actor, _, _)| *actor != w.alex_id)
        .collect();
    assert_eq!(staff.len(), 2);
    assert_eq!(staff[0].0, w.casey_id);
    assert_eq!(staff[0].1, Some(w.alex_id));
    assert_eq!(staff[0].2.as_deref(), FROM);

    // The Veteran's other recent threads with this team, not with other teams.
    let others: Vec<String> = seen
        .other_threads
        .iter()
        .map(|t| t.subject.clone())
        .collect();
    assert_eq!(
        others,
        [
            "Blood pressure medicine refill",
            "Rescheduling my visit",
            "Lab results from my checkup"
        ]
    );
}

on_both_databases!(
    filters_order_and_counts,
    the_inbox_is_paged_25_at_a_time,
    another_team_sees_nothing,
    concurrent_assignments_end_with_one_assignee,
    reassigning_moves_the_thread_to_another_team,
    a_new_veteran_message_reopens_a_completed_thread,
    reopening_puts_a_completed_thread_back_in_open_work,
    a_printout_includes_internal_notes_only_when_asked,
    a_message_committing_during_completion_keeps_the_thread_open,
    coverage_sends_new_assignments_to_the_covering_member,
    only_leads_manage_templates,
    internal_notes_never_reach_the_veteran,
    team_replies_are_signed_and_stop_the_clock,
    overdue_threads_are_reported_to_leads_once,
    opening_marks_veteran_messages_opened_once_and_audits,
);
