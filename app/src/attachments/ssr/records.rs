//! The attachments data layer: the rows that say whose each stored file is and how to open
//! it. Scoped like the rest of messaging: a draft's files belong to the draft's author (for
//! the Veteran they act for; for a care team member, while they are on the thread's team:
//! `DraftOwner`); a sent file to the thread's participants — the Veteran, their active
//! caregivers, the members of the thread's current team. Anyone else gets `NotFound`,
//! exactly as for a file that does not exist (DESIGN.md §3).

use super::owner::DraftOwner;
use super::sealing::SealingKeys;
use super::storage::{AttachmentStore, SealedFile};
use crate::attachments::rules::{self, FileType, Refusal};
use crate::attachments::Attachment;
use crate::auth::{Role, SignedInUser};
use crate::error::AppError;
use crate::messages::rules::MAX_DRAFT_BYTES;
use crate::messages::MessageView;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::{Db, Tx};
use sqlx::{Any, AnyConnection, FromRow};

/// How many files a draft has and their bytes together: checked before an upload starts,
/// so one that cannot fit is refused before any byte is stored.
pub async fn draft_usage<'a>(
    db: &Db,
    owner: impl Into<DraftOwner<'a>>,
    draft_id: i64,
) -> Result<(usize, u64), AppError> {
    own_draft(&db.pool, owner.into(), draft_id).await?;
    usage(&db.pool, draft_id).await
}

async fn usage<'e, E>(executor: E, draft_id: i64) -> Result<(usize, u64), AppError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let (files, bytes): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) AS files, CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) AS bytes \
         FROM attachments WHERE draft_id = $1",
    )
    .bind(draft_id)
    .fetch_one(executor)
    .await?;
    Ok((files as usize, bytes as u64))
}

/// What all of a person's drafts hold: their text (in characters) and their files (in
/// bytes), for the per-person limit (`messages::rules::MAX_DRAFT_BYTES`). `except_text`
/// leaves out one draft's text (the one being saved, counted anew by the caller).
pub async fn person_draft_bytes<'e, E>(
    executor: E,
    author_id: i64,
    except_text: Option<i64>,
) -> Result<u64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let bytes: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE((SELECT SUM(LENGTH(subject) + LENGTH(body)) FROM drafts \
         WHERE author_id = $1 AND id <> $2), 0) \
         + COALESCE((SELECT SUM(size_bytes) FROM attachments \
         WHERE owner_id = $1 AND draft_id IS NOT NULL), 0) AS BIGINT)",
    )
    .bind(author_id)
    .bind(except_text.unwrap_or(-1))
    .fetch_one(executor)
    .await?;
    Ok(bytes.max(0) as u64)
}

async fn own_draft<'e, E>(executor: E, owner: DraftOwner<'_>, draft_id: i64) -> Result<(), AppError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let sql = format!(
        "SELECT id FROM drafts WHERE id = $1 AND id IN ({})",
        owner.drafts_sql(2)
    );
    owner
        .bind(sqlx::query(&sql).bind(draft_id))
        .fetch_optional(executor)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound)
}

/// A checked and stored file, ready for its row.
pub struct StoredUpload<'a> {
    pub display_name: &'a str,
    pub file_type: FileType,
    pub sealed: &'a SealedFile,
}

