//! The reply box under a conversation on the Veteran's side, for the Veteran or a caregiver
//! acting for them. What is typed is the writer's own reply draft in the thread (one per
//! author and thread, DESIGN.md §2): saved about 3 seconds after typing stops and when the
//! page is left (`crate::ui::autosave`), shown again on the next visit with "Draft saved
//! at …", listed in Drafts, and removed when the reply is sent.

use super::thread_page::SendReply;
use crate::error::AppError;
use crate::ui::attach_files::{AttachFiles, DraftFor};
use crate::ui::autosave::{DraftFields, SavedDraft};
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Saves the reply box as the writer's reply draft in the thread and answers its id.
/// Autosave posts here; attaching a file to a reply saves first too, so the files are kept
/// with the draft and go with the reply.
#[server(endpoint = "save_reply_draft", output = leptos::server_fn::codec::Postcard)]
pub async fn save_reply_draft(
    thread_id: i64,
    body: String,
    acting_for: Option<String>,
) -> Result<SavedDraft, AppError> {
    use crate::server::clock::date_time;
    let asking = crate::messages::acting::ssr::asking(SaveReplyDraft::PATH).await?;
    asking.check_form_for(acting_for.as_deref())?;
    let input = crate::messages::DraftInput {
        thread_id: Some(thread_id),
        body,
        ..Default::default()
    };
    let draft = crate::messages::ssr::save_draft(
        &asking.state.db,
        &asking.capability,
        asking.veteran_id,
        &input,
    )
    .await?;
    Ok(SavedDraft {
        draft_id: draft.draft_id,
        saved: date_time(draft.updated_at, &asking.capability.user().time_zone),
    })
}

/// The reply box as its draft holds it.
#[derive(Clone, Debug, Default, PartialEq)]
struct ReplyFields {
    thread_id: i64,
    body: String,
    /// The Veteran the page was drawn for: a save after a caregiver switched elsewhere is
    /// refused.
    acting_for: i64,
    draft_id: Option<i64>,
}

impl DraftFields for ReplyFields {
    const PATH: &'static str = SaveReplyDraft::PATH;

    fn draft_id(&self) -> Option<i64> {
        self.draft_id
    }

    fn set_draft_id(&mut self, draft_id: i64) {
        self.draft_id = Some(draft_id);
    }

    fn worth_saving(&self) -> bool {
        self.draft_id.is_some() || !self.body.trim().is_empty()
    }

    /// The thread names the draft (one per writer and thread), so no draft id is posted.
    fn form(&self) -> Vec<(&'static str, String)> {
        vec![
            ("thread_id", self.thread_id.to_string()),
            ("body", self.body.clone()),
            ("acting_for", self.acting_for.to_string()),
        ]
    }
}

type Autosave = crate::ui::autosave::Autosave<ReplyFields>;

/// What was typed in the reply box: a refused send comes back with the text rather than
/// the draft as last saved.
#[derive(Clone, Copy)]
pub struct TypedReply(StoredValue<Option<String>>);

impl Default for TypedReply {
    fn default() -> TypedReply {
        TypedReply(StoredValue::new(None))
    }
}

