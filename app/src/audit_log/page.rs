//! `/admin/audit`: the audit log, newest first, filtered by a plain GET form (it works
//! before the wasm arrives, and a filtered view has an address). "Older events" and
//! "Download CSV" are GET forms too, carrying the filter, so the browser encodes it.

use super::api::{admin_audit_log, AdminAuditCsv, AuditLogPage};
use super::types::{AuditEntry, AuditFilter, ACTIONS, OUTCOMES};
use crate::auth::Area;
use crate::error::AppError;
use crate::ui::ErrorSummary;
use crate::ui::FieldError;
use crate::ui::Gate;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    view! {
        <Gate area=Area::Admin>
            <Title text="Audit log" />
            <AuditLog />
        </Gate>
    }
}

/// Inside the gate, so nobody else's visit calls the server function.
#[component]
fn AuditLog() -> impl IntoView {
    let query = use_query_map();
    let asked = move || {
        let q = query.read();
        let get = |key: &str| q.get(key);
        (
            (get("person"), get("patient"), get("action")),
            (get("outcome"), get("from"), get("to"), get("before")),
        )
    };
    let page = crate::ui::page_data(
        asked,
        |((person, patient, action), (outcome, from, to, before))| {
            admin_audit_log(person, patient, action, outcome, from, to, before)
        },
    );
    view! {
        <p><a href="/admin">"Back to administration"</a></p>
        <h1>"Audit log"</h1>
        <p>"Who did what, when, for which patient, and from where. Newest first. The log never holds what a message says."</p>
        {crate::ui::loaded(page, "Loading the audit log…", move |page| view! { <AuditLogView page /> })}
    }
}

#[component]
fn AuditLogView(page: AuditLogPage) -> impl IntoView {
    let error = page.error.clone();
    let filter = page.filter.clone();
    let results = page.error.is_none().then(|| {
        view! { <Events entries=page.entries.clone() next=page.next.clone() paged=page.paged filter=filter.clone() /> }
    });
    let chain = if page.chain.broken {
        view! {
            <div class="usa-alert usa-alert--error usa-alert--slim" role="alert">
                <div class="usa-alert__body">
                    <p class="usa-alert__text">{page.chain.text.clone()}</p>
                </div>
            </div>
        }
        .into_any()
    } else {
        view! { <p>{page.chain.text.clone()}</p> }.into_any()
    };
    view! {
        {chain}
        <ErrorSummary error=Signal::stored(error.clone()) />
        <FilterForm filter=page.filter.clone() error />
        {results}
    }
}

