//! "Away" on the settings page, for clinicians: "I'm away until [date], covered by
//! [member]" and "I'm back" (DESIGN.md §2 "Coverage": new assignments go to the covering
//! member while the person is away).

use super::DoneNotice;
use crate::auth::Role;
use crate::error::AppError;
use crate::team::api::{team_coverage, CoverageData, TeamClearCoverage, TeamSetCoverage};
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Shown only to clinicians; nobody else's visit calls the server function.
#[component]
pub fn CoverageSettings() -> impl IntoView {
    if crate::ui::viewer().map(|user| user.role) != Some(Role::Clinician) {
        return ().into_any();
    }
    let data = crate::ui::page_data(|| (), |_| team_coverage());
    let error = posted_error(&[TeamSetCoverage::PATH, TeamClearCoverage::PATH]);
    let errors = StoredValue::new(error);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! {
                        <section class="sm-settings-section" aria-labelledby="away-heading">
                            <h2 id="away-heading">"Away"</h2>
                            <ErrorSummary error=Signal::stored(errors.get_value()) />
                            <DoneNotice />
                            <CoverageForm data error=errors.get_value() />
                        </section>
                    }.into_any(),
                    Err(error) => view! { <p class="usa-error-message">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn CoverageForm(data: CoverageData, error: Option<AppError>) -> impl IntoView {
    let until_error = error.as_ref().and_then(|e| e.field("away_until"));
    let by_error = error.as_ref().and_then(|e| e.field("covered_by"));
    let current = data.coverage.as_ref().map(|c| {
        format!(
            "You're away until {}. {} covers for you: new assignments go to them.",
            data.away_until.clone().unwrap_or_default(),
            c.covered_by.name
        )
    });
    let away = current.is_some();
    let options = data
        .colleagues
        .into_iter()
        .map(|p| view! { <option value=p.id.to_string()>{p.name}</option> })
        .collect_view();
    view! {
        {current.map(|text| view! {
            <p class="sm-away-now">{text}</p>
            <form method="post" action=TeamClearCoverage::PATH>
                <button type="submit" class="usa-button">"I'm back"</button>
            </form>
        })}
        <form method="post" action=TeamSetCoverage::PATH class="usa-form" novalidate>
            <p>{if away { "Change when you're back or who covers:" } else { "Going away? New assignments to you will go to the member you choose." }}</p>
            <div class="usa-form-group" class:usa-form-group--error=until_error.is_some()>
                <label class="usa-label" for="away_until">"I'm away until"</label>
                <span class="usa-hint" id="away_until-hint">"The day you're back"</span>
                {until_error.clone().map(|m| view! { <span class="usa-error-message" id="away_until-error"><span class="usa-sr-only">"Error: "</span>{m}</span> })}
                <input class="usa-input" id="away_until" name="away_until" type="date"
                    aria-invalid=until_error.is_some().to_string()
                    aria-describedby=if until_error.is_some() { "away_until-hint away_until-error" } else { "away_until-hint" } />
            </div>
            <div class="usa-form-group" class:usa-form-group--error=by_error.is_some()>
                <label class="usa-label" for="covered_by">"Covered by"</label>
                {by_error.clone().map(|m| view! { <span class="usa-error-message" id="covered_by-error"><span class="usa-sr-only">"Error: "</span>{m}</span> })}
                <select class="usa-select" id="covered_by" name="covered_by"
                    aria-invalid=by_error.is_some().to_string()
                    aria-describedby=by_error.as_ref().map(|_| "covered_by-error")>
                    <option value="">"- Choose a member -"</option>
                    {options}
                </select>
            </div>
            <button type="submit" class="usa-button usa-button--outline">"Save away status"</button>
        </form>
    }
}
