//! Attachments data layer: who may download what, the limits under concurrent
//! uploads, files travelling from draft to message, and the start-up orphan check. Every
//! scenario runs on SQLite and on PostgreSQL, with real sealed files in a local store.

use crate::common::user;
use app::attachments::rules::{FileType, Refusal};
use app::attachments::ssr::records::{self, StoredUpload};
use app::attachments::ssr::sealing::MasterKey;
use app::attachments::ssr::storage::{AttachmentStore, SealedFile, StorageConfig};
use app::auth::SignedInUser;
use app::error::AppError;
use app::messages::ssr as messaging;
use app::messages::{Category, DraftInput, Folder, NewMessage, Reply, Sort};
use app::server::access::{trusted, MessagingCapability, TeamCapability};
use app::server::db::Db;
use app::server::demo;
use app::team::ssr as team;

struct World {
    alex: SignedInUser,
    alex_can: MessagingCapability,
    sam: SignedInUser,
    jordan: SignedInUser,
    morgan: SignedInUser,
    primary_care: i64,
    store: AttachmentStore,
    _dir: tempfile::TempDir,
}

async fn world(db: &Db) -> World {
    assert!(demo::seed_if_empty(&db.pool).await.unwrap());
    let alex = user(db, "veteran@example.com").await;
    let dir = tempfile::tempdir().unwrap();
    let store = AttachmentStore::open(
        &StorageConfig::Local {
            directory: dir.path().to_path_buf(),
        },
        MasterKey::generate(),
    )
    .unwrap();
    World {
        alex_can: trusted::messaging(alex.clone()).unwrap(),
        alex,
        sam: user(db, "caregiver@example.com").await,
        jordan: user(db, "veteran2@example.com").await,
        morgan: user(db, "clinician@example.com").await,
        primary_care: sqlx::query_scalar("SELECT id FROM care_teams WHERE name = $1")
            .bind("Primary Care – Blue Team")
            .fetch_one(&db.pool)
            .await
            .unwrap(),
        store,
        _dir: dir,
    }
}

async fn new_draft(db: &Db, w: &World) -> i64 {
    messaging::save_draft(
        db,
        &w.alex_can,
        w.alex.id,
        &DraftInput {
            draft_id: None,
            thread_id: None,
            care_team_id: Some(w.primary_care),
            category: Some(Category::TestResults),
            subject: "Lab results".to_string(),
            body: "Here are my results.".to_string(),
        },
    )
    .await
    .unwrap()
    .draft_id
}

/// Seals and stores `plain`, then records it on the draft.
async fn attach(
    db: &Db,
    w: &World,
    draft_id: i64,
    name: &str,
    plain: &[u8],
) -> Result<app::attachments::Attachment, Refusal> {
    let mut writer = w.store.begin().unwrap();
    writer.write(plain).await.unwrap();
    let sealed = writer.finish().await.unwrap();
    record(db, w, draft_id, name, &sealed).await
}

async fn record(
    db: &Db,
    w: &World,
    draft_id: i64,
    name: &str,
    sealed: &SealedFile,
) -> Result<app::attachments::Attachment, Refusal> {
    let mailbox = messaging::mailbox(db, &w.alex_can, w.alex.id)
        .await
        .unwrap();
    records::attach_to_draft(
        db,
        &mailbox,
        draft_id,
        &StoredUpload {
            display_name: name,
            file_type: FileType::from_name(name).unwrap(),
            sealed,
        },
    )
    .await
    .unwrap()
}

async fn downloads(db: &Db, person: &SignedInUser, id: &str) -> Result<String, AppError> {
    records::for_download(db, person, "127.0.0.1", id)
        .await
        .map(|file| file.display_name)
}

async fn audited(db: &Db, outcome: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'attachment_downloaded' AND outcome = $1",
    )
    .bind(outcome)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

on_both_databases!(
    a_drafts_files_are_its_authors_alone_until_sent,
    sent_files_reach_the_threads_participants_only,
    limits_hold_for_each_draft,
    deleting_a_draft_deletes_its_rows_and_orphans_are_reported,
    a_reply_drafts_files_travel_with_the_reply,
    a_team_replys_files_reach_the_veteran_and_caregiver,
    a_clinician_of_another_team_finds_nothing,
    a_member_taken_off_the_team_loses_the_pending_files,
    a_caregivers_draft_files_stay_with_their_veteran,
    a_persons_drafts_are_limited_in_number_and_size,
    drafts_untouched_for_90_days_go_with_their_files,
    a_team_started_messages_files_reach_the_veterans_thread,
);

