//! Each role's navigation (DESIGN.md §5).

use crate::auth::Role;
use crate::messages::FolderSummary;
use leptos::prelude::*;
use leptos_router::components::A;

/// A care team lead's reports, beside their team inbox.
const TEAM_REPORTS: (&str, &str) = ("Reports", "/team/reports");

/// (label, path) of each role's navigation; a clinician who leads a team (`leads_team`)
/// also has "Reports".
pub fn links(role: Role, leads_team: bool) -> Vec<(&'static str, &'static str)> {
    let mut links = role_links(role).to_vec();
    if role == Role::Clinician && leads_team {
        let at = links.len().saturating_sub(1);
        links.insert(at, TEAM_REPORTS);
    }
    links
}

fn role_links(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Veteran | Role::Caregiver => &[
            ("Inbox", "/inbox"),
            ("Sent", "/sent"),
            ("Drafts", "/drafts"),
            ("Trash", "/trash"),
            ("My folders", "/folders"),
            ("Start a new message", "/messages/new"),
            ("Settings", "/settings"),
        ],
        Role::Clinician => &[
            ("Team inbox", "/team"),
            ("Notifications", "/team/notifications"),
            ("Settings", "/settings"),
        ],
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

/// The navigation; for Veterans and caregivers each system folder shows its unread count,
/// for care team members "Notifications" shows how many are new. The layout puts it in a
/// live region, so the counts follow new messages without a reload.
#[component]
pub fn RoleNav(
    role: Role,
    folders: Vec<FolderSummary>,
    notifications: i64,
    leads_team: bool,
) -> impl IntoView {
    let unread = move |path: &str| {
        if path == "/team/notifications" {
            return Some(notifications).filter(|n| *n > 0);
        }
        folders
            .iter()
            .find(|f| f.folder.path() == path)
            .map(|f| f.unread)
            .filter(|n| *n > 0)
    };
    view! {
        <nav class="sm-nav" aria-label="Main">
            <ul>
                {links(role, leads_team)
                    .into_iter()
                    .map(|(label, path)| {
                        let count = unread(path).map(|n| view! {
                            " " <span class="sm-count">{n}<span class="usa-sr-only">{if path == "/team/notifications" { " new" } else { " unread" }}</span></span>
                        });
                        view! { <li><A href=path exact=true>{label}{count}</A></li> }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
