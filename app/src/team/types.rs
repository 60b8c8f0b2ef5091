//! What the care team pages show and send: plain types shared by the server and the browser
//! (no server-only dependency, so they compile for the wasm).
//!
//! Times are epoch milliseconds (UTC); pages show them in the facility's zone.

use crate::messages::{Category, MessageView};
use serde::{Deserialize, Serialize};

/// Threads per page of the team inbox (a dense list for a desktop).
pub const TEAM_PAGE_SIZE: usize = 25;

/// Longest reason for moving a thread to another team.
pub const REASON_MAX_CHARS: usize = 500;

/// Longest reply template title.
pub const TEMPLATE_TITLE_MAX_CHARS: usize = 100;

/// Which threads of the team inbox to list (DESIGN.md §5: "Unassigned", "Assigned to me",
/// "Overdue", "Completed"; all open ones by default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InboxFilter {
    /// Every thread not marked complete.
    #[default]
    Open,
    /// Open and nobody on the team has it.
    Unassigned,
    /// Open and assigned to the person viewing.
    AssignedToMe,
    /// Open, waiting on the team, and past its due time.
    Overdue,
    /// Marked complete (and no Veteran message since), most recently completed first.
    Completed,
}

impl InboxFilter {
    pub const ALL: [InboxFilter; 5] = [
        InboxFilter::Open,
        InboxFilter::Unassigned,
        InboxFilter::AssignedToMe,
        InboxFilter::Overdue,
        InboxFilter::Completed,
    ];

    /// The value used in URLs and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            InboxFilter::Open => "open",
            InboxFilter::Unassigned => "unassigned",
            InboxFilter::AssignedToMe => "mine",
            InboxFilter::Overdue => "overdue",
            InboxFilter::Completed => "completed",
        }
    }

    pub fn parse(value: &str) -> Option<InboxFilter> {
        InboxFilter::ALL.into_iter().find(|f| f.as_str() == value)
    }

    /// The words people see (DESIGN.md §5).
    pub fn label(self) -> &'static str {
        match self {
            InboxFilter::Open => "All open",
            InboxFilter::Unassigned => "Unassigned",
            InboxFilter::AssignedToMe => "Assigned to me",
            InboxFilter::Overdue => "Overdue",
            InboxFilter::Completed => "Completed",
        }
    }
}

/// A team inbox request: a filter, optionally one team and one category, and keywords.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InboxQuery {
    pub filter: InboxFilter,
    /// One of the person's teams; `None` lists all of them.
    pub team_id: Option<i64>,
    pub category: Option<Category>,
    /// Words looked for in the subject, the messages (internal notes included), the team's
    /// name and the Veteran's name. Empty: no keyword filter.
    pub keywords: String,
}

/// Where the next inbox page starts (keyset paging): the sort position of the last row
/// shown. Rows are ordered by (`rank`, `key`, `id`), all ascending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InboxCursor {
    pub rank: i64,
    pub key: i64,
    pub id: i64,
}

impl InboxCursor {
    /// A compact form for a URL query string, e.g. `1.1764201600000.42`.
    pub fn to_token(self) -> String {
        format!("{}.{}.{}", self.rank, self.key, self.id)
    }

    /// Reads `to_token`'s form; anything else is `None` (and the first page is shown).
    pub fn from_token(token: &str) -> Option<InboxCursor> {
        let mut parts = token.splitn(3, '.');
        let rank = parts.next()?.parse().ok()?;
        let key = parts.next()?.parse().ok()?;
        let id = parts.next()?.parse().ok()?;
        Some(InboxCursor { rank, key, id })
    }
}

/// A person as a list shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: i64,
    pub name: String,
}

/// "Away until …, covered by …" (DESIGN.md §2 "Coverage").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub away_until: i64,
    pub covered_by: Person,
}