async fn a_drafts_files_are_its_authors_alone_until_sent(db: &Db) {
    let w = world(db).await;
    let draft = new_draft(db, &w).await;
    let pdf = attach(db, &w, draft, "results.pdf", b"%PDF-1.7 results")
        .await
        .unwrap();
    assert_eq!(pdf.name, "results.pdf");
    assert_eq!(pdf.type_label, "PDF");
    assert_eq!(
        downloads(db, &w.alex, &pdf.id).await.unwrap(),
        "results.pdf"
    );
    for other in [&w.sam, &w.jordan, &w.morgan] {
        assert_eq!(
            downloads(db, other, &pdf.id).await.unwrap_err(),
            AppError::NotFound,
            "{} must not see a draft's file",
            other.email
        );
    }
    assert_eq!(audited(db, "success").await, 1);
    assert_eq!(audited(db, "denied").await, 3);
    // The draft lists it, and only its author can list it.
    let mailbox = messaging::mailbox(db, &w.alex_can, w.alex.id)
        .await
        .unwrap();
    assert_eq!(
        records::draft_attachments(db, &mailbox, draft)
            .await
            .unwrap(),
        vec![pdf.clone()]
    );
    let jordan_can = trusted::messaging(w.jordan.clone()).unwrap();
    let jordans = messaging::mailbox(db, &jordan_can, w.jordan.id)
        .await
        .unwrap();
    assert_eq!(
        records::draft_attachments(db, &jordans, draft)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    // Nor may anyone else attach to it or remove its files.
    assert_eq!(
        records::remove_from_draft(db, &w.store, &jordans, &pdf.id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    records::remove_from_draft(db, &w.store, &mailbox, &pdf.id)
        .await
        .unwrap();
    assert_eq!(
        downloads(db, &w.alex, &pdf.id).await.unwrap_err(),
        AppError::NotFound
    );
    assert!(
        w.store.stored_ids().await.unwrap().is_empty(),
        "the file is gone too"
    );
}

async fn sent_files_reach_the_threads_participants_only(db: &Db) {
    let w = world(db).await;
    let draft = new_draft(db, &w).await;
    let pdf = attach(db, &w, draft, "results.pdf", b"%PDF-1.7 results")
        .await
        .unwrap();
    let png = attach(db, &w, draft, "rash.png", b"\x89PNG\r\n\x1a\n....")
        .await
        .unwrap();
    assert!(png.is_image);
    let sent = messaging::send_message(
        db,
        &w.alex_can,
        w.alex.id,
        &NewMessage {
            care_team_id: Some(w.primary_care),
            category: Some(Category::TestResults),
            subject: "Lab results".to_string(),
            body: "Here are my results.".to_string(),
            client_key: uuid::Uuid::new_v4().to_string(),
            draft_id: Some(draft),
        },
    )
    .await
    .unwrap();
    let mut on_message = records::message_attachments(&db.pool, &[sent.message_id])
        .await
        .unwrap();
    on_message.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    assert_eq!(
        on_message,
        vec![
            (sent.message_id, png.clone()),
            (sent.message_id, pdf.clone())
        ]
    );
    // The draft is gone; its files are the message's now.
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM attachments WHERE draft_id IS NOT NULL")
            .fetch_one(&db.pool)
            .await
            .unwrap(),
        0
    );
    // The Veteran, their caregiver and the team's clinicians; not another Veteran.
    for participant in [&w.alex, &w.sam, &w.morgan] {
        assert_eq!(
            downloads(db, participant, &png.id).await.unwrap(),
            "rash.png"
        );
    }
    assert_eq!(
        downloads(db, &w.jordan, &pdf.id).await.unwrap_err(),
        AppError::NotFound
    );
    // The role decides, not only the rows: Alex made an administrator, or Morgan a
    // caregiver whose team membership is still on file, reaches nothing.
    let as_role = |person: &SignedInUser, role| SignedInUser {
        role,
        ..person.clone()
    };
    for other in [
        as_role(&w.alex, app::auth::Role::Administrator),
        as_role(&w.morgan, app::auth::Role::Caregiver),
        as_role(&w.sam, app::auth::Role::Veteran),
    ] {
        assert_eq!(
            downloads(db, &other, &pdf.id).await.unwrap_err(),
            AppError::NotFound,
            "{other:?}"
        );
    }
    // A clinician of another team, once the thread moves away from hers, loses access.
    sqlx::query("UPDATE threads SET team_id = (SELECT id FROM care_teams WHERE name = 'Pharmacy') WHERE id = $1")
        .bind(sent.thread_id)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        downloads(db, &w.morgan, &pdf.id).await.unwrap_err(),
        AppError::NotFound
    );
    // A revoked caregiver loses access at once.
    sqlx::query("UPDATE caregiver_grants SET revoked_at = 1 WHERE caregiver_id = $1")
        .bind(w.sam.id)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        downloads(db, &w.sam, &pdf.id).await.unwrap_err(),
        AppError::NotFound
    );
    // The audit names the patient on each successful download.
    let patients: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT patient_id FROM audit_events WHERE action = 'attachment_downloaded' AND outcome = 'success'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(patients, vec![Some(w.alex.id); 3]);
}

async fn limits_hold_for_each_draft(db: &Db) {
    let w = world(db).await;
    let draft = new_draft(db, &w).await;
    let sized = |bytes: u64| SealedFile {
        id: uuid::Uuid::new_v4().simple().to_string(),
        keys: app::attachments::ssr::sealing::SealingKeys {
            wrapped_key: "unused".to_string(),
            nonce: "unused".to_string(),
        },
        size_bytes: bytes,
        sha256: "0".repeat(64),
    };
    const MIB: u64 = 1024 * 1024;
    record(db, &w, draft, "a.pdf", &sized(6 * MIB))
        .await
        .unwrap();
    assert_eq!(
        record(db, &w, draft, "b.pdf", &sized(4 * MIB + 1))
            .await
            .unwrap_err()
            .to_string(),
        "b.pdf: the files would be 10.1 MB together; the limit is 10 MB"
    );
    record(db, &w, draft, "b.pdf", &sized(4 * MIB - 2))
        .await
        .unwrap();
    record(db, &w, draft, "c.txt", &sized(1)).await.unwrap();
    record(db, &w, draft, "d.txt", &sized(1)).await.unwrap();
    assert_eq!(
        record(db, &w, draft, "e.txt", &sized(1)).await.unwrap_err(),
        Refusal::TooManyFiles {
            name: "e.txt".to_string()
        }
    );
    // Another draft has limits of its own.
    let other = new_draft(db, &w).await;
    record(db, &w, other, "a.pdf", &sized(6 * MIB))
        .await
        .unwrap();
}

