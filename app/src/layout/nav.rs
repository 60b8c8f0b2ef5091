//! Each role's navigation (DESIGN.md §5).

use crate::auth::Role;
use leptos::prelude::*;
use leptos_router::components::A;

/// (label, path) of each role's navigation.
pub fn links(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Veteran | Role::Caregiver => &[
            ("Inbox", "/inbox"),
            ("Sent", "/sent"),
            ("Drafts", "/drafts"),
            ("Trash", "/trash"),
            ("My folders", "/folders"),
            ("Start a new message", "/messages/new"),
        ],
        Role::Clinician => &[("Team inbox", "/team")],
        Role::Administrator => &[
            ("Overview", "/admin"),
            ("Facilities", "/admin/facilities"),
            ("Care teams", "/admin/teams"),
            ("Users", "/admin/users"),
            ("Reports", "/admin/reports"),
            ("Audit log", "/admin/audit"),
        ],
    }
}

#[component]
pub fn RoleNav(role: Role) -> impl IntoView {
    view! {
        <nav class="sm-nav" aria-label="Main">
            <ul>
                {links(role)
                    .iter()
                    .map(|(label, path)| view! { <li><A href=*path exact=true>{*label}</A></li> })
                    .collect_view()}
            </ul>
        </nav>
    }
}
