//! The administration console's server functions. Each one starts with
//! `require_admin`: they are a public HTTP API, whatever the pages show (STYLE.md habit 2),
//! so a clinician or a Veteran calling one directly gets 403. Then one call into
//! `admin::ssr`, and for a plain form post a redirect back to the page: with `done=…` on
//! success, with the error and what was typed on failure (`ui::kept::fail_to`).
//!
//! The two set-password functions are the exception: the person has no account to sign in
//! with yet, so the one-time link's token is their proof.

use super::types::{
    Facility, ImportPreview, PasswordLinkState, TeamDetail, TeamFilter, TeamSummary, UserDetail,
    UserRow,
};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
// Used by the server-only bodies (`PATH`, for failed-post redirects).
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacilitiesData {
    pub facilities: Vec<Facility>,
    /// What a refused form post kept, by field name.
    pub kept: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamsData {
    pub teams: Vec<TeamSummary>,
    pub facilities: Vec<Facility>,
    pub filter: TeamFilter,
    /// The import preview the address asks for, with its token for the "Import" button.
    pub preview: Option<(String, ImportPreview)>,
    pub kept: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamData {
    pub detail: TeamDetail,
    pub facilities: Vec<Facility>,
    pub kept: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersData {
    pub users: Vec<UserRow>,
    pub kept: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserData {
    pub detail: UserDetail,
    pub kept: BTreeMap<String, String>,
}

/// `Some(id)` for a number, `None` for an empty or other value (an "any" filter).
#[cfg(feature = "ssr")]
fn number(value: Option<&str>) -> Option<i64> {
    value.and_then(|v| v.trim().parse().ok())
}

#[server(endpoint = "admin_facilities", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_facilities(kept: Option<String>) -> Result<FacilitiesData, AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminFacilities::PATH).await?;
    let state = app_state()?;
    Ok(FacilitiesData {
        facilities: super::ssr::facilities(&state.db, &capability).await?,
        kept: ssr::kept(kept).await?,
    })
}

/// Adds a facility (`facility` empty) or changes one.
#[server(endpoint = "admin_save_facility", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_save_facility(
    facility: String,
    station_number: String,
    name: String,
    time_zone: String,
    phone: Option<String>,
) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminSaveFacility::PATH).await?;
    let phone = phone.unwrap_or_default();
    let state = app_state()?;
    let input = super::types::FacilityInput {
        station_number: station_number.clone(),
        name: name.clone(),
        time_zone: time_zone.clone(),
        phone: phone.clone(),
    };
    let from = ssr::origin();
    let (saved, back) = match number(Some(&facility)) {
        Some(id) => (
            super::ssr::edit_facility(&state.db, &capability, &from, id, &input)
                .await
                .map(|_| "facility_saved"),
            format!("/admin/facilities?edit={id}"),
        ),
        None => (
            super::ssr::add_facility(&state.db, &capability, &from, &input)
                .await
                .map(|_| "facility_added"),
            "/admin/facilities?add".to_string(),
        ),
    };
    ssr::answer(
        saved,
        "/admin/facilities",
        &back,
        AdminSaveFacility::PATH,
        &[
            ("station_number", &station_number),
            ("name", &name),
            ("time_zone", &time_zone),
            ("phone", &phone),
        ],
    )
    .await
}

#[server(endpoint = "admin_teams", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_teams(
    facility: Option<String>,
    name: Option<String>,
    accepting: Option<String>,
    preview: Option<String>,
    kept: Option<String>,
) -> Result<TeamsData, AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminTeams::PATH).await?;
    let state = app_state()?;
    let filter = TeamFilter {
        facility_id: number(facility.as_deref()),
        name: name.filter(|n| !n.trim().is_empty()),
        accepting: match accepting.as_deref() {
            Some("yes") => Some(true),
            Some("no") => Some(false),
            _ => None,
        },
    };
    let preview = match preview {
        Some(token) => match ssr::stored_csv(&token).await? {
            Some(csv) => Some((
                token,
                super::ssr::preview_import(&state.db, &capability, &csv).await?,
            )),
            None => None,
        },
        None => None,
    };
    Ok(TeamsData {
        teams: super::ssr::teams(&state.db, &capability, &filter).await?,
        facilities: super::ssr::facilities(&state.db, &capability).await?,
        filter,
        preview,
        kept: ssr::kept(kept).await?,
    })
}

