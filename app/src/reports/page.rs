//! `/admin/reports`: a report per care team or facility and date range, as a table, charts
//! and a CSV download. The form is a plain GET form: it works before the wasm arrives, and a
//! report has an address that can be kept.
//!
//! `/team/reports`: the same report for a care team lead, on the teams they lead. A
//! clinician who leads no team is refused, and has no link to it.

use super::api::{admin_report, team_report, AdminReportCsv, ReportPage, TeamReportCsv};
use super::types::{business_hours, Report, ReportRow};
use crate::auth::Area;
use crate::error::AppError;
use crate::ui::ErrorSummary;
use crate::ui::FieldError;
use crate::ui::Gate;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Whose reports a page shows: the administrator's (any team or facility) or a care team
/// lead's (the teams they lead).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reader {
    Administrator,
    TeamLead,
}

impl Reader {
    /// Where the form goes: the page itself.
    fn page_path(self) -> &'static str {
        match self {
            Reader::Administrator => "/admin/reports",
            Reader::TeamLead => "/team/reports",
        }
    }

    fn csv_path(self) -> &'static str {
        match self {
            Reader::Administrator => AdminReportCsv::PATH,
            Reader::TeamLead => TeamReportCsv::PATH,
        }
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    view! {
        <Gate area=Area::Admin>
            <Title text="Reports" />
            <p><a href="/admin">"Back to administration"</a></p>
            <h1>"Reports"</h1>
            <p>"Counts and response times for a care team or a whole facility. Reports never show what a message says."</p>
            <Reports reader=Reader::Administrator />
        </Gate>
    }
}

#[component]
pub fn TeamReportsPage() -> impl IntoView {
    view! {
        <Gate area=Area::Team>
            <Title text="Team reports" />
            <p><a href="/team">"Back to team inbox"</a></p>
            <Reports reader=Reader::TeamLead />
        </Gate>
    }
}

/// Inside the gate, so nobody else's visit calls the server function.
#[component]
fn Reports(reader: Reader) -> impl IntoView {
    let query = use_query_map();
    let asked = move || {
        let q = query.read();
        (q.get("report_on"), q.get("from"), q.get("to"))
    };
    let page = crate::ui::page_data(asked, move |(report_on, from, to)| async move {
        match reader {
            Reader::Administrator => admin_report(report_on, from, to).await,
            Reader::TeamLead => team_report(report_on, from, to).await,
        }
    });
    crate::ui::loaded(
        page,
        "Loading the report…",
        move |page| view! { <ReportPageView page reader /> },
    )
}

#[component]
fn ReportPageView(page: ReportPage, reader: Reader) -> impl IntoView {
    let error = page.error.clone();
    // A lead's page is headed only once the report answers: anyone else gets the refusal,
    // with its own heading.
    let lead_heading = (reader == Reader::TeamLead).then(|| view! {
        <h1>"Team reports"</h1>
        <p>"Counts and response times for the care teams you lead. Reports never show what a message says."</p>
    });
    view! {
        {lead_heading}
        <ErrorSummary error=Signal::stored(error.clone()) />
        <ReportForm page=page.clone() error reader />
        {page.report.map(|report| view! { <ReportResult report report_on=page.report_on.clone() charts=page.charts.clone() reader /> })}
    }
}

