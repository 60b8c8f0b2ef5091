//! `/admin/users`: find people by name or email, and "Invite a person".

use super::{kept_or, AdminDone, BackTo, TextField};
use crate::admin::api::{admin_users, AdminInvite, UsersData};
use crate::admin::types::{UserRow, PASSWORD_LINK_HOURS};
use crate::auth::{Area, Role};
use crate::error::AppError;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use crate::ui::FieldError;
use crate::ui::Gate;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Roles in the order the invitation form offers them.
pub(crate) const ROLES: [Role; 4] = [
    Role::Clinician,
    Role::Veteran,
    Role::Caregiver,
    Role::Administrator,
];

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Gate area=Area::Admin>
            <Title text="Users" />
            <Users />
        </Gate>
    }
}

#[component]
fn Users() -> impl IntoView {
    let query = use_query_map();
    let key = move || (query.read().get("q"), query.read().get("kept"));
    let data = crate::ui::page_data(key, |(q, kept)| admin_users(q, kept));
    let error = posted_error(&[AdminInvite::PATH]);
    let errors = StoredValue::new(error.clone());
    let words = move || query.read().get("q").unwrap_or_default();
    view! {
        <BackTo href="/admin" label="Administration" />
        <h1>"Users"</h1>
        <ErrorSummary error=Signal::stored(error) />
        <AdminDone />
        <form method="get" action="/admin/users" class="usa-form sm-admin-filters" role="search" aria-label="Find people">
            <div class="usa-form-group">
                <label class="usa-label" for="q">"Name or email"</label>
                <input class="usa-input" id="q" name="q" type="search" value=words />
            </div>
            <button type="submit" class="usa-button">"Search"</button>
        </form>
        {crate::ui::loaded(data, "Loading people…", move |page| view! { <UsersView page error=errors.get_value() /> })}
    }
}

/// "Active", "Deactivated", or "Invited" for an account that has no password yet.
pub(crate) fn status(user: &UserRow) -> &'static str {
    match (user.active, user.has_password) {
        (false, _) => "Deactivated",
        (true, false) => "Active, no password set yet",
        (true, true) => "Active",
    }
}

#[component]
fn UsersView(page: UsersData, error: Option<AppError>) -> impl IntoView {
    let count = page.users.len();
    let rows = page
        .users
        .into_iter()
        .map(|u| {
            let href = format!("/admin/users/{}", u.user_id);
            let status = status(&u);
            view! {
                <tr>
                    <th scope="row" data-label="Name"><a href=href>{u.name}</a></th>
                    <td data-label="Email">{u.email}</td>
                    <td data-label="Role">{u.role.label()}</td>
                    <td data-label="Status">{status}</td>
                </tr>
            }
        })
        .collect_view();
    let kept = page.kept;
    let typed = |field: &str| {
        if error.is_some() {
            kept_or(&kept, field, "")
        } else {
            String::new()
        }
    };
    let role = typed("role");
    let role_error = error.as_ref().and_then(|e| e.field("role"));
    view! {
        <p role="status">{format!("{count} {}", if count == 1 { "person" } else { "people" })}</p>
        <table class="usa-table usa-table--stacked usa-table--borderless sm-admin-table">
            <caption class="usa-sr-only">"People, by name"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <section aria-labelledby="invite" class="sm-admin-form">
            <h2 id="invite">"Invite a person"</h2>
            <p>{format!("We'll email them a one-time link, valid for {PASSWORD_LINK_HOURS} hours, to set their password.")}</p>
            <form method="post" action=AdminInvite::PATH class="usa-form usa-form--large" novalidate>
                <TextField id="email" label="Email address" input_type="email" value=typed("email") error=error.clone() />
                <TextField id="name" label="Full name" value=typed("name") error=error.clone() />
                <div class="usa-form-group" class:usa-form-group--error=role_error.is_some()>
                    <label class="usa-label" for="role">"Role"</label>
                    <FieldError id="role" message=role_error.clone() />
                    <select class="usa-select" id="role" name="role" aria-invalid=role_error.is_some().to_string()
                        aria-describedby=role_error.as_ref().map(|_| "role-error")>
                        {ROLES.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=role == r.as_str()>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="usa-button">"Invite"</button>
            </form>
        </section>
    }
}
