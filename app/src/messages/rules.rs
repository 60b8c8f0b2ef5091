//! The messaging rules of DESIGN.md §2 as pure functions: no database, no clock, no I/O.
//!
//! They compile into the wasm too, so a page can warn early (e.g. the crisis prompt before
//! sending); the server applies the same functions again, because only the server's check
//! counts (STYLE.md habit 2). Messages are the words people see, USWDS style: a plain
//! sentence that says what to do.

use super::{Category, DateRange};
use crate::error::AppError;
use std::collections::BTreeMap;

pub const SUBJECT_MAX_CHARS: usize = 50;
pub const BODY_MAX_CHARS: usize = 10_000;
pub const FOLDER_NAME_MAX_CHARS: usize = 50;
pub const SIGNATURE_LINE_MAX_CHARS: usize = 100;
pub const CLIENT_KEY_MAX_CHARS: usize = 100;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A Veteran cannot reply when the latest message is more than 45 days old (DESIGN.md §2).
pub const REPLY_WINDOW_DAYS: i64 = 45;
pub const REPLY_WINDOW_MS: i64 = REPLY_WINDOW_DAYS * DAY_MS;

/// What the thread page says past the reply window (DESIGN.md §5; browser tests rely on it).
pub const REPLY_WINDOW_CLOSED: &str =
    "You can't reply to this conversation because it's more than 45 days old.";

/// A caregiver's form was drawn for one Veteran, and they have since switched to another
/// (in another window): nothing is sent or saved for the wrong Veteran.
pub const ACTING_FOR_CHANGED: &str = "You switched to another Veteran in another window, so this wasn't sent or saved. Copy what you wrote, switch back to the Veteran it's for, and send it from there.";

/// Drafts one person may keep. Drafts stay until sent or deleted (DESIGN.md §2); a limit
/// keeps one account from filling the database (ASVS 5.2.x, resource exhaustion).
pub const MAX_DRAFTS: i64 = 100;
/// What one person's drafts may hold together, text and files: ten drafts with a full
/// 10 MB of files each.
pub const MAX_DRAFT_BYTES: u64 = 100 * 1024 * 1024;
pub const TOO_MANY_DRAFTS: &str = "You have 100 drafts, the most you can keep. Send or delete a draft in Drafts, then save this one again.";
pub const DRAFTS_FULL: &str = "Your drafts hold 100 MB of files and text, the most they can. Send or delete a draft with files in Drafts, then save this one again.";

/// Why a care team cannot be written to. The same words as the Inbox's team list.
pub const TEAM_BLOCKED: &str = "You can't send messages to this team. Call your facility for help.";
pub const TEAM_NOT_ACCEPTING: &str =
    "This team isn't accepting messages. Call your facility instead.";
pub const TEAM_NOT_YOURS: &str = "Choose one of your care teams.";

/// A reason of the team list with the facility's phone number in it, when there is one:
/// "Call your facility at 800-555-0100 for help."
pub fn with_phone(reason: &str, phone: &str) -> String {
    if phone.trim().is_empty() {
        reason.to_string()
    } else {
        reason.replace(
            "Call your facility",
            &format!("Call your facility at {}", phone.trim()),
        )
    }
}

/// Whether the Veteran's side may still reply, given the latest message's time.
/// Exactly 45 days old is still open; a millisecond more is closed.
pub fn can_reply(last_message_at_ms: i64, now_ms: i64) -> bool {
    now_ms.saturating_sub(last_message_at_ms) <= REPLY_WINDOW_MS
}

/// The oldest latest-message time that still allows a reply at `now_ms`.
pub fn reply_cutoff(now_ms: i64) -> i64 {
    now_ms.saturating_sub(REPLY_WINDOW_MS)
}

/// Why a team may not receive a new message now, or `None` when it may. A blocked
/// association is named first: calling the facility is the way forward either way.
pub fn team_problem(accepting_messages: bool, blocked: bool) -> Option<&'static str> {
    if blocked {
        Some(TEAM_BLOCKED)
    } else if !accepting_messages {
        Some(TEAM_NOT_ACCEPTING)
    } else {
        None
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The subject's problem, if any. Spaces around it do not count.
pub fn subject_problem(subject: &str) -> Option<String> {
    let subject = subject.trim();
    if subject.is_empty() {
        Some("Enter a subject.".to_string())
    } else if chars(subject) > SUBJECT_MAX_CHARS {
        Some(format!(
            "Subject must be {SUBJECT_MAX_CHARS} characters or fewer."
        ))
    } else {
        None
    }
}

/// The message body's problem, if any. A body of only spaces is empty; otherwise the body
/// is kept exactly as typed.
pub fn body_problem(body: &str) -> Option<String> {
    if body.trim().is_empty() {
        Some("Enter a message.".to_string())
    } else if chars(body) > BODY_MAX_CHARS {
        Some("Message must be 10,000 characters or fewer.".to_string())
    } else {
        None
    }
}

fn into_result(fields: BTreeMap<String, String>) -> Result<(), AppError> {
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid { fields })
    }
}

