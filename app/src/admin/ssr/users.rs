//! "Users": find, invite, change roles, deactivate, reactivate, reset password, and
//! caregiver access; and the one-time set-password links invitations and resets make. A
//! link goes only to the person, by email written in the same transaction; the
//! administrator never sees it, so they cannot use it to become that person.
//! "Reset MFA" is in `mfa.rs`.
//!
//! The last active administrator can be neither deactivated nor demoted. Two
//! administrators acting at once cannot both pass that check: on PostgreSQL every active
//! administrator row is locked (`FOR UPDATE`, in id order so two changes cannot deadlock)
//! before counting; on SQLite `begin_write` already serializes writers.

use super::{audit_change, Change, Origin};
use crate::admin::types::{
    CaregiverGrantRow, InviteInput, PasswordLinkHolder, PasswordLinkState, TeamRole, UserDetail,
    UserRow, PASSWORD_LINK_HOURS,
};
use crate::auth::Role;
use crate::email::ssr::{enqueue, letters, PublicUrl};
use crate::error::AppError;
use crate::server::access::AdminCapability;
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::common_passwords::new_password_problem;
use crate::server::db::Db;
use crate::server::db::YesNo;
use crate::server::db::{is_unique_violation, Tx};
use crate::server::link_tokens::{new_token, token_hash};
use crate::server::{passwords, users::normalize_email};
use sqlx::FromRow;
use std::collections::BTreeMap;

const NAME_MAX_CHARS: usize = 100;
/// At most this many people answer one search: the administrator narrows it down.
pub const FIND_LIMIT: i64 = 50;
const USER_SELECT: &str = "SELECT id, name, email, role, active, \
     CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END AS has_password, \
     CASE WHEN EXISTS (SELECT 1 FROM mfa_enrolments m WHERE m.user_id = users.id \
     AND m.confirmed_at IS NOT NULL) OR EXISTS (SELECT 1 FROM passkeys p \
     WHERE p.user_id = users.id) THEN 1 ELSE 0 END AS mfa_on, date_of_birth FROM users";

/// People whose name or email contains `words` (ignoring case), by name; everyone (the first
/// `FIND_LIMIT`) when `words` is empty.
pub async fn find_users(
    db: &Db,
    _capability: &AdminCapability,
    words: &str,
) -> Result<Vec<UserRow>, AppError> {
    let words = words.trim().to_lowercase().replace(['%', '_'], "");
    let pattern = format!("%{words}%");
    let users: Vec<UserRecord> = sqlx::query_as(&format!(
        "{USER_SELECT} WHERE LOWER(name) LIKE $1 OR email LIKE $1 ORDER BY name, id LIMIT $2"
    ))
    .bind(pattern)
    .bind(FIND_LIMIT)
    .fetch_all(&db.pool)
    .await?;
    Ok(users.into_iter().map(UserRow::from).collect())
}

/// One person, their care teams and their live caregiver grants (either side).
pub async fn user_detail(
    db: &Db,
    _capability: &AdminCapability,
    user_id: i64,
) -> Result<UserDetail, AppError> {
    let user = sqlx::query_as::<_, UserRecord>(&format!("{USER_SELECT} WHERE id = $1"))
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .map(UserRow::from)
        .ok_or(AppError::NotFound)?;
    let teams: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT ct.id, ct.name, tm.team_role FROM team_members tm \
         JOIN care_teams ct ON ct.id = tm.team_id WHERE tm.user_id = $1 ORDER BY ct.name, ct.id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let grants: Vec<GrantRecord> = sqlx::query_as(
        "SELECT g.id, g.granted_at, c.name AS c_name, c.email AS c_email, \
         v.name AS v_name, v.email AS v_email FROM caregiver_grants g \
         JOIN users c ON c.id = g.caregiver_id JOIN users v ON v.id = g.veteran_id \
         WHERE g.revoked_at IS NULL AND (g.caregiver_id = $1 OR g.veteran_id = $1) \
         ORDER BY g.granted_at, g.id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(UserDetail {
        user,
        teams: teams
            .into_iter()
            .map(|(id, name, role)| (id, name, TeamRole::from(role)))
            .collect(),
        grants: grants.into_iter().map(CaregiverGrantRow::from).collect(),
    })
}

/// A live caregiver grant, as `user_detail` reads it.
#[derive(FromRow)]
struct GrantRecord {
    id: i64,
    granted_at: i64,
    c_name: String,
    c_email: String,
    v_name: String,
    v_email: String,
}

