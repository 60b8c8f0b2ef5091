//! Veteran messaging: threads between a Veteran and a care team, folders, drafts,
//! search, read status, signatures.
//!
//! This module holds what both sides share: the typed models the pages render and the
//! server functions return. `rules` holds the pure rules (limits, reply window, folder
//! names, crisis words), usable in the browser for early feedback and on the server, where
//! they are enforced. `ssr` is the data layer, compiled only into the server.
//!
//! Who may see what (DESIGN.md §3): every data-layer call is scoped to the person asking
//! and the Veteran they act for; another person's thread, draft or folder answers
//! `AppError::NotFound`.

pub mod acting;
pub mod caregiver_invitations;
pub mod download;
pub mod pages;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// Threads per page in every folder and search result.
pub const PAGE_SIZE: usize = 10;

/// What a message is about (DESIGN.md §2). The team sees it when triaging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Category {
    General,
    Covid,
    Appointment,
    Medication,
    TestResults,
    Education,
}

impl Category {
    /// In the order the compose form offers them.
    pub const ALL: [Category; 6] = [
        Category::General,
        Category::Covid,
        Category::Appointment,
        Category::Medication,
        Category::TestResults,
        Category::Education,
    ];

    /// The value stored in `threads.category` and used in forms and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::General => "general",
            Category::Covid => "covid",
            Category::Appointment => "appointment",
            Category::Medication => "medication",
            Category::TestResults => "test_results",
            Category::Education => "education",
        }
    }

    /// The words people see.
    pub fn label(self) -> &'static str {
        match self {
            Category::General => "General",
            Category::Covid => "COVID",
            Category::Appointment => "Appointment",
            Category::Medication => "Medication",
            Category::TestResults => "Test results",
            Category::Education => "Education",
        }
    }

    /// From the stored value (`as_str`).
    pub fn parse(value: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

/// A folder as the person viewing sees it. Inbox, Sent, Drafts and Trash are the system
/// folders; `Custom` holds the id of a folder the person made. Folders belong to the
/// person viewing: moving a thread moves it for them alone (DESIGN.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Folder {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Custom(i64),
}

impl Folder {
    /// The system folders, in navigation order.
    pub const SYSTEM: [Folder; 4] = [Folder::Inbox, Folder::Sent, Folder::Drafts, Folder::Trash];

    /// The page that lists this folder (DESIGN.md §5).
    pub fn path(self) -> String {
        match self {
            Folder::Inbox => "/inbox".to_string(),
            Folder::Sent => "/sent".to_string(),
            Folder::Drafts => "/drafts".to_string(),
            Folder::Trash => "/trash".to_string(),
            Folder::Custom(id) => format!("/folders/{id}"),
        }
    }

    /// The name of a system folder; custom folders are named by their owner.
    pub fn system_name(self) -> Option<&'static str> {
        match self {
            Folder::Inbox => Some("Inbox"),
            Folder::Sent => Some("Sent"),
            Folder::Drafts => Some("Drafts"),
            Folder::Trash => Some("Trash"),
            Folder::Custom(_) => None,
        }
    }
}

/// Newest first (the default) or oldest first, by the date of the latest message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sort {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// Where the next page starts: the sort time and id of the last row shown (keyset paging,
/// so a page costs the same however deep it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PageCursor {
    pub at: i64,
    pub id: i64,
}

impl PageCursor {
    /// A compact form for a URL query string, e.g. `1764201600000.42`.
    pub fn to_token(self) -> String {
        format!("{}.{}", self.at, self.id)
    }

