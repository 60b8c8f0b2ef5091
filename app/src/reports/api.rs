//! The reports' server functions: the administrator's start with `require_admin`, a care
//! team lead's with `require_team_lead` (which carries the teams they lead); each then
//! makes one call into `reports::ssr`, which scopes the report to what the reader may see.
//! Anyone else calling one gets 403.

use super::types::{Report, ReportChoice};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, StreamingText, TextStream};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// The report page: what the form offers and holds, and the report it asked for (or why
/// there is none: `error` holds a message for each field that needs correcting).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPage {
    pub choices: Vec<ReportChoice>,
    /// The form's values as asked, or the defaults (the first choice, the 30 days up to
    /// today) when nothing was asked.
    pub report_on: String,
    pub from: String,
    pub to: String,
    pub report: Option<Report>,
    /// The report's charts, drawn on the server as SVG (the wasm carries no chart code).
    pub charts: Vec<String>,
    pub error: Option<AppError>,
}

/// The report on `report_on` (`team:<id>` or `facility:<id>`) from `from` to `to`, both
/// days included, in the facility's zone.
#[server(endpoint = "admin_report", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_report(
    report_on: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<ReportPage, AppError> {
    use crate::server::access::require_admin;
    let capability = require_admin(AdminReport::PATH).await?;
    ssr::report_page(&capability, report_on, from, to).await
}

/// The same report as a CSV file (`Content-Disposition: attachment`), one row per team.
#[server(endpoint = "admin_report_csv", input = GetUrl, output = StreamingText)]
pub async fn admin_report_csv(
    report_on: String,
    from: String,
    to: String,
) -> Result<TextStream<AppError>, AppError> {
    use crate::server::access::require_admin;
    let capability = require_admin(AdminReportCsv::PATH).await?;
    ssr::report_csv(&capability, &report_on, &from, &to).await
}

/// A care team lead's reports: the administrator's report, on the teams they lead only
/// (`team:<id>`). Anyone who leads no team is refused (403); another team is not found.
#[server(endpoint = "team_report", output = leptos::server_fn::codec::Postcard)]
pub async fn team_report(
    report_on: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<ReportPage, AppError> {
    use crate::server::access::require_team_lead;
    let capability = require_team_lead(TeamReport::PATH).await?;
    ssr::report_page(&capability, report_on, from, to).await
}

/// A team lead's report as a CSV file, on the same terms as `team_report`.
#[server(endpoint = "team_report_csv", input = GetUrl, output = StreamingText)]
pub async fn team_report_csv(
    report_on: String,
    from: String,
    to: String,
) -> Result<TextStream<AppError>, AppError> {
    use crate::server::access::require_team_lead;
    let capability = require_team_lead(TeamReportCsv::PATH).await?;
    ssr::report_csv(&capability, &report_on, &from, &to).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::super::ssr::{ReportRead, ReportReader};
    use super::super::types::ReportScope;
    use super::ReportPage;
    use crate::error::AppError;
    use crate::server::access::app_state;
    use crate::server::clock::DEFAULT_TIME_ZONE;
    use chrono::{NaiveDate, Utc};
    use leptos::server_fn::codec::TextStream;

    /// The report page for `reader`: their choices, the report asked for (the first choice
    /// and the last 30 days when nothing was), its charts, and its read on the record.
    pub async fn report_page<'a>(
        reader: impl Into<ReportReader<'a>>,
        report_on: Option<String>,
        from: Option<String>,
        to: Option<String>,
    ) -> Result<ReportPage, AppError> {
        let reader = reader.into();
        let state = app_state()?;
        let choices = super::super::ssr::choices(&state.db, reader).await?;
        let (default_from, default_to) = default_range();
        let report_on = report_on.unwrap_or_else(|| {
            choices
                .first()
                .map(|choice| choice.scope.to_value())
                .unwrap_or_default()
        });
        let mut page = ReportPage {
            choices,
            report_on,
            from: from.unwrap_or(default_from),
            to: to.unwrap_or(default_to),
            report: None,
            charts: Vec::new(),
            error: None,
        };
        match checked(&page.report_on, &page.from, &page.to) {
            Ok((scope, from, to)) => {
                let report = super::super::ssr::report(&state.db, reader, scope, from, to).await?;
                super::super::ssr::record_view(
                    &state.db,
                    reader,
                    &crate::admin::api::ssr::origin(),
                    &report,
                    scope,
                    ReportRead::Page,
                )
                .await?;
                page.charts = super::super::charts::report_charts(&report);
                page.report = Some(report);
            }
            Err(error) => page.error = Some(error),
        }
        Ok(page)
    }

    /// The report as a CSV download for `reader`, its read on the record.
    pub async fn report_csv<'a>(
        reader: impl Into<ReportReader<'a>>,
        report_on: &str,
        from: &str,
        to: &str,
    ) -> Result<TextStream<AppError>, AppError> {
        let reader = reader.into();
        let state = app_state()?;
        let (scope, from, to) = checked(report_on, from, to)?;
        let report = super::super::ssr::report(&state.db, reader, scope, from, to).await?;
        super::super::ssr::record_view(
            &state.db,
            reader,
            &crate::admin::api::ssr::origin(),
            &report,
            scope,
            ReportRead::Csv,
        )
        .await?;
        let text = super::super::csv::report_csv(&report)?;
        crate::server::download::attachment(
            &format!("report-{}-{}.csv", report.from, report.to),
            crate::server::download::CSV,
        );
        Ok(TextStream::new(futures::stream::once(
            async move { Ok(text) },
        )))
    }

    /// The form's values checked: a choice and a date range, with a message at each field.
    pub fn checked(
        report_on: &str,
        from: &str,
        to: &str,
    ) -> Result<(ReportScope, NaiveDate, NaiveDate), AppError> {
        let scope = ReportScope::parse(report_on);
        let range = super::super::ssr::date_range(from, to);
        match (scope, range) {
            (Some(scope), Ok((from, to))) => Ok((scope, from, to)),
            (scope, range) => {
                let mut fields = match range {
                    Err(AppError::Invalid { fields }) => fields,
                    _ => Default::default(),
                };
                if scope.is_none() {
                    fields.insert(
                        "report_on".to_string(),
                        "Choose a care team or a facility.".to_string(),
                    );
                }
                Err(AppError::Invalid { fields })
            }
        }
    }

    /// The 30 days up to today, in the default zone.
    pub fn default_range() -> (String, String) {
        let zone: chrono_tz::Tz = DEFAULT_TIME_ZONE
            .parse()
            .unwrap_or(chrono_tz::America::New_York);
        let today = Utc::now().with_timezone(&zone).date_naive();
        let first = today - chrono::Duration::days(29);
        (
            first.format("%Y-%m-%d").to_string(),
            today.format("%Y-%m-%d").to_string(),
        )
    }
}
