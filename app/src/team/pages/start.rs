//! `/team/new`, "Start a message": find a Veteran of one of your care teams by name
//! (`?q=`, a GET form, searched on the server), choose them (`?veteran=`), then the team
//! (when you share several with them), category, subject and message. Each Veteran found
//! shows their date of birth and facility, so two people with the same name are not
//! confused. The form is a multipart post to
//! `team::start_with_files::team_start_message_with_files`, with "Attach file" (the files
//! wait on the person's new-conversation draft for the Veteran until "Send"); a refused
//! post comes back here with the error at each field and what was typed.

use crate::auth::Area;
use crate::error::AppError;
use crate::messages::Category;
use crate::team::start::{
    team_new_message, team_start_draft_for_files, StartData, TeamStartMessage,
};
use crate::team::start_with_files::TeamStartMessageWithFiles;
use crate::team::types::VeteranChoice;
use crate::ui::attach_files::{AttachFiles, DraftFor, ATTACHMENTS_FIELD};
use crate::ui::{encode, posted_error, ErrorSummary, FieldError, Gate, VeteranName};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StartMessagePage() -> impl IntoView {
    view! {
        <Gate area=Area::Team>
            <Title text="Start a message" />
            <StartMessage />
        </Gate>
    }
}

/// Inside the gate, so a refused visitor never calls the server function.
#[component]
fn StartMessage() -> impl IntoView {
    let query = use_query_map();
    let key = move || {
        let query = query.read();
        (
            query.get("q"),
            query
                .get("veteran")
                .and_then(|v| v.trim().parse::<i64>().ok()),
            query.get("kept"),
        )
    };
    let data = crate::ui::page_data(key, |(q, veteran, kept)| team_new_message(q, veteran, kept));
    let error = StoredValue::new(posted_error(&[
        TeamStartMessage::PATH,
        TeamStartMessageWithFiles::PATH,
    ]));
    view! {
        <p class="sm-back"><a href="/team">"Team inbox"</a></p>
        <h1>"Start a message"</h1>
        <ErrorSummary error=Signal::stored(error.get_value()) />
        {crate::ui::loaded(data, "Loading…", move |data| {
            if data.chosen.is_some() {
                view! { <MessageForm data error=error.get_value() /> }.into_any()
            } else {
                view! { <FindVeteran data /> }.into_any()
            }
        })}
    }
}