/// An island: sends by `fetch`, saves as a draft while typing, uploads attachments. A sent
/// reply opens the conversation again, with it.
#[island(lazy)]
pub fn ReplyForm(
    thread_id: i64,
    /// The Veteran the page was drawn for.
    acting_for: i64,
    /// The writer's reply draft in the thread: its id and text.
    draft: Option<(i64, String)>,
    reply_key: String,
    reply_files: Vec<crate::attachments::Attachment>,
    /// "Draft saved at …" for the draft shown in the box.
    reply_saved: Option<String>,
) -> impl IntoView {
    crate::layout::island_hydrated();
    let reply = ServerAction::<SendReply>::new();
    let typed = TypedReply::default();
    let error = move || reply.value().get().and_then(Result::err);
    let crisis = move || error().and_then(|e| e.field("crisis"));
    let body_error = move || error().and_then(|e| e.field("body"));
    let other_error = move || error().filter(|e| e.field("crisis").is_none());
    let saved_draft = draft.as_ref().map(|(_, body)| body.clone());
    let kept = typed.0.get_value();
    let text = kept.clone().or(saved_draft.clone()).unwrap_or_default();
    let unsaved = kept.is_some() && kept != saved_draft;
    let fresh = ReplyFields {
        thread_id,
        acting_for,
        ..ReplyFields::default()
    };
    let autosave = Autosave::new(
        ReplyFields {
            body: text.clone(),
            draft_id: draft.as_ref().map(|(id, _)| *id),
            ..fresh.clone()
        },
        reply_saved.filter(|_| !unsaved),
    );
    #[cfg(feature = "hydrate")]
    {
        crate::ui::autosave::save_when_leaving(autosave.clone());
        if unsaved {
            // Back from a refused send: what is in the box may be newer than the draft.
            autosave.edit(|_| {});
        }
    }
    let status = autosave.status;
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    // After a send: gone with its draft, the box is emptied for the next reply; refused,
    // the text is still a draft and saving goes on.
    let after_send = autosave.clone();
    Effect::new(move |seen: Option<()>| {
        let result = reply.value().get();
        if seen.is_none() {
            return;
        }
        match result {
            Some(Ok(())) => {
                typed.0.set_value(None);
                after_send.sent(fresh.clone());
                if let Some(area) = textarea.get_untracked() {
                    area.set_value("");
                }
                // The conversation again, with the reply and a fresh reply key.
                let _ = window()
                    .location()
                    .assign(&format!("/messages/{thread_id}"));
            }
            Some(Err(_)) => after_send.send_refused(),
            None => {}
        }
    });
    let on_input = autosave.clone();
    let on_submit = autosave.clone();
    view! {
        <section
            class="sm-reply sm-no-print"
            aria-labelledby="reply-heading"
            // The send's own submit handler is the form's; this one hears it bubble up.
            on:submit=move |_| on_submit.set_sending()
        >
            <h2 id="reply-heading">"Reply"</h2>
            <button
                type="button"
                class="usa-button usa-button--outline"
                on:click=move |_| {
                    if let Some(area) = textarea.get() {
                        let _ = area.focus();
                    }
                }
            >
                "Reply"
            </button>
            <super::urgent_notice::UrgentNotice />
            <ErrorSummary error=Signal::derive(other_error) />
            {move || crisis().map(|message| view! {
                <div class="usa-alert usa-alert--warning" role="alert" tabindex="-1" autofocus>
                    <div class="usa-alert__body">
                        <h3 class="usa-alert__heading">"Are you in crisis?"</h3>
                        <p class="usa-alert__text">{message}</p>
                    </div>
                </div>
            })}
            <ActionForm action=reply attr:class="usa-form usa-form--large" attr:novalidate="true">
                <input type="hidden" name="thread_id" value=thread_id.to_string() />
                <input type="hidden" name="reply_key" value=reply_key />
                <input type="hidden" name="acting_for" value=acting_for.to_string() />
                {move || crisis().map(|_| view! { <input type="hidden" name="crisis_confirmed" value="yes" /> })}
                <div class="usa-form-group" class:usa-form-group--error=move || body_error().is_some()>
                    <label class="usa-label" for="body">"Message"</label>
                    {move || body_error().map(|message| view! {
                        <span class="usa-error-message" id="body-error" role="alert">
                            <span class="usa-sr-only">"Error: "</span>{message}
                        </span>
                    })}
                    <textarea
                        class="usa-textarea"
                        id="body"
                        name="body"
                        rows="8"
                        node_ref=textarea
                        aria-describedby=move || body_error().map(|_| "body-error")
                        aria-invalid=move || body_error().is_some().to_string()
                        on:input=move |ev| {
                            let body = event_target_value(&ev);
                            typed.0.set_value(Some(body.clone()));
                            on_input.edit(|fields| fields.body = body);
                        }
                    >
                        {text}
                    </textarea>
                    // Polite: heard when it changes, without interrupting the typing.
                    <p class="sm-draft-status" role="status">{move || status.get()}</p>
                </div>
                <AttachFiles
                    attachments=reply_files
                    draft=reply_draft(autosave.clone())
                    error=None
                    posts_without_wasm=false
                />
                <button type="submit" class="usa-button">"Send"</button>
            </ActionForm>
        </section>
    }
}

/// "Attach file" on a reply saves the reply draft first (with the box's text) when there
/// is none yet: the files are kept with it.
fn reply_draft(autosave: Autosave) -> DraftFor {
    DraftFor::new(move || {
        let autosave = autosave.clone();
        async move {
            // Only the browser uploads, so only the browser saves first.
            #[cfg(feature = "hydrate")]
            return autosave.ensure_draft().await;
            #[cfg(not(feature = "hydrate"))]
            {
                let _ = autosave;
                Err(AppError::NotFound)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_draft_is_named_by_its_thread_and_an_emptied_box_is_saved() {
        let fresh = ReplyFields {
            thread_id: 12,
            acting_for: 3,
            ..ReplyFields::default()
        };
        assert!(!fresh.worth_saving(), "an untouched box makes no draft");
        let typed = ReplyFields {
            body: "Thank you".into(),
            ..fresh.clone()
        };
        assert!(typed.worth_saving());
        assert_eq!(
            typed.form(),
            vec![
                ("thread_id", "12".to_string()),
                ("body", "Thank you".to_string()),
                ("acting_for", "3".to_string()),
            ]
        );
        let emptied = ReplyFields {
            draft_id: Some(40),
            ..fresh
        };
        assert!(emptied.worth_saving(), "emptying a saved draft is kept too");
    }
}
