//! `/messages/new`: "Start a new message" (DESIGN.md §2 and §5).
//!
//! The form is a real form: "Send" and "Save draft" post to their server functions and the
//! server answers with a redirect, with or without the wasm (DESIGN.md §4: forms work before
//! hydration). A send that fails (a field error, or the crisis check) comes back to the form
//! with the errors and everything typed, kept in the server-side session:
//! nothing typed is lost. The wasm adds what only a browser can do:
//! - a draft saved about 3 seconds after typing stops and when the person leaves the page;
//! - the Veterans Crisis Line shown at once, before the message goes, when it holds crisis
//!   language (without the wasm the server asks the same question).
//!
//! Keeping the sending itself a plain post also keeps this page's share of the wasm small
//! (DESIGN.md §6 budget).
//!
//! `?team=<id>` chooses a team (the thread page links here past the 45-day window);
//! `?draft=<id>` continues a draft. Each page render makes a client key, so a retried send
//! returns the first message instead of making a second.

mod fields;
mod form;
pub(crate) mod with_files;

pub use with_files::{send_new_message_with_files, SendNewMessageWithFiles};

use super::urgent_notice::UrgentNotice;
use crate::auth::Area;
use crate::error::AppError;
use crate::messages::{CareTeamOption, Category, SentMessage};
use crate::ui::autosave::SavedDraft;
use crate::ui::Gate;
use form::ComposeForm;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The error field the server answers with when crisis language was not yet confirmed.
pub const CRISIS_FIELD: &str = "crisis";

/// Everything the form needs, loaded once per visit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComposeData {
    /// Every team the Veteran is associated with; those that cannot be written to now say
    /// why (explained, not missing).
    pub teams: Vec<CareTeamOption>,
    /// The team chosen when the form opens (from the draft, or `?team=`).
    pub team: Option<i64>,
    /// Set when `?team=` named a team that cannot be written to now: why, and what to do.
    pub team_notice: Option<String>,
    pub category: Option<Category>,
    pub subject: String,
    pub body: String,
    /// The draft being continued.
    pub draft_id: Option<i64>,
    /// "Draft last saved Nov 27, 2026, 3:42 PM EST", for a draft being continued.
    pub draft_saved: Option<String>,
    /// The sender's signature, which the server adds to the message.
    pub signature: Option<String>,
    /// For a caregiver: "Sam Rivera on behalf of Alex Rivera".
    pub on_behalf: Option<String>,
    /// The Veteran this form is for, named in it (`acting_for`): a send or save after the
    /// caregiver switched to another Veteran elsewhere is refused.
    pub acting_for: i64,
    /// Made for this page: a retried send with the same key never makes a second message.
    pub client_key: String,
    /// The fields came back from a failed post and may hold more than the draft: autosave
    /// them.
    pub unsaved: bool,
    /// The files saved with the draft being continued, listed again.
    pub attachments: Vec<crate::attachments::Attachment>,
}

/// Loads the form: the care teams, the draft being continued, the signature, a client key.
#[server(endpoint = "compose_form", output = leptos::server_fn::codec::Postcard)]
pub async fn compose_form(
    team: Option<i64>,
    draft: Option<i64>,
    kept: Option<String>,
) -> Result<ComposeData, AppError> {
    let asking = crate::messages::acting::ssr::asking(ComposeForm::PATH).await?;
    ssr::load(&asking, team, draft, kept).await
}

pub use send::{send_new_message, SendNewMessage};

/// The send alone, so that only it is let off the argument-count lint: each argument is one
/// of the form's fields, posted by its name, and grouped in a struct they would have to be
/// posted as `message[subject]` and so on by every form and script.
mod send {
    #![allow(clippy::too_many_arguments)]
    use super::*;

    /// Sends a new message, then goes to its conversation. Crisis language without
    /// `crisis_confirmed` answers first with the crisis prompt (on the `crisis` field), once
    /// everything else is in order. Fields arrive as typed (text): the form posts here.
    #[server(endpoint = "send_new_message", output = leptos::server_fn::codec::Postcard)]
    pub async fn send_new_message(
        care_team: String,
        category: String,
        subject: String,
        body: String,
        client_key: String,
        draft_id: String,
        crisis_confirmed: Option<String>,
        acting_for: Option<String>,
    ) -> Result<SentMessage, AppError> {
        let asking = crate::messages::acting::ssr::asking(SendNewMessage::PATH).await?;
        let message = crate::messages::NewMessage {
            care_team_id: care_team.trim().parse().ok(),
            category: Category::parse(category.trim()),
            subject,
            body,
            client_key,
            draft_id: draft_id.trim().parse().ok(),
        };
        let sent = match asking.check_form_for(acting_for.as_deref()) {
            Ok(()) => ssr::send(&asking, &message, crisis_confirmed.is_some()).await,
            Err(error) => Err(error),
        };
        match sent {
            Ok(sent) => {
                let author = asking.capability.user().id;
                crate::live::ssr::message_arrived(&asking.state, sent.thread_id, author, false)
                    .await;
                ssr::forget_kept().await;
                leptos_axum::redirect(&format!("/messages/{}", sent.thread_id));
                Ok(sent)
            }
            Err(error) => {
                ssr::keep_typed(&message, &error, SendNewMessage::PATH).await;
                Err(error)
            }
        }
    }
}

