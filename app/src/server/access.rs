//! Authorization as capabilities (STYLE.md habit 7, after lldap's access-control).
//!
//! A capability is a value that can only be made here, after the check has passed. Code that
//! does team or admin work takes the capability as an argument, so it cannot be reached
//! without the check. Every server function starts with one of the `require_*` calls.

use super::audit::{self, Action, AuditEvent, Outcome};
use super::state::AppState;
use crate::auth::{Area, Role, SignedInUser};
use crate::error::AppError;
use leptos::prelude::use_context;

/// The client address, put in the request's extensions by the server.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub String);

/// Put in the request by the gate when the signed-in person must set up two-step
/// verification before anything else (`SM_REQUIRE_MFA`, a clinician or administrator
/// without it).
#[derive(Clone, Copy, Debug)]
pub struct TwoStepSetUpNeeded;

/// Who is asking and from where, read from the request a server function is answering.
#[derive(Clone, Debug)]
pub struct Requester {
    pub user: Option<SignedInUser>,
    pub ip: String,
    /// Held at the two-step verification set-up: no area opens until it is done.
    pub set_up_needed: bool,
}

pub fn requester() -> Requester {
    let parts = use_context::<http::request::Parts>();
    let user = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<SignedInUser>().cloned());
    let ip = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<ClientAddress>().map(|a| a.0.clone()))
        .unwrap_or_else(|| "unknown".to_string());
    let set_up_needed = parts
        .as_ref()
        .is_some_and(|p| p.extensions.get::<TwoStepSetUpNeeded>().is_some());
    Requester {
        user,
        ip,
        set_up_needed,
    }
}

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))
}

/// How the audit log names a server function: `api:name` for its path `/api/name`.
pub fn server_function_target(path: &str) -> String {
    match path.strip_prefix("/api/") {
        Some(name) => format!("api:{name}"),
        None => path.to_string(),
    }
}

/// Proof that a Veteran or a caregiver is asking: opens the messaging features.
#[derive(Clone, Debug)]
pub struct MessagingCapability {
    user: SignedInUser,
    /// The client's address, for the audit trail (none for start-up jobs and tests).
    address: Option<String>,
}
impl MessagingCapability {
    pub fn user(&self) -> &SignedInUser {
        &self.user
    }

    pub fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }
}

/// Proof that a clinician is asking: opens the care team workspace. Which threads they may
/// see is still scoped by their team memberships in every query.
#[derive(Clone, Debug)]
pub struct TeamCapability {
    user: SignedInUser,
    /// The client's address, for the audit trail (none for start-up jobs and tests).
    address: Option<String>,
}
impl TeamCapability {
    pub fn user(&self) -> &SignedInUser {
        &self.user
    }

    pub fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }
}

/// Proof that a lead of at least one care team is asking, with the teams they lead as the
/// check found them: opens those teams' reports and no other's.
#[derive(Clone, Debug)]
pub struct LeadCapability {
    user: SignedInUser,
    teams: Vec<i64>,
}
impl LeadCapability {
    pub fn user(&self) -> &SignedInUser {
        &self.user
    }

    /// The care teams this person leads.
    pub fn teams(&self) -> &[i64] {
        &self.teams
    }
}

/// A care team member's lead capability: `None` when they lead no team.
pub async fn team_lead(
    db: &super::db::Db,
    capability: &TeamCapability,
) -> Result<Option<LeadCapability>, AppError> {
    let teams: Vec<i64> = sqlx::query_scalar(
        "SELECT team_id FROM team_members WHERE user_id = $1 AND team_role = 'lead' \
         ORDER BY team_id",
    )
    .bind(capability.user().id)
    .fetch_all(&db.pool)
    .await?;
    Ok((!teams.is_empty()).then(|| LeadCapability {
        user: capability.user().clone(),
        teams,
    }))
}

/// Proof that an administrator is asking: opens the administration console, which never
/// returns message content.
#[derive(Clone, Debug)]
pub struct AdminCapability {
    user: SignedInUser,
}
impl AdminCapability {
    pub fn user(&self) -> &SignedInUser {
        &self.user
    }
}

/// The signed-in person, or `Unauthenticated`.
pub fn signed_in() -> Result<SignedInUser, AppError> {
    requester().user.ok_or(AppError::Unauthenticated)
}