/// The name search and what it found.
#[component]
fn FindVeteran(data: StartData) -> impl IntoView {
    let searched = !data.q.is_empty();
    let none = searched && data.found.is_empty();
    let q = data.q.clone();
    let results = data
        .found
        .into_iter()
        .map(|veteran| {
            let href = format!("/team/new?veteran={}&q={}", veteran.veteran_id, encode(&q));
            view! {
                <li class="sm-veteran-result">
                    <a href=href><VeteranName name=veteran.name.clone() born=veteran.born.clone() /></a>
                    <span class="sm-veteran-result__facts">{facts(&veteran)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <form class="usa-form sm-find-veteran" method="get" action="/team/new" role="search" aria-label="Find a Veteran">
            <label class="usa-label" for="veteran-q">"Veteran's name"</label>
            <span class="usa-hint" id="veteran-q-hint">"Veterans of your care teams only. Type all or part of their name."</span>
            <input class="usa-input" id="veteran-q" name="q" type="search" value=data.q.clone()
                aria-describedby="veteran-q-hint" autocomplete="off" />
            <button class="usa-button" type="submit">"Search"</button>
        </form>
        {none.then(|| view! {
            <p role="status">{format!("No Veteran of your care teams has a name like “{}”.", data.q)}</p>
        })}
        {(searched && !none).then(|| view! {
            <h2 id="found-heading">"Veterans found"</h2>
            <p class="usa-hint">"Choose the Veteran to write to. Check the date of birth and facility."</p>
            <ul class="usa-list usa-list--unstyled sm-veteran-results" aria-labelledby="found-heading">{results}</ul>
            {data.more.then(|| view! { <p>"More Veterans match. Type more of the name to narrow the list."</p> })}
        })}
    }
}

/// "Demo VA Medical Center · Primary Care – Blue Team, Pharmacy".
fn facts(veteran: &VeteranChoice) -> String {
    let teams: Vec<&str> = veteran.teams.iter().map(|t| t.name.as_str()).collect();
    format!(
        " · {} · {}",
        veteran.facilities.join(", "),
        teams.join(", ")
    )
}

/// The message to the chosen Veteran. An island: "Attach file" uploads as files are chosen.
#[island(lazy)]
fn MessageForm(data: StartData, error: Option<AppError>) -> impl IntoView {
    crate::layout::island_hydrated();
    let Some(veteran) = data.chosen.clone() else {
        return ().into_any();
    };
    let field = |name: &str| error.as_ref().and_then(|e| e.field(name));
    let (team_error, category_error, subject_error, body_error) = (
        field("care_team"),
        field("category"),
        field("subject"),
        field("body"),
    );
    let described = |id: &'static str, hint: bool, error: bool| {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{id}-hint"));
        }
        if error {
            ids.push(format!("{id}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let back = if data.q.is_empty() {
        "/team/new".to_string()
    } else {
        format!("/team/new?q={}", encode(&data.q))
    };
    let team_field = if let [team] = veteran.teams.as_slice() {
        view! {
            <input type="hidden" name="care_team" value=team.team_id.to_string() />
            <p><strong>"Care team: "</strong>{team.name.clone()}</p>
            <FieldError id="care_team" message=team_error.clone() />
        }
        .into_any()
    } else {
        let chosen = data.care_team.clone();
        let options = veteran
            .teams
            .iter()
            .map(|team| {
                let value = team.team_id.to_string();
                let selected = value == chosen;
                view! { <option value=value selected=selected>{team.name.clone()}</option> }
            })
            .collect_view();
        view! {
            <div class="usa-form-group" class:usa-form-group--error=team_error.is_some()>
                <label class="usa-label" for="care_team">"Care team"</label>
                <FieldError id="care_team" message=team_error.clone() />
                <select class="usa-select" id="care_team" name="care_team"
                    aria-invalid=team_error.is_some().to_string()
                    aria-describedby=described("care_team", false, team_error.is_some())>
                    <option value="" selected=chosen.is_empty()>"- Select -"</option>
                    {options}
                </select>
            </div>
        }
        .into_any()
    };
    let category_options = Category::ALL
        .into_iter()
        .map(|c| view! { <option value=c.as_str() selected=data.category == c.as_str()>{c.label()}</option> })
        .collect_view();
    let body = crate::ui::textarea_text(&data.body);
    let attachments_error = field(ATTACHMENTS_FIELD);
    let veteran_id = veteran.veteran_id;
    // Files chosen with the wasm upload at once onto the person's new-conversation draft
    // for this Veteran, made by the first one.
    let draft = DraftFor::new(move || team_start_draft_for_files(veteran_id));
    view! {
        <section class="sm-start-to" aria-labelledby="to-heading">
            <h2 id="to-heading">"To"</h2>
            <p>
                <VeteranName name=veteran.name.clone() born=veteran.born.clone() />
                {format!(", {}", veteran.facilities.join(", "))}
            </p>
            <p><a href=back>"Choose another Veteran"</a></p>
        </section>
        // Multipart, so the files chosen go with the text when the wasm is not there; with
        // it they upload as chosen and the post carries the text alone. The Veteran comes
        // first: the first file makes the draft for them.
        <form method="post" action=TeamStartMessageWithFiles::PATH enctype="multipart/form-data"
            class="usa-form usa-form--large sm-compose" novalidate>
            <input type="hidden" name="veteran" value=veteran.veteran_id.to_string() />
            <input type="hidden" name="client_key" value=data.client_key.clone() />
            {team_field}
            <div class="usa-form-group" class:usa-form-group--error=category_error.is_some()>
                <label class="usa-label" for="category">"Category"</label>
                <FieldError id="category" message=category_error.clone() />
                <select class="usa-select" id="category" name="category"
                    aria-invalid=category_error.is_some().to_string()
                    aria-describedby=described("category", false, category_error.is_some())>
                    <option value="" selected=data.category.is_empty()>"- Select -"</option>
                    {category_options}
                </select>
            </div>
            <div class="usa-form-group" class:usa-form-group--error=subject_error.is_some()>
                <label class="usa-label" for="subject">"Subject"</label>
                <span class="usa-hint" id="subject-hint">"50 characters or fewer"</span>
                <FieldError id="subject" message=subject_error.clone() />
                <input class="usa-input" class:usa-input--error=subject_error.is_some() id="subject" name="subject" type="text"
                    value=data.subject.clone()
                    aria-invalid=subject_error.is_some().to_string()
                    aria-describedby=described("subject", true, subject_error.is_some()) />
            </div>
            <div class="usa-form-group" class:usa-form-group--error=body_error.is_some()>
                <label class="usa-label" for="body">"Message"</label>
                <span class="usa-hint" id="body-hint">"The Veteran and their caregivers can read it and reply. Your signature is added."</span>
                <FieldError id="body" message=body_error.clone() />
                <textarea class="usa-textarea" class:usa-input--error=body_error.is_some() id="body" name="body" rows="10"
                    inner_html=body
                    aria-invalid=body_error.is_some().to_string()
                    aria-describedby=described("body", true, body_error.is_some())></textarea>
            </div>
            <AttachFiles
                attachments=data.files.clone()
                draft
                error=attachments_error
                posts_without_wasm=true
            />
            <button type="submit" class="usa-button">"Send"</button>
        </form>
    }
    .into_any()
}