/// Saves the form as a draft (autosave, "Save draft", leaving the page). An empty
/// `draft_id` makes a new draft. A form post comes back to the draft.
#[server(endpoint = "save_compose_draft", output = leptos::server_fn::codec::Postcard)]
pub async fn save_compose_draft(
    draft_id: String,
    care_team: String,
    category: String,
    subject: String,
    body: String,
    acting_for: Option<String>,
) -> Result<SavedDraft, AppError> {
    let asking = crate::messages::acting::ssr::asking(SaveComposeDraft::PATH).await?;
    let input = crate::messages::DraftInput {
        draft_id: draft_id.trim().parse().ok(),
        thread_id: None,
        care_team_id: care_team.trim().parse().ok(),
        category: Category::parse(category.trim()),
        subject,
        body,
    };
    let saved = match asking.check_form_for(acting_for.as_deref()) {
        Ok(()) => {
            crate::messages::ssr::save_draft(
                &asking.state.db,
                &asking.capability,
                asking.veteran_id,
                &input,
            )
            .await
        }
        Err(error) => Err(error),
    };
    let draft = match saved {
        Ok(draft) => draft,
        Err(error) => {
            let typed = crate::messages::NewMessage {
                care_team_id: input.care_team_id,
                category: input.category,
                subject: input.subject,
                body: input.body,
                client_key: String::new(),
                draft_id: input.draft_id,
            };
            ssr::keep_typed(&typed, &error, SaveComposeDraft::PATH).await;
            return Err(error);
        }
    };
    if crate::ui::kept::plain_form_post() {
        leptos_axum::redirect(&format!("/messages/new?draft={}", draft.draft_id));
    }
    Ok(SavedDraft {
        draft_id: draft.draft_id,
        saved: crate::server::clock::date_time(
            draft.updated_at,
            &asking.capability.user().time_zone,
        ),
    })
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::{ComposeData, CRISIS_FIELD};
    use crate::error::AppError;
    use crate::messages::acting::ssr::Asking;
    use crate::messages::ssr as data;
    use crate::messages::{rules, NewMessage, SentMessage};
    use crate::server::clock::date_time;
    use crate::ui::kept::plain_form_post;

    /// What the crisis prompt says (DESIGN.md §2 "Urgent needs"); the page shows the
    /// crisis line's numbers with it.
    pub const CRISIS_PROMPT: &str =
        "Your message mentions something that may need help right away. Your care team may take up to 3 business days to read it.";

    pub async fn load(
        asking: &Asking,
        team: Option<i64>,
        draft: Option<i64>,
        kept: Option<String>,
    ) -> Result<ComposeData, AppError> {
        let db = &asking.state.db;
        let teams = data::care_teams(db, &asking.capability, asking.veteran_id).await?;
        let draft = match draft {
            Some(id) => Some(data::get_draft(db, &asking.capability, asking.veteran_id, id).await?),
            None => None,
        };
        // A reply draft belongs to its conversation, not to a new message.
        if draft.as_ref().is_some_and(|d| d.thread_id.is_some()) {
            return Err(AppError::NotFound);
        }
        let signature = data::signature(db, &asking.capability).await?.text();
        let mailbox = data::mailbox(db, &asking.capability, asking.veteran_id).await?;
        let attachments = match &draft {
            Some(draft) => {
                crate::attachments::ssr::records::draft_attachments(db, &mailbox, draft.draft_id)
                    .await?
            }
            None => Vec::new(),
        };
        let on_behalf = mailbox.is_caregiver().then(|| {
            format!(
                "{} on behalf of {}",
                mailbox.viewer_name, mailbox.veteran_name
            )
        });

        // `?team=` chooses a team only when it can be written to; otherwise the page says
        // why instead of choosing a team the send would refuse.
        let requested = team.and_then(|id| teams.iter().find(|t| t.care_team_id == id));
        let team_notice =
            requested.and_then(|t| t.why_not.as_ref().map(|why| format!("{}: {}", t.name, why)));
        let team = match &draft {
            Some(draft) => draft.care_team_id,
            None => requested.filter(|t| t.can_write).map(|t| t.care_team_id),
        };
        let mut data = ComposeData {
            teams,
            team,
            team_notice,
            category: draft.as_ref().and_then(|d| d.category),
            subject: draft
                .as_ref()
                .map(|d| d.subject.clone())
                .unwrap_or_default(),
            body: draft.as_ref().map(|d| d.body.clone()).unwrap_or_default(),
            draft_id: draft.as_ref().map(|d| d.draft_id),
            draft_saved: draft.as_ref().map(|d| {
                format!(
                    "Draft last saved {}",
                    date_time(d.updated_at, &asking.capability.user().time_zone)
                )
            }),
            signature,
            on_behalf,
            acting_for: asking.veteran_id,
            client_key: uuid::Uuid::new_v4().to_string(),
            unsaved: false,
            attachments,
        };
        // Back from a failed send without the wasm: what was typed, exactly.
        if let Some(token) = kept {
            if let Some(message) = kept_fields(&token).await? {
                data.team = message.care_team_id;
                data.team_notice = None;
                data.category = message.category;
                data.subject = message.subject;
                data.body = message.body;
                data.unsaved = true;
            }
        }
        Ok(data)
    }

    /// Sends, after the crisis check. The check runs only when the message would otherwise
    /// go (every field valid, the team open), so the prompt never hides a field error and
    /// is shown at most once per send.
    pub async fn send(
        asking: &Asking,
        message: &NewMessage,
        crisis_confirmed: bool,
    ) -> Result<SentMessage, AppError> {
        let db = &asking.state.db;
        let crisis = rules::has_crisis_language(&message.subject)
            || rules::has_crisis_language(&message.body);
        if crisis && !crisis_confirmed {
            rules::validate_client_key(&message.client_key)?;
            rules::validate_new_message(
                message.care_team_id,
                message.category,
                &message.subject,
                &message.body,
            )?;
            let teams = data::care_teams(db, &asking.capability, asking.veteran_id).await?;
            match teams
                .iter()
                .find(|t| Some(t.care_team_id) == message.care_team_id)
            {
                None => return Err(AppError::invalid("care_team", rules::TEAM_NOT_YOURS)),
                Some(team) => {
                    if let Some(why) = &team.why_not {
                        return Err(AppError::invalid("care_team", why.clone()));
                    }
                }
            }
            return Err(AppError::invalid(CRISIS_FIELD, CRISIS_PROMPT));
        }
        data::send_message(db, &asking.capability, asking.veteran_id, message).await
    }

    /// A refused plain form post comes back to the form with the error and everything
    /// typed (`ui::kept`); `path` names the server function whose error the page shows.
    pub async fn keep_typed(message: &NewMessage, error: &AppError, path: &str) {
        // A refusal the person can act on: a field, or a clash such as a switch to another
        // Veteran elsewhere. Either way, what they typed comes back.
        if !plain_form_post()
            || !matches!(error, AppError::Invalid { .. } | AppError::Conflict { .. })
        {
            return;
        }
        let mut back = crate::ui::kept::with_kept("/messages/new", message).await;
        if let Some(draft_id) = message.draft_id {
            back.push(if back.contains('?') { '&' } else { '?' });
            back.push_str(&format!("draft={draft_id}"));
        }
        crate::ui::kept::redirect_with_error(&back, path, error.clone());
    }

    /// The fields a refused post kept under `token`, if they are still there.
    pub async fn kept_fields(token: &str) -> Result<Option<NewMessage>, AppError> {
        crate::ui::kept::kept(token).await
    }

    pub use crate::ui::kept::forget_kept;
}