#[server(endpoint = "admin_team", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_team(team: i64, kept: Option<String>) -> Result<TeamData, AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminTeam::PATH).await?;
    let state = app_state()?;
    Ok(TeamData {
        detail: super::ssr::team_detail(&state.db, &capability, team).await?,
        facilities: super::ssr::facilities(&state.db, &capability).await?,
        kept: ssr::kept(kept).await?,
    })
}

/// Adds a care team (`team` empty) or changes one. `accepting_messages` is a checkbox: sent
/// only when ticked.
#[server(endpoint = "admin_save_team", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_save_team(
    team: String,
    facility: String,
    name: String,
    description: String,
    accepting_messages: Option<String>,
    response_target_days: String,
) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminSaveTeam::PATH).await?;
    let state = app_state()?;
    let input = super::types::TeamInput {
        facility_id: number(Some(&facility)),
        name: name.clone(),
        description: description.clone(),
        accepting_messages: accepting_messages.is_some(),
        response_target_days: response_target_days.clone(),
    };
    let from = ssr::origin();
    let (saved, done_at, back) = match number(Some(&team)) {
        Some(id) => (
            super::ssr::edit_team(&state.db, &capability, &from, id, &input)
                .await
                .map(|_| "team_saved"),
            format!("/admin/teams/{id}"),
            format!("/admin/teams/{id}"),
        ),
        None => {
            let added = super::ssr::add_team(&state.db, &capability, &from, &input).await;
            let done_at = match &added {
                Ok(id) => format!("/admin/teams/{id}"),
                Err(_) => "/admin/teams".to_string(),
            };
            (
                added.map(|_| "team_added"),
                done_at,
                "/admin/teams?add".to_string(),
            )
        }
    };
    let accepting = if input.accepting_messages { "on" } else { "" };
    ssr::answer(
        saved,
        &done_at,
        &back,
        AdminSaveTeam::PATH,
        &[
            ("facility", &facility),
            ("name", &name),
            ("description", &description),
            ("accepting_messages", accepting),
            ("response_target_days", &response_target_days),
        ],
    )
    .await
}

#[server(endpoint = "admin_add_member", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_add_member(
    team: i64,
    member_email: String,
    team_role: String,
) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminAddMember::PATH).await?;
    let state = app_state()?;
    let role = super::types::TeamRole::parse(&team_role).unwrap_or(super::types::TeamRole::Member);
    let added = super::ssr::add_member(
        &state.db,
        &capability,
        &ssr::origin(),
        team,
        &member_email,
        role,
    )
    .await
    .map(|_| "member_added");
    let back = format!("/admin/teams/{team}");
    ssr::answer(
        added,
        &back,
        &back,
        AdminAddMember::PATH,
        &[("member_email", &member_email), ("team_role", &team_role)],
    )
    .await
}

#[server(endpoint = "admin_remove_member", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_remove_member(team: i64, user: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminRemoveMember::PATH).await?;
    let state = app_state()?;
    let removed =
        super::ssr::remove_member(&state.db, &capability, &ssr::origin(), team, user).await;
    if let Ok(files) = &removed {
        // Their unsent reply drafts' files: the rows went with the membership.
        crate::attachments::ssr::records::delete_files(&state.attachments, files).await;
    }
    let removed = removed.map(|_| "member_removed");
    let back = format!("/admin/teams/{team}");
    ssr::answer(removed, &back, &back, AdminRemoveMember::PATH, &[]).await
}

#[server(endpoint = "admin_add_association", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_add_association(team: i64, veteran_email: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminAddAssociation::PATH).await?;
    let state = app_state()?;
    let added =
        super::ssr::add_association(&state.db, &capability, &ssr::origin(), team, &veteran_email)
            .await
            .map(|_| "association_added");
    let back = format!("/admin/teams/{team}");
    ssr::answer(
        added,
        &back,
        &back,
        AdminAddAssociation::PATH,
        &[("veteran_email", &veteran_email)],
    )
    .await
}

