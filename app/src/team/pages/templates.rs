//! `/team/templates`: reply templates of the teams the person leads (DESIGN.md §2: reply
//! templates per team, managed by team leads). Add, edit (`?edit=<id>`), and delete
//! after a "Delete this template?" step (`?delete=<id>`): every step is an address and a
//! plain form, so it works without the wasm.

use super::DoneNotice;
use crate::auth::Area;
use crate::error::AppError;
use crate::team::api::{team_template_admin, TeamDeleteTemplate, TeamSaveTemplate, TemplateAdmin};
use crate::team::types::{ReplyTemplate, TEMPLATE_TITLE_MAX_CHARS};
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use crate::ui::Gate;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn TemplatesPage() -> impl IntoView {
    view! {
        <Gate area=Area::Team>
            <Title text="Reply templates" />
            <Templates />
        </Gate>
    }
}

/// What the address asks for: edit one, delete one (the confirm step), or add to a team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    List,
    Add(Option<i64>),
    Edit(i64),
    Delete(i64),
}

#[component]
fn Templates() -> impl IntoView {
    let query = use_query_map();
    let kept = move || query.read().get("kept");
    let data = crate::ui::page_data(kept, team_template_admin);
    let step = move || {
        let q = query.read();
        let number = |key: &str| q.get(key).and_then(|v| v.parse::<i64>().ok());
        if let Some(id) = number("edit") {
            Step::Edit(id)
        } else if let Some(id) = number("delete") {
            Step::Delete(id)
        } else if q.get("add").is_some() {
            Step::Add(number("add"))
        } else {
            Step::List
        }
    };
    let error = posted_error(&[TeamSaveTemplate::PATH, TeamDeleteTemplate::PATH]);
    let errors = StoredValue::new(error.clone());
    view! {
        <p><a href="/team">"Back to team inbox"</a></p>
        <h1>"Reply templates"</h1>
        <ErrorSummary error=Signal::stored(error) />
        <DoneNotice />
        {crate::ui::loaded(data, "Loading templates…", move |admin| view! { <TemplateAdminView admin step=step() error=errors.get_value() /> })}
    }
}