    /// Reads `to_token`'s form; anything else is `None` (and the first page is shown).
    pub fn from_token(token: &str) -> Option<PageCursor> {
        let (at, id) = token.split_once('.')?;
        Some(PageCursor {
            at: at.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// One page of rows and where the next one starts (`None` on the last page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub next: Option<PageCursor>,
}

/// One thread in a folder list or search result. "Urgent language" is deliberately not
/// here: the Veteran never sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadRow {
    pub thread_id: i64,
    pub care_team_id: i64,
    pub care_team: String,
    pub subject: String,
    pub category: Category,
    /// Epoch milliseconds of the latest message.
    pub last_message_at: i64,
    /// Something arrived that the person viewing has not opened yet.
    pub unread: bool,
    /// Where the thread is for the person viewing (useful in search-everywhere results).
    pub folder: Folder,
}

/// One message in a thread, as its reader sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub message_id: i64,
    /// The person who wrote it: the Veteran, a caregiver, or a clinician.
    pub sender_name: String,
    /// Set when a caregiver wrote it for the Veteran: the Veteran's name.
    pub on_behalf_of_name: Option<String>,
    /// Written by a care team member (not by the Veteran or their caregiver).
    pub from_team: bool,
    /// A team-only note: never present in a Veteran's view.
    pub internal_note: bool,
    /// Plain text exactly as typed. Render it escaped, keeping line breaks.
    pub body: String,
    /// The sender's signature at the time of sending, shown under the body.
    pub signature: Option<String>,
    pub sent_at: i64,
    /// For messages from the Veteran's side: whether the care team has opened it.
    /// `None` for messages from the team.
    pub opened_by_team: Option<bool>,
    /// The files sent with it.
    #[serde(default)]
    pub attachments: Vec<crate::attachments::Attachment>,
}

impl MessageView {
    /// "Sent by Sam Rivera on behalf of Alex Rivera", or "Sent by Alex Rivera".
    pub fn sent_by_line(&self) -> String {
        match &self.on_behalf_of_name {
            Some(veteran) => format!("Sent by {} on behalf of {}", self.sender_name, veteran),
            None => format!("Sent by {}", self.sender_name),
        }
    }

    /// The read status words the Veteran sees on each message they sent (DESIGN.md §2).
    pub fn opened_status(&self) -> Option<&'static str> {
        self.opened_by_team.map(|opened| {
            if opened {
                "Opened by your care team"
            } else {
                "Not yet opened by your care team"
            }
        })
    }
}

/// A whole conversation, messages oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadView {
    pub thread_id: i64,
    pub veteran_id: i64,
    pub veteran_name: String,
    pub care_team_id: i64,
    pub care_team: String,
    pub subject: String,
    pub category: Category,
    /// Where it is for the person viewing; `None` in a care team member's view.
    pub folder: Option<Folder>,
    pub created_at: i64,
    pub last_message_at: i64,
    /// Whether the reply box is offered now.
    pub can_reply: bool,
    /// Why not, in the words the page shows (e.g. the 45-day rule); the page then offers
    /// "Start a new message" to the same team.
    pub reply_closed_reason: Option<String>,
    pub messages: Vec<MessageView>,
    /// The reader's own saved reply to this thread, if any (one per author and thread).
    pub reply_draft: Option<Draft>,
    /// While the Veteran's side waits for the team's answer: when it is expected.
    pub reply_expected: Option<ReplyExpected>,
}

/// When a care team's reply is expected: the team's response target and the due time it
/// gives the waiting thread (counted in the team facility's business days).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyExpected {
    pub business_days: i64,
    pub due_at: i64,
}

/// A saved, unsent message: a new message, or a reply to `thread_id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub draft_id: i64,
    pub thread_id: Option<i64>,
    pub care_team_id: Option<i64>,
    pub care_team: Option<String>,
    pub category: Option<Category>,
    pub subject: String,
    pub body: String,
    pub updated_at: i64,
}

/// What an autosave sends. With `thread_id` it is the reply draft for that thread (one per
/// author and thread, so `draft_id` is not needed); otherwise `draft_id` updates an
/// existing draft and `None` makes a new one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DraftInput {
    pub draft_id: Option<i64>,
    pub thread_id: Option<i64>,
    pub care_team_id: Option<i64>,
    pub category: Option<Category>,
    pub subject: String,
    pub body: String,
}

/// "Start a new message" as submitted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    pub care_team_id: Option<i64>,
    pub category: Option<Category>,
    pub subject: String,
    pub body: String,
    /// Made once per compose form (e.g. a UUID): a retried send with the same key returns
    /// the first message instead of making a second.
    pub client_key: String,
    /// The draft this message was written in; it is deleted when the message is sent.
    pub draft_id: Option<i64>,
}

/// A reply as submitted, by the Veteran's side or by a care team member.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub body: String,
    /// As in `NewMessage::client_key`.
    pub client_key: String,
}

/// What a send answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    pub thread_id: i64,
    pub message_id: i64,
    /// The message held crisis language; the thread is marked for the team.
    pub urgent_language: bool,
    /// This was a retry of a message already sent; nothing new was made.
    pub already_sent: bool,
}