/// Blocks (`blocked` = "yes") or unblocks a Veteran's association with the team.
#[server(endpoint = "admin_set_blocked", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_set_blocked(team: i64, veteran: i64, blocked: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminSetBlocked::PATH).await?;
    let state = app_state()?;
    let from = ssr::origin();
    let changed = if blocked == "yes" {
        super::ssr::block_association(&state.db, &capability, &from, team, veteran)
            .await
            .map(|_| "association_blocked")
    } else {
        super::ssr::unblock_association(&state.db, &capability, &from, team, veteran)
            .await
            .map(|_| "association_unblocked")
    };
    let back = format!("/admin/teams/{team}");
    ssr::answer(changed, &back, &back, AdminSetBlocked::PATH, &[]).await
}

/// Reads the chosen CSV file, keeps it for this administrator's session and shows its
/// preview (`/admin/teams?preview=<token>`); nothing is imported yet. A multipart post, so
/// the file goes with the plain form, without the wasm.
#[server(input = MultipartFormData, endpoint = "admin_preview_import")]
pub async fn admin_preview_import(data: MultipartData) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminPreviewImport::PATH).await?;
    let state = app_state()?;
    // The whole-file problems (too large, not UTF-8, no header, empty) come back at once;
    // line problems are the preview's business.
    let checked = match ssr::chosen_csv(data).await {
        Ok(csv) => super::ssr::preview_import(&state.db, &capability, &csv)
            .await
            .map(|_| csv),
        Err(error) => Err(error),
    };
    match checked {
        Ok(csv) => {
            let token = ssr::store_csv(&csv).await?;
            leptos_axum::redirect(&format!("/admin/teams?preview={token}#import-preview"));
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to(
                "/admin/teams#import",
                AdminPreviewImport::PATH,
                error.clone(),
                &[],
            )
            .await;
            Err(error)
        }
    }
}

/// Imports the previewed file: all of it or, while any line is rejected, nothing.
#[server(endpoint = "admin_import", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_import(preview: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminImport::PATH).await?;
    let state = app_state()?;
    let Some(csv) = ssr::stored_csv(&preview).await? else {
        return Err(AppError::Conflict {
            message: "That preview is no longer available. Choose the file again.".to_string(),
        });
    };
    let imported =
        super::ssr::import_associations(&state.db, &capability, &ssr::origin(), &csv).await;
    match imported {
        Ok(done) => {
            leptos_axum::redirect(&format!(
                "/admin/teams?done=imported&added={}",
                done.will_add()
            ));
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to(
                &format!("/admin/teams?preview={preview}"),
                AdminImport::PATH,
                error.clone(),
                &[],
            )
            .await;
            Err(error)
        }
    }
}

#[server(endpoint = "admin_users", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_users(q: Option<String>, kept: Option<String>) -> Result<UsersData, AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminUsers::PATH).await?;
    let state = app_state()?;
    Ok(UsersData {
        users: super::ssr::find_users(&state.db, &capability, q.as_deref().unwrap_or("")).await?,
        kept: ssr::kept(kept).await?,
    })
}

#[server(endpoint = "admin_user", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_user(user: i64, kept: Option<String>) -> Result<UserData, AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminUser::PATH).await?;
    let state = app_state()?;
    Ok(UserData {
        detail: super::ssr::user_detail(&state.db, &capability, user).await?,
        kept: ssr::kept(kept).await?,
    })
}

#[server(endpoint = "admin_invite", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_invite(email: String, name: String, role: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminInvite::PATH).await?;
    let state = app_state()?;
    let input = super::types::InviteInput {
        email: email.clone(),
        name: name.clone(),
        role: role.clone(),
    };
    let site = &state.config.public_url;
    match super::ssr::invite(&state.db, &capability, &ssr::origin(), site, &input).await {
        Ok(user) => {
            crate::ui::kept::go_back(&format!("/admin/users/{user}"), "invited");
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to(
                "/admin/users?invite",
                AdminInvite::PATH,
                error.clone(),
                &[("email", &email), ("name", &name), ("role", &role)],
            )
            .await;
            Err(error)
        }
    }
}

#[server(endpoint = "admin_change_role", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_change_role(user: i64, role: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminChangeRole::PATH).await?;
    let state = app_state()?;
    let changed =
        super::ssr::change_role(&state.db, &capability, &ssr::origin(), user, &role).await;
    if let Ok(files) = &changed {
        // Their unsent reply drafts' files: the rows went with the old role.
        crate::attachments::ssr::records::delete_files(&state.attachments, files).await;
    }
    let changed = changed.map(|_| "role_changed");
    let back = format!("/admin/users/{user}");
    ssr::answer(changed, &back, &back, AdminChangeRole::PATH, &[]).await
}