/// One thread in the team inbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxRow {
    pub thread_id: i64,
    pub veteran_id: i64,
    pub veteran_name: String,
    /// "Mar 4, 1961", when the Veteran's date of birth is on the record.
    pub veteran_born: Option<String>,
    pub subject: String,
    pub category: Category,
    pub team_id: i64,
    pub team_name: String,
    pub assignee: Option<Person>,
    /// The assignee is away now: who covers for them.
    pub assignee_coverage: Option<Coverage>,
    /// When the oldest unanswered Veteran message arrived; `None` when nothing waits.
    pub waiting_since: Option<i64>,
    /// When the team's answer is due; `None` when nothing waits.
    pub due_at: Option<i64>,
    /// Waiting past its due time at the moment the list was made.
    pub overdue: bool,
    pub completed_at: Option<i64>,
    pub last_message_at: i64,
    /// A message from the Veteran's side that nobody on the team has opened yet.
    pub unread: bool,
    /// The Veteran's side used crisis language in this thread: shown first, marked clearly.
    pub urgent_language: bool,
    /// Colleagues writing a reply in this thread now (`crate::team::reply_draft`): names
    /// only, never their text.
    pub writing: Vec<String>,
    /// This row's place in the order, for the next page's cursor.
    pub cursor: InboxCursor,
}

/// One page of the team inbox and where the next one starts (`None` on the last page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxPage {
    pub rows: Vec<InboxRow>,
    pub next: Option<InboxCursor>,
}

/// How many threads each filter holds, over the person's teams (or one of them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InboxCounts {
    pub open: i64,
    pub unassigned: i64,
    #[cfg_attr(feature = "ssr", sqlx(rename = "mine"))]
    pub assigned_to_me: i64,
    pub overdue: i64,
    pub completed: i64,
}

/// A care team the person belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyTeam {
    pub team_id: i64,
    pub name: String,
    pub facility_time_zone: String,
    pub response_target_days: i64,
    /// The person leads this team: manages its templates, hears of overdue threads.
    pub is_lead: bool,
}

/// A care team a thread may be moved to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TeamChoice {
    #[cfg_attr(feature = "ssr", sqlx(rename = "id"))]
    pub team_id: i64,
    pub name: String,
    pub facility: String,
}

/// A Veteran a clinician may write to first: associated (not blocked) with at least one of
/// the clinician's teams. Date of birth and facility tell two people of the same name apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VeteranChoice {
    pub veteran_id: i64,
    pub name: String,
    /// "Mar 4, 1961", when on the record.
    pub born: Option<String>,
    /// The facilities of `teams`, each once.
    pub facilities: Vec<String>,
    /// The clinician's teams the Veteran is associated with.
    pub teams: Vec<TeamChoice>,
}

/// A member of a care team, for "assign to" and the coverage list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub user_id: i64,
    pub name: String,
    pub is_lead: bool,
    /// Set while the member is away.
    pub coverage: Option<Coverage>,
}

/// What an assignment did, and who has the thread now, whoever made that so: when a
/// colleague's change got there first, `changed` is false and `assignee` is theirs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub thread_id: i64,
    pub assignee: Option<Person>,
    /// This call made the change.
    pub changed: bool,
    /// The member chosen was away; the thread went to `assignee`, who covers for them.
    pub covering_for: Option<Person>,
}

/// What the team did with a thread, oldest first, for its history panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ThreadEventKind {
    Assigned,
    Unassigned,
    Reassigned,
    Completed,
    /// A completed thread put back in the team's open work ("Reopen").
    Reopened,
}