/// Records a stored file on the author's draft. The limits are checked again under the
/// write lock (two uploads at once must not both squeeze in): a file that no longer fits is
/// refused with the rule it breaks. The caller deletes the stored file unless it is
/// accepted.
pub async fn attach_to_draft<'a>(
    db: &Db,
    owner: impl Into<DraftOwner<'a>>,
    draft_id: i64,
    upload: &StoredUpload<'_>,
) -> Result<Result<Attachment, Refusal>, AppError> {
    let owner = owner.into();
    let mut tx = db.begin_write().await?;
    // Serializes uploads to one draft (on SQLite the write lock already does).
    sqlx::query(&format!(
        "SELECT id FROM drafts WHERE id = $1{}",
        db.lock_rows()
    ))
    .bind(draft_id)
    .execute(&mut *tx)
    .await?;
    own_draft(&mut *tx, owner, draft_id).await?;
    let (files, bytes) = usage(&mut *tx, draft_id).await?;
    let size = upload.sealed.size_bytes;
    if let Err(refusal) = rules::check_fits(upload.display_name, size, files, bytes) {
        return Ok(Err(refusal));
    }
    let held = person_draft_bytes(&mut *tx, owner.author_id(), None).await?;
    if held + size > MAX_DRAFT_BYTES {
        return Ok(Err(Refusal::DraftsFull {
            name: upload.display_name.to_string(),
        }));
    }
    sqlx::query(
        "INSERT INTO attachments (id, owner_id, draft_id, message_id, display_name, content_type, \
         size_bytes, sha256, wrapped_key, nonce, created_at) \
         VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&upload.sealed.id)
    .bind(owner.author_id())
    .bind(draft_id)
    .bind(upload.display_name)
    .bind(upload.file_type.content_type())
    .bind(size as i64)
    .bind(&upload.sealed.sha256)
    .bind(&upload.sealed.keys.wrapped_key)
    .bind(&upload.sealed.keys.nonce)
    .bind(db.now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(Attachment {
        id: upload.sealed.id.clone(),
        name: upload.display_name.to_string(),
        type_label: upload.file_type.label().to_string(),
        size_bytes: size,
        is_image: upload.file_type.is_image(),
    }))
}

/// The files of one of the author's drafts, oldest first.
pub async fn draft_attachments<'a>(
    db: &Db,
    owner: impl Into<DraftOwner<'a>>,
    draft_id: i64,
) -> Result<Vec<Attachment>, AppError> {
    own_draft(&db.pool, owner.into(), draft_id).await?;
    let files: Vec<Summary> = sqlx::query_as(&format!(
        "SELECT {SUMMARY} FROM attachments WHERE draft_id = $1 ORDER BY created_at, display_name, id"
    ))
    .bind(draft_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(files.into_iter().map(Attachment::from).collect())
}

/// The files sent with each of these messages, for a thread page the person may already
/// see (the caller has checked the thread): `(message_id, attachment)` pairs.
pub async fn message_attachments<'e, E>(
    executor: E,
    message_ids: &[i64],
) -> Result<Vec<(i64, Attachment)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=message_ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT message_id, {SUMMARY} FROM attachments WHERE message_id IN ({}) \
         ORDER BY created_at, display_name, id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, MessageFile>(&sql);
    for id in message_ids {
        query = query.bind(*id);
    }
    let files = query.fetch_all(executor).await?;
    Ok(files
        .into_iter()
        .map(|file| (file.message_id, Attachment::from(file.summary)))
        .collect())
}

/// A file sent with a message, as `message_attachments` reads it.
#[derive(FromRow)]
struct MessageFile {
    message_id: i64,
    #[sqlx(flatten)]
    summary: Summary,
}

/// Puts each message's files on it: for the thread pages, after their own checks.
pub async fn fill_attachments(
    connection: &mut AnyConnection,
    messages: &mut [MessageView],
) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = messages.iter().map(|m| m.message_id).collect();
    for (message_id, attachment) in message_attachments(&mut *connection, &ids).await? {
        if let Some(message) = messages.iter_mut().find(|m| m.message_id == message_id) {
            message.attachments.push(attachment);
        }
    }
    Ok(())
}

const SUMMARY: &str = "id, display_name, content_type, size_bytes";

/// A file as `SUMMARY` reads it.
#[derive(FromRow)]
struct Summary {
    id: String,
    display_name: String,
    size_bytes: i64,
}

impl From<Summary> for Attachment {
    fn from(file: Summary) -> Attachment {
        let file_type = FileType::from_name(&file.display_name);
        Attachment {
            id: file.id,
            type_label: file_type.map(FileType::label).unwrap_or("File").to_string(),
            is_image: file_type.is_some_and(FileType::is_image),
            name: file.display_name,
            size_bytes: file.size_bytes as u64,
        }
    }
}

/// Removes one file from the author's draft ("Remove"): the row now, the stored file after.
pub async fn remove_from_draft<'a>(
    db: &Db,
    store: &AttachmentStore,
    owner: impl Into<DraftOwner<'a>>,
    attachment_id: &str,
) -> Result<(), AppError> {
    let owner = owner.into();
    // `$2` is both the file's owner and the drafts' author.
    let sql = format!(
        "DELETE FROM attachments WHERE id = $1 AND owner_id = $2 AND draft_id IN ({})",
        owner.drafts_sql(2)
    );
    let removed = owner
        .bind(sqlx::query(&sql).bind(attachment_id))
        .execute(&db.pool)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    delete_files(store, &[attachment_id.to_string()]).await;
    Ok(())
}

