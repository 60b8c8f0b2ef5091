//! `/messages/:thread_id`: one conversation, oldest message first, with the reply form or,
//! past the 45-day window, the reason and "Start a new message" to the same team.
//! `/messages/:thread_id/print`: the same conversation laid out for paper.

use super::reply_box::ReplyForm;
use crate::auth::Area;
use crate::error::AppError;
use crate::messages::ThreadView;
use crate::ui::conversation::{MessageItem, PrintFrame};
use crate::ui::Gate;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

/// What the crisis check says when a reply mentions a crisis (DESIGN.md §2): the line once
/// more; sending stays allowed.
pub const CRISIS_CHECK: &str = "If you're in crisis or thinking about hurting yourself, call the Veterans Crisis Line now: dial 988 and press 1, text 838255, or chat online. In an emergency, call 911. Your care team may take up to 3 business days to read this message. To send it anyway, select Send again.";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadPageData {
    pub thread: ThreadView,
    /// When each message was sent, as people read it, in message order.
    pub sent_at: Vec<String>,
    /// A fresh key for the next reply: a retried send with it never makes a second message.
    pub reply_key: String,
    /// The files saved with the reply draft, listed again under the reply box.
    pub reply_files: Vec<crate::attachments::Attachment>,
    /// "Draft saved at Nov 27, 2026, 3:42 PM EST", when the box holds a saved draft.
    pub reply_saved: Option<String>,
    /// "Your care team usually replies within 3 business days. Expected by Dec 10, 2026.",
    /// while the conversation waits for the team.
    pub reply_expected: Option<String>,
}

/// When the care team's answer is expected, in words, its day in the reader's `zone`.
#[cfg(feature = "ssr")]
pub fn expected_words(expected: crate::messages::ReplyExpected, zone: &str) -> String {
    let days = match expected.business_days {
        1 => "1 business day".to_string(),
        n => format!("{n} business days"),
    };
    format!(
        "Your care team usually replies within {days}. Expected by {}.",
        crate::server::clock::date(expected.due_at, zone)
    )
}

/// Opens a thread for the Veteran's side (marks it read; audited by the data layer).
#[server(endpoint = "load_thread", output = leptos::server_fn::codec::Postcard)]
pub async fn load_thread(thread_id: i64) -> Result<ThreadPageData, AppError> {
    use crate::messages::acting::ssr::asking;
    use crate::server::clock::date_time;
    let asking = asking(LoadThread::PATH).await?;
    let zone = &asking.capability.user().time_zone;
    let thread = crate::messages::ssr::open_thread(
        &asking.state.db,
        &asking.capability,
        asking.veteran_id,
        thread_id,
    )
    .await?;
    let sent_at = thread
        .messages
        .iter()
        .map(|m| date_time(m.sent_at, zone))
        .collect();
    let reply_files = match &thread.reply_draft {
        Some(draft) => {
            let db = &asking.state.db;
            let mailbox =
                crate::messages::ssr::mailbox(db, &asking.capability, asking.veteran_id).await?;
            crate::attachments::ssr::records::draft_attachments(db, &mailbox, draft.draft_id)
                .await?
        }
        None => Vec::new(),
    };
    let reply_saved = thread
        .reply_draft
        .as_ref()
        .map(|draft| format!("Draft saved at {}", date_time(draft.updated_at, zone)));
    let reply_expected = thread
        .reply_expected
        .map(|expected| expected_words(expected, zone));
    Ok(ThreadPageData {
        thread,
        sent_at,
        reply_key: uuid::Uuid::new_v4().to_string(),
        reply_files,
        reply_saved,
        reply_expected,
    })
}

/// Sends a reply. Crisis words without `crisis_confirmed` answer with the crisis check
/// first (on the `crisis` field); the next Send carries the confirmation.
#[server(endpoint = "send_reply", output = leptos::server_fn::codec::Postcard)]
pub async fn send_reply(
    thread_id: i64,
    body: String,
    reply_key: String,
    crisis_confirmed: Option<String>,
    acting_for: Option<String>,
) -> Result<(), AppError> {
    use crate::messages::acting::ssr::asking;
    use crate::messages::{rules, Reply};
    let asking = asking(SendReply::PATH).await?;
    asking.check_form_for(acting_for.as_deref())?;
    rules::validate_reply(&body)?;
    if crisis_confirmed.is_none() && rules::has_crisis_language(&body) {
        return Err(AppError::invalid("crisis", CRISIS_CHECK));
    }
    crate::messages::ssr::reply(
        &asking.state.db,
        &asking.capability,
        asking.veteran_id,
        thread_id,
        &Reply {
            body,
            client_key: reply_key,
        },
    )
    .await?;
    let author = asking.capability.user().id;
    crate::live::ssr::message_arrived(&asking.state, thread_id, author, false).await;
    leptos_axum::redirect(&format!("/messages/{thread_id}"));
    Ok(())
}

