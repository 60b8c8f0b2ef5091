//! The team inbox (DESIGN.md §2 "Team inbox"): the threads of every team the person belongs
//! to, filtered and ordered for triage, 25 a page, and the count behind each filter.
//!
//! Order: threads waiting on the team come first, those with urgent language pinned on top,
//! then the earliest due; then threads the team has answered (nothing due), oldest activity
//! first. "Completed" lists the most recently completed first. Keyset paging on
//! (rank, key, id), so a page costs the same however deep.
//!
//! Keywords reuse the Veteran search's full-text machinery (FTS5 on SQLite, tsvector on
//! PostgreSQL, the same stemming and the same word cleaning, `rules::search_terms`), over
//! subject, message bodies (internal notes included: the team may see them) and team name;
//! a thread also matches when every word is in the Veteran's name.

use super::super::types::{
    InboxCounts, InboxCursor, InboxFilter, InboxPage, InboxQuery, InboxRow, TEAM_PAGE_SIZE,
};
use super::{coverage_join, my_teams_sql, person, CoverageColumns, COVERAGE_COLUMNS};
use crate::error::AppError;
use crate::messages::{rules, Category};
use crate::server::access::TeamCapability;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::YesNo;
use crate::server::db::{Db, Notes, Sql};
use sqlx::FromRow;

// `+t.team_id` (a unary plus) keeps SQLite from reading the threads through the team index
// and then sorting every open thread of every team: it walks `threads_open_triage` (the
// same expressions, migration 7) in order and stops after a page. 100,000 threads over 50
// teams: 160 ms to under 1 ms for the nurse's first page.

/// Sort rank: 0 urgent and waiting, 1 waiting, 2 nothing waiting. Completed threads all
/// rank 0 and sort by the time of completion, newest first (hence the negated key).
const OPEN_RANK: &str = "CAST(CASE WHEN t.waiting_since IS NULL THEN 2 \
     WHEN t.urgent_language = 1 THEN 0 ELSE 1 END AS BIGINT)";
const OPEN_KEY: &str = "CASE WHEN t.waiting_since IS NULL THEN t.last_message_at \
     ELSE COALESCE(t.due_at, t.waiting_since) END";
const COMPLETED_RANK: &str = "CAST(0 AS BIGINT)";
const COMPLETED_KEY: &str = "-t.completed_at";