#[component]
pub fn ComposePage() -> impl IntoView {
    view! {
        <Gate area=Area::Messages>
            <Title text="Start a new message" />
            <h1>"Start a new message"</h1>
            <UrgentNotice />
            <ComposeLoader />
        </Gate>
    }
}

/// Inside the gate, so a visitor who may not write never calls the server function.
#[component]
fn ComposeLoader() -> impl IntoView {
    let query = use_query_map();
    let wanted = move || {
        let query = query.read();
        let number = |key: &str| query.get(key).and_then(|v| v.trim().parse::<i64>().ok());
        (number("team"), number("draft"), query.get("kept"))
    };
    let wanted_draft = move || wanted().1.is_some();
    let data = crate::ui::page_data(wanted, |(team, draft, kept)| {
        compose_form(team, draft, kept)
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading the form…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => {
                        let error = crate::ui::posted_error(&[
                            SendNewMessage::PATH,
                            SaveComposeDraft::PATH,
                            SendNewMessageWithFiles::PATH,
                        ]);
                        view! { <ComposeForm data error /> }.into_any()
                    }
                    Err(AppError::NotFound) if wanted_draft() => view! {
                        <div class="usa-alert usa-alert--error" role="alert">
                            <div class="usa-alert__body">
                                <h2 class="usa-alert__heading">"We can't find that draft"</h2>
                                <p class="usa-alert__text">
                                    "It may have been sent or deleted. "
                                    <a href="/drafts">"Go to your drafts"</a>
                                    " or "
                                    <a href="/messages/new">"start a new message"</a>
                                    "."
                                </p>
                            </div>
                        </div>
                    }
                    .into_any(),
                    Err(error) => view! { <p class="usa-error-message">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
