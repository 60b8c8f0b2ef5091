//! The audit log viewer's server functions: each starts with `require_admin` and
//! makes one call into `audit_log::ssr`. A clinician or a Veteran calling one gets 403.

use super::types::{AuditEntry, AuditFilter};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, StreamingText, TextStream};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// One page of the viewer: the filter as typed, the events, and where the next page
/// starts. A filter that needs correcting gives `error` (a message at each field) and no
/// events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLogPage {
    pub filter: AuditFilter,
    pub entries: Vec<AuditEntry>,
    /// The `before` token of the next (older) page.
    pub next: Option<String>,
    /// Whether this page is a later one (shows "Newest events").
    pub paged: bool,
    pub error: Option<AppError>,
    /// The latest check of the audit chain, in words.
    pub chain: ChainStatus,
}

/// Whether the audit trail's seals held at their latest check (`server::audit_chain`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatus {
    pub broken: bool,
    pub text: String,
}

/// The audit chain's latest check, in words.
#[cfg(feature = "ssr")]
fn chain_status(chain: &crate::server::audit_chain::AuditChain) -> ChainStatus {
    use crate::server::clock::{date_time, DEFAULT_TIME_ZONE};
    let Some(check) = chain.last_check() else {
        return ChainStatus {
            broken: false,
            text: "The audit chain is being checked. Reload the page in a minute.".to_string(),
        };
    };
    let checked = date_time(check.checked_at, DEFAULT_TIME_ZONE);
    let report = check.report;
    match report.broken {
        Some(broken) => ChainStatus {
            broken: true,
            text: format!(
                "The audit chain is broken: {broken}. Someone changed the database outside the app. Checked {checked}; run `server verify-audit` for the details."
            ),
        },
        None => ChainStatus {
            broken: false,
            text: match report.through {
                Some((_, at)) => format!(
                    "Chain verified through {} ({} events), checked {checked}.",
                    date_time(at, DEFAULT_TIME_ZONE),
                    report.verified
                ),
                None => format!("Chain verified: no events yet, checked {checked}."),
            },
        },
    }
}

/// The filter from the form's fields, as typed (server only: the server functions' bodies).
#[cfg(feature = "ssr")]
fn filter_of(
    person: Option<String>,
    patient: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> AuditFilter {
    AuditFilter {
        person: person.unwrap_or_default(),
        patient: patient.unwrap_or_default(),
        action: action.unwrap_or_default(),
        outcome: outcome.unwrap_or_default(),
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
    }
}

#[server(endpoint = "admin_audit_log", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_audit_log(
    person: Option<String>,
    patient: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
) -> Result<AuditLogPage, AppError> {
    use super::types::{AuditCursor, AUDIT_PAGE_SIZE};
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminAuditLog::PATH).await?;
    let state = app_state()?;
    let filter = filter_of(person, patient, action, outcome, from, to);
    let token = before;
    let before = token.as_deref().and_then(AuditCursor::from_token);
    let mut page = AuditLogPage {
        filter,
        entries: Vec::new(),
        next: None,
        paged: before.is_some(),
        error: None,
        chain: chain_status(&state.audit_chain),
    };
    match super::ssr::check(&page.filter, &capability.user().time_zone) {
        Ok(checked) => {
            super::ssr::record_read(
                &state.db,
                &capability,
                &crate::admin::api::ssr::origin(),
                crate::server::audit::Action::AuditLogViewed,
                &page.filter,
                before.map(|_| token.as_deref().unwrap_or_default()),
            )
            .await?;
            let (entries, next) =
                super::ssr::events(&state.db, &capability, &checked, before, AUDIT_PAGE_SIZE)
                    .await?;
            page.entries = entries;
            page.next = next.map(AuditCursor::to_token);
        }
        Err(error) => page.error = Some(error),
    }
    Ok(page)
}

/// Every event the filter selects, newest first, as a CSV file
/// (`Content-Disposition: attachment`), sent in chunks as it is read.
#[server(endpoint = "admin_audit_csv", input = GetUrl, output = StreamingText)]
pub async fn admin_audit_csv(
    person: Option<String>,
    patient: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<TextStream<AppError>, AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminAuditCsv::PATH).await?;
    let state = app_state()?;
    let filter = filter_of(person, patient, action, outcome, from, to);
    let checked = super::ssr::check(&filter, &capability.user().time_zone)?;
    super::ssr::record_read(
        &state.db,
        &capability,
        &crate::admin::api::ssr::origin(),
        crate::server::audit::Action::AuditLogExported,
        &filter,
        None,
    )
    .await?;
    crate::server::download::attachment("audit-log.csv", crate::server::download::CSV);
    Ok(TextStream::new(super::ssr::csv_export(
        state.db.clone(),
        capability,
        checked,
        1000,
    )))
}
