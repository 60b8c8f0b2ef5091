//! `/admin/facilities`: the list, "Add a facility", and "Edit" (`?edit=<id>`).

use super::{kept_or, AdminDone, BackTo, TextField};
use crate::admin::api::{admin_facilities, AdminSaveFacility, FacilitiesData};
use crate::auth::Area;
use crate::error::AppError;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use crate::ui::Gate;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn FacilitiesPage() -> impl IntoView {
    view! {
        <Gate area=Area::Admin>
            <Title text="Facilities" />
            <Facilities />
        </Gate>
    }
}

#[component]
fn Facilities() -> impl IntoView {
    let query = use_query_map();
    let data = crate::ui::page_data(move || query.read().get("kept"), admin_facilities);
    let editing = move || query.read().get("edit").and_then(|v| v.parse::<i64>().ok());
    let error = posted_error(&[AdminSaveFacility::PATH]);
    let errors = StoredValue::new(error.clone());
    view! {
        <BackTo href="/admin" label="Administration" />
        <h1>"Facilities"</h1>
        <ErrorSummary error=Signal::stored(error) />
        <AdminDone />
        {crate::ui::loaded(data, "Loading facilities…", move |page| view! { <FacilityList page editing=editing() error=errors.get_value() /> })}
    }
}

#[component]
fn FacilityList(
    page: FacilitiesData,
    editing: Option<i64>,
    error: Option<AppError>,
) -> impl IntoView {
    let editing = editing.and_then(|id| {
        page.facilities
            .iter()
            .find(|f| f.facility_id == id)
            .cloned()
    });
    let rows = page
        .facilities
        .iter()
        .map(|f| {
            let edit = format!("/admin/facilities?edit={}#facility-form", f.facility_id);
            view! {
                <tr>
                    <th scope="row" data-label="Station number">{f.station_number.clone()}</th>
                    <td data-label="Name">{f.name.clone()}</td>
                    <td data-label="Time zone">{f.time_zone.clone()}</td>
                    <td data-label="Phone number">{if f.phone.is_empty() { "Not set".to_string() } else { f.phone.clone() }}</td>
                    <td data-label="Change"><a href=edit>"Edit"<span class="usa-sr-only">" " {f.name.clone()}</span></a></td>
                </tr>
            }
        })
        .collect_view();
    let kept = page.kept;
    let from_failure = error.is_some();
    let value = |field: &str, current: &str| {
        if from_failure {
            kept_or(&kept, field, current)
        } else {
            current.to_string()
        }
    };
    let (heading, id, station, name, zone, phone, button) = match &editing {
        Some(f) => (
            format!("Edit {}", f.name),
            f.facility_id.to_string(),
            value("station_number", &f.station_number),
            value("name", &f.name),
            value("time_zone", &f.time_zone),
            value("phone", &f.phone),
            "Save facility",
        ),
        None => (
            "Add a facility".to_string(),
            String::new(),
            value("station_number", ""),
            value("name", ""),
            value("time_zone", "America/New_York"),
            value("phone", ""),
            "Add facility",
        ),
    };
    view! {
        <table class="usa-table usa-table--stacked usa-table--borderless sm-admin-table">
            <caption class="usa-sr-only">"Facilities, by station number"</caption>
            <thead>
                <tr>
                    <th scope="col">"Station number"</th>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Time zone"</th>
                    <th scope="col">"Phone number"</th>
                    <th scope="col"><span class="usa-sr-only">"Change"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <section aria-labelledby="facility-form" class="sm-admin-form">
            <h2 id="facility-form">{heading}</h2>
            <form method="post" action=AdminSaveFacility::PATH class="usa-form usa-form--large" novalidate>
                <input type="hidden" name="facility" value=id />
                <TextField id="station_number" label="Station number" hint="3 digits, optionally followed by up to 2 letters or digits, like 999 or 402GA".to_string()
                    value=station error=error.clone() />
                <TextField id="name" label="Name" value=name error=error.clone() />
                <TextField id="time_zone" label="Time zone" hint="Its IANA name, like America/New_York. Business days are counted in it.".to_string()
                    value=zone error=error.clone() />
                <TextField id="phone" label="Phone number" input_type="tel" hint="Veterans who can't send a message are told to call it. Include the area code, like 800-555-0100.".to_string()
                    value=phone error=error.clone() />
                <button type="submit" class="usa-button">{button}</button>
                {editing.map(|_| view! { <a class="usa-button usa-button--unstyled sm-cancel" href="/admin/facilities">"Cancel"</a> })}
            </form>
        </section>
    }
}