/// Moves the files of the author's draft to the message just sent from it, in the send's
/// transaction. Scoped to the author and to the Veteran the message is for: another
/// person's draft id moves nothing, and neither does a caregiver's draft for another of
/// their Veterans (files stay with the Veteran they were attached for).
pub async fn link_to_message(
    tx: &mut Tx,
    draft_id: i64,
    author_id: i64,
    veteran_id: i64,
    message_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE attachments SET message_id = $1, draft_id = NULL \
         WHERE owner_id = $3 AND draft_id IN \
         (SELECT id FROM drafts WHERE id = $2 AND author_id = $3 AND veteran_id = $4)",
    )
    .bind(message_id)
    .bind(draft_id)
    .bind(author_id)
    .bind(veteran_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The same for a reply: the author's reply draft in the thread (a Veteran's side reply,
/// or a care team member's once their membership of the thread's team has been checked).
pub async fn link_reply_draft(
    tx: &mut Tx,
    thread_id: i64,
    author_id: i64,
    message_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE attachments SET message_id = $1, draft_id = NULL WHERE owner_id = $2 \
         AND draft_id IN (SELECT id FROM drafts WHERE author_id = $2 AND thread_id = $3)",
    )
    .bind(message_id)
    .bind(author_id)
    .bind(thread_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The same for a conversation a care team member starts: their new-conversation draft for
/// the Veteran (the caller has checked, in the send's transaction, that they may write to
/// them). Answers how many files moved, for the send's audit event.
pub async fn link_team_start_draft(
    tx: &mut Tx,
    author_id: i64,
    veteran_id: i64,
    message_id: i64,
) -> Result<u64, sqlx::Error> {
    let moved = sqlx::query(
        "UPDATE attachments SET message_id = $1, draft_id = NULL WHERE owner_id = $2 \
         AND draft_id IN (SELECT id FROM drafts WHERE author_id = $2 AND veteran_id = $3 \
         AND starts_thread = 1)",
    )
    .bind(message_id)
    .bind(author_id)
    .bind(veteran_id)
    .execute(&mut **tx)
    .await?;
    Ok(moved.rows_affected())
}

/// Deletes the rows of the author's draft in the draft's own deletion transaction and
/// returns their ids, so the caller removes the stored files once that has committed.
pub async fn detach_draft(
    tx: &mut Tx,
    draft_id: i64,
    author_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM attachments WHERE draft_id = $1 AND owner_id = $2")
            .bind(draft_id)
            .bind(author_id)
            .fetch_all(&mut **tx)
            .await?;
    sqlx::query("DELETE FROM attachments WHERE draft_id = $1 AND owner_id = $2")
        .bind(draft_id)
        .bind(author_id)
        .execute(&mut **tx)
        .await?;
    Ok(ids)
}

/// Removes stored files whose rows are gone. A failure is logged, not returned: the row is
/// already gone, and the start-up check reports the file.
pub async fn delete_files(store: &AttachmentStore, ids: &[String]) {
    for id in ids {
        if let Err(error) = store.delete(id).await {
            tracing::warn!(attachment = %id, %error, "could not delete a stored attachment");
        }
    }
}

/// A file someone may download, with what opens and checks it.
#[derive(Clone, Debug)]
pub struct Download {
    pub id: String,
    pub display_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub keys: SealingKeys,
}

/// The file `attachment_id` for the person asking, or `NotFound` unless they are a
/// participant of its thread in the role that makes them one: a clinician on the thread's
/// team, the Veteran, a caregiver with live access (for a draft's file: its author; a care
/// team member's only while they are on the thread's team, or for a new-conversation
/// draft while they share a team with its Veteran). Administrators read no files.
/// Every answer is audited, refusals as `denied`.
pub async fn for_download(
    db: &Db,
    person: &SignedInUser,
    ip: &str,
    attachment_id: &str,
) -> Result<Download, AppError> {
    let file: Option<DownloadRecord> = sqlx::query_as(
        "SELECT a.id, a.display_name, a.content_type, a.size_bytes, a.sha256, a.wrapped_key, \
         a.nonce, a.draft_id, COALESCE(t.veteran_id, d.veteran_id) AS veteran_id \
         FROM attachments a \
         LEFT JOIN drafts d ON d.id = a.draft_id \
         LEFT JOIN messages m ON m.id = a.message_id \
         LEFT JOIN threads t ON t.id = m.thread_id \
         WHERE a.id = $1 AND $4 <> 'administrator' AND ( \
           (a.draft_id IS NOT NULL AND a.owner_id = $2 AND ($3 = 0 OR EXISTS ( \
             SELECT 1 FROM threads dt JOIN team_members dtm ON dtm.team_id = dt.team_id \
             WHERE dt.id = d.thread_id AND dtm.user_id = $2) \
             OR (d.starts_thread = 1 AND EXISTS (SELECT 1 FROM veteran_teams dvt \
             JOIN team_members dtm ON dtm.team_id = dvt.team_id \
             WHERE dvt.veteran_id = d.veteran_id AND dvt.blocked = 0 AND dtm.user_id = $2)))) \
           OR (a.message_id IS NOT NULL AND ( \
             ($3 = 1 AND EXISTS (SELECT 1 FROM team_members tm \
               WHERE tm.team_id = t.team_id AND tm.user_id = $2)) \
             OR (m.is_internal_note = 0 AND ( \
               ($4 = 'veteran' AND t.veteran_id = $2) \
               OR ($4 = 'caregiver' AND EXISTS (SELECT 1 FROM caregiver_grants g \
                 JOIN users cu ON cu.id = g.caregiver_id \
                 WHERE g.caregiver_id = $2 AND g.veteran_id = t.veteran_id \
                 AND g.revoked_at IS NULL AND cu.active = 1)))))))",
    )
    .bind(attachment_id)
    .bind(person.id)
    .bind(i64::from(person.role == Role::Clinician))
    .bind(person.role.as_str())
    .fetch_optional(&db.pool)
    .await?;
    let event = |outcome| {
        AuditEvent::new(Action::AttachmentDownloaded, outcome)
            .actor(person.id)
            .target(format!("attachment:{attachment_id}"))
            .from_address(ip.to_string())
    };
    let Some(file) = file else {
        audit::record(&db.pool, &event(Outcome::Denied)).await?;
        return Err(AppError::NotFound);
    };
    let veteran_id = file.veteran_id;
    let mut allowed = event(Outcome::Success).patient(veteran_id);
    if person.role == Role::Caregiver && file.draft_id.is_some() {
        // A caregiver's draft: they act for the Veteran.
        allowed = allowed.on_behalf_of(veteran_id);
    }
    audit::record(&db.pool, &allowed).await?;
    Ok(Download {
        id: file.id,
        display_name: file.display_name,
        content_type: file.content_type,
        size_bytes: file.size_bytes as u64,
        sha256: file.sha256,
        keys: SealingKeys {
            wrapped_key: file.wrapped_key,
            nonce: file.nonce,
        },
    })
}

/// A file someone asked to download, as `for_download` reads it.
#[derive(FromRow)]
struct DownloadRecord {
    id: String,
    display_name: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    wrapped_key: String,
    nonce: String,
    draft_id: Option<i64>,
    veteran_id: i64,
}

/// What the start-up check found: stored files no row names, and rows whose file is gone.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OrphanReport {
    pub files_without_row: Vec<String>,
    pub rows_without_file: Vec<String>,
}

/// Compares the storage with the rows. Reports only: deleting on a mismatch could destroy
/// a file whose row is being written right now by another instance.
pub async fn find_orphans(db: &Db, store: &AttachmentStore) -> Result<OrphanReport, AppError> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT id FROM attachments")
        .fetch_all(&db.pool)
        .await?;
    let files = store.stored_ids().await.map_err(AppError::internal)?;
    let rows_set: std::collections::BTreeSet<&String> = rows.iter().collect();
    let files_set: std::collections::BTreeSet<&String> = files.iter().collect();
    Ok(OrphanReport {
        files_without_row: files_set
            .difference(&rows_set)
            .map(|s| s.to_string())
            .collect(),
        rows_without_file: rows_set
            .difference(&files_set)
            .map(|s| s.to_string())
            .collect(),
    })
}