async fn deleting_a_draft_deletes_its_rows_and_orphans_are_reported(db: &Db) {
    let w = world(db).await;
    let draft = new_draft(db, &w).await;
    let kept = attach(db, &w, draft, "notes.txt", b"notes").await.unwrap();
    assert_eq!(
        records::find_orphans(db, &w.store).await.unwrap(),
        records::OrphanReport::default()
    );
    // Another person cannot delete it, and nothing is detached.
    let jordan_can = trusted::messaging(w.jordan.clone()).unwrap();
    assert!(messaging::delete_draft(db, &jordan_can, w.jordan.id, draft)
        .await
        .is_err());
    assert_eq!(downloads(db, &w.alex, &kept.id).await.unwrap(), "notes.txt");

    let ids = messaging::delete_draft(db, &w.alex_can, w.alex.id, draft)
        .await
        .unwrap();
    assert_eq!(ids, vec![kept.id.clone()]);
    // Before the caller removes the file, the check sees a file without a row.
    let report = records::find_orphans(db, &w.store).await.unwrap();
    assert_eq!(report.files_without_row, vec![kept.id.clone()]);
    records::delete_files(&w.store, &ids).await;
    assert_eq!(
        records::find_orphans(db, &w.store).await.unwrap(),
        records::OrphanReport::default()
    );
    // A row whose file vanished is reported too.
    let other = new_draft(db, &w).await;
    let lost = attach(db, &w, other, "lost.txt", b"lost").await.unwrap();
    w.store.delete(&lost.id).await.unwrap();
    let report = records::find_orphans(db, &w.store).await.unwrap();
    assert_eq!(report.rows_without_file, vec![lost.id]);
}