impl From<GrantRecord> for CaregiverGrantRow {
    fn from(grant: GrantRecord) -> CaregiverGrantRow {
        CaregiverGrantRow {
            grant_id: grant.id,
            caregiver_name: grant.c_name,
            caregiver_email: grant.c_email,
            veteran_name: grant.v_name,
            veteran_email: grant.v_email,
            granted_at: grant.granted_at,
        }
    }
}

/// Makes an account without a password and emails the person a one-time link (24 hours) to
/// set one. Answers the new account's id.
pub async fn invite(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    site: &PublicUrl,
    input: &InviteInput,
) -> Result<i64, AppError> {
    let mut fields = BTreeMap::new();
    let email = normalize_email(&input.email);
    if let Some(problem) = crate::server::users::email_format_problem(&email) {
        fields.insert("email".to_string(), problem.to_string());
    }
    let name = input.name.trim();
    if name.is_empty() {
        fields.insert(
            "name".to_string(),
            "Enter the person's full name.".to_string(),
        );
    } else if name.chars().count() > NAME_MAX_CHARS {
        fields.insert(
            "name".to_string(),
            format!("Name must be {NAME_MAX_CHARS} characters or fewer."),
        );
    }
    let role = Role::parse(input.role.trim());
    if role.is_none() {
        fields.insert("role".to_string(), "Choose a role.".to_string());
    }
    let Some(role) = role.filter(|_| fields.is_empty()) else {
        return Err(AppError::Invalid { fields });
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let user_id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, active, created_at, updated_at) \
         VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
    )
    .bind(&email)
    .bind(name)
    .bind(role.as_str())
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            AppError::invalid("email", "Someone already has this email address.")
        } else {
            AppError::from(error)
        }
    })?;
    let link = new_link(
        &mut tx,
        capability.user().id,
        user_id,
        "invite",
        LINK_MAX_MS,
    )
    .await?;
    enqueue(
        &mut tx,
        site,
        &letters::invitation(site, &email, &link.path),
    )
    .await?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::UserInvited,
            target: format!("user:{user_id}"),
            patient: None,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "email": email, "name": name, "role": role.as_str(), "active": true,
                "password_link_expires_at": link.expires_at,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Sets a Veteran's date of birth (`text` as typed: `YYYY-MM-DD`), or clears it when `text`
