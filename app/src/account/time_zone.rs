//! "Time zone" in `/settings`: the zone every date and time is shown in for this person, on
//! every page, printout and download. Until someone chooses, their facility's zone is used
//! (or, for someone with no facility, the browser's zone at their first sign-in). Response
//! targets keep counting in the team facility's business days whatever is chosen here.

use crate::error::AppError;
use crate::ui::{posted_error, ErrorSummary};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

/// The zones offered, in the words people know them by: the states, territories and the
/// Philippines, where VA facilities are.
pub const TIME_ZONES: [(&str, &str); 11] = [
    ("America/New_York", "Eastern time"),
    ("America/Chicago", "Central time"),
    ("America/Denver", "Mountain time"),
    ("America/Phoenix", "Arizona time (no daylight saving)"),
    ("America/Los_Angeles", "Pacific time"),
    ("America/Anchorage", "Alaska time"),
    ("Pacific/Honolulu", "Hawaii time"),
    (
        "America/Puerto_Rico",
        "Atlantic time (Puerto Rico, U.S. Virgin Islands)",
    ),
    (
        "Pacific/Guam",
        "Chamorro time (Guam, Northern Mariana Islands)",
    ),
    ("Pacific/Pago_Pago", "Samoa time (American Samoa)"),
    ("Asia/Manila", "Philippine time"),
];

/// Saves the asker's own time zone. Only the zones offered are accepted, or the one the
/// person already has (a browser's zone kept from their first sign-in).
#[server(endpoint = "save_time_zone", output = leptos::server_fn::codec::Postcard)]
pub async fn save_time_zone(time_zone: String) -> Result<(), AppError> {
    use crate::server::access::{app_state, signed_in};
    let person = signed_in()?;
    let chosen = time_zone.trim();
    let offered = TIME_ZONES.iter().any(|(name, _)| *name == chosen);
    let outcome =
        if offered || (chosen == person.time_zone && chosen.parse::<chrono_tz::Tz>().is_ok()) {
            let state = app_state()?;
            crate::server::users::set_time_zone(&state.db, person.id, chosen)
                .await
                .map_err(AppError::from)
        } else {
            Err(AppError::invalid(
                "time_zone",
                "Choose a time zone from the list.",
            ))
        };
    match outcome {
        Ok(()) => {
            crate::ui::kept::go_back("/settings", "time_zone_saved");
            Ok(())
        }
        Err(error) => {
            crate::ui::kept::fail_to("/settings", SaveTimeZone::PATH, error.clone(), &[]).await;
            Err(error)
        }
    }
}

/// Shown to everyone: the zone comes with the signed-in person, so nothing more is loaded.
#[component]
pub fn TimeZoneSettings() -> impl IntoView {
    let current = crate::ui::viewer().map(|user| user.time_zone);
    current.map(|current| view! { <TimeZoneForm current /> })
}

#[component]
fn TimeZoneForm(current: String) -> impl IntoView {
    let error = posted_error(&[SaveTimeZone::PATH]);
    let saved = error.is_none()
        && use_query_map().read_untracked().get("done").as_deref() == Some("time_zone_saved");
    let field_error = error.as_ref().and_then(|e| e.field("time_zone"));
    let has_error = field_error.is_some();
    let described_by = if has_error {
        "time_zone-hint time_zone-error"
    } else {
        "time_zone-hint"
    };
    // A zone kept from the browser that is not in the list stays choosable as it is.
    let unlisted = (!TIME_ZONES.iter().any(|(name, _)| *name == current)).then(|| current.clone());
    view! {
        <section class="sm-settings-section" aria-labelledby="time-zone-heading" id="time-zone">
            <h2 id="time-zone-heading">"Time zone"</h2>
            <ErrorSummary error=Signal::stored(error.clone()) />
            {saved.then(|| view! {
                <div class="usa-alert usa-alert--success usa-alert--slim" role="status">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">"Time zone saved. Dates and times are now shown in it."</p>
                    </div>
                </div>
            })}
            <form class="usa-form" method="post" action=SaveTimeZone::PATH novalidate>
                <div class="usa-form-group" class:usa-form-group--error=has_error>
                    <label class="usa-label" for="time_zone">"Time zone"</label>
                    <span class="usa-hint" id="time_zone-hint">
                        "Dates and times on every page, printout and download are shown in this time zone."
                    </span>
                    {field_error.map(|message| view! {
                        <span class="usa-error-message" id="time_zone-error" role="alert">
                            <span class="usa-sr-only">"Error: "</span>{message}
                        </span>
                    })}
                    <select class="usa-select" id="time_zone" name="time_zone"
                        aria-describedby=described_by aria-invalid=has_error.then_some("true")>
                        {unlisted.map(|zone| view! {
                            <option value=zone.clone() selected=true>{zone.clone()}</option>
                        })}
                        {TIME_ZONES.into_iter().map(|(name, label)| view! {
                            <option value=name selected=name == current>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="usa-button">"Save time zone"</button>
            </form>
        </section>
    }
}