#[component]
fn FilterForm(filter: AuditFilter, error: Option<AppError>) -> impl IntoView {
    let field = |name: &str| error.as_ref().and_then(|e| e.field(name));
    let (action_error, outcome_error) = (field("action"), field("outcome"));
    let (from_error, to_error) = (field("from"), field("to"));
    let described = |id: &'static str, message: &Option<String>| {
        message.as_ref().map(|_| format!("{id}-error"))
    };
    let actions = ACTIONS
        .iter()
        .map(|(name, words)| {
            view! { <option value=*name selected=filter.action == *name>{*words}</option> }
        })
        .collect_view();
    let outcomes = OUTCOMES
        .iter()
        .map(|(name, words)| {
            view! { <option value=*name selected=filter.outcome == *name>{*words}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action="/admin/audit" class="usa-form usa-form--large sm-audit-form" novalidate>
            <div class="usa-form-group">
                <label class="usa-label" for="person">"Person"</label>
                <span class="usa-hint" id="person-hint">"Who acted: an email address or part of a name"</span>
                <input class="usa-input" id="person" name="person" type="text" value=filter.person.clone()
                    aria-describedby="person-hint" />
            </div>
            <div class="usa-form-group">
                <label class="usa-label" for="patient">"Patient"</label>
                <span class="usa-hint" id="patient-hint">"The Veteran it was about: an email address or part of a name"</span>
                <input class="usa-input" id="patient" name="patient" type="text" value=filter.patient.clone()
                    aria-describedby="patient-hint" />
            </div>
            <div class="usa-form-group" class:usa-form-group--error=action_error.is_some()>
                <label class="usa-label" for="action">"Action"</label>
                <FieldError id="action" message=action_error.clone() />
                <select class="usa-select" id="action" name="action" aria-describedby=described("action", &action_error)>
                    <option value="" selected=filter.action.is_empty()>"Any action"</option>
                    {actions}
                </select>
            </div>
            <div class="usa-form-group" class:usa-form-group--error=outcome_error.is_some()>
                <label class="usa-label" for="outcome">"Outcome"</label>
                <FieldError id="outcome" message=outcome_error.clone() />
                <select class="usa-select" id="outcome" name="outcome" aria-describedby=described("outcome", &outcome_error)>
                    <option value="" selected=filter.outcome.is_empty()>"Any outcome"</option>
                    {outcomes}
                </select>
            </div>
            <div class="usa-form-group" class:usa-form-group--error=from_error.is_some()>
                <label class="usa-label" for="from">"From"</label>
                <span class="usa-hint" id="from-hint">"First day, Eastern time, for example 2026-11-01"</span>
                <FieldError id="from" message=from_error.clone() />
                <input class="usa-input" class:usa-input--error=from_error.is_some() id="from" name="from" type="date"
                    value=filter.from.clone() aria-invalid=from_error.is_some().to_string()
                    aria-describedby=if from_error.is_some() { "from-hint from-error" } else { "from-hint" } />
            </div>
            <div class="usa-form-group" class:usa-form-group--error=to_error.is_some()>
                <label class="usa-label" for="to">"To"</label>
                <span class="usa-hint" id="to-hint">"Last day, included"</span>
                <FieldError id="to" message=to_error.clone() />
                <input class="usa-input" class:usa-input--error=to_error.is_some() id="to" name="to" type="date"
                    value=filter.to.clone() aria-invalid=to_error.is_some().to_string()
                    aria-describedby=if to_error.is_some() { "to-hint to-error" } else { "to-hint" } />
            </div>
            <button type="submit" class="usa-button">"Show events"</button>
        </form>
    }
}

/// The filter as hidden fields, for the forms that carry it ("Older events", CSV).
#[component]
fn FilterFields(filter: AuditFilter) -> impl IntoView {
    let fields = [
        ("person", filter.person),
        ("patient", filter.patient),
        ("action", filter.action),
        ("outcome", filter.outcome),
        ("from", filter.from),
        ("to", filter.to),
    ];
    fields
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
        .collect_view()
}

#[component]
fn Events(
    entries: Vec<AuditEntry>,
    next: Option<String>,
    paged: bool,
    filter: AuditFilter,
) -> impl IntoView {
    if entries.is_empty() {
        return view! {
            <p class="sm-empty">{if paged { "No older events." } else { "No events match this filter." }}</p>
        }
        .into_any();
    }
    let rows = entries
        .into_iter()
        .map(|entry| view! { <EventRow entry /> })
        .collect_view();
    let older = next.map(|token| {
        let filter = filter.clone();
        view! {
            <form method="get" action="/admin/audit" class="sm-pager">
                <FilterFields filter />
                <input type="hidden" name="before" value=token />
                <button type="submit" class="usa-button usa-button--outline">"Older events"</button>
            </form>
        }
    });
    view! {
        <form method="get" action=AdminAuditCsv::PATH class="sm-download">
            <FilterFields filter=filter.clone() />
            <button type="submit" class="usa-button usa-button--outline">"Download CSV"</button>
        </form>
        <div class="usa-table-container--scrollable" tabindex="0" role="region" aria-label="Audit events">
            <table class="usa-table usa-table--borderless usa-table--compact sm-audit-table">
                <caption>{if paged { "Audit events, older page" } else { "Audit events, newest first" }}</caption>
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Person"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Patient"</th>
                        <th scope="col">"About"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"From address"</th>
                        <th scope="col">"Details"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {paged.then(|| view! { <p><a href="/admin/audit">"Newest events"</a></p> })}
        {older}
    }
    .into_any()
}

#[component]
fn EventRow(entry: AuditEntry) -> impl IntoView {
    let person = match (&entry.person, &entry.on_behalf_of) {
        (Some(person), Some(veteran)) => format!("{person}, on behalf of {veteran}"),
        (Some(person), None) => person.clone(),
        (None, _) => "Nobody signed in".to_string(),
    };
    view! {
        <tr>
            <td>{entry.when}</td>
            <td>{person}</td>
            <td>{entry.action_words}</td>
            <td>{entry.patient.unwrap_or_default()}</td>
            <td>{entry.target.unwrap_or_default()}</td>
            <td>{entry.outcome}</td>
            <td>{entry.ip.unwrap_or_default()}</td>
            <td><code>{entry.detail.unwrap_or_default()}</code></td>
        </tr>
    }
}