/// is empty. Refused on the "date_of_birth" field when the date is not a real one, in the
/// future or before 1900, or when the person is not a Veteran. Audited with the dates
/// before and after, the Veteran as the patient.
pub async fn set_date_of_birth(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    user_id: i64,
    text: &str,
) -> Result<(), AppError> {
    let date_of_birth = crate::server::date_of_birth::check(text, db.now_ms())
        .map_err(|message| AppError::invalid("date_of_birth", message))?;
    let mut tx = db.begin_write().await?;
    let (role, before) = sqlx::query_as::<_, (String, Option<String>)>(
        "SELECT role, date_of_birth FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if role != Role::Veteran.as_str() {
        return Err(AppError::invalid(
            "date_of_birth",
            "Only Veterans have a date of birth on their record.",
        ));
    }
    if before == date_of_birth {
        return Ok(());
    }
    write_date_of_birth(
        &mut tx,
        capability,
        from,
        user_id,
        before,
        date_of_birth,
        db.now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores a Veteran's date of birth and its audit event, inside the caller's transaction
/// (the user page and the CSV import).
pub(crate) async fn write_date_of_birth(
    tx: &mut Tx,
    capability: &AdminCapability,
    from: &Origin,
    user_id: i64,
    before: Option<String>,
    after: Option<String>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET date_of_birth = $1, updated_at = $2 WHERE id = $3")
        .bind(after.as_deref())
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    audit_change(
        tx,
        capability,
        from,
        Change {
            action: Action::UserDateOfBirthChanged,
            target: format!("user:{user_id}"),
            patient: Some(user_id),
            before: serde_json::json!({ "date_of_birth": before }),
            after: serde_json::json!({ "date_of_birth": after }),
        },
    )
    .await
}

/// Gives the person another role, ending what the old one held (its teams, coverage,
/// reply drafts, caregiver access: `role_change`). Demoting the last active administrator
/// is refused. Answers the attachment ids of the drafts that went, for the caller to remove
/// from storage after this has committed.
pub async fn change_role(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    user_id: i64,
    role: &str,
) -> Result<Vec<String>, AppError> {
    let role =
        Role::parse(role.trim()).ok_or_else(|| AppError::invalid("role", "Choose a role."))?;
    let mut tx = db.begin_write().await?;
    let admins = lock_active_administrators(db, &mut tx).await?;
    let (before, active) = role_of(db, &mut tx, user_id).await?;
    if before == role {
        return Ok(Vec::new());
    }
    if before == Role::Administrator && active && admins == [user_id] {
        return Err(last_administrator("role"));
    }
    let files =
        super::role_change::end_holdings(db, &mut tx, capability, from, user_id, before).await?;
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(db.now_ms())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::UserRoleChanged,
            target: format!("user:{user_id}"),
            patient: None,
            before: serde_json::json!({ "role": before.as_str() }),
            after: serde_json::json!({ "role": role.as_str() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(files)
}

/// Deactivates an account and ends every one of its sessions in the same transaction, so
/// an open page stops working on its next request. Unused set-password links die too.
pub async fn deactivate(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    user_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let admins = lock_active_administrators(db, &mut tx).await?;
    let (role, active) = role_of(db, &mut tx, user_id).await?;
    if !active {
        return Ok(());
    }
    if role == Role::Administrator && admins == [user_id] {
        return Err(last_administrator("user"));
    }
    let now = db.now_ms();
    sqlx::query("UPDATE users SET active = 0, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let sessions = crate::server::session_store::end_all_sessions_of(&mut tx, user_id).await?;
    void_links(&mut tx, user_id, now).await?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::UserDeactivated,
            target: format!("user:{user_id}"),
            patient: None,
            before: serde_json::json!({ "active": true }),
            after: serde_json::json!({ "active": false, "sessions_ended": sessions }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn reactivate(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    user_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let (_, active) = role_of(db, &mut tx, user_id).await?;
    if active {
        return Ok(());
    }
    sqlx::query("UPDATE users SET active = 1, updated_at = $1 WHERE id = $2")
        .bind(db.now_ms())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::UserReactivated,
            target: format!("user:{user_id}"),
            patient: None,
            before: serde_json::json!({ "active": false }),
            after: serde_json::json!({ "active": true }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Resets a password: the old one stops working, every session ends, earlier links die,
/// and a new one-time link (24 hours) is emailed to the person to choose a new password.
pub async fn reset_password(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    site: &PublicUrl,
    user_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let account: Option<(String, YesNo)> = sqlx::query_as(&format!(
        "SELECT email, CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END FROM users \
         WHERE id = $1{}",
        db.lock_rows()
    ))
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (email, YesNo(had_password)) = account.ok_or(AppError::NotFound)?;
    let now = db.now_ms();
    sqlx::query("UPDATE users SET password_hash = NULL, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    crate::server::session_store::end_all_sessions_of(&mut tx, user_id).await?;
    void_links(&mut tx, user_id, now).await?;
    let link = new_link(&mut tx, capability.user().id, user_id, "reset", LINK_MAX_MS).await?;
    enqueue(
        &mut tx,
        site,
        &letters::password_reset(site, &email, &link.path),
    )
    .await?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::PasswordResetIssued,
            target: format!("user:{user_id}"),
            patient: None,
            before: serde_json::json!({ "has_password": had_password }),
            after: serde_json::json!({
                "has_password": false, "password_link_expires_at": link.expires_at,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Lets a caregiver act for the Veteran with this email, from their very next request.
pub async fn grant_caregiver_access(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    caregiver_id: i64,
    veteran_email: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let (role, _) = role_of(db, &mut tx, caregiver_id).await?;
    if role != Role::Caregiver {
        return Err(AppError::invalid(
            "veteran_email",
            "Only caregiver accounts can be given access to a Veteran's messages.",
        ));
    }
    let veteran: Option<(i64, String)> =
        sqlx::query_as("SELECT id, role FROM users WHERE email = $1")
            .bind(normalize_email(veteran_email))
            .fetch_optional(&mut *tx)
            .await?;
    let veteran_id = match veteran {
        Some((id, role)) if role == Role::Veteran.as_str() => id,
        Some(_) => {
            return Err(AppError::invalid(
                "veteran_email",
                "This person is not a Veteran.",
            ))
        }
        None => {
            return Err(AppError::invalid(
                "veteran_email",
                "No Veteran has this email address.",
            ))
        }
    };
    let grant_id: i64 = sqlx::query_scalar(
        "INSERT INTO caregiver_grants (caregiver_id, veteran_id, granted_at) \
         VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(caregiver_id)
    .bind(veteran_id)
    .bind(db.now_ms())
    .fetch_one(&mut *tx)
    .await
    .map_err(|error| {
        if is_unique_violation(&error) {
            AppError::invalid(
                "veteran_email",
                "This caregiver already has access to this Veteran's messages.",
            )
        } else {
            AppError::from(error)
        }
    })?;
    audit_change(
        &mut tx,
        capability,
        from,
        Change {
            action: Action::CaregiverAccessGranted,
            target: format!("caregiver_grant:{grant_id}:caregiver:{caregiver_id}"),
            patient: Some(veteran_id),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "caregiver_id": caregiver_id, "veteran_id": veteran_id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends a live grant. Messaging checks grants on every request, so the caregiver's next
/// page or server call for that Veteran is refused.
pub async fn revoke_caregiver_access(
    db: &Db,
    capability: &AdminCapability,
    from: &Origin,
    grant_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let grant: Option<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT caregiver_id, veteran_id FROM caregiver_grants \
         WHERE id = $1 AND revoked_at IS NULL{}",
        db.lock_rows()
    ))
    .bind(grant_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (caregiver_id, veteran_id) = grant.ok_or(AppError::NotFound)?;
    let grant = LiveGrant {
        grant_id,
        caregiver_id,
        veteran_id,
    };
    end_grant(&mut tx, capability, from, grant, db.now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

/// A caregiver's live access to one Veteran.
pub(super) struct LiveGrant {
    pub grant_id: i64,
    pub caregiver_id: i64,
    pub veteran_id: i64,
}

/// Ends one live grant at `now` inside the caller's transaction, audited with the values
/// before and after.
pub(super) async fn end_grant(
    tx: &mut Tx,
    capability: &AdminCapability,
    from: &Origin,
    grant: LiveGrant,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE caregiver_grants SET revoked_at = $1 WHERE id = $2")
        .bind(now)
        .bind(grant.grant_id)
        .execute(&mut **tx)
        .await?;
    let change = Change {
        action: Action::CaregiverAccessRevoked,
        target: format!(
            "caregiver_grant:{}:caregiver:{}",
            grant.grant_id, grant.caregiver_id
        ),
        patient: Some(grant.veteran_id),
        before: serde_json::json!({ "revoked_at": null }),
        after: serde_json::json!({ "revoked_at": now }),
    };
    audit_change(tx, capability, from, change).await
}

/// Who a set-password link belongs to, while it still works (unused, unexpired, account
/// active); `None` otherwise. Needs no capability: the token is the proof.
pub async fn password_link_holder(
    db: &Db,
    token: &str,
) -> Result<Option<PasswordLinkHolder>, AppError> {
    Ok(match password_link_check(db, token).await? {
        PasswordLinkState::Works(holder) => Some(holder),
        PasswordLinkState::Expired | PasswordLinkState::Dead => None,
    })
}

/// Whether a set-password link works, and if not, whether only its time ran out (the page
/// then says so: the person needs a new link, not another try). A link lives
/// [`PASSWORD_LINK_HOURS`] from when it was made, whatever end it was given: links made
/// when they lived 72 hours end as a new one would. Needs no capability: the token is the
/// proof, and it tells its holder only what they could see by trying it.
pub async fn password_link_check(db: &Db, token: &str) -> Result<PasswordLinkState, AppError> {
    let row: Option<(String, String, Option<i64>, i64, i64, YesNo)> = sqlx::query_as(
        "SELECT u.name, u.email, l.used_at, l.expires_at, l.created_at, u.active \
         FROM password_links l JOIN users u ON u.id = l.user_id WHERE l.token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some((name, email, used_at, expires_at, created_at, YesNo(active))) = row else {
        return Ok(PasswordLinkState::Dead);
    };
    if used_at.is_some() || !active {
        return Ok(PasswordLinkState::Dead);
    }
    let now = db.now_ms();
    if now >= expires_at.min(created_at + LINK_MAX_MS) {
        return Ok(PasswordLinkState::Expired);
    }
    Ok(PasswordLinkState::Works(PasswordLinkHolder { name, email }))
}

/// Sets a password through a one-time link, which then stops working, as do the person's
/// other links and sessions. A dead or unknown link answers `NotFound`.
pub async fn set_password_with_link(
    db: &Db,
    token: &str,
    password: &str,
    confirm: &str,
    ip: &str,
) -> Result<(), AppError> {
    let Some(holder) = password_link_holder(db, token).await? else {
        return Err(AppError::NotFound);
    };
    let mut fields = BTreeMap::new();
    if let Some(problem) = new_password_problem(password, &holder.email).await? {
        fields.insert("password".to_string(), problem);
    } else if password != confirm {
        fields.insert(
            "confirm".to_string(),
            "The passwords don't match. Type the same password twice.".to_string(),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid { fields });
    }
    // Hashing takes a while on purpose; do it before holding the write lock.
    let hash = passwords::make(password.to_string())
        .await
        .map_err(AppError::internal)?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    // Claims the link: of two submissions racing, one finds it already used.
    let user_id: Option<i64> = sqlx::query_scalar(
        "UPDATE password_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
         AND expires_at > $1 AND created_at > $3 RETURNING user_id",
    )
    .bind(now)
    .bind(token_hash(token))
    .bind(now - LINK_MAX_MS)
    .fetch_optional(&mut *tx)
    .await?;
    let user_id = user_id.ok_or(AppError::NotFound)?;
    let updated = sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND active = 1",
    )
    .bind(hash)
    .bind(now)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::NotFound);
    }
    void_links(&mut tx, user_id, now).await?;
    crate::server::session_store::end_all_sessions_of(&mut tx, user_id).await?;
    audit::record(
        &mut *tx,
        &AuditEvent::new(Action::PasswordSet, Outcome::Success)
            .actor(user_id)
            .target(format!("user:{user_id}"))
            .from_address(ip),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every active administrator, locked for this transaction (see the module documentation).
async fn lock_active_administrators(db: &Db, tx: &mut Tx) -> Result<Vec<i64>, AppError> {
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM users WHERE role = 'administrator' AND active = 1 ORDER BY id{}",
        db.lock_rows()
    ))
    .fetch_all(&mut **tx)
    .await?;
    Ok(ids)
}

async fn role_of(db: &Db, tx: &mut Tx, user_id: i64) -> Result<(Role, bool), AppError> {
    let row: Option<(String, YesNo)> = sqlx::query_as(&format!(
        "SELECT role, active FROM users WHERE id = $1{}",
        db.lock_rows()
    ))
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    let (role, active) = row.ok_or(AppError::NotFound)?;
    let role = Role::parse(&role).ok_or_else(|| AppError::internal("unknown role in users"))?;
    Ok((role, active.into()))
}

fn last_administrator(field: &str) -> AppError {
    AppError::invalid(
        field,
        "This is the last active administrator. Make someone else an administrator first.",
    )
}

/// How long a set-password link works at most: an administrator's invitation or reset
/// makes links this long; "Forgot your password?" makes shorter ones. A link stored with a
/// later expiry (made when links lived longer) still ends this long after it was made.
const LINK_MAX_MS: i64 = PASSWORD_LINK_HOURS * 60 * 60 * 1000;

/// A set-password link just made, for its email only.
pub(crate) struct NewLink {
    /// `/set-password?token=…`.
    pub(crate) path: String,
    pub(crate) expires_at: i64,
}

/// Makes a link for `user_id`, working for `lifetime_ms`, for the person's email only
/// (`server::link_tokens`). `created_by` is the administrator, or
/// the person themselves for "Forgot your password?".
pub(crate) async fn new_link(
    tx: &mut Tx,
    created_by: i64,
    user_id: i64,
    purpose: &str,
    lifetime_ms: i64,
) -> Result<NewLink, sqlx::Error> {
    let (token, hash) = new_token();
    let now = tx.now_ms();
    let expires_at = now + lifetime_ms;
    sqlx::query(
        "INSERT INTO password_links \
         (user_id, token_hash, purpose, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(hash)
    .bind(purpose)
    .bind(created_by)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(NewLink {
        path: format!("/set-password?token={token}"),
        expires_at,
    })
}

async fn void_links(tx: &mut Tx, user_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE password_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A person, as `USER_SELECT` reads them.
#[derive(FromRow)]
struct UserRecord {
    id: i64,
    name: String,
    email: String,
    #[sqlx(try_from = "String")]
    role: Role,
    #[sqlx(try_from = "YesNo")]
    active: bool,
    #[sqlx(try_from = "YesNo")]
    has_password: bool,
    #[sqlx(try_from = "YesNo")]
    mfa_on: bool,
    date_of_birth: Option<String>,
}

impl From<UserRecord> for UserRow {
    fn from(user: UserRecord) -> UserRow {
        UserRow {
            user_id: user.id,
            name: user.name,
            email: user.email,
            role: user.role,
            active: user.active,
            has_password: user.has_password,
            mfa_on: user.mfa_on,
            date_of_birth: user.date_of_birth,
        }
    }
}
