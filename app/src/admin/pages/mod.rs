//! The administration console's pages: `/admin/facilities`, `/admin/teams`,
//! `/admin/teams/:id`, `/admin/users`, `/admin/users/:id`, and the public `/set-password`.
//! Every form is a plain form post to `admin::api` (it works without the wasm) and comes
//! back with an error summary and a message at each field (USWDS), keeping what was typed.

pub mod facilities;
pub mod set_password;
pub mod team;
pub mod teams;
pub mod user;
pub mod users;

use crate::error::AppError;
use crate::ui::FieldError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

/// A value a refused post kept for `field`, else `fallback`.
pub(crate) fn kept_or(kept: &BTreeMap<String, String>, field: &str, fallback: &str) -> String {
    kept.get(field)
        .cloned()
        .unwrap_or_else(|| fallback.to_string())
}

/// A labelled text input with an optional hint and its error, tied together with
/// `aria-describedby` (USWDS form pattern).
#[component]
pub(crate) fn TextField(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<String>,
    #[prop(default = "text")] input_type: &'static str,
    value: String,
    error: Option<AppError>,
    #[prop(optional)] autocomplete: Option<&'static str>,
) -> impl IntoView {
    let message = error.as_ref().and_then(|e| e.field(id));
    let mut described = Vec::new();
    if hint.is_some() {
        described.push(format!("{id}-hint"));
    }
    if message.is_some() {
        described.push(format!("{id}-error"));
    }
    let described = (!described.is_empty()).then(|| described.join(" "));
    view! {
        <div class="usa-form-group" class:usa-form-group--error=message.is_some()>
            <label class="usa-label" for=id>{label}</label>
            {hint.map(|hint| view! { <span class="usa-hint" id=format!("{id}-hint")>{hint}</span> })}
            <FieldError id message=message.clone() />
            <input class="usa-input" class:usa-input--error=message.is_some() id=id name=id type=input_type value=value
                autocomplete=autocomplete
                aria-invalid=message.is_some().to_string() aria-describedby=described />
        </div>
    }
}

/// The status line after a successful change (`done=<what>` in the address).
#[component]
pub(crate) fn AdminDone() -> impl IntoView {
    let query = use_query_map();
    let text = move || {
        let query = query.read();
        if query.get("__err").is_some() {
            return None;
        }
        let done = query.get("done")?;
        Some(match done.as_str() {
            "facility_added" => "The facility was added.".to_string(),
            "facility_saved" => "The facility was saved.".to_string(),
            "team_added" => "The care team was added.".to_string(),
            "team_saved" => "The care team was saved.".to_string(),
            "member_added" => "The member was added to the team.".to_string(),
            "member_removed" => "The member was removed from the team.".to_string(),
            "association_added" => "The Veteran can now write to this team.".to_string(),
            "association_blocked" => {
                "The Veteran can no longer start conversations with this team.".to_string()
            }
            "association_unblocked" => "The Veteran can write to this team again.".to_string(),
            "imported" => {
                // A number only: no words from the address reach the page.
                let added = query
                    .get("added")
                    .and_then(|added| added.parse::<u64>().ok())
                    .unwrap_or(0);
                format!("Import complete: {added} new Veteran–team associations.")
            }
            "role_changed" => "The role was changed.".to_string(),
            "deactivated" => "The account was deactivated and signed out everywhere.".to_string(),
            "reactivated" => "The account was reactivated.".to_string(),
            "mfa_reset" => "Two-step verification was reset and the person was signed out everywhere. We emailed them that it was. They can sign in with their password, then set it up again.".to_string(),
            "access_granted" => "Caregiver access was granted.".to_string(),
            "date_of_birth_saved" => "The date of birth was saved.".to_string(),
            "access_revoked" => "Caregiver access was revoked.".to_string(),
            _ => return None,
        })
    };
    view! { <crate::ui::SuccessStatus text /> }
}

/// "Administration" breadcrumb back to `/admin` (and on to a section).
#[component]
pub(crate) fn BackTo(href: &'static str, label: &'static str) -> impl IntoView {
    view! { <p class="sm-back"><a href=href>{label}</a></p> }
}