/// Deactivates (`active` = "no") or reactivates an account.
#[server(endpoint = "admin_set_active", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_set_active(user: i64, active: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminSetActive::PATH).await?;
    let state = app_state()?;
    let from = ssr::origin();
    let changed = if active == "no" {
        super::ssr::deactivate(&state.db, &capability, &from, user)
            .await
            .map(|_| "deactivated")
    } else {
        super::ssr::reactivate(&state.db, &capability, &from, user)
            .await
            .map(|_| "reactivated")
    };
    let back = format!("/admin/users/{user}");
    ssr::answer(changed, &back, &back, AdminSetActive::PATH, &[]).await
}

#[server(endpoint = "admin_reset_password", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_reset_password(user: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminResetPassword::PATH).await?;
    let state = app_state()?;
    let site = &state.config.public_url;
    let reset = super::ssr::reset_password(&state.db, &capability, &ssr::origin(), site, user)
        .await
        .map(|_| "reset");
    let back = format!("/admin/users/{user}");
    ssr::answer(reset, &back, &back, AdminResetPassword::PATH, &[]).await
}

/// "Reset MFA": turns the person's two-step verification off and signs them out everywhere.
#[server(endpoint = "admin_reset_mfa", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_reset_mfa(user: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminResetMfa::PATH).await?;
    let state = app_state()?;
    let site = &state.config.public_url;
    let reset = super::ssr::reset_mfa(&state.db, &capability, &ssr::origin(), site, user)
        .await
        .map(|_| "mfa_reset");
    let back = format!("/admin/users/{user}");
    ssr::answer(reset, &back, &back, AdminResetMfa::PATH, &[]).await
}

#[server(endpoint = "admin_grant_caregiver", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_grant_caregiver(user: i64, veteran_email: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminGrantCaregiver::PATH).await?;
    let state = app_state()?;
    let granted = super::ssr::grant_caregiver_access(
        &state.db,
        &capability,
        &ssr::origin(),
        user,
        &veteran_email,
    )
    .await
    .map(|_| "access_granted");
    let back = format!("/admin/users/{user}");
    ssr::answer(
        granted,
        &back,
        &back,
        AdminGrantCaregiver::PATH,
        &[("veteran_email", &veteran_email)],
    )
    .await
}

/// "Save date of birth" on a Veteran's page (an empty field clears it).
#[server(endpoint = "admin_set_date_of_birth", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_set_date_of_birth(user: i64, date_of_birth: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminSetDateOfBirth::PATH).await?;
    let state = app_state()?;
    let saved =
        super::ssr::set_date_of_birth(&state.db, &capability, &ssr::origin(), user, &date_of_birth)
            .await
            .map(|_| "date_of_birth_saved");
    let back = format!("/admin/users/{user}");
    ssr::answer(
        saved,
        &back,
        &back,
        AdminSetDateOfBirth::PATH,
        &[("date_of_birth", &date_of_birth)],
    )
    .await
}

/// Ends a caregiver grant; `user` is the person whose page the button was on.
#[server(endpoint = "admin_revoke_caregiver", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_revoke_caregiver(user: i64, grant: i64) -> Result<(), AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminRevokeCaregiver::PATH).await?;
    let state = app_state()?;
    let revoked =
        super::ssr::revoke_caregiver_access(&state.db, &capability, &ssr::origin(), grant)
            .await
            .map(|_| "access_revoked");
    let back = format!("/admin/users/{user}");
    ssr::answer(revoked, &back, &back, AdminRevokeCaregiver::PATH, &[]).await
}

/// Who a set-password link is for, or why it no longer works. Public (see the module
/// documentation).
#[server(endpoint = "password_link_check", output = leptos::server_fn::codec::Postcard)]
pub async fn password_link_check(token: String) -> Result<PasswordLinkState, AppError> {
    use crate::server::access::app_state;
    let state = app_state()?;
    super::ssr::password_link_check(&state.db, &token).await
}

