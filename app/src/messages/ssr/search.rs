//! Search within a folder or everywhere (DESIGN.md §2): keywords over subject, body and
//! care team name, category, date range, newest or oldest first, 10 a page.
//!
//! A thread matches when one of its messages the Veteran can see (never an internal note),
//! together with the thread's subject and team name, holds every keyword. Words are stemmed
//! on both databases ("refills" finds "refill"). SQLite asks its FTS5 table; PostgreSQL
//! asks the tsvector columns. The scope comes first in both: one person's threads for one
//! Veteran, which the paging index narrows before any text is compared.

use super::super::rules;
use super::super::{Folder, Page, PageCursor, SearchQuery, ThreadRow};
use super::threads::{filter_folder, row_from, ROW_SELECT};
use super::{into_page, mailbox, Sql};
use crate::error::AppError;
use crate::server::access::MessagingCapability;
use crate::server::db::{Backend, Db};
use crate::server::now_ms;

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
    let mut sql = Sql::new(ROW_SELECT);
    sql.push("v.user_id = ")
        .int(mailbox.viewer_id)
        .push(" AND v.veteran_id = ")
        .int(mailbox.veteran_id);
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
        sql.push(" AND t.category = ").text(category.as_str());
    }
    let (from_ms, to_ms) = rules::date_bounds(query.dates, now_ms());
    if let Some(from_ms) = from_ms {
        sql.push(" AND v.last_message_at >= ").int(from_ms);
    }
    if let Some(to_ms) = to_ms {
        sql.push(" AND v.last_message_at <= ").int(to_ms);
    }
    let terms = rules::search_terms(&query.keywords);
    if !terms.is_empty() {
        match db.backend {
            Backend::Sqlite => {
                // Each term quoted: an FTS5 phrase of one word, all of them required.
                // Terms are letters and digits only (rules::search_terms), so no quote or
                // operator can reach the query.
                let fts_query = terms
                    .iter()
                    .map(|term| format!("\"{term}\""))
                    .collect::<Vec<_>>()
                    .join(" ");
                sql.push(
                    " AND v.thread_id IN (SELECT m.thread_id FROM message_search \
                     JOIN messages m ON m.id = message_search.rowid \
                     WHERE m.is_internal_note = 0 AND message_search MATCH ",
                )
                .text(fts_query)
                .push(")");
            }
            Backend::Postgres => {
                sql.push(
                    " AND EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = t.id \
                     AND m.is_internal_note = 0 \
                     AND (m.body_search || t.subject_search || to_tsvector('english', ct.name)) \
                     @@ plainto_tsquery('english', ",
                )
                .text(terms.join(" "))
                .push("))");
            }
        }
    }
    sql.page("v.last_message_at", "v.thread_id", query.sort, after);
    let rows = sql.query().fetch_all(&db.pool).await?;
    let rows = rows.iter().map(row_from).collect::<Result<Vec<_>, _>>()?;
    Ok(into_page(rows, |row| PageCursor {
        at: row.last_message_at,
        id: row.thread_id,
    }))
}