/// Checks that the person may use `area`; refusals are audited with `what` as the target.
/// `what` is the asking server function's own `PATH` (`/api/name`), recorded as `api:name`.
/// A person held at the two-step verification set-up opens no area (the gate already
/// refuses their requests; this holds even if a path were missed there).
async fn require_area(area: Area, what: &str) -> Result<SignedInUser, AppError> {
    let asking = requester();
    let user = asking.user.ok_or(AppError::Unauthenticated)?;
    if asking.set_up_needed {
        return Err(AppError::TwoStepSetUpNeeded);
    }
    if area.admits(user.role) {
        return Ok(user);
    }
    let state = app_state()?;
    audit::record(
        &state.db.pool,
        &AuditEvent::new(Action::AccessRefused, Outcome::Denied)
            .actor(user.id)
            .target(server_function_target(what))
            .from_address(asking.ip),
    )
    .await?;
    Err(AppError::Forbidden)
}

pub async fn require_messaging(what: &str) -> Result<MessagingCapability, AppError> {
    let address = Some(requester().ip);
    require_area(Area::Messages, what)
        .await
        .map(|user| MessagingCapability { user, address })
}

pub async fn require_team(what: &str) -> Result<TeamCapability, AppError> {
    let address = Some(requester().ip);
    require_area(Area::Team, what)
        .await
        .map(|user| TeamCapability { user, address })
}

pub async fn require_admin(what: &str) -> Result<AdminCapability, AppError> {
    require_area(Area::Admin, what)
        .await
        .map(|user| AdminCapability { user })
}

/// A clinician who leads at least one care team; anyone else is refused (`Forbidden`),
/// and the refusal audited as `require_area` does.
pub async fn require_team_lead(what: &str) -> Result<LeadCapability, AppError> {
    let capability = require_team(what).await?;
    let state = app_state()?;
    if let Some(lead) = team_lead(&state.db, &capability).await? {
        return Ok(lead);
    }
    audit::record(
        &state.db.pool,
        &AuditEvent::new(Action::AccessRefused, Outcome::Denied)
            .actor(capability.user().id)
            .target(server_function_target(what))
            .from_address(requester().ip),
    )
    .await?;
    Err(AppError::Forbidden)
}

/// For plain axum routes (attachment upload and download), which answer outside the
/// Leptos server-function machinery: the gate has already put the signed-in person in the
/// request. The same check and refusal audit as `require_messaging`.
pub async fn messaging_for_route(
    db: &super::db::Db,
    user: SignedInUser,
    ip: &str,
    what: &str,
) -> Result<MessagingCapability, AppError> {
    if Area::Messages.admits(user.role) {
        let address = Some(ip.to_string());
        return Ok(MessagingCapability { user, address });
    }
    audit::record(
        &db.pool,
        &AuditEvent::new(Action::AccessRefused, Outcome::Denied)
            .actor(user.id)
            .target(what.to_string())
            .from_address(ip.to_string()),
    )
    .await?;
    Err(AppError::Forbidden)
}

/// The same for a care team member (a clinician's files on their team reply): the check
/// and refusal audit of `require_team`. Which threads they may touch is still scoped by
/// their team memberships in every query.
pub async fn team_for_route(
    db: &super::db::Db,
    user: SignedInUser,
    ip: &str,
    what: &str,
) -> Result<TeamCapability, AppError> {
    if Area::Team.admits(user.role) {
        let address = Some(ip.to_string());
        return Ok(TeamCapability { user, address });
    }
    audit::record(
        &db.pool,
        &AuditEvent::new(Action::AccessRefused, Outcome::Denied)
            .actor(user.id)
            .target(what.to_string())
            .from_address(ip.to_string()),
    )
    .await?;
    Err(AppError::Forbidden)
}

/// For data-layer tests and server start-up jobs, which act without a request. Never used
/// by a server function.
pub mod trusted {
    use super::*;

    pub fn messaging(user: SignedInUser) -> Option<MessagingCapability> {
        Area::Messages
            .admits(user.role)
            .then_some(MessagingCapability {
                user,
                address: None,
            })
    }
    pub fn team(user: SignedInUser) -> Option<TeamCapability> {
        (user.role == Role::Clinician).then_some(TeamCapability {
            user,
            address: None,
        })
    }
    pub fn admin(user: SignedInUser) -> Option<AdminCapability> {
        (user.role == Role::Administrator).then_some(AdminCapability { user })
    }
}
