//! Search within a folder or everywhere (DESIGN.md §2): keywords over subject, body, care
//! team name and who sent each message, category, date range, newest or oldest first, 10 a
//! page.
//!
//! A thread matches when one of its messages the Veteran can see (never an internal note),
//! together with the thread's subject, team name and the message's author, holds every
//! keyword. Words are stemmed
//! on both databases ("refills" finds "refill"). SQLite asks its FTS5 table; PostgreSQL
//! asks the tsvector columns. The scope comes first in both: one person's threads for one
//! Veteran, which the paging index narrows before any text is compared.

use super::super::rules;
use super::super::{Folder, Page, PageCursor, SearchQuery, ThreadRow};
use super::threads::{filter_folder, RowRecord, ROW_SELECT};
use super::{into_page, mailbox, page};
use crate::error::AppError;
use crate::server::access::MessagingCapability;
use crate::server::audit::{self, Action};
use crate::server::db::{Db, Notes, Sql};
use sqlx::FromRow;

/// Searches the asker's threads for this Veteran. `query.folder = None` searches every
/// folder except Trash; Drafts cannot be searched.
pub async fn search(
    db: &Db,
    capability: &MessagingCapability,
    veteran_id: i64,
    query: &SearchQuery,
    after: Option<PageCursor>,
) -> Result<Page<ThreadRow>, AppError> {
    let mailbox = mailbox(db, capability, veteran_id).await?;
    let asked = serde_json::json!({
        "folder": query.folder.map(|folder| format!("{folder:?}")),
        "category": query.category.map(|category| category.as_str()),
        "dates": format!("{:?}", query.dates),
        "words": rules::search_terms(&query.keywords).len(),
        "next_page": after.is_some(),
    });
    audit::record(
        &db.pool,
        &mailbox.audit(Action::MessagesSearched).detail(asked),
    )
    .await?;
    let mut sql = Sql::new(ROW_SELECT);
    sql.push("v.user_id = ")
        .push_int(mailbox.viewer_id)
        .push(" AND v.veteran_id = ")
        .push_int(mailbox.veteran_id);
    match query.folder {
        None => {
            sql.push(" AND v.folder <> 'trash'");
        }
        Some(Folder::Drafts) => {
            return Err(AppError::invalid(
                "folder",
                "Search looks in your conversations, not in Drafts.",
            ))
        }
        Some(folder) => filter_folder(db, &mailbox, folder, &mut sql).await?,
    }
    if let Some(category) = query.category {
        sql.push(" AND t.category = ").push_text(category.as_str());
    }
    let (from_ms, to_ms) = rules::date_bounds(query.dates, db.now_ms());
    if let Some(from_ms) = from_ms {
        sql.push(" AND v.last_message_at >= ").push_int(from_ms);
    }
    if let Some(to_ms) = to_ms {
        sql.push(" AND v.last_message_at <= ").push_int(to_ms);
    }
    let terms = rules::search_terms(&query.keywords);
    if !terms.is_empty() {
        let matching = db.messages_matching(&mut sql, &terms, Notes::Left);
        sql.push(&format!(" AND {matching}"));
    }
    page(
        &mut sql,
        "v.last_message_at",
        "v.thread_id",
        query.sort,
        after,
    );
    let rows = sql
        .query()
        .try_map(|row| RowRecord::from_row(&row).map(ThreadRow::from))
        .fetch_all(&db.pool)
        .await?;
    Ok(into_page(rows, |row| PageCursor {
        at: row.last_message_at,
        id: row.thread_id,
    }))
}