async fn a_reply_drafts_files_travel_with_the_reply(db: &Db) {
    let w = world(db).await;
    // Alex's thread with Primary Care that is still inside the reply window.
    let thread_id: i64 = sqlx::query_scalar(
        "SELECT id FROM threads WHERE veteran_id = $1 AND team_id = $2 \
         ORDER BY last_message_at DESC LIMIT 1",
    )
    .bind(w.alex.id)
    .bind(w.primary_care)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let draft = messaging::save_draft(
        db,
        &w.alex_can,
        w.alex.id,
        &DraftInput {
            draft_id: None,
            thread_id: Some(thread_id),
            care_team_id: None,
            category: None,
            subject: String::new(),
            body: "Photo attached.".to_string(),
        },
    )
    .await
    .unwrap()
    .draft_id;
    let photo = attach(db, &w, draft, "photo.jpg", b"\xff\xd8\xff\xe0 jpeg")
        .await
        .unwrap();
    let sent = messaging::reply(
        db,
        &w.alex_can,
        w.alex.id,
        thread_id,
        &Reply {
            body: "Photo attached.".to_string(),
            client_key: uuid::Uuid::new_v4().to_string(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        records::message_attachments(&db.pool, &[sent.message_id])
            .await
            .unwrap(),
        vec![(sent.message_id, photo.clone())]
    );
    // Now the team sees it; before the reply it was Alex's alone.
    assert_eq!(
        downloads(db, &w.morgan, &photo.id).await.unwrap(),
        "photo.jpg"
    );
}

// ---- A care team member's files on their reply (clinicians attach files too) ----

/// Alex's most recent thread with Primary Care (Morgan's and Casey's team).
async fn alex_primary_care_thread(db: &Db, w: &World) -> i64 {
    sqlx::query_scalar(
        "SELECT id FROM threads WHERE veteran_id = $1 AND team_id = $2 \
         ORDER BY last_message_at DESC LIMIT 1",
    )
    .bind(w.alex.id)
    .bind(w.primary_care)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

fn team_can(person: &SignedInUser) -> TeamCapability {
    trusted::team(person.clone()).unwrap()
}

/// A clinician who leads Pharmacy only.
async fn pharmacist(db: &Db) -> SignedInUser {
    let pharmacy: i64 = sqlx::query_scalar("SELECT id FROM care_teams WHERE name = 'Pharmacy'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, created_at, updated_at) \
         VALUES ('pat@example.com', 'Pat Kim', 'clinician', 0, 0) RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, team_role, created_at) VALUES ($1, $2, 'lead', 0)",
    )
    .bind(pharmacy)
    .bind(id)
    .execute(&db.pool)
    .await
    .unwrap();
    user(db, "pat@example.com").await
}

/// Seals and stores `plain`, then records it on a care team member's reply draft.
async fn team_attach(
    db: &Db,
    w: &World,
    clinician: &TeamCapability,
    draft_id: i64,
    name: &str,
    plain: &[u8],
) -> Result<Result<app::attachments::Attachment, Refusal>, AppError> {
    let mut writer = w.store.begin().unwrap();
    writer.write(plain).await.unwrap();
    let sealed = writer.finish().await.unwrap();
    let recorded = records::attach_to_draft(
        db,
        clinician,
        draft_id,
        &StoredUpload {
            display_name: name,
            file_type: FileType::from_name(name).unwrap(),
            sealed: &sealed,
        },
    )
    .await;
    if !matches!(recorded, Ok(Ok(_))) {
        w.store.delete(&sealed.id).await.unwrap();
    }
    recorded
}

/// What the Drafts folder shows `person` (acting for Alex): the drafts and their count.
async fn alex_drafts(db: &Db, w: &World, person: &SignedInUser) -> (Vec<i64>, i64) {
    let can = trusted::messaging(person.clone()).unwrap();
    let listed = messaging::list_drafts(db, &can, w.alex.id, Sort::NewestFirst, None)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|d| d.draft_id)
        .collect();
    let count = messaging::folders(db, &can, w.alex.id)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.folder == Folder::Drafts)
        .unwrap()
        .total;
    (listed, count)
}

async fn a_team_replys_files_reach_the_veteran_and_caregiver(db: &Db) {
    let w = world(db).await;
    let casey = user(db, "nurse@example.com").await;
    let (morgan, casey_can) = (team_can(&w.morgan), team_can(&casey));
    let thread = alex_primary_care_thread(db, &w).await;
    assert_eq!(team::reply_draft(db, &morgan, thread).await.unwrap(), None);
    let draft = team::reply_draft_for_files(db, &morgan, thread)
        .await
        .unwrap();
    // One reply draft per author and thread: asking again finds the same one.
    assert_eq!(
        team::reply_draft_for_files(db, &morgan, thread)
            .await
            .unwrap(),
        draft
    );
    let plan = team_attach(db, &w, &morgan, draft, "care plan.pdf", b"%PDF-1.7 plan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        team::reply_draft(db, &morgan, thread)
            .await
            .unwrap()
            .map(|d| d.draft_id),
        Some(draft)
    );
    assert_eq!(
        records::draft_attachments(db, &morgan, draft)
            .await
            .unwrap(),
        vec![plan.clone()]
    );
    // The team's rules are the same rules: a fifth file does not fit.
    for name in ["a.txt", "b.txt", "c.txt"] {
        team_attach(db, &w, &morgan, draft, name, b"text")
            .await
            .unwrap()
            .unwrap();
    }
    assert_eq!(
        team_attach(db, &w, &morgan, draft, "e.txt", b"text")
            .await
            .unwrap()
            .unwrap_err(),
        Refusal::TooManyFiles {
            name: "e.txt".to_string()
        }
    );
    let listed = records::draft_attachments(db, &morgan, draft)
        .await
        .unwrap();
    for extra in listed.iter().filter(|f| f.id != plan.id) {
        records::remove_from_draft(db, &w.store, &morgan, &extra.id)
            .await
            .unwrap();
    }

    // Until sent it is Morgan's alone: not the Veteran's, the caregiver's or a colleague's.
    assert_eq!(
        downloads(db, &w.morgan, &plan.id).await.unwrap(),
        "care plan.pdf"
    );
    for other in [&w.alex, &w.sam, &casey] {
        assert_eq!(
            downloads(db, other, &plan.id).await.unwrap_err(),
            AppError::NotFound,
            "{} must not see a team reply draft's file",
            other.email
        );
    }
    assert_eq!(
        records::draft_attachments(db, &casey_can, draft)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    // Never in the Veteran's or the caregiver's Drafts, its list or its count.
    for person in [&w.alex, &w.sam] {
        let (listed, count) = alex_drafts(db, &w, person).await;
        assert!(!listed.contains(&draft), "{} lists it", person.email);
        assert_eq!(count, 0, "{} counts it", person.email);
        let can = trusted::messaging(person.clone()).unwrap();
        assert_eq!(
            messaging::get_draft(db, &can, w.alex.id, draft)
                .await
                .unwrap_err(),
            AppError::NotFound
        );
        assert_eq!(
            messaging::delete_draft(db, &can, w.alex.id, draft)
                .await
                .unwrap_err(),
            AppError::NotFound
        );
        let seen = messaging::open_thread(db, &can, w.alex.id, thread)
            .await
            .unwrap();
        assert_eq!(seen.reply_draft, None, "{}'s reply box", person.email);
    }
    let mailbox = messaging::mailbox(db, &w.alex_can, w.alex.id)
        .await
        .unwrap();
    assert_eq!(
        records::draft_attachments(db, &mailbox, draft)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        records::remove_from_draft(db, &w.store, &mailbox, &plan.id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );

    // "Reply": the file goes with the message, the draft is done.
    let sent = team::reply(
        db,
        &morgan,
        thread,
        &Reply {
            body: "Your care plan is attached.".to_string(),
            client_key: uuid::Uuid::new_v4().to_string(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        records::message_attachments(&db.pool, &[sent.message_id])
            .await
            .unwrap(),
        vec![(sent.message_id, plan.clone())]
    );
    assert_eq!(team::reply_draft(db, &morgan, thread).await.unwrap(), None);
    // The Veteran sees it on the reply, and the Veteran, the caregiver and the whole team
    // can open it; another Veteran cannot.
    let seen = messaging::open_thread(db, &w.alex_can, w.alex.id, thread)
        .await
        .unwrap();
    let reply = seen
        .messages
        .iter()
        .find(|m| m.message_id == sent.message_id)
        .unwrap();
    assert_eq!(reply.attachments, vec![plan.clone()]);
    for participant in [&w.alex, &w.sam, &casey, &w.morgan] {
        assert_eq!(
            downloads(db, participant, &plan.id).await.unwrap(),
            "care plan.pdf",
            "{}",
            participant.email
        );
    }
    assert_eq!(
        downloads(db, &w.jordan, &plan.id).await.unwrap_err(),
        AppError::NotFound
    );
    // Sent files are medical records: not even their author removes them now.
    assert_eq!(
        records::remove_from_draft(db, &w.store, &morgan, &plan.id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    // Each download is audited with the patient whose record it is.
    let patients: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT patient_id FROM audit_events WHERE action = 'attachment_downloaded' \
         AND outcome = 'success'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(patients, vec![Some(w.alex.id); 5]);
    // The stored files are exactly the one sent: removed ones left nothing behind.
    assert_eq!(w.store.stored_ids().await.unwrap(), vec![plan.id]);
}

async fn a_clinician_of_another_team_finds_nothing(db: &Db) {
    let w = world(db).await;
    let morgan = team_can(&w.morgan);
    let pat = pharmacist(db).await;
    let pat_can = team_can(&pat);
    let thread = alex_primary_care_thread(db, &w).await;
    let draft = team::reply_draft_for_files(db, &morgan, thread)
        .await
        .unwrap();
    let plan = team_attach(db, &w, &morgan, draft, "plan.pdf", b"%PDF-1.7 plan")
        .await
        .unwrap()
        .unwrap();

    // Pat is on Pharmacy: the thread, the draft and the file are not there for Pat.
    assert_eq!(
        team::reply_draft_for_files(db, &pat_can, thread)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(team::reply_draft(db, &pat_can, thread).await.unwrap(), None);
    assert_eq!(
        team_attach(db, &w, &pat_can, draft, "x.pdf", b"%PDF-1.7 x")
            .await
            .unwrap_err(),
        AppError::NotFound,
        "upload"
    );
    assert_eq!(
        records::draft_usage(db, &pat_can, draft).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        records::draft_attachments(db, &pat_can, draft)
            .await
            .unwrap_err(),
        AppError::NotFound,
        "list"
    );
    assert_eq!(
        records::remove_from_draft(db, &w.store, &pat_can, &plan.id)
            .await
            .unwrap_err(),
        AppError::NotFound,
        "remove"
    );
    assert_eq!(
        downloads(db, &pat, &plan.id).await.unwrap_err(),
        AppError::NotFound,
        "download"
    );
    // Nothing changed for Morgan.
    assert_eq!(
        records::draft_attachments(db, &morgan, draft)
            .await
            .unwrap(),
        vec![plan.clone()]
    );
    // Once sent, still nothing for another team.
    team::reply(
        db,
        &morgan,
        thread,
        &Reply {
            body: "Attached.".to_string(),
            client_key: uuid::Uuid::new_v4().to_string(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        downloads(db, &pat, &plan.id).await.unwrap_err(),
        AppError::NotFound
    );
    let denied: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'attachment_downloaded' \
         AND outcome = 'denied' AND actor_id = $1",
    )
    .bind(pat.id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(denied, 2);
}

async fn a_member_taken_off_the_team_loses_the_pending_files(db: &Db) {
    let w = world(db).await;
    let casey = user(db, "nurse@example.com").await;
    let riley = user(db, "admin@example.com").await;
    let (morgan, casey_can) = (team_can(&w.morgan), team_can(&casey));
    let thread = alex_primary_care_thread(db, &w).await;
    let caseys_draft = team::reply_draft_for_files(db, &casey_can, thread)
        .await
        .unwrap();
    let caseys = team_attach(
        db,
        &w,
        &casey_can,
        caseys_draft,
        "dose.pdf",
        b"%PDF-1.7 dose",
    )
    .await
    .unwrap()
    .unwrap();
    let morgans_draft = team::reply_draft_for_files(db, &morgan, thread)
        .await
        .unwrap();
    let morgans = team_attach(db, &w, &morgan, morgans_draft, "plan.pdf", b"%PDF-1.7 plan")
        .await
        .unwrap()
        .unwrap();
    // Alex's own reply draft in the same thread, with a file: it never depends on a team.
    let alexs_draft = messaging::save_draft(
        db,
        &w.alex_can,
        w.alex.id,
        &DraftInput {
            draft_id: None,
            thread_id: Some(thread),
            care_team_id: None,
            category: None,
            subject: String::new(),
            body: "A photo.".to_string(),
        },
    )
    .await
    .unwrap()
    .draft_id;
    let alexs = attach(db, &w, alexs_draft, "photo.png", b"\x89PNG\r\n\x1a\n....")
        .await
        .unwrap();

    // Off the team, the files are out of Casey's reach at once, whatever took her off.
    let membership = |sql: &'static str| {
        sqlx::query(sql)
            .bind(w.primary_care)
            .bind(casey.id)
            .execute(&db.pool)
    };
    membership("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
        .await
        .unwrap();
    assert_eq!(
        records::draft_attachments(db, &casey_can, caseys_draft)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        downloads(db, &casey, &caseys.id).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        team::reply_draft(db, &casey_can, thread).await.unwrap(),
        None
    );
    membership(
        "INSERT INTO team_members (team_id, user_id, team_role, created_at) VALUES ($1, $2, 'member', 0)",
    )
    .await
    .unwrap();
    assert_eq!(downloads(db, &casey, &caseys.id).await.unwrap(), "dose.pdf");

    // The administrator takes her off the team: her reply draft and its file go (audited);
    // Morgan's and Alex's stay.
    let admin = trusted::admin(riley.clone()).unwrap();
    let gone = app::admin::ssr::remove_member(
        db,
        &admin,
        &app::admin::ssr::Origin(Some("203.0.113.9".to_string())),
        w.primary_care,
        casey.id,
    )
    .await
    .unwrap();
    assert_eq!(gone, vec![caseys.id.clone()]);
    records::delete_files(&w.store, &gone).await;
    assert_eq!(
        records::find_orphans(db, &w.store).await.unwrap(),
        records::OrphanReport::default()
    );
    let left: Vec<i64> = sqlx::query_scalar("SELECT id FROM drafts ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, vec![morgans_draft, alexs_draft]);
    let audited: (i64, Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT actor_id, patient_id, target FROM audit_events WHERE action = 'draft_deleted'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        audited,
        (
            riley.id,
            Some(w.alex.id),
            Some(format!("draft:{caseys_draft}"))
        )
    );
    // Back on the team later, she finds nothing waiting.
    membership(
        "INSERT INTO team_members (team_id, user_id, team_role, created_at) VALUES ($1, $2, 'member', 0)",
    )
    .await
    .unwrap();
    assert_eq!(
        team::reply_draft(db, &casey_can, thread).await.unwrap(),
        None
    );

    // The thread moves to Pharmacy, where Morgan is not: Morgan's pending file goes too,
    // and Alex's reply draft keeps its photo.
    let pharmacy: i64 = sqlx::query_scalar("SELECT id FROM care_teams WHERE name = 'Pharmacy'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let gone = team::reassign_team(db, &morgan, thread, pharmacy, "For the pharmacist.", None)
        .await
        .unwrap();
    assert_eq!(gone, vec![morgans.id.clone()]);
    records::delete_files(&w.store, &gone).await;
    assert_eq!(
        downloads(db, &w.morgan, &morgans.id).await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(w.store.stored_ids().await.unwrap(), vec![alexs.id.clone()]);
    assert_eq!(
        downloads(db, &w.alex, &alexs.id).await.unwrap(),
        "photo.png"
    );
}

/// A caregiver acting for two Veterans: a send for one that names the other's draft takes
/// none of that draft's files (they were attached for the other Veteran), and the draft
/// stays; sent for its own Veteran, the files go with it.
async fn a_caregivers_draft_files_stay_with_their_veteran(db: &Db) {
    let w = world(db).await;
    sqlx::query(
        "INSERT INTO caregiver_grants (caregiver_id, veteran_id, granted_at) VALUES ($1, $2, $3)",
    )
    .bind(w.sam.id)
    .bind(w.jordan.id)
    .bind(db.now_ms())
    .execute(&db.pool)
    .await
    .unwrap();
    let pharmacy: i64 = sqlx::query_scalar("SELECT id FROM care_teams WHERE name = 'Pharmacy'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let sam_can = trusted::messaging(w.sam.clone()).unwrap();
    let for_alex = messaging::save_draft(
        db,
        &sam_can,
        w.alex.id,
        &DraftInput {
            draft_id: None,
            thread_id: None,
            care_team_id: Some(w.primary_care),
            category: Some(Category::TestResults),
            subject: "Alex's results".to_string(),
            body: "Attached for Alex.".to_string(),
        },
    )
    .await
    .unwrap()
    .draft_id;
    let alex_mailbox = messaging::mailbox(db, &sam_can, w.alex.id).await.unwrap();
    let mut writer = w.store.begin().unwrap();
    writer.write(b"%PDF-1.7 Alex's results").await.unwrap();
    let sealed = writer.finish().await.unwrap();
    let file = records::attach_to_draft(
        db,
        &alex_mailbox,
        for_alex,
        &StoredUpload {
            display_name: "alex.pdf",
            file_type: FileType::Pdf,
            sealed: &sealed,
        },
    )
    .await
    .unwrap()
    .unwrap();
    let file_place = |id: String| async move {
        sqlx::query_as::<_, (Option<i64>, Option<i64>)>(
            "SELECT draft_id, message_id FROM attachments WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
    };

    // Sent for Jordan, naming Alex's draft: the file and the draft stay Alex's.
    let for_jordan = messaging::send_message(
        db,
        &sam_can,
        w.jordan.id,
        &NewMessage {
            care_team_id: Some(pharmacy),
            category: Some(Category::Medication),
            subject: "Jordan's refill".to_string(),
            body: "A refill for Jordan.".to_string(),
            client_key: "jordan-refill".to_string(),
            draft_id: Some(for_alex),
        },
    )
    .await
    .unwrap();
    assert_eq!(file_place(file.id.clone()).await, (Some(for_alex), None));
    let jordans_files: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE message_id = $1")
            .bind(for_jordan.message_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(jordans_files, 0);
    assert!(messaging::get_draft(db, &sam_can, w.alex.id, for_alex)
        .await
        .is_ok());

    // Sent for Alex: the file goes with the message.
    let for_alex_sent = messaging::send_message(
        db,
        &sam_can,
        w.alex.id,
        &NewMessage {
            care_team_id: Some(w.primary_care),
            category: Some(Category::TestResults),
            subject: "Alex's results".to_string(),
            body: "Attached for Alex.".to_string(),
            client_key: "alex-results".to_string(),
            draft_id: Some(for_alex),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        file_place(file.id.clone()).await,
        (None, Some(for_alex_sent.message_id))
    );
}

/// Drafts stay until sent or deleted, so each person may keep a bounded number, holding a
/// bounded size together; at the limit an edit that does not grow them still goes.
async fn a_persons_drafts_are_limited_in_number_and_size(db: &Db) {
    use app::messages::rules::{DRAFTS_FULL, MAX_DRAFTS, MAX_DRAFT_BYTES, TOO_MANY_DRAFTS};
    let w = world(db).await;
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM drafts WHERE author_id = $1")
        .bind(w.alex.id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut drafts = Vec::new();
    for _ in kept..MAX_DRAFTS {
        drafts.push(new_draft(db, &w).await);
    }
    let edit = |draft_id: Option<i64>, body: &str| DraftInput {
        draft_id,
        thread_id: None,
        care_team_id: Some(w.primary_care),
        category: Some(Category::TestResults),
        subject: "Lab results".to_string(),
        body: body.to_string(),
    };
    let can = &w.alex_can;
    let alex = w.alex.id;
    let save =
        |input: DraftInput| async move { messaging::save_draft(db, can, alex, &input).await };
    let too_many = AppError::Conflict {
        message: TOO_MANY_DRAFTS.to_string(),
    };
    assert_eq!(save(edit(None, "One more")).await.unwrap_err(), too_many);
    // Those kept can still be edited; deleting one makes room for one.
    let last = drafts[drafts.len() - 1];
    save(edit(Some(last), "Changed")).await.unwrap();
    messaging::delete_draft(db, &w.alex_can, w.alex.id, last)
        .await
        .unwrap();
    let room = save(edit(None, "One more")).await.unwrap().draft_id;
    assert_eq!(save(edit(None, "And another")).await.unwrap_err(), too_many);

    // Files count with the text: one counted as nearly 100 MB fills them.
    let big = attach(db, &w, drafts[0], "big.pdf", b"%PDF-1.7 big")
        .await
        .unwrap();
    sqlx::query("UPDATE attachments SET size_bytes = $1 WHERE id = $2")
        .bind(MAX_DRAFT_BYTES as i64 - 10)
        .bind(&big.id)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        attach(db, &w, room, "more.pdf", b"%PDF-1.7 more")
            .await
            .unwrap_err(),
        Refusal::DraftsFull {
            name: "more.pdf".to_string()
        }
    );
    let full = AppError::Conflict {
        message: DRAFTS_FULL.to_string(),
    };
    assert_eq!(
        save(edit(Some(room), "One more, and now a good deal longer"))
            .await
            .unwrap_err(),
        full
    );
    let kept_body: String = sqlx::query_scalar("SELECT body FROM drafts WHERE id = $1")
        .bind(room)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(kept_body, "One more");
    // Cutting a draft down still goes.
    save(edit(Some(room), "One")).await.unwrap();
}

/// The stale-draft job: a draft untouched for 90 days goes with its row, its stored file
/// and an audit event with no actor; a newer one stays. Two runs at once (two server
/// processes) remove each draft once; a later run finds nothing more.
async fn drafts_untouched_for_90_days_go_with_their_files(db: &Db) {
    use app::messages::ssr::STALE_DRAFT_MS;
    let w = world(db).await;
    let old = new_draft(db, &w).await;
    let old_file = attach(db, &w, old, "old.pdf", b"%PDF-1.7 old")
        .await
        .unwrap();
    let recent = new_draft(db, &w).await;
    let recent_file = attach(db, &w, recent, "new.pdf", b"%PDF-1.7 new")
        .await
        .unwrap();
    let now = db.now_ms();
    let touched = |draft: i64, at: i64| async move {
        sqlx::query("UPDATE drafts SET updated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(draft)
            .execute(&db.pool)
            .await
            .unwrap();
    };
    touched(old, now - STALE_DRAFT_MS - 60_000).await;
    touched(recent, now - STALE_DRAFT_MS + 24 * 60 * 60 * 1000).await;
    let mut stale = vec![old];
    for _ in 0..4 {
        let draft = new_draft(db, &w).await;
        touched(draft, now - STALE_DRAFT_MS - 1).await;
        stale.push(draft);
    }

    let (one, two) = tokio::join!(
        messaging::remove_stale_drafts(db, &w.store, now),
        messaging::remove_stale_drafts(db, &w.store, now)
    );
    assert_eq!(one.unwrap() + two.unwrap(), stale.len() as u64);
    let expired: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'draft_deleted' AND actor_id IS NULL",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(expired, stale.len() as i64, "each draft once");
    assert!(messaging::get_draft(db, &w.alex_can, w.alex.id, old)
        .await
        .is_err());
    assert!(downloads(db, &w.alex, &old_file.id).await.is_err());
    // Row and stored file both gone: the start-up check finds no file without its row.
    assert_eq!(
        records::find_orphans(db, &w.store).await.unwrap(),
        records::OrphanReport::default()
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'draft_deleted' \
         AND target = $1 AND actor_id IS NULL AND patient_id = $2",
    )
    .bind(format!("draft:{old}"))
    .bind(w.alex.id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    // The newer draft and its file stay.
    assert!(messaging::get_draft(db, &w.alex_can, w.alex.id, recent)
        .await
        .is_ok());
    assert_eq!(
        downloads(db, &w.alex, &recent_file.id).await.unwrap(),
        "new.pdf"
    );
    assert_eq!(
        messaging::remove_stale_drafts(db, &w.store, now)
            .await
            .unwrap(),
        0
    );
}

// ---- Files on a message the care team starts ("Start a message") ----

async fn a_team_started_messages_files_reach_the_veterans_thread(db: &Db) {
    let w = world(db).await;
    let casey = user(db, "nurse@example.com").await;
    let pat = pharmacist(db).await;
    let (morgan, casey_can, pat_can) = (team_can(&w.morgan), team_can(&casey), team_can(&pat));
    assert_eq!(
        team::start_draft(db, &morgan, w.alex.id).await.unwrap(),
        None
    );
    // Only for a Veteran of the clinician's teams: Jordan is Pharmacy's alone.
    assert_eq!(
        team::start_draft_for_files(db, &morgan, w.jordan.id)
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    let draft = team::start_draft_for_files(db, &morgan, w.alex.id)
        .await
        .unwrap();
    // One per clinician and Veteran: asking again finds the same one.
    assert_eq!(
        team::start_draft_for_files(db, &morgan, w.alex.id)
            .await
            .unwrap(),
        draft
    );
    let plan = team_attach(db, &w, &morgan, draft, "care plan.pdf", b"%PDF-1.7 plan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        team::start_draft(db, &morgan, w.alex.id).await.unwrap(),
        Some((draft, vec![plan.clone()]))
    );

    // Nobody else attaches to it, lists it or removes from it: not a colleague on the same
    // team, not a clinician of another of Alex's teams, not the Veteran or the caregiver.
    for other in [&casey_can, &pat_can] {
        assert_eq!(
            team_attach(db, &w, other, draft, "x.txt", b"text")
                .await
                .unwrap_err(),
            AppError::NotFound,
            "{}",
            other.user().email
        );
        assert_eq!(
            records::draft_attachments(db, other, draft)
                .await
                .unwrap_err(),
            AppError::NotFound
        );
        assert_eq!(
            records::remove_from_draft(db, &w.store, other, &plan.id)
                .await
                .unwrap_err(),
            AppError::NotFound
        );
    }
    for person in [&w.alex, &w.sam] {
        let can = trusted::messaging(person.clone()).unwrap();
        let mailbox = messaging::mailbox(db, &can, w.alex.id).await.unwrap();
        let mut writer = w.store.begin().unwrap();
        writer.write(b"text").await.unwrap();
        let sealed = writer.finish().await.unwrap();
        let refused = records::attach_to_draft(
            db,
            &mailbox,
            draft,
            &StoredUpload {
                display_name: "x.txt",
                file_type: FileType::from_name("x.txt").unwrap(),
                sealed: &sealed,
            },
        )
        .await;
        w.store.delete(&sealed.id).await.unwrap();
        assert_eq!(refused.unwrap_err(), AppError::NotFound, "{}", person.email);
        assert_eq!(
            records::draft_attachments(db, &mailbox, draft)
                .await
                .unwrap_err(),
            AppError::NotFound
        );
        // Never in the Veteran's or the caregiver's Drafts.
        let (listed, count) = alex_drafts(db, &w, person).await;
        assert!(!listed.contains(&draft), "{} lists it", person.email);
        assert_eq!(count, 0, "{} counts it", person.email);
    }
    // Until sent, its file is Morgan's alone.
    assert_eq!(
        downloads(db, &w.morgan, &plan.id).await.unwrap(),
        "care plan.pdf"
    );
    for other in [&w.alex, &w.sam, &casey, &pat] {
        assert_eq!(
            downloads(db, other, &plan.id).await.unwrap_err(),
            AppError::NotFound,
            "{}",
            other.email
        );
    }

    // "Send": the file goes with the first message of the new thread; the draft is done.
    let sent = team::start_thread(
        db,
        &morgan,
        w.alex.id,
        &NewMessage {
            care_team_id: Some(w.primary_care),
            category: Some(Category::TestResults),
            subject: "Your care plan".to_string(),
            body: "Your care plan is attached.".to_string(),
            client_key: uuid::Uuid::new_v4().to_string(),
            draft_id: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        records::message_attachments(&db.pool, &[sent.message_id])
            .await
            .unwrap(),
        vec![(sent.message_id, plan.clone())]
    );
    assert_eq!(
        team::start_draft(db, &morgan, w.alex.id).await.unwrap(),
        None
    );
    let drafts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM drafts WHERE id = $1")
        .bind(draft)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(drafts, 0);
    // The Veteran sees it on the message in their conversation.
    let seen = messaging::open_thread(db, &w.alex_can, w.alex.id, sent.thread_id)
        .await
        .unwrap();
    assert_eq!(seen.messages.len(), 1);
    assert_eq!(seen.messages[0].attachments, vec![plan.clone()]);
    // The Veteran, the caregiver and Morgan's colleagues download it; another team's
    // clinician and another Veteran do not.
    for participant in [&w.alex, &w.sam, &casey, &w.morgan] {
        assert_eq!(
            downloads(db, participant, &plan.id).await.unwrap(),
            "care plan.pdf",
            "{}",
            participant.email
        );
    }
    for outsider in [&w.jordan, &pat] {
        assert_eq!(
            downloads(db, outsider, &plan.id).await.unwrap_err(),
            AppError::NotFound,
            "{}",
            outsider.email
        );
    }
    // The send is audited with how many files went with it.
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'message_sent' AND target = $1",
    )
    .bind(format!("thread:{}", sent.thread_id))
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(detail.contains("\"attachments\":1"), "{detail}");
    // A next message to Alex starts from an empty draft.
    let next = team::start_draft_for_files(db, &morgan, w.alex.id)
        .await
        .unwrap();
    assert_eq!(
        records::draft_attachments(db, &morgan, next).await.unwrap(),
        Vec::new()
    );
}
