//! `/team/threads/:thread_id/print`: a team conversation laid out for paper, headed with
//! the Veteran's name, the care team and the date it was printed. Internal notes are left
//! out unless the printer chooses "Include internal notes" (`?notes=yes`), since a printout
//! may be handed to the Veteran. Opening it is a read of health information, audited like
//! the team thread page, with what was printed.

use crate::auth::Area;
use crate::error::AppError;
use crate::messages::{Category, MessageView};
use crate::ui::conversation::{MessageItem, PrintFrame};
use crate::ui::Gate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// The query value that includes internal notes.
const WITH_NOTES: &str = "yes";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamPrintData {
    pub thread_id: i64,
    pub subject: String,
    pub veteran_name: String,
    /// "Mar 4, 1961", when the Veteran's date of birth is on the record.
    pub veteran_born: Option<String>,
    pub team_name: String,
    pub category: Category,
    /// "Dec 6, 2026, 7:51 PM EST", in the printer's time zone.
    pub printed_at: String,
    pub internal_notes: bool,
    /// Internal notes only when `internal_notes`.
    pub messages: Vec<MessageView>,
    /// When each message was sent, in message order.
    pub sent_at: Vec<String>,
}

/// A thread of one of the person's teams, to print (`team::ssr::print_thread`: scoped to
/// their teams, audited as a read).
#[server(endpoint = "load_team_print", output = leptos::server_fn::codec::Postcard)]
pub async fn load_team_print(
    thread_id: i64,
    internal_notes: bool,
) -> Result<TeamPrintData, AppError> {
    use crate::server::access::{app_state, require_team};
    use crate::server::clock::date_time;
    use leptos::server_fn::ServerFn;
    let capability = require_team(LoadTeamPrint::PATH).await?;
    let state = app_state()?;
    let from = crate::team::api::ssr::client_address();
    let thread = crate::team::ssr::print_thread(
        &state.db,
        &capability,
        thread_id,
        internal_notes,
        from.as_deref(),
    )
    .await?;
    if thread.opened_now {
        // As on the thread page: the Veteran's open pages show "Opened by your care team".
        crate::team::api::ssr::changed(&state, thread_id).await;
    }
    let zone = capability.user().time_zone.clone();
    let sent_at = thread
        .messages
        .iter()
        .map(|m| date_time(m.sent_at, &zone))
        .collect();
    Ok(TeamPrintData {
        thread_id: thread.thread_id,
        subject: thread.subject,
        veteran_name: thread.veteran_name,
        veteran_born: thread.veteran_born,
        team_name: thread.team_name,
        category: thread.category,
        printed_at: date_time(state.db.now_ms(), &zone),
        internal_notes,
        messages: thread.messages,
        sent_at,
    })
}

#[component]
pub fn TeamPrintPage() -> impl IntoView {
    view! {
        <Gate area=Area::Team>
            <TeamPrint />
        </Gate>
    }
}

/// Inside the gate, so a refused visitor never calls the server function.
#[component]
fn TeamPrint() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        let id = params
            .read()
            .get("thread_id")
            .and_then(|id| id.parse::<i64>().ok());
        let notes = query.read().get("notes").as_deref() == Some(WITH_NOTES);
        (id, notes)
    };
    let data = crate::ui::page_data(key, |(id, notes)| async move {
        match id {
            Some(id) => load_team_print(id, notes).await,
            None => Err(AppError::NotFound),
        }
    });
    crate::ui::loaded(data, "Loading the conversation…", |page| {
        view! { <Printout page /> }
    })
}

#[component]
fn Printout(page: TeamPrintData) -> impl IntoView {
    let here = format!("/team/threads/{}", page.thread_id);
    let print = format!("{here}/print");
    let tools = if page.internal_notes {
        view! { <p><a href=print>"Leave out internal notes"</a></p> }.into_any()
    } else {
        view! { <p><a href=format!("{print}?notes={WITH_NOTES}")>"Include internal notes"</a></p> }
            .into_any()
    };
    let messages = page
        .messages
        .into_iter()
        .zip(page.sent_at)
        .map(|(message, when)| {
            let status = super::thread::team_status(&message);
            view! { <MessageItem message when status /> }
        })
        .collect_view();
    view! {
        <Title text=format!("Print: {}", page.subject) />
        <PrintFrame back=here tools>
            <h1>{page.subject}</h1>
            <dl class="sm-thread-status sm-print__head">
                <div><dt>"Veteran"</dt><dd><crate::ui::VeteranName name=page.veteran_name born=page.veteran_born /></dd></div>
                <div><dt>"Care team"</dt><dd>{page.team_name}</dd></div>
                <div><dt>"Category"</dt><dd>{page.category.label()}</dd></div>
                <div><dt>"Printed"</dt><dd>{page.printed_at}</dd></div>
                <div>
                    <dt>"Internal notes"</dt>
                    <dd>{if page.internal_notes { "Included" } else { "Not included" }}</dd>
                </div>
            </dl>
            <ol class="sm-messages" aria-label="Messages">{messages}</ol>
        </PrintFrame>
    }
}
