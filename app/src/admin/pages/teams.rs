//! `/admin/teams`: care teams with filters (facility, name, accepting messages) and their
//! open, overdue and unassigned counts; "Add a care team"; and the Veteran–team CSV import
//! with its preview (`?preview=<token>`).

use super::{kept_or, AdminDone, BackTo, TextField};
use crate::admin::api::{admin_teams, AdminImport, AdminPreviewImport, AdminSaveTeam, TeamsData};
use crate::admin::types::{
    Facility, ImportPreview, ImportVerdict, TeamSummary, IMPORT_DATE_OF_BIRTH, IMPORT_HEADER,
    RESPONSE_TARGET_MAX_DAYS, RESPONSE_TARGET_MIN_DAYS,
};
use crate::auth::Area;
use crate::error::AppError;
use crate::ui::posted_error;
use crate::ui::textarea_text;
use crate::ui::ErrorSummary;
use crate::ui::FieldError;
use crate::ui::Gate;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

#[component]
pub fn TeamsPage() -> impl IntoView {
    view! {
        <Gate area=Area::Admin>
            <Title text="Care teams" />
            <Teams />
        </Gate>
    }
}

#[component]
fn Teams() -> impl IntoView {
    let query = use_query_map();
    let key = move || {
        let q = query.read();
        (
            q.get("facility"),
            q.get("name"),
            q.get("accepting"),
            q.get("preview"),
            q.get("kept"),
        )
    };
    let data = crate::ui::page_data(key, |(facility, name, accepting, preview, kept)| {
        admin_teams(facility, name, accepting, preview, kept)
    });
    let save_error = posted_error(&[AdminSaveTeam::PATH]);
    let import_error = posted_error(&[AdminPreviewImport::PATH, AdminImport::PATH]);
    let error = save_error.clone().or(import_error.clone());
    let errors = StoredValue::new((save_error, import_error));
    view! {
        <BackTo href="/admin" label="Administration" />
        <h1>"Care teams"</h1>
        <ErrorSummary error=Signal::stored(error) />
        <AdminDone />
        {crate::ui::loaded(data, "Loading care teams…", move |page| {
            let (save_error, import_error) = errors.get_value();
            view! { <TeamsView page save_error import_error /> }
        })}
    }
}

#[component]
fn TeamsView(
    page: TeamsData,
    save_error: Option<AppError>,
    import_error: Option<AppError>,
) -> impl IntoView {
    let TeamsData {
        teams,
        facilities,
        filter,
        preview,
        kept,
    } = page;
    let facility_options = facilities
        .iter()
        .map(|f| {
            let selected = filter.facility_id == Some(f.facility_id);
            view! { <option value=f.facility_id.to_string() selected=selected>{format!("{} ({})", f.name, f.station_number)}</option> }
        })
        .collect_view();
    let accepting = filter.accepting;
    let count = teams.len();
    view! {
        <form method="get" action="/admin/teams" class="usa-form sm-admin-filters" aria-label="Filter care teams">
            <div class="usa-form-group">
                <label class="usa-label" for="filter-facility">"Facility"</label>
                <select class="usa-select" id="filter-facility" name="facility">
                    <option value="">"Any facility"</option>
                    {facility_options}
                </select>
            </div>
            <div class="usa-form-group">
                <label class="usa-label" for="filter-name">"Name contains"</label>
                <input class="usa-input" id="filter-name" name="name" type="search" value=filter.name.clone().unwrap_or_default() />
            </div>
            <div class="usa-form-group">
                <label class="usa-label" for="filter-accepting">"Accepting messages"</label>
                <select class="usa-select" id="filter-accepting" name="accepting">
                    <option value="">"Any"</option>
                    <option value="yes" selected=accepting == Some(true)>"Yes"</option>
                    <option value="no" selected=accepting == Some(false)>"No"</option>
                </select>
            </div>
            <button type="submit" class="usa-button">"Filter"</button>
        </form>
        <p role="status">{format!("{count} care {}", if count == 1 { "team" } else { "teams" })}</p>
        <TeamTable teams />
        {preview.map(|(token, preview)| view! { <PreviewView token preview /> })}
        <AddTeam facilities kept=kept.clone() error=save_error />
        <ImportForm error=import_error />
    }
}