/// Checks a new message, naming every field that needs fixing at once (the USWDS error
/// summary lists them all). Whether the team may be written to needs the database and is
/// checked by the server afterwards.
pub fn validate_new_message(
    care_team_id: Option<i64>,
    category: Option<Category>,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    let mut fields = BTreeMap::new();
    if care_team_id.is_none() {
        fields.insert("care_team".to_string(), "Choose a care team.".to_string());
    }
    if category.is_none() {
        fields.insert("category".to_string(), "Choose a category.".to_string());
    }
    if let Some(problem) = subject_problem(subject) {
        fields.insert("subject".to_string(), problem);
    }
    if let Some(problem) = body_problem(body) {
        fields.insert("body".to_string(), problem);
    }
    into_result(fields)
}

/// Checks a reply's body.
pub fn validate_reply(body: &str) -> Result<(), AppError> {
    match body_problem(body) {
        Some(problem) => Err(AppError::invalid("body", problem)),
        None => Ok(()),
    }
}

/// A draft may be incomplete (that is what drafts are for) but not longer than the message
/// it would become, so storage stays bounded and the person learns of the limit early.
pub fn validate_draft(subject: &str, body: &str) -> Result<(), AppError> {
    let mut fields = BTreeMap::new();
    if chars(subject.trim()) > SUBJECT_MAX_CHARS {
        fields.insert(
            "subject".to_string(),
            format!("Subject must be {SUBJECT_MAX_CHARS} characters or fewer."),
        );
    }
    if chars(body) > BODY_MAX_CHARS {
        fields.insert(
            "body".to_string(),
            "Message must be 10,000 characters or fewer.".to_string(),
        );
    }
    into_result(fields)
}

/// Checks a custom folder name and returns it trimmed: 1–50 letters, digits and spaces
/// (DESIGN.md §2). The system folders' names are refused so the navigation never shows
/// two "Inbox" entries. Uniqueness per person is checked by the server.
pub fn validate_folder_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    let problem = if name.is_empty() {
        Some("Enter a folder name.".to_string())
    } else if chars(name) > FOLDER_NAME_MAX_CHARS {
        Some(format!(
            "Folder name must be {FOLDER_NAME_MAX_CHARS} characters or fewer."
        ))
    } else if !name.chars().all(|c| c.is_alphanumeric() || c == ' ') {
        Some("Folder name can only use letters, numbers and spaces.".to_string())
    } else if ["inbox", "sent", "drafts", "trash"].contains(&folder_name_key(name).as_str()) {
        Some("Inbox, Sent, Drafts and Trash are already folders. Choose another name.".to_string())
    } else {
        None
    };
    match problem {
        Some(problem) => Err(AppError::invalid("name", problem)),
        None => Ok(name.to_string()),
    }
}

/// The form of a folder name that uniqueness is checked on: "Heart Care" and
/// "heart  care" are the same folder. Computed here, not with SQL `lower()`, because
/// SQLite's only folds ASCII.
pub fn folder_name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Checks a signature: each line optional, at most 100 characters, one line each.
pub fn validate_signature(name: &str, title: &str) -> Result<(), AppError> {
    let mut fields = BTreeMap::new();
    for (field, label, value) in [
        ("signature_name", "Name", name),
        ("signature_title", "Title", title),
    ] {
        if chars(value.trim()) > SIGNATURE_LINE_MAX_CHARS {
            fields.insert(
                field.to_string(),
                format!("{label} must be {SIGNATURE_LINE_MAX_CHARS} characters or fewer."),
            );
        } else if value.chars().any(char::is_control) {
            fields.insert(field.to_string(), format!("{label} must fit on one line."));
        }
    }
    into_result(fields)
}