/// One page of the team inbox. `query.team_id` must be one of the person's teams
/// (`NotFound` otherwise).
pub async fn list_inbox(
    db: &Db,
    capability: &TeamCapability,
    query: &InboxQuery,
    after: Option<InboxCursor>,
) -> Result<InboxPage, AppError> {
    let now = db.now_ms();
    check_team(db, capability, query.team_id).await?;
    let mut listed = AuditEvent::new(Action::TeamInboxListed, Outcome::Success)
        .actor(capability.user().id)
        .detail(serde_json::json!({
            "team_id": query.team_id,
            "filter": format!("{:?}", query.filter),
            "category": query.category.map(|category| category.as_str()),
            "words": rules::search_terms(&query.keywords).len(),
            "next_page": after.is_some(),
        }));
    if let Some(address) = capability.address() {
        listed = listed.from_address(address);
    }
    audit::record(&db.pool, &listed).await?;
    let (rank, key) = match query.filter {
        InboxFilter::Completed => (COMPLETED_RANK, COMPLETED_KEY),
        _ => (OPEN_RANK, OPEN_KEY),
    };
    let mut sql = Sql::default();
    let me = sql.int(capability.user().id);
    let now_p = sql.int(now);
    sql.push(&format!(
        "SELECT t.id, t.veteran_id, u.name AS veteran_name, \
         u.date_of_birth AS veteran_date_of_birth, t.subject, t.category, t.team_id, \
         ct.name AS team_name, t.assigned_to, a.name AS assignee_name, {COVERAGE_COLUMNS}, \
         t.waiting_since, t.due_at, t.completed_at, t.last_message_at, t.urgent_language, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = t.id \
              AND m.sent_by_team = 0 AND m.opened_by_team_at IS NULL) THEN 1 ELSE 0 END AS BIGINT) \
              AS unread, \
         {rank} AS sort_rank, {key} AS sort_key \
         FROM threads t JOIN users u ON u.id = t.veteran_id \
         JOIN care_teams ct ON ct.id = t.team_id LEFT JOIN users a ON a.id = t.assigned_to\
         {coverage_join} \
         WHERE +t.team_id IN ({teams})",
        coverage_join = coverage_join("t.assigned_to", &now_p),
        teams = my_teams_sql(&me),
    ));
    filter(&mut sql, query, &me, &now_p, db);
    if let Some(cursor) = after {
        let (r, k, i) = (
            sql.int(cursor.rank),
            sql.int(cursor.key),
            sql.int(cursor.id),
        );
        sql.push(&format!(" AND ({rank}, {key}, t.id) > ({r}, {k}, {i})"));
    }
    sql.push(&format!(
        " ORDER BY sort_rank, sort_key, t.id LIMIT {}",
        TEAM_PAGE_SIZE + 1
    ));
    let mut rows = sql
        .query()
        .try_map(|row| InboxRecord::from_row(&row).map(|record| record.into_row(now)))
        .fetch_all(&db.pool)
        .await?;
    let next = if rows.len() > TEAM_PAGE_SIZE {
        rows.truncate(TEAM_PAGE_SIZE);
        rows.last().map(|row| row.cursor)
    } else {
        None
    };
    let thread_ids: Vec<i64> = rows.iter().map(|row| row.thread_id).collect();
    for (thread_id, name) in super::writing(db, capability, &thread_ids).await? {
        if let Some(row) = rows.iter_mut().find(|row| row.thread_id == thread_id) {
            row.writing.push(name);
        }
    }
    Ok(InboxPage { rows, next })
}

/// How many threads each filter holds, over the person's teams or `team_id` alone (one of
/// theirs, `NotFound` otherwise). Someone on no team sees zeros.
pub async fn inbox_counts(
    db: &Db,
    capability: &TeamCapability,
    team_id: Option<i64>,
) -> Result<InboxCounts, AppError> {
    check_team(db, capability, team_id).await?;
    let mut sql = Sql::default();
    let me = sql.int(capability.user().id);
    let now = sql.int(db.now_ms());
    sql.push(&format!(
        "SELECT COUNT(CASE WHEN t.completed_at IS NULL THEN 1 END) AS open, \
         COUNT(CASE WHEN t.completed_at IS NULL AND t.assigned_to IS NULL THEN 1 END) AS unassigned, \
         COUNT(CASE WHEN t.completed_at IS NULL AND t.assigned_to = {me} THEN 1 END) AS mine, \
         COUNT(CASE WHEN t.completed_at IS NULL AND t.due_at <= {now} THEN 1 END) AS overdue, \
         COUNT(CASE WHEN t.completed_at IS NOT NULL THEN 1 END) AS completed \
         FROM threads t WHERE t.team_id IN ({teams})",
        teams = my_teams_sql(&me),
    ));
    if let Some(team_id) = team_id {
        let team = sql.int(team_id);
        sql.push(&format!(" AND t.team_id = {team}"));
    }
    let counts = sql
        .query()
        .try_map(|row| InboxCounts::from_row(&row))
        .fetch_one(&db.pool)
        .await?;
    Ok(counts)
}