/// Sets a password through a one-time link, then on to sign in. Public (see the module
/// documentation).
#[server(endpoint = "set_password", output = leptos::server_fn::codec::Postcard)]
pub async fn set_password(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::access::{app_state, requester};
    use crate::server::common_passwords::breached_problem;
    let state = app_state()?;
    let ip = requester().ip;
    let set = match breached_problem(state.config.pwned_range.as_ref(), &password).await {
        Some(problem) => Err(AppError::invalid("password", problem)),
        None => {
            super::ssr::set_password_with_link(&state.db, &token, &password, &confirm, &ip).await
        }
    };
    match set {
        Ok(()) => {
            leptos_axum::redirect("/sign-in?done=password_set");
            Ok(())
        }
        Err(error) => {
            // The token goes back in the address it came in; the passwords are never kept.
            crate::ui::kept::fail_to(
                &format!("/set-password?token={}", crate::ui::encode(token.trim())),
                SetPassword::PATH,
                error.clone(),
                &[],
            )
            .await;
            Err(error)
        }
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::admin::ssr::Origin;
    use crate::error::AppError;
    use std::collections::BTreeMap;

    /// The session key of the chosen import file awaiting "Import".
    const IMPORT_KEY: &str = "admin_import";

    #[derive(serde::Serialize, serde::Deserialize)]
    struct StoredCsv {
        token: String,
        csv: String,
    }

    /// The text of the file chosen at "CSV file" (the `csv` part of the post): at most
    /// [`IMPORT_MAX_BYTES`](crate::admin::rules::IMPORT_MAX_BYTES), read no further than
    /// that, and UTF-8.
    pub async fn chosen_csv(
        data: leptos::server_fn::codec::MultipartData,
    ) -> Result<String, AppError> {
        use crate::admin::rules::{import_file_text, import_file_too_large, IMPORT_MAX_BYTES};
        let broke_off = || {
            AppError::invalid(
                "csv",
                "The upload broke off before it finished. Please try again.",
            )
        };
        let choose = || AppError::invalid("csv", "Choose a CSV file.");
        let mut multipart = data.into_inner().ok_or_else(broke_off)?;
        while let Some(mut field) = multipart.next_field().await.map_err(|_| broke_off())? {
            if field.name() != Some("csv") {
                continue;
            }
            // A form sent with no file chosen has one empty, nameless part.
            let name = field.file_name().unwrap_or_default().to_string();
            if name.is_empty() {
                return Err(choose());
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|_| broke_off())? {
                if bytes.len() + chunk.len() > IMPORT_MAX_BYTES {
                    return Err(import_file_too_large(&name));
                }
                bytes.extend_from_slice(&chunk);
            }
            return import_file_text(&name, bytes);
        }
        Err(choose())
    }

    pub fn origin() -> Origin {
        Origin(Some(crate::server::access::requester().ip))
    }

    /// After a change: on success back to `done_at` with `done=…`; on failure back to
    /// `back` with the error and what was typed.
    pub async fn answer(
        outcome: Result<&str, AppError>,
        done_at: &str,
        back: &str,
        path: &str,
        typed: &[(&str, &str)],
    ) -> Result<(), AppError> {
        match outcome {
            Ok(done) => {
                crate::ui::kept::go_back(done_at, done);
                Ok(())
            }
            Err(error) => {
                crate::ui::kept::fail_to(back, path, error.clone(), typed).await;
                Err(error)
            }
        }
    }

    pub async fn kept(token: Option<String>) -> Result<BTreeMap<String, String>, AppError> {
        match token {
            Some(token) => crate::ui::kept::kept_fields(&token).await,
            None => Ok(BTreeMap::new()),
        }
    }

    async fn session() -> Result<tower_sessions::Session, AppError> {
        leptos_axum::extract().await.map_err(AppError::internal)
    }

    /// Keeps the file in the administrator's server-side session (not in the address: it
    /// holds Veterans' email addresses). One file at a time.
    pub async fn store_csv(csv: &str) -> Result<String, AppError> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let stored = StoredCsv {
            token: token.clone(),
            csv: csv.to_string(),
        };
        session().await?.insert(IMPORT_KEY, stored).await?;
        Ok(token)
    }

    pub async fn stored_csv(token: &str) -> Result<Option<String>, AppError> {
        let stored = session().await?.get::<StoredCsv>(IMPORT_KEY).await?;
        Ok(stored.filter(|s| s.token == token).map(|s| s.csv))
    }
}