/// The key a form sends so a retried send is recognised: 1–100 characters of letters,
/// digits, `-` and `_` (a UUID fits). Not typed by people, so the message only says to
/// reload.
pub fn validate_client_key(key: &str) -> Result<(), AppError> {
    let fits = !key.is_empty()
        && chars(key) <= CLIENT_KEY_MAX_CHARS
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if fits {
        Ok(())
    } else {
        Err(AppError::invalid(
            "client_key",
            "Something went wrong with this form. Reload the page and try again.",
        ))
    }
}

/// Words and phrases that bring up the Veterans Crisis Line before sending and mark the
/// thread "urgent language" for the team (DESIGN.md §2 "Urgent needs").
///
/// Kept small on purpose: it is a prompt, not a clinical screen. It covers the warning
/// signs the Veterans Crisis Line lists (talk of suicide, self-harm, wanting to die) and
/// emergencies that need 911 (chest pain, overdose, not breathing). A false alarm costs
/// one extra reading of the crisis numbers; a long list would make the prompt noise.
/// Each entry is matched as whole words, in order, ignoring case and punctuation, so
/// "self-harm" matches "self harm" and "Self-Harm", while "skill" never matches "kill".
pub const CRISIS_TERMS: [&str; 20] = [
    "suicide",
    "suicidal",
    "kill myself",
    "killing myself",
    "end my life",
    "take my own life",
    "want to die",
    "better off dead",
    "self harm",
    "self harming",
    "hurt myself",
    "hurting myself",
    "cut myself",
    "cutting myself",
    "overdose",
    "overdosed",
    "chest pain",
    "heart attack",
    "can't breathe",
    "cannot breathe",
];

/// Lower-case runs of letters and digits: what "word-aware" matching compares.
/// Apostrophes split words ("can't" → "can", "t") the same way in text and terms.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The crisis terms found in `text`, in list order.
pub fn crisis_terms_in(text: &str) -> Vec<&'static str> {
    let text = words(text);
    CRISIS_TERMS
        .into_iter()
        .filter(|term| {
            let term = words(term);
            !term.is_empty() && text.windows(term.len()).any(|window| window == term)
        })
        .collect()
}

/// Whether `text` holds any crisis term.
pub fn has_crisis_language(text: &str) -> bool {
    !crisis_terms_in(text).is_empty()
}

/// At most this many keywords are searched for; more would not narrow anything useful.
pub const SEARCH_TERMS_MAX: usize = 10;

/// The keywords of a search as plain lower-case words: punctuation and operators are
/// dropped, so no input can change the shape of the full-text query.
pub fn search_terms(keywords: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in words(keywords) {
        if !terms.contains(&word) {
            terms.push(word);
        }
    }
    terms.truncate(SEARCH_TERMS_MAX);
    terms
}

