//! The administration console's data layer: server only (STYLE.md habit 3).
//!
//! Every public function takes an `AdminCapability`, so it cannot run before `require_admin`
//! has passed. Every change writes its audit event, with the values before and after, in
//! the same transaction as the change (DESIGN.md §3). Nothing here reads message subjects,
//! bodies or attachments: the team counts are counts of thread rows.
//!
//! Changes that read before they write begin with `Db::begin_write`: on SQLite that takes the
//! database's write lock at once, on PostgreSQL the rows read are locked with `FOR UPDATE`
//! where a concurrent change could break a rule (the last active administrator).

mod associations;
mod facilities;
mod import;
mod mfa;
mod role_change;
mod teams;
mod users;

pub use associations::{add_association, block_association, unblock_association};
pub use facilities::{add_facility, edit_facility, facilities};
pub use import::{import_associations, preview_import};
pub use mfa::reset_mfa;
pub use teams::{add_member, add_team, edit_team, remove_member, team_detail, teams};
pub(crate) use users::new_link;
pub(crate) use users::write_date_of_birth;
pub use users::{
    change_role, deactivate, find_users, grant_caregiver_access, invite, password_link_check,
    password_link_holder, reactivate, reset_password, revoke_caregiver_access, set_date_of_birth,
    set_password_with_link, user_detail,
};

use crate::admin::types::TeamRole;
use crate::server::access::AdminCapability;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::Tx;

/// A stored `team_members.team_role`, for the console's lists: anything but "lead" reads
/// as a member. Records read one as `#[sqlx(try_from = "String")] team_role: TeamRole`.
impl From<String> for TeamRole {
    fn from(value: String) -> TeamRole {
        TeamRole::parse(&value).unwrap_or(TeamRole::Member)
    }
}

/// Where a change came from, for the audit trail.
#[derive(Clone, Debug, Default)]
pub struct Origin(pub Option<String>);

/// Writes the audit event of an administrative change inside its transaction: who, what,
/// from where, and the values before and after (`null` when there was none).
async fn audit_change(
    tx: &mut Tx,
    capability: &AdminCapability,
    from: &Origin,
    change: Change,
) -> Result<(), sqlx::Error> {
    let mut event = AuditEvent::new(change.action, Outcome::Success)
        .actor(capability.user().id)
        .target(change.target)
        .detail(serde_json::json!({ "before": change.before, "after": change.after }));
    if let Some(patient) = change.patient {
        event = event.patient(patient);
    }
    if let Some(address) = &from.0 {
        event = event.from_address(address.clone());
    }
    audit::record(&mut **tx, &event).await
}

/// One administrative change, for `audit_change`.
struct Change {
    action: Action,
    target: String,
    /// The Veteran whose access changed, when the change is about one.
    patient: Option<i64>,
    before: serde_json::Value,
    after: serde_json::Value,
}
