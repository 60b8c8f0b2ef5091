//! `/admin`: the five sections of the administration console (DESIGN.md §5), counts of
//! what the system holds, and of emails waiting or undelivered. Never message content, and
//! never an email's address or words.

use crate::auth::Area;
use crate::error::AppError;
use crate::ui::Gate;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemCounts {
    pub facilities: i64,
    pub care_teams: i64,
    pub active_users: i64,
    /// Emails not yet delivered: new, or waiting to be tried again.
    pub emails_waiting: i64,
    /// Of those, the ones that failed at least once.
    pub emails_retrying: i64,
    /// Emails given up on after the last retry.
    pub emails_failed: i64,
}

#[server(endpoint = "admin_overview", output = leptos::server_fn::codec::Postcard)]
pub async fn admin_overview() -> Result<SystemCounts, AppError> {
    use crate::server::access::{app_state, require_admin};
    let capability = require_admin(AdminOverview::PATH).await?;
    let state = app_state()?;
    Ok(ssr::counts(&state.db.pool, &capability).await?)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::server::access::AdminCapability;
    use sqlx::AnyPool;

    pub async fn counts(
        pool: &AnyPool,
        _capability: &AdminCapability,
    ) -> Result<SystemCounts, sqlx::Error> {
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).fetch_one(pool);
        let emails = crate::email::ssr::outbox::delivery_counts(pool).await?;
        Ok(SystemCounts {
            facilities: count("SELECT COUNT(*) FROM facilities").await?,
            care_teams: count("SELECT COUNT(*) FROM care_teams").await?,
            active_users: count("SELECT COUNT(*) FROM users WHERE active = 1").await?,
            emails_waiting: emails.waiting,
            emails_retrying: emails.retrying,
            emails_failed: emails.failed,
        })
    }
}

#[component]
pub fn AdminHome() -> impl IntoView {
    view! {
        <Gate area=Area::Admin>
            <Title text="Administration" />
            <h1>"Administration"</h1>
            <nav aria-label="Administration sections">
                <ul class="usa-list sm-admin-sections">
                    <li><a href="/admin/facilities">"Facilities"</a></li>
                    <li><a href="/admin/teams">"Care teams"</a></li>
                    <li><a href="/admin/users">"Users"</a></li>
                    <li><a href="/admin/reports">"Reports"</a></li>
                    <li><a href="/admin/audit">"Audit log"</a></li>
                </ul>
            </nav>
            <Counts />
        </Gate>
    }
}

/// Inside the gate, so nobody else's visit calls the server function.
#[component]
fn Counts() -> impl IntoView {
    let counts = crate::ui::page_data(|| (), |_| admin_overview());
    crate::ui::loaded(counts, "Loading…", |counts| {
        view! {
            <table class="usa-table">
                <caption>"What the system holds"</caption>
                <tbody>
                    <tr><th scope="row">"Facilities"</th><td>{counts.facilities}</td></tr>
                    <tr><th scope="row">"Care teams"</th><td>{counts.care_teams}</td></tr>
                    <tr><th scope="row">"Active users"</th><td>{counts.active_users}</td></tr>
                </tbody>
            </table>
            <table class="usa-table">
                <caption>"Email delivery"</caption>
                <tbody>
                    <tr><th scope="row">"Emails waiting to be sent"</th><td>{counts.emails_waiting}</td></tr>
                    <tr><th scope="row">"Of those, being tried again after a failure"</th><td>{counts.emails_retrying}</td></tr>
                    <tr><th scope="row">"Emails that could not be delivered after every retry"</th><td>{counts.emails_failed}</td></tr>
                </tbody>
            </table>
        }
    })
}
