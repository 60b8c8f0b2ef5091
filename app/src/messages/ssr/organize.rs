//! Custom folders, moving threads between folders, Trash and restore.
//!
//! Folders belong to the person viewing (DESIGN.md §2): a caregiver's folders are their own,
//! and moving a thread changes only the mover's view of it.

use super::super::rules;
use super::super::Folder;
use super::threads::FolderColumns;
use super::{home_folder_sql, mailbox};
use crate::error::AppError;
use crate::pages::veteran_home::ssr::veterans_for;
use crate::server::access::MessagingCapability;
use crate::server::audit::{self, Action};
use crate::server::db::Db;
use crate::server::db::{is_unique_violation, Tx};
use sqlx::{Any, Executor};

const DUPLICATE_NAME: &str = "You already have a folder with that name. Choose another name.";
const NOT_EMPTY: &str = "This folder isn't empty. Move its conversations to another folder \
     first, then delete it.";

/// The custom folder `folder_id` when `owner_id` owns it; `NotFound` otherwise.
pub(super) async fn owned_folder<'e, E>(
    executor: E,
    owner_id: i64,
    folder_id: i64,
) -> Result<(), AppError>
where
    E: Executor<'e, Database = Any>,
{
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM folders WHERE id = $1 AND owner_id = $2")
            .bind(folder_id)
            .bind(owner_id)
            .fetch_optional(executor)
            .await?;
    found.map(|_| ()).ok_or(AppError::NotFound)
}

/// Refuses a name the owner already uses (ignoring case and spacing), other than
/// `except`'s own.
async fn check_name_free(
    tx: &mut Tx,
    owner_id: i64,
    name_key: &str,
    except: Option<i64>,
) -> Result<(), AppError> {
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM folders WHERE owner_id = $1 AND name_key = $2")
            .bind(owner_id)
            .bind(name_key)
            .fetch_optional(&mut **tx)
            .await?;
    match taken {
        Some(id) if Some(id) != except => Err(AppError::invalid("name", DUPLICATE_NAME)),
        _ => Ok(()),
    }
}

fn name_error(error: sqlx::Error) -> AppError {
    if is_unique_violation(&error) {
        AppError::invalid("name", DUPLICATE_NAME)
    } else {
        error.into()
    }
}

