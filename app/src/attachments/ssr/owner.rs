//! Whose draft a file may be put on, listed from or removed from: the two kinds of people
//! who write with files (Veterans and their caregivers, and clinicians).
//!
//! - The Veteran's side: a draft of the person asking, for the Veteran they act for (a
//!   caregiver's grant is checked when the `Mailbox` is made).
//! - A care team member: their own reply draft in a thread of a team they belong to now.
//!   Membership is part of every query, so a member taken off the team, or a thread moved
//!   to another team, puts the files out of reach at once (and the change that did it
//!   deletes them: `team::ssr::drop_stranded_reply_drafts`). Or their own new-conversation
//!   draft ("Start a message"), while they share a team with its Veteran that the Veteran
//!   is not blocked from.
//!
//! Anything else answers `NotFound`, like a draft that does not exist (DESIGN.md §3).

use crate::messages::ssr::Mailbox;
use crate::server::access::TeamCapability;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

#[derive(Clone, Copy, Debug)]
pub enum DraftOwner<'a> {
    Mailbox(&'a Mailbox),
    TeamMember(&'a TeamCapability),
}

impl<'a> From<&'a Mailbox> for DraftOwner<'a> {
    fn from(mailbox: &'a Mailbox) -> Self {
        DraftOwner::Mailbox(mailbox)
    }
}

impl<'a> From<&'a TeamCapability> for DraftOwner<'a> {
    fn from(capability: &'a TeamCapability) -> Self {
        DraftOwner::TeamMember(capability)
    }
}

impl DraftOwner<'_> {
    /// The person asking: the author of the draft and the owner of its files.
    pub fn author_id(&self) -> i64 {
        match self {
            DraftOwner::Mailbox(mailbox) => mailbox.viewer_id,
            DraftOwner::TeamMember(capability) => capability.user().id,
        }
    }

    /// SQL selecting the ids of the drafts this person may work on. `$n` is the author; for
    /// the Veteran's side `$n+1` is the Veteran. `bind` binds them, so they must be the
    /// query's last parameters.
    pub(super) fn drafts_sql(&self, n: usize) -> String {
        match self {
            DraftOwner::Mailbox(_) => format!(
                "SELECT d.id FROM drafts d WHERE d.author_id = ${n} AND d.veteran_id = ${}",
                n + 1
            ),
            DraftOwner::TeamMember(_) => format!(
                "SELECT d.id FROM drafts d WHERE d.author_id = ${n} AND (EXISTS ( \
                 SELECT 1 FROM threads t JOIN team_members tm ON tm.team_id = t.team_id \
                 WHERE t.id = d.thread_id AND tm.user_id = d.author_id) \
                 OR (d.starts_thread = 1 AND d.thread_id IS NULL AND EXISTS ( \
                 SELECT 1 FROM veteran_teams vt JOIN team_members tm ON tm.team_id = vt.team_id \
                 WHERE vt.veteran_id = d.veteran_id AND vt.blocked = 0 \
                 AND tm.user_id = d.author_id)))"
            ),
        }
    }

    /// Binds what `drafts_sql` names.
    pub(super) fn bind<'q>(
        &self,
        query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        let query = query.bind(self.author_id());
        match self {
            DraftOwner::Mailbox(mailbox) => query.bind(mailbox.veteran_id),
            DraftOwner::TeamMember(_) => query,
        }
    }
}