fn thread_id_param() -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("thread_id")
            .and_then(|id| id.parse().ok())
    }
}

#[component]
pub fn ThreadPage() -> impl IntoView {
    view! {
        <Gate area=Area::Messages>
            <Thread />
        </Gate>
    }
}

#[component]
fn Thread() -> impl IntoView {
    let thread_id = thread_id_param();
    let data = crate::ui::page_data(thread_id, |id| async move {
        match id {
            Some(id) => load_thread(id).await,
            None => Err(AppError::NotFound),
        }
    });
    crate::ui::loaded(data, "Loading the conversation…", move |page| {
        view! { <Conversation page /> }
    })
}

#[component]
fn Conversation(page: ThreadPageData) -> impl IntoView {
    let ThreadPageData {
        thread,
        sent_at,
        reply_key,
        reply_files,
        reply_saved,
        reply_expected,
    } = page;
    let print_link = format!("/messages/{}/print", thread.thread_id);
    let after = if thread.can_reply {
        let draft = thread
            .reply_draft
            .as_ref()
            .map(|draft| (draft.draft_id, draft.body.clone()));
        view! {
            <ReplyForm
                thread_id=thread.thread_id
                acting_for=thread.veteran_id
                draft
                reply_key
                reply_files
                reply_saved
            />
        }
        .into_any()
    } else {
        let reason = thread.reply_closed_reason.clone().unwrap_or_default();
        let new_message = format!("/messages/new?team={}", thread.care_team_id);
        view! {
            <div class="usa-alert usa-alert--info sm-no-print">
                <div class="usa-alert__body">
                    <p class="usa-alert__text">{reason}</p>
                    <p class="usa-alert__text">
                        <a class="usa-button" href=new_message>"Start a new message"</a>
                    </p>
                </div>
            </div>
        }
        .into_any()
    };
    // Live: a reply from the care team, or "Opened by your care team", appears by itself.
    // Only the messages are drawn again; the reply box, and whatever is being typed in it,
    // stays as it is.
    view! {
        <Title text=thread.subject.clone() />
        <crate::live::NewMessageNotice />
        <crate::live::LiveRegion name="messages">
            <MessageList thread sent_at expected=reply_expected />
        </crate::live::LiveRegion>
        <p class="sm-no-print"><a href=print_link>"Print this conversation"</a></p>
        {after}
    }
}

/// The heading and every message: shared by the thread page and its print layout.
#[component]
fn MessageList(
    thread: ThreadView,
    sent_at: Vec<String>,
    expected: Option<String>,
) -> impl IntoView {
    view! {
        <h1>{thread.subject}</h1>
        <p class="sm-thread-facts">
            "Care team: " <strong>{thread.care_team}</strong>
            " · Category: " {thread.category.label()}
        </p>
        <ol class="sm-messages" aria-label="Messages">
            {thread
                .messages
                .into_iter()
                .zip(sent_at)
                .map(|(message, when)| {
                    let status = message.opened_status();
                    view! { <MessageItem message when status /> }
                })
                .collect_view()}
        </ol>
        {expected.map(|words| view! { <p class="sm-reply-expected">{words}</p> })}
    }
}

#[component]
pub fn PrintThreadPage() -> impl IntoView {
    view! {
        <Gate area=Area::Messages>
            <PrintThread />
        </Gate>
    }
}

#[component]
fn PrintThread() -> impl IntoView {
    let thread_id = thread_id_param();
    let data = crate::ui::page_data(thread_id, |id| async move {
        match id {
            Some(id) => load_thread(id).await,
            None => Err(AppError::NotFound),
        }
    });
    crate::ui::loaded(data, "Loading the conversation…", |page| {
        let back = format!("/messages/{}", page.thread.thread_id);
        view! {
            <Title text=format!("Print: {}", page.thread.subject) />
            <PrintFrame back>
                <MessageList thread=page.thread sent_at=page.sent_at expected=page.reply_expected />
            </PrintFrame>
        }
    })
}
