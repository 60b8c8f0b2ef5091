//! What a role held ends with it. A clinician made a caregiver (or anything else) is taken
//! off their teams, out of coverage both ways, and loses their unsent reply drafts; a
//! caregiver made anything else loses their access to each Veteran. All in the role change's
//! own transaction, each ending audited like the administrator's own action for it, so no
//! old access outlives the role for even one request.

use super::users::{end_grant, LiveGrant};
use super::{audit_change, Change, Origin};
use crate::auth::Role;
use crate::server::access::AdminCapability;
use crate::server::audit::Action;
use crate::server::db::{Db, Tx};

/// Ends what `user_id` held as `before`. Answers the attachment ids of deleted drafts, for
/// the caller to remove from storage once the transaction has committed. Runs before the
/// role itself changes: the reply drafts are found as a clinician's.
pub(super) async fn end_holdings(
    db: &Db,
    tx: &mut Tx,
    capability: &AdminCapability,
    from: &Origin,
    user_id: i64,
    before: Role,
) -> Result<Vec<String>, sqlx::Error> {
    match before {
        Role::Clinician => end_team_work(tx, capability, from, user_id).await,
        Role::Caregiver => {
            end_caregiver_access(db, tx, capability, from, user_id).await?;
            Ok(Vec::new())
        }
        Role::Veteran | Role::Administrator => Ok(Vec::new()),
    }
}

async fn end_team_work(
    tx: &mut Tx,
    capability: &AdminCapability,
    from: &Origin,
    user_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let memberships: Vec<(i64, String)> =
        sqlx::query_as("SELECT team_id, team_role FROM team_members WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut **tx)
            .await?;
    sqlx::query("DELETE FROM team_members WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for (team_id, team_role) in memberships {
        let change = Change {
            action: Action::TeamMemberRemoved,
            target: format!("care_team:{team_id}:user:{user_id}"),
            patient: None,
            before: serde_json::json!({ "team_role": team_role }),
            after: serde_json::Value::Null,
        };
        audit_change(tx, capability, from, change).await?;
    }
    // Away, or covering someone who is away: neither means anything off the team.
    sqlx::query("DELETE FROM coverage WHERE user_id = $1 OR covering_user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    crate::team::ssr::drop_stranded_reply_drafts(
        tx,
        crate::team::ssr::Stranded::Member(user_id),
        capability.user().id,
        from.0.as_deref(),
    )
    .await
}

async fn end_caregiver_access(
    db: &Db,
    tx: &mut Tx,
    capability: &AdminCapability,
    from: &Origin,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    let grants: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, veteran_id FROM caregiver_grants WHERE caregiver_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    let now = db.now_ms();
    for (grant_id, veteran_id) in grants {
        let grant = LiveGrant {
            grant_id,
            caregiver_id: user_id,
            veteran_id,
        };
        end_grant(tx, capability, from, grant, now).await?;
    }
    Ok(())
}