#[component]
fn TemplateAdminView(admin: TemplateAdmin, step: Step, error: Option<AppError>) -> impl IntoView {
    if admin.teams.is_empty() {
        return view! {
            <p>"Only team leads manage reply templates. Ask your team lead to add or change one."</p>
        }
        .into_any();
    }
    let find = |id: i64| {
        admin
            .teams
            .iter()
            .flat_map(|(_, templates)| templates.iter())
            .find(|t| t.template_id == id)
            .cloned()
    };
    let from_failure = error.is_some();
    let form = match step {
        Step::Edit(id) => find(id).map(|t| {
            let (title, body) = if from_failure {
                (admin.kept_title.clone(), admin.kept_body.clone())
            } else {
                (t.title.clone(), t.body.clone())
            };
            view! {
                <TemplateForm heading="Edit template".to_string() team=t.team_id template=Some(t.template_id)
                    title body error=error.clone() />
            }
            .into_any()
        }),
        Step::Delete(id) => find(id).map(|t| view! { <ConfirmDelete template=t /> }.into_any()),
        Step::Add(team) => {
            let team = team
                .filter(|id| admin.teams.iter().any(|(t, _)| t.team_id == *id))
                .or_else(|| admin.teams.first().map(|(t, _)| t.team_id))
                .unwrap_or_default();
            let name = admin
                .teams
                .iter()
                .find(|(t, _)| t.team_id == team)
                .map(|(t, _)| t.name.clone())
                .unwrap_or_default();
            Some(
                view! {
                    <TemplateForm heading=format!("Add a template for {name}") team template=None
                        title=admin.kept_title.clone() body=admin.kept_body.clone() error=error.clone() />
                }
                .into_any(),
            )
        }
        Step::List => None,
    };
    let teams = admin
        .teams
        .into_iter()
        .map(|(team, templates)| {
            let add = format!("/team/templates?add={}", team.team_id);
            let empty = templates.is_empty();
            view! {
                <section class="sm-template-team" aria-labelledby=format!("team-{}", team.team_id)>
                    <h2 id=format!("team-{}", team.team_id)>{team.name.clone()}</h2>
                    {if empty {
                        view! { <p>"No templates yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="sm-templates">
                                {templates.into_iter().map(|t| view! { <TemplateItem template=t /> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <p><a class="usa-button usa-button--outline" href=add>"Add a template"<span class="usa-sr-only">" for " {team.name}</span></a></p>
                </section>
            }
        })
        .collect_view();
    view! {
        {form}
        {teams}
    }
    .into_any()
}

#[component]
fn TemplateItem(template: ReplyTemplate) -> impl IntoView {
    let edit = format!("/team/templates?edit={}", template.template_id);
    let delete = format!("/team/templates?delete={}", template.template_id);
    view! {
        <li class="sm-template">
            <h3 class="sm-template__title">{template.title.clone()}</h3>
            <div class="sm-message__body">{template.body}</div>
            <p class="sm-template__actions">
                <a href=edit>"Edit"<span class="usa-sr-only">" " {template.title.clone()}</span></a>
                " "
                <a href=delete>"Delete"<span class="usa-sr-only">" " {template.title}</span></a>
            </p>
        </li>
    }
}

#[component]
fn ConfirmDelete(template: ReplyTemplate) -> impl IntoView {
    view! {
        <div class="usa-alert usa-alert--warning" role="region" aria-labelledby="delete-heading">
            <div class="usa-alert__body">
                <h2 class="usa-alert__heading" id="delete-heading">{format!("Delete the template “{}”?", template.title)}</h2>
                <p class="usa-alert__text">"Messages already sent from it stay as they are."</p>
                <form method="post" action=TeamDeleteTemplate::PATH class="sm-inline-form">
                    <input type="hidden" name="template" value=template.template_id.to_string() />
                    <button type="submit" class="usa-button usa-button--secondary">"Yes, delete it"</button>
                    <a class="usa-button usa-button--outline" href="/team/templates">"Cancel"</a>
                </form>
            </div>
        </div>
    }
}

#[component]
fn TemplateForm(
    heading: String,
    team: i64,
    template: Option<i64>,
    title: String,
    body: String,
    error: Option<AppError>,
) -> impl IntoView {
    let title_error = error.as_ref().and_then(|e| e.field("title"));
    let body_error = error.as_ref().and_then(|e| e.field("body"));
    let escaped = body
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    view! {
        <section class="sm-template-form" aria-labelledby="template-form-heading">
            <h2 id="template-form-heading">{heading}</h2>
            <form method="post" action=TeamSaveTemplate::PATH class="usa-form usa-form--large" novalidate>
                <input type="hidden" name="team" value=team.to_string() />
                <input type="hidden" name="template" value=template.map(|id| id.to_string()).unwrap_or_default() />
                <div class="usa-form-group" class:usa-form-group--error=title_error.is_some()>
                    <label class="usa-label" for="title">"Title"</label>
                    <span class="usa-hint" id="title-hint">{format!("{TEMPLATE_TITLE_MAX_CHARS} characters or fewer")}</span>
                    {title_error.clone().map(|m| view! { <span class="usa-error-message" id="title-error"><span class="usa-sr-only">"Error: "</span>{m}</span> })}
                    <input class="usa-input" class:usa-input--error=title_error.is_some() id="title" name="title" type="text" value=title
                        aria-invalid=title_error.is_some().to_string()
                        aria-describedby=if title_error.is_some() { "title-hint title-error" } else { "title-hint" } />
                </div>
                <div class="usa-form-group" class:usa-form-group--error=body_error.is_some()>
                    <label class="usa-label" for="body">"Template text"</label>
                    {body_error.clone().map(|m| view! { <span class="usa-error-message" id="body-error"><span class="usa-sr-only">"Error: "</span>{m}</span> })}
                    <textarea class="usa-textarea" class:usa-input--error=body_error.is_some() id="body" name="body" rows="8"
                        inner_html=escaped
                        aria-invalid=body_error.is_some().to_string()
                        aria-describedby=body_error.as_ref().map(|_| "body-error")></textarea>
                </div>
                <button type="submit" class="usa-button">"Save template"</button>
                <a class="usa-button usa-button--unstyled sm-cancel" href="/team/templates">"Cancel"</a>
            </form>
        </section>
    }
}
