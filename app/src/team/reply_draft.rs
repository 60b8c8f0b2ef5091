//! A care team member's reply is a draft of their own, one per thread: the reply box saves
//! itself about 3 seconds after typing stops and when the page is left
//! (`crate::ui::autosave`), and shows the text again on the next visit. Sending the reply
//! removes the draft.
//!
//! While a member's draft is "open", their colleagues see "{Name} is writing a reply" on
//! the thread and on its row in the team inbox. Open means: it holds text, and was saved
//! within the last `WRITING_SHOWN_FOR_MS` (10 minutes; autosave saves every few seconds of
//! typing, so a pause to think does not hide it, and a draft left for the day stops
//! counting). It is gone at once when the reply is sent or the box is emptied. Colleagues
//! learn the name only, never the text.

use crate::error::AppError;
use crate::ui::autosave::{DraftFields, SavedDraft};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// How long after its last save a reply draft with text shows its author as writing.
pub const WRITING_SHOWN_FOR_MS: i64 = 10 * 60 * 1000;

/// A care team member's own reply draft in one thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamReplyDraft {
    pub draft_id: i64,
    pub body: String,
    pub updated_at: i64,
}

/// "Casey Nguyen is writing a reply", for the colleagues named; nothing for nobody.
pub fn writing_words(names: &[String]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is writing a reply")),
        [first @ .., last] => Some(format!(
            "{} and {last} are writing replies",
            first.join(", ")
        )),
    }
}

/// Saves the reply box as the person's reply draft in a thread of one of their teams, and
/// answers its id. Autosave posts here. When this changes whether colleagues see them as
/// writing, the team's open pages hear of it (never the Veteran's side).
#[server(endpoint = "team_save_reply_draft", output = leptos::server_fn::codec::Postcard)]
pub async fn team_save_reply_draft(thread_id: i64, body: String) -> Result<SavedDraft, AppError> {
    use crate::server::access::{app_state, require_team};
    use crate::server::clock::date_time;
    let capability = require_team(TeamSaveReplyDraft::PATH).await?;
    let state = app_state()?;
    let saved = super::ssr::save_reply_text(&state.db, &capability, thread_id, &body).await?;
    if saved.writing_changed {
        let writer = capability.user().id;
        crate::live::ssr::writing_changed(&state, thread_id, saved.team_id, writer).await;
    }
    Ok(SavedDraft {
        draft_id: saved.draft.draft_id,
        saved: date_time(saved.draft.updated_at, &capability.user().time_zone),
    })
}

/// The team's reply box as its draft holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct TeamReplyFields {
    pub(crate) thread_id: i64,
    pub(crate) body: String,
    pub(crate) draft_id: Option<i64>,
}

impl DraftFields for TeamReplyFields {
    const PATH: &'static str = TeamSaveReplyDraft::PATH;

    fn draft_id(&self) -> Option<i64> {
        self.draft_id
    }

    fn set_draft_id(&mut self, draft_id: i64) {
        self.draft_id = Some(draft_id);
    }

    fn worth_saving(&self) -> bool {
        self.draft_id.is_some() || !self.body.trim().is_empty()
    }

    /// The thread names the draft (one per member and thread).
    fn form(&self) -> Vec<(&'static str, String)> {
        vec![
            ("thread_id", self.thread_id.to_string()),
            ("body", self.body.clone()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colleagues_writing_in_words() {
        let names = |all: &[&str]| all.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(writing_words(&[]), None);
        assert_eq!(
            writing_words(&names(&["Casey Nguyen"])).as_deref(),
            Some("Casey Nguyen is writing a reply")
        );
        assert_eq!(
            writing_words(&names(&["Casey Nguyen", "Dr. Morgan Patel"])).as_deref(),
            Some("Casey Nguyen and Dr. Morgan Patel are writing replies")
        );
        assert_eq!(
            writing_words(&names(&["A", "B", "C"])).as_deref(),
            Some("A, B and C are writing replies")
        );
    }

    #[test]
    fn an_emptied_box_is_still_saved() {
        let fresh = TeamReplyFields {
            thread_id: 4,
            ..TeamReplyFields::default()
        };
        assert!(!fresh.worth_saving());
        let emptied = TeamReplyFields {
            draft_id: Some(9),
            ..fresh
        };
        assert!(emptied.worth_saving());
        assert_eq!(
            emptied.form(),
            vec![("thread_id", "4".to_string()), ("body", String::new())]
        );
    }
}