#[component]
fn ReportForm(page: ReportPage, error: Option<AppError>, reader: Reader) -> impl IntoView {
    let field = |name: &str| error.as_ref().and_then(|e| e.field(name));
    let (on_error, from_error, to_error) = (field("report_on"), field("from"), field("to"));
    let described = |hint: &'static str, id: &'static str, has_error: bool| {
        if has_error {
            format!("{hint} {id}-error")
        } else {
            hint.to_string()
        }
    };
    let options = page
        .choices
        .iter()
        .map(|choice| {
            let value = choice.scope.to_value();
            let selected = value == page.report_on;
            view! { <option value=value selected=selected>{choice.label.clone()}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action=reader.page_path() class="usa-form usa-form--large sm-report-form" novalidate>
            <div class="usa-form-group" class:usa-form-group--error=on_error.is_some()>
                <label class="usa-label" for="report_on">"Report on"</label>
                <FieldError id="report_on" message=on_error.clone() />
                <select class="usa-select" id="report_on" name="report_on"
                    aria-describedby=on_error.as_ref().map(|_| "report_on-error")>
                    {options}
                </select>
            </div>
            <div class="usa-form-group" class:usa-form-group--error=from_error.is_some()>
                <label class="usa-label" for="from">"First day"</label>
                <span class="usa-hint" id="from-hint">"In the facility's time zone, for example 2026-11-01"</span>
                <FieldError id="from" message=from_error.clone() />
                <input class="usa-input" class:usa-input--error=from_error.is_some() id="from" name="from" type="date"
                    value=page.from.clone() aria-invalid=from_error.is_some().to_string()
                    aria-describedby=described("from-hint", "from", from_error.is_some()) />
            </div>
            <div class="usa-form-group" class:usa-form-group--error=to_error.is_some()>
                <label class="usa-label" for="to">"Last day"</label>
                <span class="usa-hint" id="to-hint">"Included in the report"</span>
                <FieldError id="to" message=to_error.clone() />
                <input class="usa-input" class:usa-input--error=to_error.is_some() id="to" name="to" type="date"
                    value=page.to.clone() aria-invalid=to_error.is_some().to_string()
                    aria-describedby=described("to-hint", "to", to_error.is_some()) />
            </div>
            <button type="submit" class="usa-button">"Show report"</button>
        </form>
    }
}

#[component]
fn ReportResult(
    report: Report,
    report_on: String,
    charts: Vec<String>,
    reader: Reader,
) -> impl IntoView {
    let caption = format!(
        "{} from {} to {} (times in {})",
        report.covers, report.from, report.to, report.time_zone
    );
    let rows = report
        .rows
        .iter()
        .map(|row| view! { <RowView row=row.clone() /> })
        .collect_view();
    let charts = charts
        .into_iter()
        .map(|svg| view! { <figure class="sm-chart-figure" inner_html=svg></figure> })
        .collect_view();
    view! {
        <section aria-labelledby="report-heading">
            <h2 id="report-heading">{report.covers.clone()}</h2>
            <p>{format!("{} to {}, both days included.", report.from, report.to)}</p>
            <div class="usa-table-container--scrollable" tabindex="0" role="region" aria-label="Report figures">
                <table class="usa-table usa-table--borderless sm-report-table">
                    <caption>{caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Care team"</th>
                            <th scope="col">"New threads"</th>
                            <th scope="col">"Messages from Veterans"</th>
                            <th scope="col">"Messages from staff"</th>
                            <th scope="col">"Median first response"</th>
                            <th scope="col">"90th percentile first response"</th>
                            <th scope="col">"Answered within target"</th>
                            <th scope="col">"Backlog at end"</th>
                            <th scope="col">"Overdue at end"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="usa-hint">
                "Business hours are 8:00 a.m. to 4:30 p.m., Monday to Friday, in the facility's time zone, not counting federal holidays. "
                "First response: from a thread's first message to the care team's first reply. "
                "Answered within target counts threads answered by their due time, out of those answered or already past due."
            </p>
            <form method="get" action=reader.csv_path()>
                <input type="hidden" name="report_on" value=report_on />
                <input type="hidden" name="from" value=report.from.clone() />
                <input type="hidden" name="to" value=report.to.clone() />
                <button type="submit" class="usa-button usa-button--outline">"Download CSV"</button>
            </form>
            <h2>"Charts"</h2>
            {charts}
        </section>
    }
}

#[component]
fn RowView(row: ReportRow) -> impl IntoView {
    let time = |ms: Option<i64>| {
        ms.map(business_hours)
            .unwrap_or_else(|| "None answered".to_string())
    };
    let share = match row.within_target_percent() {
        Some(percent) => format!("{percent}% ({} of {})", row.within_target, row.judged),
        None => "Not yet known".to_string(),
    };
    view! {
        <tr>
            <th scope="row">{row.label.clone()}</th>
            <td>{row.new_threads}</td>
            <td>{row.veteran_messages}</td>
            <td>{row.staff_messages}</td>
            <td>{time(row.median_response_ms)}</td>
            <td>{time(row.p90_response_ms)}</td>
            <td>{share}</td>
            <td>{row.backlog}</td>
            <td>{row.overdue}</td>
        </tr>
    }
}
