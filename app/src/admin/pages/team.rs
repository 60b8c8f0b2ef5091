//! `/admin/teams/:id`: one care team: its counts, "Edit care team", members (member or
//! lead; add, remove), and the Veterans who may write to it (add, block, unblock).

use super::teams::TeamFields;
use super::{kept_or, AdminDone, BackTo, TextField};
use crate::admin::api::{
    admin_team, AdminAddAssociation, AdminAddMember, AdminRemoveMember, AdminSaveTeam,
    AdminSetBlocked, TeamData,
};
use crate::admin::types::{AssociationRow, TeamMemberRow, TeamRole};
use crate::auth::Area;
use crate::error::AppError;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use crate::ui::FieldError;
use crate::ui::Gate;
use crate::ui::LoadError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn TeamPage() -> impl IntoView {
    view! {
        <Gate area=Area::Admin>
            <Team />
        </Gate>
    }
}

#[component]
fn Team() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        (
            params.read().get("id").and_then(|v| v.parse::<i64>().ok()),
            query.read().get("kept"),
        )
    };
    let data = crate::ui::page_data(key, |(team, kept)| async move {
        match team {
            Some(team) => admin_team(team, kept).await,
            None => Err(AppError::NotFound),
        }
    });
    let error = posted_error(&[
        AdminSaveTeam::PATH,
        AdminAddMember::PATH,
        AdminRemoveMember::PATH,
        AdminAddAssociation::PATH,
        AdminSetBlocked::PATH,
    ]);
    let path = query.read_untracked().get("__path").unwrap_or_default();
    let errors = StoredValue::new((error.clone(), path));
    view! {
        <BackTo href="/admin/teams" label="Care teams" />
        <Suspense fallback=|| view! { <p>"Loading the care team…"</p> }>
            {move || Suspend::new(async move {
                let (error, path) = errors.get_value();
                match data.await {
                    Ok(page) => view! { <TeamView page error path /> }.into_any(),
                    Err(error) => view! {
                        <Title text="Care team" />
                        <h1>"Care team"</h1>
                        <LoadError error />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TeamView(page: TeamData, error: Option<AppError>, path: String) -> impl IntoView {
    let TeamData {
        detail,
        facilities,
        kept,
    } = page;
    let team = detail.team;
    let team_id = team.team_id;
    // Each form shows only its own failure and what was typed into it.
    let for_form = |form: &str| error.clone().filter(|_| path == form);
    let save_error = for_form(AdminSaveTeam::PATH);
    let refused = save_error.is_some();
    let value = |field: &str, current: String| {
        if refused {
            kept_or(&kept, field, &current)
        } else {
            current
        }
    };
    let facility = if refused {
        kept.get("facility").and_then(|v| v.parse().ok())
    } else {
        Some(team.facility_id)
    };
    let accepting = if refused {
        kept.get("accepting_messages")
            .is_some_and(|v| !v.is_empty())
    } else {
        team.accepting_messages
    };
    let name = value("name", team.name.clone());
    let description = value("description", team.description.clone());
    let target = value(
        "response_target_days",
        team.response_target_days.to_string(),
    );
    let member_error = for_form(AdminAddMember::PATH).or(for_form(AdminRemoveMember::PATH));
    let association_error = for_form(AdminAddAssociation::PATH).or(for_form(AdminSetBlocked::PATH));
    view! {
        <Title text=team.name.clone() />
        <h1>{team.name.clone()}</h1>
        <ErrorSummary error=Signal::stored(error.clone()) />
        <AdminDone />
        <ul class="usa-list usa-list--unstyled sm-admin-facts">
            <li>{format!("Facility: {} ({})", team.facility_name, team.station_number)}</li>
            <li>{format!("Accepting messages: {}", if team.accepting_messages { "Yes" } else { "No" })}</li>
            <li>{format!("Response target: {} business days", team.response_target_days)}</li>
            <li>{format!("Open: {}. Overdue: {}. Unassigned: {}.", team.open, team.overdue, team.unassigned)}</li>
        </ul>
        <Members team_id members=detail.members kept=kept.clone() error=member_error />
        <Associations team_id associations=detail.associations kept=kept.clone() error=association_error />
        <section aria-labelledby="edit-team" class="sm-admin-form">
            <h2 id="edit-team">"Edit care team"</h2>
            <form method="post" action=AdminSaveTeam::PATH class="usa-form usa-form--large" novalidate>
                <input type="hidden" name="team" value=team_id.to_string() />
                <TeamFields facilities facility name description accepting target error=save_error />
                <button type="submit" class="usa-button">"Save care team"</button>
            </form>
        </section>
    }
}

#[component]
fn Members(
    team_id: i64,
    members: Vec<TeamMemberRow>,
    kept: std::collections::BTreeMap<String, String>,
    error: Option<AppError>,
) -> impl IntoView {
    let role_error = error.as_ref().and_then(|e| e.field("team_role"));
    let kept_role = if error.is_some() {
        kept_or(&kept, "team_role", "member")
    } else {
        "member".to_string()
    };
    let email = if error.is_some() {
        kept_or(&kept, "member_email", "")
    } else {
        String::new()
    };
    let rows = members
        .into_iter()
        .map(|m| {
            view! {
                <tr>
                    <th scope="row" data-label="Name">{m.name.clone()}{(!m.active).then_some(" (deactivated)")}</th>
                    <td data-label="Email">{m.email}</td>
                    <td data-label="Role">{m.team_role.label()}</td>
                    <td data-label="Change">
                        <form method="post" action=AdminRemoveMember::PATH class="sm-inline-form">
                            <input type="hidden" name="team" value=team_id.to_string() />
                            <input type="hidden" name="user" value=m.user_id.to_string() />
                            <button type="submit" class="usa-button usa-button--outline sm-button--small">
                                "Remove"<span class="usa-sr-only">" " {m.name} " from the team"</span>
                            </button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="members" class="sm-admin-form">
            <h2 id="members">"Members"</h2>
            <table class="usa-table usa-table--stacked usa-table--borderless sm-admin-table">
                <caption class="usa-sr-only">"Team members, leads first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col"><span class="usa-sr-only">"Change"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <form method="post" action=AdminAddMember::PATH class="usa-form" novalidate>
                <input type="hidden" name="team" value=team_id.to_string() />
                <TextField id="member_email" label="Clinician's email address" input_type="email" value=email error=error.clone() />
                <div class="usa-form-group" class:usa-form-group--error=role_error.is_some()>
                    <label class="usa-label" for="team_role">"Team role"</label>
                    <FieldError id="team_role" message=role_error.clone() />
                    <select class="usa-select" id="team_role" name="team_role">
                        {[TeamRole::Member, TeamRole::Lead].into_iter().map(|r| view! {
                            <option value=r.as_str() selected=kept_role == r.as_str()>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="usa-button">"Add member"</button>
            </form>
        </section>
    }
}

#[component]
fn Associations(
    team_id: i64,
    associations: Vec<AssociationRow>,
    kept: std::collections::BTreeMap<String, String>,
    error: Option<AppError>,
) -> impl IntoView {
    let email = if error.is_some() {
        kept_or(&kept, "veteran_email", "")
    } else {
        String::new()
    };
    let empty = associations.is_empty();
    let rows = associations
        .into_iter()
        .map(|a| {
            let (status, button, next) = if a.blocked {
                ("Blocked", "Unblock", "no")
            } else {
                ("Can write", "Block", "yes")
            };
            view! {
                <tr>
                    <th scope="row" data-label="Veteran">{a.name.clone()}</th>
                    <td data-label="Email">{a.email}</td>
                    <td data-label="Status">{status}</td>
                    <td data-label="Change">
                        <form method="post" action=AdminSetBlocked::PATH class="sm-inline-form">
                            <input type="hidden" name="team" value=team_id.to_string() />
                            <input type="hidden" name="veteran" value=a.veteran_id.to_string() />
                            <input type="hidden" name="blocked" value=next />
                            <button type="submit" class="usa-button usa-button--outline sm-button--small">
                                {button}<span class="usa-sr-only">" " {a.name}</span>
                            </button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="veterans" class="sm-admin-form">
            <h2 id="veterans">"Veterans who can write to this team"</h2>
            {if empty {
                view! { <p>"No Veterans yet."</p> }.into_any()
            } else {
                view! {
                    <table class="usa-table usa-table--stacked usa-table--borderless sm-admin-table">
                        <caption class="usa-sr-only">"Veterans associated with this team"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Veteran"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col"><span class="usa-sr-only">"Change"</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }.into_any()
            }}
            <form method="post" action=AdminAddAssociation::PATH class="usa-form" novalidate>
                <input type="hidden" name="team" value=team_id.to_string() />
                <TextField id="veteran_email" label="Veteran's email address" input_type="email" value=email error />
                <button type="submit" class="usa-button">"Add Veteran"</button>
            </form>
        </section>
    }
}