impl ThreadEventKind {
    /// The stored value (`thread_events.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadEventKind::Assigned => "assigned",
            ThreadEventKind::Unassigned => "unassigned",
            ThreadEventKind::Reassigned => "reassigned",
            ThreadEventKind::Completed => "completed",
            ThreadEventKind::Reopened => "reopened",
        }
    }

    pub fn parse(value: &str) -> Option<ThreadEventKind> {
        [
            ThreadEventKind::Assigned,
            ThreadEventKind::Unassigned,
            ThreadEventKind::Reassigned,
            ThreadEventKind::Completed,
            ThreadEventKind::Reopened,
        ]
        .into_iter()
        .find(|k| k.as_str() == value)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadEvent {
    pub at: i64,
    pub actor: Person,
    pub kind: ThreadEventKind,
    pub assignee: Option<Person>,
    pub covering_for: Option<Person>,
    pub from_team: Option<String>,
    pub to_team: Option<String>,
    pub reason: Option<String>,
}

/// Another recent thread of the same Veteran with the same team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherThread {
    pub thread_id: i64,
    pub subject: String,
    pub category: Category,
    pub last_message_at: i64,
    pub completed: bool,
}

/// A thread as the care team sees it: every message including internal notes (flagged in
/// `MessageView::internal_note`), its status, its history and the Veteran's other recent
/// threads with the team.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamThread {
    pub thread_id: i64,
    pub veteran_id: i64,
    pub veteran_name: String,
    /// "Mar 4, 1961", when the Veteran's date of birth is on the record.
    pub veteran_born: Option<String>,
    pub team_id: i64,
    pub team_name: String,
    pub facility_time_zone: String,
    pub subject: String,
    pub category: Category,
    pub created_at: i64,
    pub last_message_at: i64,
    pub waiting_since: Option<i64>,
    pub due_at: Option<i64>,
    pub overdue: bool,
    pub completed_at: Option<i64>,
    pub urgent_language: bool,
    pub assignee: Option<Person>,
    pub assignee_coverage: Option<Coverage>,
    pub messages: Vec<MessageView>,
    pub history: Vec<ThreadEvent>,
    pub other_threads: Vec<OtherThread>,
    /// This opening was the first to see some of the Veteran's messages (they just became
    /// "Opened by your care team"), so the Veteran's open pages should hear of it.
    pub opened_now: bool,
}

/// A reply template of a team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ReplyTemplate {
    #[cfg_attr(feature = "ssr", sqlx(rename = "id"))]
    pub template_id: i64,
    pub team_id: i64,
    pub title: String,
    pub body: String,
    pub updated_at: i64,
}

/// A template as a lead submits it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateInput {
    pub title: String,
    pub body: String,
}

/// An internal note as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteInput {
    pub body: String,
    /// As in `messages::Reply::client_key`: a retried submit finds the first note.
    pub client_key: String,
}

/// What an in-app notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NotificationKind {
    /// A thread of a team the person leads went past its due time.
    Overdue,
    /// A message that may need urgent attention (crisis language) arrived for one of the
    /// person's teams while they were on duty.
    Urgent,
}

/// An in-app notification, with enough of the thread to link to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Notification {
    #[cfg_attr(feature = "ssr", sqlx(rename = "id"))]
    pub notification_id: i64,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub kind: NotificationKind,
    pub thread_id: i64,
    pub subject: String,
    pub veteran_name: String,
    /// The Veteran's date of birth: read as stored, given to the page as "Mar 4, 1961".
    pub veteran_born: Option<String>,
    pub team_id: i64,
    pub team_name: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_and_use_the_designed_words() {
        for filter in InboxFilter::ALL {
            assert_eq!(InboxFilter::parse(filter.as_str()), Some(filter));
        }
        let labels: Vec<_> = InboxFilter::ALL[1..].iter().map(|f| f.label()).collect();
        assert_eq!(
            labels,
            ["Unassigned", "Assigned to me", "Overdue", "Completed"]
        );
    }

    #[test]
    fn inbox_cursors_round_trip_and_refuse_junk() {
        let cursor = InboxCursor {
            rank: 1,
            key: -1_764_201_600_000,
            id: 42,
        };
        assert_eq!(InboxCursor::from_token(&cursor.to_token()), Some(cursor));
        assert_eq!(InboxCursor::from_token("1.2"), None);
        assert_eq!(InboxCursor::from_token("a.b.c"), None);
    }
}