/// The inclusive time bounds of a date filter at `now_ms`. A month counts as 31 days, so
/// "last 3 months" never leaves out a day near a month's end.
pub fn date_bounds(range: DateRange, now_ms: i64) -> (Option<i64>, Option<i64>) {
    let months_ago = |months: i64| Some(now_ms.saturating_sub(months * 31 * DAY_MS));
    match range {
        DateRange::AnyTime => (None, None),
        DateRange::Last3Months => (months_ago(3), None),
        DateRange::Last6Months => (months_ago(6), None),
        DateRange::Last12Months => (months_ago(12), None),
        DateRange::Custom { from_ms, to_ms } => (from_ms, to_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn reply_window_is_open_at_exactly_45_days_and_closed_after() {
        assert!(can_reply(NOW, NOW));
        assert!(can_reply(NOW - 44 * DAY_MS, NOW));
        assert!(can_reply(NOW - 45 * DAY_MS, NOW), "exactly 45 days is open");
        assert!(
            !can_reply(NOW - 45 * DAY_MS - 1, NOW),
            "a moment more is closed"
        );
        assert!(!can_reply(NOW - 46 * DAY_MS, NOW));
        assert!(!can_reply(NOW - 60 * DAY_MS, NOW));
        assert_eq!(reply_cutoff(NOW), NOW - 45 * DAY_MS);
        assert!(REPLY_WINDOW_CLOSED.contains("more than 45 days old"));
    }

    #[test]
    fn subject_must_be_1_to_50_characters() {
        assert_eq!(subject_problem("").as_deref(), Some("Enter a subject."));
        assert_eq!(subject_problem("   ").as_deref(), Some("Enter a subject."));
        assert_eq!(subject_problem("a"), None);
        assert_eq!(subject_problem(&"a".repeat(50)), None);
        assert_eq!(
            subject_problem(&"a".repeat(51)).as_deref(),
            Some("Subject must be 50 characters or fewer.")
        );
        // Characters, not bytes: 50 accented letters fit.
        assert_eq!(subject_problem(&"é".repeat(50)), None);
        // Spaces around the subject do not count.
        assert_eq!(subject_problem(&format!("  {}  ", "a".repeat(50))), None);
    }

    #[test]
    fn body_must_be_1_to_10000_characters() {
        assert_eq!(body_problem("").as_deref(), Some("Enter a message."));
        assert_eq!(body_problem("\n \n").as_deref(), Some("Enter a message."));
        assert_eq!(body_problem("x"), None);
        assert_eq!(body_problem(&"x".repeat(10_000)), None);
        assert_eq!(
            body_problem(&"x".repeat(10_001)).as_deref(),
            Some("Message must be 10,000 characters or fewer.")
        );
    }

    #[test]
    fn a_new_message_names_every_bad_field() {
        let error = validate_new_message(None, None, "", "").unwrap_err();
        assert_eq!(
            error.field("care_team").as_deref(),
            Some("Choose a care team.")
        );
        assert_eq!(
            error.field("category").as_deref(),
            Some("Choose a category.")
        );
        assert_eq!(error.field("subject").as_deref(), Some("Enter a subject."));
        assert_eq!(error.field("body").as_deref(), Some("Enter a message."));
        assert!(validate_new_message(Some(1), Some(Category::General), "Hi", "Hello").is_ok());
        let error = validate_new_message(Some(1), Some(Category::General), &"s".repeat(51), "ok")
            .unwrap_err();
        assert!(error.field("subject").is_some());
        assert!(error.field("body").is_none());
        assert!(validate_reply("").unwrap_err().field("body").is_some());
        assert!(validate_reply("Thanks").is_ok());
    }

    #[test]
    fn drafts_may_be_empty_but_not_too_long() {
        assert!(validate_draft("", "").is_ok());
        assert!(validate_draft(&"s".repeat(50), &"b".repeat(10_000)).is_ok());
        let error = validate_draft(&"s".repeat(51), &"b".repeat(10_001)).unwrap_err();
        assert!(error.field("subject").is_some());
        assert!(error.field("body").is_some());
    }

    #[test]
    fn folder_names_are_letters_digits_and_spaces() {
        assert_eq!(
            validate_folder_name("  Heart care 2  ").unwrap(),
            "Heart care 2"
        );
        assert_eq!(validate_folder_name(&"f".repeat(50)).unwrap().len(), 50);
        assert_eq!(validate_folder_name("Médicaments").unwrap(), "Médicaments");
        let cases = [
            ("", "Enter a folder name."),
            ("   ", "Enter a folder name."),
            (
                "Meds!",
                "Folder name can only use letters, numbers and spaces.",
            ),
            (
                "a/b",
                "Folder name can only use letters, numbers and spaces.",
            ),
            (
                "<script>",
                "Folder name can only use letters, numbers and spaces.",
            ),
            (
                "Tab\there",
                "Folder name can only use letters, numbers and spaces.",
            ),
        ];
        for (name, message) in cases {
            let error = validate_folder_name(name).unwrap_err();
            assert_eq!(error.field("name").as_deref(), Some(message), "{name:?}");
        }
        assert_eq!(
            validate_folder_name(&"f".repeat(51))
                .unwrap_err()
                .field("name")
                .as_deref(),
            Some("Folder name must be 50 characters or fewer.")
        );
        assert!(validate_folder_name("trash").is_err());
        assert!(validate_folder_name("INBOX").is_err());
        assert!(validate_folder_name("Inbox 2").is_ok());
    }

    #[test]
    fn folder_keys_ignore_case_and_spacing() {
        assert_eq!(folder_name_key("Heart  Care"), "heart care");
        assert_eq!(folder_name_key("heart care"), folder_name_key("HEART CARE"));
        assert_ne!(folder_name_key("heart care"), folder_name_key("heartcare"));
    }

    #[test]
    fn crisis_terms_match_whole_words_in_any_case() {
        assert_eq!(
            crisis_terms_in("I have been thinking about SUICIDE."),
            ["suicide"]
        );
        assert_eq!(
            crisis_terms_in("Some days I want to kill myself"),
            ["kill myself"]
        );
        assert_eq!(crisis_terms_in("history of self-harm"), ["self harm"]);
        assert_eq!(crisis_terms_in("Self Harm"), ["self harm"]);
        assert_eq!(
            crisis_terms_in("Sharp chest\npain since noon"),
            ["chest pain"]
        );
        assert_eq!(crisis_terms_in("I can’t breathe well"), ["can't breathe"]);
        assert_eq!(crisis_terms_in("took an overdose"), ["overdose"]);
        assert!(has_crisis_language("I might hurt myself"));
        // Word-aware: parts of other words, or the words apart, do not count.
        assert!(!has_crisis_language("I want to improve my skill myself"));
        assert!(!has_crisis_language("My chest is fine; no pain in my leg"));
        assert!(!has_crisis_language(
            "Refill my blood pressure medicine, please."
        ));
        assert!(!has_crisis_language(""));
        // Several terms are all reported, in list order.
        assert_eq!(
            crisis_terms_in("chest pain and I feel suicidal"),
            ["suicidal", "chest pain"]
        );
    }

    #[test]
    fn every_crisis_term_matches_itself() {
        for term in CRISIS_TERMS {
            assert_eq!(crisis_terms_in(term), [term], "{term}");
            assert_eq!(crisis_terms_in(&term.to_uppercase()), [term], "{term}");
        }
    }

    #[test]
    fn search_terms_are_plain_distinct_words() {
        assert_eq!(
            search_terms("  Refill, refill OR \"pharmacy\"* "),
            ["refill", "or", "pharmacy"]
        );
        assert!(search_terms(" -*\" ").is_empty());
        assert_eq!(search_terms(&"w ".repeat(3)), ["w"]);
        let many: String = (0..20).map(|n| format!("word{n} ")).collect();
        assert_eq!(search_terms(&many).len(), SEARCH_TERMS_MAX);
    }

    #[test]
    fn date_ranges_count_back_from_now() {
        assert_eq!(date_bounds(DateRange::AnyTime, NOW), (None, None));
        assert_eq!(
            date_bounds(DateRange::Last3Months, NOW),
            (Some(NOW - 93 * DAY_MS), None)
        );
        assert_eq!(
            date_bounds(DateRange::Last12Months, NOW),
            (Some(NOW - 372 * DAY_MS), None)
        );
        let custom = DateRange::Custom {
            from_ms: Some(5),
            to_ms: Some(9),
        };
        assert_eq!(date_bounds(custom, NOW), (Some(5), Some(9)));
    }

    #[test]
    fn teams_that_cannot_be_written_to_say_why() {
        assert_eq!(team_problem(true, false), None);
        assert_eq!(team_problem(false, false), Some(TEAM_NOT_ACCEPTING));
        assert_eq!(team_problem(true, true), Some(TEAM_BLOCKED));
        assert_eq!(team_problem(false, true), Some(TEAM_BLOCKED));
    }

    #[test]
    fn signatures_and_client_keys_are_bounded() {
        assert!(validate_signature("", "").is_ok());
        assert!(validate_signature("Alex Rivera", "U.S. Army, retired").is_ok());
        let error = validate_signature(&"n".repeat(101), "a\nb").unwrap_err();
        assert!(error.field("signature_name").is_some());
        assert_eq!(
            error.field("signature_title").as_deref(),
            Some("Title must fit on one line.")
        );
        assert!(validate_client_key("3f2b6c1e-9a7d-4c1b-8e2f-0a1b2c3d4e5f").is_ok());
        assert!(validate_client_key("").is_err());
        assert!(validate_client_key("has space").is_err());
        assert!(validate_client_key(&"k".repeat(101)).is_err());
    }

    #[test]
    fn a_facility_phone_number_goes_where_people_are_told_to_call() {
        assert_eq!(
            with_phone(TEAM_BLOCKED, "800-555-0100"),
            "You can't send messages to this team. Call your facility at 800-555-0100 for help."
        );
        assert_eq!(
            with_phone(TEAM_NOT_ACCEPTING, " 800-555-0100 "),
            "This team isn't accepting messages. Call your facility at 800-555-0100 instead."
        );
        assert_eq!(with_phone(TEAM_BLOCKED, ""), TEAM_BLOCKED);
        assert_eq!(
            with_phone(REPLY_WINDOW_CLOSED, "800-555-0100"),
            REPLY_WINDOW_CLOSED
        );
    }
}