/// A folder in the navigation, with its counts for the Veteran being acted for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderSummary {
    pub folder: Folder,
    pub name: String,
    /// Threads with something unopened.
    pub unread: i64,
    /// Threads (or drafts, for Drafts) in the folder.
    pub total: i64,
}

/// A care team the Veteran is associated with, for the "To" list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareTeamOption {
    pub care_team_id: i64,
    pub name: String,
    pub facility: String,
    /// Whether a new message may be started now; `why_not` says why when not. Such teams
    /// are explained, not hidden.
    pub can_write: bool,
    /// The Veteran may not write to this team (rather than the team not taking messages).
    pub blocked: bool,
    pub why_not: Option<String>,
}

/// The date filter of a search (DESIGN.md §2). Custom bounds are epoch milliseconds,
/// inclusive; the page turns the chosen days into them in the person's time zone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateRange {
    #[default]
    AnyTime,
    Last3Months,
    Last6Months,
    Last12Months,
    Custom {
        from_ms: Option<i64>,
        to_ms: Option<i64>,
    },
}

/// A search: keywords over subject, body and care team name, plus filters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    pub keywords: String,
    /// `None` searches every folder except Trash.
    pub folder: Option<Folder>,
    pub category: Option<Category>,
    pub dates: DateRange,
    pub sort: Sort,
}

/// An optional name and title added under each message the person sends (DESIGN.md §2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Signature {
    pub name: String,
    pub title: String,
}

impl Signature {
    /// The text stored with a message: name and title on their own lines, or `None` when
    /// both are empty.
    pub fn text(&self) -> Option<String> {
        let lines: Vec<&str> = [self.name.trim(), self.title.trim()]
            .into_iter()
            .filter(|line| !line.is_empty())
            .collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_round_trip_and_use_the_designed_labels() {
        let labels: Vec<_> = Category::ALL.iter().map(|c| c.label()).collect();
        assert_eq!(
            labels,
            [
                "General",
                "COVID",
                "Appointment",
                "Medication",
                "Test results",
                "Education"
            ]
        );
        for category in Category::ALL {
            assert_eq!(Category::parse(category.as_str()), Some(category));
        }
        assert_eq!(Category::parse("Test results"), None);
    }

    #[test]
    fn folder_paths_follow_the_design() {
        let paths: Vec<_> = Folder::SYSTEM.iter().map(|f| f.path()).collect();
        assert_eq!(paths, ["/inbox", "/sent", "/drafts", "/trash"]);
        assert_eq!(Folder::Custom(7).path(), "/folders/7");
    }

    #[test]
    fn cursor_tokens_round_trip_and_refuse_junk() {
        let cursor = PageCursor {
            at: 1_764_201_600_000,
            id: 42,
        };
        assert_eq!(PageCursor::from_token(&cursor.to_token()), Some(cursor));
        assert_eq!(PageCursor::from_token("42"), None);
        assert_eq!(PageCursor::from_token("a.b"), None);
    }

    #[test]
    fn sender_lines_name_the_caregiver_and_the_veteran() {
        let mut message = MessageView {
            message_id: 1,
            sender_name: "Sam Rivera".into(),
            on_behalf_of_name: Some("Alex Rivera".into()),
            from_team: false,
            internal_note: false,
            body: "Hello".into(),
            signature: None,
            sent_at: 0,
            opened_by_team: Some(false),
            attachments: Vec::new(),
        };
        assert_eq!(
            message.sent_by_line(),
            "Sent by Sam Rivera on behalf of Alex Rivera"
        );
        assert_eq!(
            message.opened_status(),
            Some("Not yet opened by your care team")
        );
        message.on_behalf_of_name = None;
        message.opened_by_team = Some(true);
        assert_eq!(message.sent_by_line(), "Sent by Sam Rivera");
        assert_eq!(message.opened_status(), Some("Opened by your care team"));
        message.opened_by_team = None;
        assert_eq!(message.opened_status(), None);
    }

    #[test]
    fn a_signature_skips_empty_lines() {
        let both = Signature {
            name: "Dr. Morgan Patel".into(),
            title: "Physician".into(),
        };
        assert_eq!(both.text().as_deref(), Some("Dr. Morgan Patel\nPhysician"));
        let title_only = Signature {
            name: "  ".into(),
            title: "Caregiver".into(),
        };
        assert_eq!(title_only.text().as_deref(), Some("Caregiver"));
        assert_eq!(Signature::default().text(), None);
    }
}