#[component]
fn TeamTable(teams: Vec<TeamSummary>) -> impl IntoView {
    let rows = teams
        .into_iter()
        .map(|t| {
            let href = format!("/admin/teams/{}", t.team_id);
            view! {
                <tr>
                    <th scope="row" data-label="Care team"><a href=href>{t.name}</a></th>
                    <td data-label="Facility">{format!("{} ({})", t.facility_name, t.station_number)}</td>
                    <td data-label="Accepting messages">{if t.accepting_messages { "Yes" } else { "No" }}</td>
                    <td data-label="Response target">{format!("{} business days", t.response_target_days)}</td>
                    <td data-label="Open">{t.open}</td>
                    <td data-label="Overdue">{t.overdue}</td>
                    <td data-label="Unassigned">{t.unassigned}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="usa-table usa-table--stacked usa-table--borderless sm-admin-table">
            <caption class="usa-sr-only">"Care teams, by facility and name, with their open, overdue and unassigned conversations"</caption>
            <thead>
                <tr>
                    <th scope="col">"Care team"</th>
                    <th scope="col">"Facility"</th>
                    <th scope="col">"Accepting messages"</th>
                    <th scope="col">"Response target"</th>
                    <th scope="col">"Open"</th>
                    <th scope="col">"Overdue"</th>
                    <th scope="col">"Unassigned"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The care team form's fields, shared by "Add a care team" and the team's own page.
#[component]
pub(crate) fn TeamFields(
    facilities: Vec<Facility>,
    facility: Option<i64>,
    name: String,
    description: String,
    accepting: bool,
    target: String,
    error: Option<AppError>,
) -> impl IntoView {
    let facility_error = error.as_ref().and_then(|e| e.field("facility"));
    let description_error = error.as_ref().and_then(|e| e.field("description"));
    let options = facilities
        .into_iter()
        .map(|f| {
            view! { <option value=f.facility_id.to_string() selected=facility == Some(f.facility_id)>{format!("{} ({})", f.name, f.station_number)}</option> }
        })
        .collect_view();
    view! {
        <div class="usa-form-group" class:usa-form-group--error=facility_error.is_some()>
            <label class="usa-label" for="facility">"Facility"</label>
            <FieldError id="facility" message=facility_error.clone() />
            <select class="usa-select" id="facility" name="facility" aria-invalid=facility_error.is_some().to_string()
                aria-describedby=facility_error.as_ref().map(|_| "facility-error")>
                <option value="">"Choose a facility"</option>
                {options}
            </select>
        </div>
        <TextField id="name" label="Name" value=name error=error.clone() />
        <div class="usa-form-group" class:usa-form-group--error=description_error.is_some()>
            <label class="usa-label" for="description">"Description"</label>
            <span class="usa-hint" id="description-hint">"Optional. What the team helps with."</span>
            <FieldError id="description" message=description_error.clone() />
            <textarea class="usa-textarea" id="description" name="description" rows="3" inner_html=textarea_text(&description)
                aria-describedby=if description_error.is_some() { "description-hint description-error" } else { "description-hint" }></textarea>
        </div>
        <div class="usa-form-group sm-checkbox">
            <input id="accepting_messages" name="accepting_messages" type="checkbox" value="on" checked=accepting />
            <label class="usa-label" for="accepting_messages">"Accepting messages"</label>
        </div>
        <TextField id="response_target_days" label="Response target in business days" input_type="text"
            hint=format!("A whole number from {RESPONSE_TARGET_MIN_DAYS} to {RESPONSE_TARGET_MAX_DAYS}")
            value=target error />
    }
}

#[component]
fn AddTeam(
    facilities: Vec<Facility>,
    kept: BTreeMap<String, String>,
    error: Option<AppError>,
) -> impl IntoView {
    // What a refused "Add" kept, or the defaults (DESIGN.md §2: target 3 business days).
    let refused = error.is_some();
    let facility = kept
        .get("facility")
        .and_then(|v| v.parse().ok())
        .or_else(|| (facilities.len() == 1).then(|| facilities[0].facility_id));
    let accepting = !refused
        || kept
            .get("accepting_messages")
            .is_some_and(|v| !v.is_empty());
    view! {
        <section aria-labelledby="add-team" class="sm-admin-form">
            <h2 id="add-team">"Add a care team"</h2>
            <form method="post" action=AdminSaveTeam::PATH class="usa-form usa-form--large" novalidate>
                <input type="hidden" name="team" value="" />
                <TeamFields facilities facility name=kept_or(&kept, "name", "") description=kept_or(&kept, "description", "")
                    accepting target=kept_or(&kept, "response_target_days", "3") error />
                <button type="submit" class="usa-button">"Add care team"</button>
            </form>
        </section>
    }
}

#[component]
fn ImportForm(error: Option<AppError>) -> impl IntoView {
    let message = error.as_ref().and_then(|e| e.field("csv"));
    view! {
        <section aria-labelledby="import" class="sm-admin-form">
            <h2 id="import">"Import Veteran–team associations"</h2>
            <p>"Choose a CSV file. You'll see what it would change before anything is imported."</p>
            // Multipart, so the file goes with the plain form, without the wasm.
            <form method="post" action=AdminPreviewImport::PATH enctype="multipart/form-data" class="usa-form usa-form--large" novalidate>
                <div class="usa-form-group" class:usa-form-group--error=message.is_some()>
                    <label class="usa-label" for="csv">"CSV file"</label>
                    <span class="usa-hint" id="csv-hint">{format!("The first line must be {}, optionally followed by ,{IMPORT_DATE_OF_BIRTH} (year-month-day, like 1961-03-04). At most 1 MB, saved as CSV UTF-8.", IMPORT_HEADER.join(","))}</span>
                    <FieldError id="csv" message=message.clone() />
                    <input class="usa-file-input" type="file" id="csv" name="csv" accept=".csv,text/csv"
                        aria-invalid=message.is_some().to_string()
                        aria-describedby=if message.is_some() { "csv-hint csv-error" } else { "csv-hint" } />
                </div>
                <button type="submit" class="usa-button">"Preview import"</button>
            </form>
        </section>
    }
}

#[component]
fn PreviewView(token: String, preview: ImportPreview) -> impl IntoView {
    let (will_add, unchanged, rejected) =
        (preview.will_add(), preview.unchanged(), preview.rejected());
    let rows = preview
        .lines
        .into_iter()
        .map(|line| {
            let (what, class) = match line.verdict {
                ImportVerdict::WillAdd => ("Will be added".to_string(), "sm-import--add"),
                ImportVerdict::NoChange(why) => (format!("No change: {why}"), "sm-import--same"),
                ImportVerdict::Rejected(why) => (format!("Rejected: {why}"), "sm-import--rejected"),
            };
            let what = match line.sets_date_of_birth {
                Some(day) => format!("{what} Date of birth will be set to {day}."),
                None => what,
            };
            view! {
                <tr class=class>
                    <th scope="row" data-label="Line">{line.line}</th>
                    <td data-label="Veteran email">{line.veteran_email}</td>
                    <td data-label="Care team">{line.team_name}</td>
                    <td data-label="Station">{line.facility_station}</td>
                    <td data-label="What happens">{what}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="import-preview" class="sm-admin-form">
            <h2 id="import-preview">"Import preview"</h2>
            <p>{format!("{will_add} to add, {unchanged} with no change, {rejected} rejected.")}</p>
            {(rejected > 0).then(|| view! {
                <div class="usa-alert usa-alert--warning usa-alert--slim">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">"Nothing is imported while any line is rejected. Fix the file and preview it again."</p>
                    </div>
                </div>
            })}
            <table class="usa-table usa-table--stacked usa-table--borderless sm-admin-table">
                <caption class="usa-sr-only">"What each line of the file would do"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Line"</th>
                        <th scope="col">"Veteran email"</th>
                        <th scope="col">"Care team"</th>
                        <th scope="col">"Station"</th>
                        <th scope="col">"What happens"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <form method="post" action=AdminImport::PATH class="sm-inline-form">
                <input type="hidden" name="preview" value=token />
                <button type="submit" class="usa-button">"Import"</button>
            </form>
            <a href="/admin/teams#import">"Cancel"</a>
        </section>
    }
}
