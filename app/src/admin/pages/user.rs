//! `/admin/users/:id`: one person: after an invitation or a password reset, that the link
//! was emailed to them (never the link itself), their role, deactivate or reactivate, reset
//! password, reset two-step verification (shown only while it is on), their care teams, and
//! caregiver access.

use super::users::{status, ROLES};
use super::{kept_or, AdminDone, BackTo, TextField};
use crate::admin::api::{
    admin_user, AdminChangeRole, AdminGrantCaregiver, AdminResetMfa, AdminResetPassword,
    AdminRevokeCaregiver, AdminSetActive, AdminSetDateOfBirth, UserData,
};
use crate::admin::types::PASSWORD_LINK_HOURS;
use crate::auth::{Area, Role};
use crate::error::AppError;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use crate::ui::Gate;
use crate::ui::LoadError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn UserPage() -> impl IntoView {
    view! {
        <Gate area=Area::Admin>
            <User />
        </Gate>
    }
}

#[component]
fn User() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        (
            params.read().get("id").and_then(|v| v.parse::<i64>().ok()),
            query.read().get("done"),
            query.read().get("kept"),
        )
    };
    // `done` is in the key so that a post coming back to this page loads it afresh.
    let data = crate::ui::page_data(key, |(user, _done, kept)| async move {
        match user {
            Some(user) => admin_user(user, kept).await,
            None => Err(AppError::NotFound),
        }
    });
    let error = posted_error(&[
        AdminChangeRole::PATH,
        AdminSetActive::PATH,
        AdminResetPassword::PATH,
        AdminResetMfa::PATH,
        AdminGrantCaregiver::PATH,
        AdminRevokeCaregiver::PATH,
        AdminSetDateOfBirth::PATH,
    ]);
    let errors = StoredValue::new(error);
    view! {
        <BackTo href="/admin/users" label="Users" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <UserView page error=errors.get_value() /> }.into_any(),
                    Err(error) => view! {
                        <Title text="User" />
                        <h1>"User"</h1>
                        <LoadError error />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserView(page: UserData, error: Option<AppError>) -> impl IntoView {
    let UserData { detail, kept } = page;
    let user = detail.user;
    let id = user.user_id.to_string();
    let role_error = error.as_ref().and_then(|e| e.field("role"));
    let status = status(&user);
    let caregiver = user.role == Role::Caregiver;
    let veteran = user.role == Role::Veteran;
    // What was typed comes back after a refused post; otherwise what is on the record.
    let date_of_birth = if error
        .as_ref()
        .is_some_and(|e| e.field("date_of_birth").is_some())
    {
        kept_or(&kept, "date_of_birth", "")
    } else {
        user.date_of_birth.clone().unwrap_or_default()
    };
    let veteran_email = if error.is_some() {
        kept_or(&kept, "veteran_email", "")
    } else {
        String::new()
    };
    let no_grants = detail.grants.is_empty();
    let grants = detail
        .grants
        .into_iter()
        .map(|g| {
            let id = id.clone();
            view! {
                <li>
                    {format!("{} ({}) acts for {} ({}). ", g.caregiver_name, g.caregiver_email, g.veteran_name, g.veteran_email)}
                    <form method="post" action=AdminRevokeCaregiver::PATH class="sm-inline-form">
                        <input type="hidden" name="user" value=id />
                        <input type="hidden" name="grant" value=g.grant_id.to_string() />
                        <button type="submit" class="usa-button usa-button--outline sm-button--small">
                            "Revoke access"<span class="usa-sr-only">{format!(" of {} to {}", g.caregiver_name, g.veteran_name)}</span>
                        </button>
                    </form>
                </li>
            }
        })
        .collect_view();
    let no_teams = detail.teams.is_empty();
    let teams = detail
        .teams
        .into_iter()
        .map(|(team_id, name, role)| {
            view! { <li><a href=format!("/admin/teams/{team_id}")>{name}</a>{format!(" ({})", role.label())}</li> }
        })
        .collect_view();
    view! {
        <Title text=user.name.clone() />
        <h1>{user.name.clone()}</h1>
        <ErrorSummary error=Signal::stored(error.clone()) />
        <AdminDone />
        <Emailed email=user.email.clone() />
        <ul class="usa-list usa-list--unstyled sm-admin-facts">
            <li>{format!("Email: {}", user.email)}</li>
            <li>{format!("Role: {}", user.role.label())}</li>
            <li>{format!("Status: {status}")}</li>
            <li>{if user.mfa_on { "Two-step verification (MFA): on" } else { "Two-step verification (MFA): off" }}</li>
        </ul>
        <section aria-labelledby="role-heading" class="sm-admin-form">
            <h2 id="role-heading">"Role"</h2>
            <form method="post" action=AdminChangeRole::PATH class="usa-form" novalidate>
                <input type="hidden" name="user" value=id.clone() />
                <div class="usa-form-group" class:usa-form-group--error=role_error.is_some()>
                    <label class="usa-label" for="role">"Role"</label>
                    {role_error.clone().map(|m| view! { <span class="usa-error-message" id="role-error"><span class="usa-sr-only">"Error: "</span>{m}</span> })}
                    <select class="usa-select" id="role" name="role" aria-invalid=role_error.is_some().to_string()
                        aria-describedby=role_error.as_ref().map(|_| "role-error")>
                        {ROLES.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=user.role == r>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="usa-button">"Change role"</button>
            </form>
        </section>
        {veteran.then(|| view! {
            <section aria-labelledby="date-of-birth-heading" class="sm-admin-form">
                <h2 id="date-of-birth-heading">"Date of birth"</h2>
                <form method="post" action=AdminSetDateOfBirth::PATH class="usa-form" novalidate>
                    <input type="hidden" name="user" value=id.clone() />
                    <TextField id="date_of_birth" label="Date of birth"
                        hint="Year, month and day, like 1961-03-04. Care teams see it beside the Veteran's name. Leave it empty to remove it.".to_string()
                        value=date_of_birth error=error.clone() />
                    <button type="submit" class="usa-button">"Save date of birth"</button>
                </form>
            </section>
        })}
        <section aria-labelledby="account-heading" class="sm-admin-form">
            <h2 id="account-heading">"Account"</h2>
            <form method="post" action=AdminSetActive::PATH class="sm-inline-form">
                <input type="hidden" name="user" value=id.clone() />
                <input type="hidden" name="active" value=if user.active { "no" } else { "yes" } />
                <button type="submit" class=if user.active { "usa-button usa-button--secondary" } else { "usa-button" }>
                    {if user.active { "Deactivate" } else { "Reactivate" }}
                </button>
            </form>
            <form method="post" action=AdminResetPassword::PATH class="sm-inline-form">
                <input type="hidden" name="user" value=id.clone() />
                <button type="submit" class="usa-button usa-button--outline">"Reset password"</button>
            </form>
            <p class="usa-hint">"Deactivating signs the person out everywhere at once. Resetting the password also signs them out, and their old password stops working."</p>
        </section>
        {user.mfa_on.then(|| view! {
            <section aria-labelledby="mfa-heading" class="sm-admin-form">
                <h2 id="mfa-heading">"Two-step verification"</h2>
                <p>"For someone who lost their phone or authenticator app. Their two-step verification is turned off and they are signed out everywhere; they sign in with their password and set it up again."</p>
                <form method="post" action=AdminResetMfa::PATH class="sm-inline-form">
                    <input type="hidden" name="user" value=id.clone() />
                    <button type="submit" class="usa-button usa-button--outline">"Reset MFA"</button>
                </form>
            </section>
        })}
        <section aria-labelledby="teams-heading" class="sm-admin-form">
            <h2 id="teams-heading">"Care teams"</h2>
            {if no_teams {
                view! { <p>"Not on any care team."</p> }.into_any()
            } else {
                view! { <ul class="usa-list">{teams}</ul> }.into_any()
            }}
        </section>
        <section aria-labelledby="caregiver-heading" class="sm-admin-form">
            <h2 id="caregiver-heading">"Caregiver access"</h2>
            {if no_grants {
                view! { <p>"No caregiver access."</p> }.into_any()
            } else {
                view! { <ul class="usa-list">{grants}</ul> }.into_any()
            }}
            {caregiver.then(|| view! {
                <form method="post" action=AdminGrantCaregiver::PATH class="usa-form" novalidate>
                    <input type="hidden" name="user" value=id.clone() />
                    <TextField id="veteran_email" label="Veteran's email address" input_type="email"
                        hint="The caregiver can act for this Veteran from their next page.".to_string()
                        value=veteran_email error=error.clone() />
                    <button type="submit" class="usa-button">"Give access"</button>
                </form>
            })}
        </section>
    }
}

/// After "Invite" or "Reset password": where the link went. The link itself is only in the
/// person's email, so the administrator cannot use it to become them.
#[component]
fn Emailed(email: String) -> impl IntoView {
    let query = use_query_map();
    let text = move || {
        let query = query.read();
        if query.get("__err").is_some() {
            return None;
        }
        match query.get("done").as_deref() {
            Some("invited") => Some(format!(
                "We emailed a set-up link to {email}. It works once, for {PASSWORD_LINK_HOURS} hours."
            )),
            Some("reset") => Some(format!(
                "The password was reset and the person was signed out everywhere. We emailed a link to choose a new password to {email}."
            )),
            _ => None,
        }
    };
    view! { <crate::ui::SuccessStatus text /> }
}