/// Makes a custom folder for the person asking. Returns it.
pub async fn create_folder(
    db: &Db,
    capability: &MessagingCapability,
    name: &str,
) -> Result<Folder, AppError> {
    let owner_id = capability.user().id;
    let name = rules::validate_folder_name(name)?;
    let name_key = rules::folder_name_key(&name);
    let mut tx = db.begin_write().await?;
    check_name_free(&mut tx, owner_id, &name_key, None).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO folders (owner_id, name, name_key, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(owner_id)
    .bind(name.as_str())
    .bind(name_key.as_str())
    .bind(db.now_ms())
    .fetch_one(&mut *tx)
    .await
    .map_err(name_error)?;
    tx.commit().await?;
    Ok(Folder::Custom(id))
}

/// Renames one of the asker's folders (same rules as a new name).
pub async fn rename_folder(
    db: &Db,
    capability: &MessagingCapability,
    folder_id: i64,
    name: &str,
) -> Result<(), AppError> {
    let owner_id = capability.user().id;
    let name = rules::validate_folder_name(name)?;
    let name_key = rules::folder_name_key(&name);
    let mut tx = db.begin_write().await?;
    owned_folder(&mut *tx, owner_id, folder_id).await?;
    check_name_free(&mut tx, owner_id, &name_key, Some(folder_id)).await?;
    sqlx::query("UPDATE folders SET name = $1, name_key = $2 WHERE id = $3 AND owner_id = $4")
        .bind(name.as_str())
        .bind(name_key.as_str())
        .bind(folder_id)
        .bind(owner_id)
        .execute(&mut *tx)
        .await
        .map_err(name_error)?;
    tx.commit().await?;
    Ok(())
}

/// Deletes one of the asker's folders, only when empty (DESIGN.md §2); otherwise
/// `Conflict` with what to do. For a caregiver, threads of a Veteran whose grant has ended
/// cannot be seen or moved any more: those go back to their home folder instead of
/// keeping the folder forever.
pub async fn delete_folder(
    db: &Db,
    capability: &MessagingCapability,
    folder_id: i64,
) -> Result<(), AppError> {
    let owner_id = capability.user().id;
    let live: Vec<i64> = veterans_for(&db.pool, capability)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut tx = db.begin_write().await?;
    owned_folder(&mut *tx, owner_id, folder_id).await?;
    let veterans_in_folder: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT veteran_id FROM thread_views WHERE user_id = $1 AND folder_id = $2",
    )
    .bind(owner_id)
    .bind(folder_id)
    .fetch_all(&mut *tx)
    .await?;
    if veterans_in_folder.iter().any(|id| live.contains(id)) {
        return Err(AppError::Conflict {
            message: NOT_EMPTY.to_string(),
        });
    }
    sqlx::query(&format!(
        "UPDATE thread_views SET folder = {home}, folder_id = NULL \
         WHERE user_id = $1 AND folder_id = $2",
        home = home_folder_sql("thread_views.thread_id"),
    ))
    .bind(owner_id)
    .bind(folder_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM folders WHERE id = $1 AND owner_id = $2")
        .bind(folder_id)
        .bind(owner_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a thread, for the asker alone, to Inbox, Trash or one of their folders. Sent and
/// Drafts are not places a thread can be put. Audited as `thread_moved` (or
/// `thread_trashed`), with folder ids only: folder names are the person's words and may
/// say something about their health.
pub async fn move_thread(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    thread_id: i64,
    to: Folder,
) -> Result<(), AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    let (folder, folder_id, action) = match to {
        Folder::Inbox => ("inbox", None, Action::ThreadMoved),
        Folder::Trash => ("trash", None, Action::ThreadTrashed),
        Folder::Custom(id) => ("custom", Some(id), Action::ThreadMoved),
        Folder::Sent | Folder::Drafts => {
            return Err(AppError::invalid(
                "folder",
                "Choose Inbox, Trash or one of your folders.",
            ))
        }
    };
    let mut tx = db.begin_write().await?;
    if let Some(id) = folder_id {
        owned_folder(&mut *tx, mailbox.viewer_id, id).await?;
    }
    let moved = sqlx::query(
        "UPDATE thread_views SET folder = $1, folder_id = $2 \
         WHERE user_id = $3 AND thread_id = $4 AND veteran_id = $5",
    )
    .bind(folder)
    .bind(folder_id)
    .bind(mailbox.viewer_id)
    .bind(thread_id)
    .bind(mailbox.veteran_id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut *tx,
        &mailbox
            .audit(action)
            .target(format!("thread:{thread_id}"))
            .detail(serde_json::json!({ "folder": folder, "folder_id": folder_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Delete: moves the thread to the asker's Trash. Messages are medical records; nothing is
/// erased (DESIGN.md §2).
pub async fn trash_thread(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    thread_id: i64,
) -> Result<(), AppError> {
    move_thread(db, capability, veteran_id, thread_id, Folder::Trash).await
}

/// Takes a thread out of Trash, back to Inbox (once the team has written) or Sent.
/// Returns where it is now; a thread not in Trash stays where it is.
pub async fn restore_thread(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    thread_id: i64,
) -> Result<Folder, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    let mut tx = db.begin_write().await?;
    let restored = sqlx::query(&format!(
        "UPDATE thread_views SET folder = {home} \
         WHERE user_id = $1 AND thread_id = $2 AND veteran_id = $3 AND folder = 'trash'",
        home = home_folder_sql("thread_views.thread_id"),
    ))
    .bind(mailbox.viewer_id)
    .bind(thread_id)
    .bind(mailbox.veteran_id)
    .execute(&mut *tx)
    .await?;
    let columns: FolderColumns = sqlx::query_as(
        "SELECT folder, folder_id FROM thread_views \
         WHERE user_id = $1 AND thread_id = $2 AND veteran_id = $3",
    )
    .bind(mailbox.viewer_id)
    .bind(thread_id)
    .bind(mailbox.veteran_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let folder = Folder::try_from(columns)?;
    if restored.rows_affected() > 0 {
        audit::record(
            &mut *tx,
            &mailbox
                .audit(Action::ThreadRestored)
                .target(format!("thread:{thread_id}")),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(folder)
}
