//! "Download my messages": every conversation a Veteran can see (any folder, Trash too; no
//! drafts, never the care team's internal notes) as one HTML file that reads offline: no
//! script, no style sheet or image to fetch, no link out. Files are named, not included.
//! Audited as `messages_downloaded` with how many conversations it held.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, StreamingText, TextStream};
use leptos::server_fn::ServerFn;

#[server(endpoint = "download_my_messages", input = GetUrl, output = StreamingText)]
pub async fn download_my_messages() -> Result<TextStream<AppError>, AppError> {
    use crate::server::access::{app_state, require_messaging};
    use crate::server::download::{attachment, HTML};
    let capability = require_messaging(DownloadMyMessages::PATH).await?;
    let state = app_state()?;
    let file = ssr::download(&state.db, &capability).await?;
    attachment(&file.name, HTML);
    Ok(TextStream::new(futures::stream::once(async move {
        Ok(file.html)
    })))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::auth::Role;
    use crate::error::AppError;
    use crate::messages::{Category, MessageView};
    use crate::server::access::MessagingCapability;
    use crate::server::audit::{self, Action};
    use crate::server::clock::{date, date_time, iso_date};
    use crate::server::db::{Db, Notes};
    use html_escape::encode_text;
    use std::fmt::Write;

    /// The file to save.
    pub struct File {
        /// "my-va-messages-2026-12-06.html".
        pub name: String,
        pub html: String,
        pub conversations: usize,
    }

    /// A conversation's heading, as the file lists it.
    #[derive(sqlx::FromRow)]
    struct Conversation {
        id: i64,
        subject: String,
        category: String,
        care_team: String,
        folder: String,
        folder_name: Option<String>,
    }

    /// Every conversation of the asking Veteran, newest first, read in one snapshot. The
    /// messages are the Veteran's record: a caregiver reads them in the app, but does not
    /// download them.
    pub async fn download(db: &Db, capability: &MessagingCapability) -> Result<File, AppError> {
        if capability.user().role != Role::Veteran {
            return Err(AppError::Forbidden);
        }
        let veteran_id = capability.user().id;
        let mailbox = crate::messages::ssr::mailbox(db, capability, veteran_id).await?;
        let now = db.now_ms();
        let mut reading = db.begin_read().await?;
        let conversations: Vec<Conversation> = sqlx::query_as(
            "SELECT t.id, t.subject, t.category, ct.name AS care_team, v.folder, \
             f.name AS folder_name \
             FROM thread_views v JOIN threads t ON t.id = v.thread_id \
             JOIN care_teams ct ON ct.id = t.team_id \
             LEFT JOIN folders f ON f.id = v.folder_id \
             WHERE v.user_id = $1 AND v.veteran_id = $1 \
             ORDER BY t.last_message_at DESC, t.id DESC",
        )
        .bind(veteran_id)
        .fetch_all(&mut *reading)
        .await?;
        let zone = &capability.user().time_zone;
        let mut html = head(&mailbox.veteran_name, now, conversations.len(), zone);
        for conversation in &conversations {
            let messages =
                crate::messages::ssr::thread_messages(&mut reading, conversation.id, Notes::Left)
                    .await?;
            write_conversation(&mut html, conversation, &messages, zone);
        }
        html.push_str("</main></body></html>\n");
        reading.commit().await?;
        let detail = serde_json::json!({ "conversations": conversations.len() });
        audit::record(
            &db.pool,
            &mailbox.audit(Action::MessagesDownloaded).detail(detail),
        )
        .await?;
        Ok(File {
            name: format!("my-va-messages-{}.html", iso_date(now, zone)),
            html,
            conversations: conversations.len(),
        })
    }

    /// Plain, readable on paper and on a phone; contrast as on the site.
    const STYLE: &str = "body{font-family:sans-serif;line-height:1.5;color:#1b1b1b;\
         max-width:45rem;margin:1rem auto;padding:0 1rem}\
         article{border-top:2px solid #565c65;margin-top:2rem}\
         section{border-left:4px solid #dfe1e2;padding-left:1rem;margin:1rem 0}\
         .meta{color:#454545}.body{white-space:pre-wrap;overflow-wrap:anywhere}";

    /// The file's heading; times are in the Veteran's `zone`.
    fn head(veteran_name: &str, now: i64, conversations: usize, zone: &str) -> String {
        let mut html = String::new();
        let _ = write!(
            html,
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Your VA secure messages</title><style>{STYLE}</style></head><body><main>\
             <h1>Your VA secure messages</h1>\
             <p>{name}. Downloaded {when}. {count}.</p>\
             <p>This file holds your health information. Keep it somewhere private. Files \
             attached to messages are named here; download them from the conversation while \
             you're signed in.</p>",
            name = encode_text(veteran_name),
            when = encode_text(&date_time(now, zone)),
            count = match conversations {
                1 => "1 conversation".to_string(),
                n => format!("{n} conversations"),
            },
        );
        html
    }

    fn folder_label(conversation: &Conversation) -> String {
        match conversation.folder.as_str() {
            "inbox" => "Inbox".to_string(),
            "sent" => "Sent".to_string(),
            "trash" => "Trash".to_string(),
            _ => conversation.folder_name.clone().unwrap_or_default(),
        }
    }

    fn write_conversation(
        html: &mut String,
        conversation: &Conversation,
        messages: &[MessageView],
        zone: &str,
    ) {
        let category = Category::parse(&conversation.category)
            .map(Category::label)
            .unwrap_or_default();
        let first = messages.first().map(|m| m.sent_at).unwrap_or_default();
        let _ = write!(
            html,
            "<article><h2>{subject}</h2><p class=\"meta\">{team} · {category} · Started {started} \
             · In {folder}</p>",
            subject = encode_text(&conversation.subject),
            team = encode_text(&conversation.care_team),
            category = encode_text(category),
            started = encode_text(&date(first, zone)),
            folder = encode_text(&folder_label(conversation)),
        );
        for message in messages {
            let from = match &message.on_behalf_of_name {
                Some(veteran) => format!("{} for {veteran}", message.sender_name),
                None => message.sender_name.clone(),
            };
            let _ = write!(
                html,
                "<section><h3>{from}</h3><p class=\"meta\">{when}</p><div class=\"body\">{body}</div>",
                from = encode_text(&from),
                when = encode_text(&date_time(message.sent_at, zone)),
                body = encode_text(&message.body),
            );
            if let Some(signature) = &message.signature {
                let _ = write!(html, "<div class=\"body\">{}</div>", encode_text(signature));
            }
            if !message.attachments.is_empty() {
                let names: Vec<String> = message
                    .attachments
                    .iter()
                    .map(|file| encode_text(&file.name).to_string())
                    .collect();
                let _ = write!(html, "<p>Attached: {}</p>", names.join(", "));
            }
            html.push_str("</section>");
        }
        html.push_str("</article>");
    }
}

/// The Veterans' section of Settings: a plain GET form, so the browser saves the file.
#[component]
pub fn DownloadMessagesSettings() -> impl IntoView {
    view! {
        <section class="sm-settings-section" aria-labelledby="download-heading" id="download">
            <h2 id="download-heading">"Download my messages"</h2>
            <p>"Save every conversation you can see, in every folder, as one file that opens in any web browser, even offline. It holds your health information: keep it somewhere private."</p>
            <form method="get" action=DownloadMyMessages::PATH>
                <button type="submit" class="usa-button usa-button--outline">"Download my messages"</button>
            </form>
        </section>
    }
}