/// A chosen team must be one of the person's.
async fn check_team(
    db: &Db,
    capability: &TeamCapability,
    team_id: Option<i64>,
) -> Result<(), AppError> {
    let Some(team_id) = team_id else {
        return Ok(());
    };
    let member: Option<i64> =
        sqlx::query_scalar("SELECT team_id FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(capability.user().id)
            .fetch_optional(&db.pool)
            .await?;
    member.map(|_| ()).ok_or(AppError::NotFound)
}

/// Appends the filter, team, category and keyword conditions.
fn filter(sql: &mut Sql, query: &InboxQuery, me: &str, now: &str, db: &Db) {
    let condition = match query.filter {
        InboxFilter::Open => " AND t.completed_at IS NULL".to_string(),
        InboxFilter::Unassigned => " AND t.completed_at IS NULL AND t.assigned_to IS NULL".into(),
        InboxFilter::AssignedToMe => {
            format!(" AND t.completed_at IS NULL AND t.assigned_to = {me}")
        }
        // `due_at` is set only while the thread waits on the team.
        InboxFilter::Overdue => format!(" AND t.completed_at IS NULL AND t.due_at <= {now}"),
        InboxFilter::Completed => " AND t.completed_at IS NOT NULL".into(),
    };
    sql.push(&condition);
    if let Some(team_id) = query.team_id {
        let team = sql.int(team_id);
        sql.push(&format!(" AND t.team_id = {team}"));
    }
    if let Some(category) = query.category {
        let category = sql.text(category.as_str());
        sql.push(&format!(" AND t.category = {category}"));
    }
    keywords(sql, &query.keywords, db);
}

/// Every keyword in one message with the subject and team name (full-text, stemmed), or
/// every keyword in the Veteran's name.
fn keywords(sql: &mut Sql, keywords: &str, db: &Db) {
    let terms = rules::search_terms(keywords);
    if terms.is_empty() {
        return;
    }
    let text_match = db.messages_matching(sql, &terms, Notes::Included);
    // Terms hold letters and digits only, so they need no LIKE escaping.
    let name_match = terms
        .iter()
        .map(|term| {
            let pattern = sql.text(format!("%{term}%"));
            format!("LOWER(u.name) LIKE {pattern}")
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    sql.push(&format!(" AND ({text_match} OR ({name_match}))"));
}

/// An inbox row as `list_inbox` reads it.
#[derive(FromRow)]
struct InboxRecord {
    id: i64,
    veteran_id: i64,
    veteran_name: String,
    veteran_date_of_birth: Option<String>,
    subject: String,
    #[sqlx(try_from = "String")]
    category: Category,
    team_id: i64,
    team_name: String,
    assigned_to: Option<i64>,
    assignee_name: Option<String>,
    #[sqlx(flatten)]
    coverage: CoverageColumns,
    waiting_since: Option<i64>,
    due_at: Option<i64>,
    completed_at: Option<i64>,
    last_message_at: i64,
    #[sqlx(try_from = "YesNo")]
    urgent_language: bool,
    #[sqlx(try_from = "YesNo")]
    unread: bool,
    sort_rank: i64,
    sort_key: i64,
}

impl InboxRecord {
    /// The row as the inbox shows it at `now`.
    fn into_row(self, now: i64) -> InboxRow {
        InboxRow {
            thread_id: self.id,
            veteran_id: self.veteran_id,
            veteran_name: self.veteran_name,
            veteran_born: crate::server::date_of_birth::words(
                self.veteran_date_of_birth.as_deref(),
            ),
            subject: self.subject,
            category: self.category,
            team_id: self.team_id,
            team_name: self.team_name,
            assignee: person(self.assigned_to, self.assignee_name),
            assignee_coverage: self.coverage.coverage(),
            waiting_since: self.waiting_since,
            due_at: self.due_at,
            overdue: self.completed_at.is_none() && self.due_at.is_some_and(|due| due <= now),
            completed_at: self.completed_at,
            last_message_at: self.last_message_at,
            unread: self.unread,
            urgent_language: self.urgent_language,
            writing: Vec::new(),
            cursor: InboxCursor {
                rank: self.sort_rank,
                key: self.sort_key,
                id: self.id,
            },
        }
    }
}
