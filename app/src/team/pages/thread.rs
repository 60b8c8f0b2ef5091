//! `/team/threads/:thread_id`: one conversation for the care team. On a wide screen the
//! team inbox is beside it (a CSS grid); on a narrow one the thread is alone, with "Back to
//! team inbox". Every message in order, internal notes set apart and labelled, the
//! Veteran's other recent threads with the team, the thread's history, and the actions as
//! plain forms: "Assign to me", assign to a member, "Unassign", move to another team (with
//! a reason), "Reply" (from a template or not, with files: "Attach file"), "Add internal
//! note" (text only: a note carries no files), "Mark complete", and "Reopen" once complete.
//! The reply box is the person's own draft (`crate::team::reply_draft`): saved as they
//! type, back on the next visit; colleagues see "{Name} is writing a reply" under the
//! thread's facts.
//!
//! Two resources: the thread itself, drawn again by live updates (a live region), and the
//! forms' tools (templates, keys, kept text), which are not, so a colleague's change never
//! wipes what is being typed.

use super::inbox::{inbox_resource, InboxSideList};
use super::keys::TeamKeys;
use super::{list_query, list_query_string, DoneNotice};
use crate::auth::Area;
use crate::error::AppError;
use crate::messages::MessageView;
use crate::team::api::{
    load_team_thread, team_thread_tools, TeamAddNote, TeamAssignMember, TeamAssignToMe,
    TeamMarkComplete, TeamReassign, TeamReopen, TeamSendReply, TeamThreadData, TeamUnassign,
    ThreadTools,
};
use crate::team::reply_draft::TeamReplyFields;
use crate::team::reply_with_files::TeamSendReplyWithFiles;
use crate::ui::attach_files::ATTACHMENTS_FIELD;
use crate::ui::attach_files::{AttachFiles, DraftFor};
use crate::ui::conversation::MessageItem;
use crate::ui::posted_error;
use crate::ui::ErrorSummary;
use crate::ui::FieldError;
use crate::ui::LoadError;
use crate::ui::{Gate, NotFound};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The reply box's autosave: the person's own reply draft in the thread.
type ReplyAutosave = crate::ui::autosave::Autosave<TeamReplyFields>;

/// Every server function this page posts to (and `TeamSendReply`, the reply without
/// files, which other clients may post).
const PATHS: [&str; 9] = [
    TeamAssignToMe::PATH,
    TeamAssignMember::PATH,
    TeamUnassign::PATH,
    TeamReassign::PATH,
    TeamSendReply::PATH,
    TeamSendReplyWithFiles::PATH,
    TeamAddNote::PATH,
    TeamMarkComplete::PATH,
    TeamReopen::PATH,
];

#[component]
pub fn TeamThreadPage() -> impl IntoView {
    view! {
        <Gate area=Area::Team>
            <TeamThread />
        </Gate>
    }
}

/// Inside the gate, so a refused visitor never calls the server functions.
#[component]
fn TeamThread() -> impl IntoView {
    let params = use_params_map();
    let query_map = use_query_map();
    let thread_id = move || {
        params
            .read()
            .get("thread_id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let query = list_query();
    // Every resource here, at the top of the component (never inside a `Suspend`).
    let inbox = inbox_resource(query);
    let thread = crate::ui::page_data(thread_id, |id| async move {
        match id {
            Some(id) => load_team_thread(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let tools = crate::ui::page_data(
        move || {
            let q = query_map.read();
            (
                thread_id(),
                q.get("template").and_then(|t| t.parse::<i64>().ok()),
                q.get("kept"),
            )
        },
        |(id, template, kept)| async move {
            match id {
                Some(id) => team_thread_tools(id, template, kept).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let error = posted_error(&PATHS);
    let errors = StoredValue::new(error.clone());
    let back = move || {
        let list = list_query_string(&query(), false);
        if list.is_empty() {
            "/team".to_string()
        } else {
            format!("/team?{list}")
        }
    };
    view! {
        <div class="sm-split">
            <div class="sm-split__side">
                <Transition fallback=|| view! { <p>"Loading the team inbox…"</p> }>
                    {move || Suspend::new(async move {
                        let current = thread_id().unwrap_or_default();
                        match inbox.await {
                            Ok(data) => view! {
                                <crate::live::LiveRegion name="team-inbox">
                                    <InboxSideList data query=query() current />
                                </crate::live::LiveRegion>
                            }.into_any(),
                            Err(error) => view! { <LoadError error /> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
            <div class="sm-split__main">
                <div class="sm-page-head sm-page-head--thread">
                    <p class="sm-split__back"><a href=back>"Back to team inbox"</a></p>
                    <TeamKeys />
                </div>
                <ErrorSummary error=Signal::stored(error) />
                <DoneNotice />
                <crate::live::NewMessageNotice />
                <Transition fallback=|| view! { <p>"Loading the conversation…"</p> }>
                    {move || Suspend::new(async move {
                        match thread.await {
                            Ok(data) => view! {
                                <crate::live::LiveRegion name="conversation">
                                    <ThreadDetails data />
                                </crate::live::LiveRegion>
                            }.into_any(),
                            Err(AppError::NotFound) => view! { <NotFound /> }.into_any(),
                            Err(error) => view! {
                                <Title text="Conversation" />
                                <h1>"Conversation"</h1>
                                <LoadError error />
                            }.into_any(),
                        }
                    })}
                </Transition>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match tools.await {
                            Ok(tools) => view! { <ThreadForms tools error=errors.get_value() /> }.into_any(),
                            Err(_) => ().into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </div>
    }
}

#[component]
fn ThreadDetails(data: TeamThreadData) -> impl IntoView {
    let TeamThreadData {
        thread,
        sent_at,
        waiting_since,
        due,
        completed,
        history,
        other_dates,
        members,
        me,
        writing,
    } = data;
    let writing = crate::team::reply_draft::writing_words(&writing);
    let id = thread.thread_id;
    let here = format!("/team/threads/{id}");
    let open = thread.completed_at.is_none();
    let assignee_id = thread.assignee.as_ref().map(|p| p.id);
    let mine = assignee_id == Some(me);
    let seen = assignee_id.map(|id| id.to_string()).unwrap_or_default();
    let assigned_words = match (&thread.assignee, &thread.assignee_coverage) {
        (Some(who), Some(cover)) => {
            format!("{} (away; {} covers)", who.name, cover.covered_by.name)
        }
        (Some(who), None) => who.name.clone(),
        (None, _) => "Nobody yet".to_string(),
    };
    let member_options = members
        .into_iter()
        .filter(|m| Some(m.user_id) != assignee_id)
        .map(|m| {
            let mut label = m.name.clone();
            if m.user_id == me {
                label.push_str(" (you)");
            }
            if let Some(cover) = &m.coverage {
                label.push_str(&format!(" (away; {} covers)", cover.covered_by.name));
            }
            view! { <option value=m.user_id.to_string()>{label}</option> }
        })
        .collect_view();
    let messages = thread
        .messages
        .into_iter()
        .zip(sent_at)
        .map(|(message, when)| {
            let status = team_status(&message);
            view! { <MessageItem message when status /> }
        })
        .collect_view();
    let others = thread
        .other_threads
        .into_iter()
        .zip(other_dates)
        .map(|(other, when)| {
            view! {
                <li>
                    <a href=format!("/team/threads/{}", other.thread_id)>{other.subject}</a>
                    <span class="sm-other__facts">
                        " · " {other.category.label()} " · " {when}
                        {other.completed.then_some(" · Completed")}
                    </span>
                </li>
            }
        })
        .collect_view();
    let has_others = !others.is_empty();
    let has_history = !history.is_empty();
    view! {
        <Title text=thread.subject.clone() />
        <article class="sm-team-thread" aria-labelledby="thread-heading">
            <h1 id="thread-heading">
                {thread.urgent_language.then(|| view! { <span class="sm-tag sm-tag--urgent">"Urgent language"</span> " " })}
                {thread.subject.clone()}
            </h1>
            <dl class="sm-thread-status">
                <div><dt>"Veteran"</dt><dd><crate::ui::VeteranName name=thread.veteran_name.clone() born=thread.veteran_born.clone() /></dd></div>
                <div><dt>"Care team"</dt><dd>{thread.team_name.clone()}</dd></div>
                <div><dt>"Category"</dt><dd>{thread.category.label()}</dd></div>
                <div><dt>"Assigned to"</dt><dd>{assigned_words}</dd></div>
                {waiting_since.map(|w| view! { <div><dt>"Waiting since"</dt><dd>{w}</dd></div> })}
                {due.map(|d| view! { <div><dt>"Due"</dt><dd class:sm-overdue=thread.overdue>{d}</dd></div> })}
                {completed.map(|c| view! { <div><dt>"Status"</dt><dd>{c}</dd></div> })}
            </dl>
            <p class="sm-writing" role="status">{writing}</p>

            <section class="sm-team-actions" aria-label="Assignment">
                {(!mine).then(|| view! {
                    <form method="post" action=TeamAssignToMe::PATH class="sm-inline-form">
                        <input type="hidden" name="thread_id" value=id.to_string() />
                        <input type="hidden" name="back" value=here.clone() />
                        <button type="submit" class="usa-button" id="assign-to-me">"Assign to me"</button>
                    </form>
                })}
                {assignee_id.map(|_| view! {
                    <form method="post" action=TeamUnassign::PATH class="sm-inline-form">
                        <input type="hidden" name="thread_id" value=id.to_string() />
                        <input type="hidden" name="seen" value=seen.clone() />
                        <button type="submit" class="usa-button usa-button--outline">"Unassign"</button>
                    </form>
                })}
                {open.then(|| view! {
                    <form method="post" action=TeamMarkComplete::PATH class="sm-inline-form">
                        <input type="hidden" name="thread_id" value=id.to_string() />
                        <button type="submit" class="usa-button usa-button--secondary" id="mark-complete">"Mark complete"</button>
                    </form>
                })}
                {(!open).then(|| view! {
                    <form method="post" action=TeamReopen::PATH class="sm-inline-form">
                        <input type="hidden" name="thread_id" value=id.to_string() />
                        <button type="submit" class="usa-button usa-button--secondary" id="reopen">"Reopen"</button>
                    </form>
                })}
                <form method="post" action=TeamAssignMember::PATH class="sm-inline-form sm-assign-member" novalidate>
                    <input type="hidden" name="thread_id" value=id.to_string() />
                    <input type="hidden" name="seen" value=seen />
                    <label class="usa-label" for="member">"Assign to another member"</label>
                    <div class="sm-inline-field">
                        <select class="usa-select" id="member" name="member">
                            <option value="">"- Choose a member -"</option>
                            {member_options}
                        </select>
                        <button type="submit" class="usa-button usa-button--outline">"Assign"</button>
                    </div>
                </form>
            </section>

            <h2 class="usa-sr-only">"Messages"</h2>
            <ol class="sm-messages" aria-label="Messages">{messages}</ol>
            <p class="sm-no-print"><a href=format!("{here}/print")>"Print this conversation"</a></p>

            <div class="sm-team-thread__aside">
                <section aria-labelledby="others-heading">
                    <h2 id="others-heading">"Other recent conversations with this team"</h2>
                    {if has_others {
                        view! { <ul class="usa-list sm-other-threads">{others}</ul> }.into_any()
                    } else {
                        view! { <p>"None."</p> }.into_any()
                    }}
                </section>
                {has_history.then(|| view! {
                    <section aria-labelledby="history-heading">
                        <h2 id="history-heading">"History"</h2>
                        <ul class="usa-list sm-history">
                            {history.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                        </ul>
                    </section>
                })}
            </div>
        </article>
    }
}

/// "Opened by the care team" on the Veteran's side's messages, as the team reads it.
pub(super) fn team_status(message: &MessageView) -> Option<&'static str> {
    (!message.from_team).then(|| {
        if message.opened_by_team == Some(true) {
            "Opened by the care team"
        } else {
            "Not yet opened by the care team"
        }
    })
}

/// The escaped text of a textarea's initial content (a child text node would render an
/// empty box as a space).
fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// An island: the reply box saves itself as a draft, uploads files and tells colleagues
/// "… is replying"; the other forms are plain posts inside it.
#[island(lazy)]
fn ThreadForms(tools: ThreadTools, error: Option<AppError>) -> impl IntoView {
    crate::layout::island_hydrated();
    let ThreadTools {
        thread_id,
        templates,
        template_id,
        reply_key,
        note_key,
        reply_text,
        note_text,
        reason_text,
        signature,
        teams,
        reply_draft_id,
        reply_files,
        reply_saved,
        reply_unsaved,
    } = tools;
    let field = |name: &str| error.as_ref().and_then(|e| e.field(name));
    let attachments_error = field(ATTACHMENTS_FIELD);
    let autosave = ReplyAutosave::new(
        TeamReplyFields {
            thread_id,
            body: reply_text.clone(),
            draft_id: reply_draft_id,
        },
        reply_saved,
    );
    #[cfg(feature = "hydrate")]
    {
        crate::ui::autosave::save_when_leaving(autosave.clone());
        if reply_unsaved {
            // Text kept from a refused post, or a template just chosen: newer than the
            // draft.
            autosave.edit(|_| {});
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = reply_unsaved;
    let status = autosave.status;
    let (on_template, on_input, on_submit) = (autosave.clone(), autosave.clone(), autosave.clone());
    let (body_error, note_error, team_error, reason_error, member_error) = (
        field("body"),
        field("note"),
        field("team"),
        field("reason"),
        field("member"),
    );
    let here = format!("/team/threads/{thread_id}");
    let reply_box = NodeRef::<leptos::html::Textarea>::new();
    // Colleagues with this thread open see "… is replying" while this box is typed in.
    let announce = crate::live::replying_announcer(thread_id);
    let bodies = StoredValue::new(
        templates
            .iter()
            .map(|t| (t.template_id.to_string(), t.body.clone()))
            .collect::<Vec<_>>(),
    );
    let has_templates = !templates.is_empty();
    let template_options = templates
        .into_iter()
        .map(|t| {
            view! { <option value=t.template_id.to_string() selected=template_id == Some(t.template_id)>{t.title}</option> }
        })
        .collect_view();
    let team_options = teams
        .into_iter()
        .map(|t| view! { <option value=t.team_id.to_string()>{format!("{} – {}", t.name, t.facility)}</option> })
        .collect_view();
    let invalid = |e: &Option<String>| e.is_some().to_string();
    let described =
        |id: &'static str, e: &Option<String>| e.as_ref().map(move |_| format!("{id}-error"));
    view! {
        {member_error.map(|message| view! {
            <p class="usa-error-message" id="member-error"><span class="usa-sr-only">"Error: "</span>{message}</p>
        })}
        <section class="sm-reply" aria-labelledby="reply-heading">
            <h2 id="reply-heading">"Reply to the Veteran"</h2>
            <crate::live::ReplyingNotice thread_id />
            {has_templates.then(|| view! {
                <form method="get" action=here.clone() class="sm-template-pick">
                    <label class="usa-label" for="template">"Reply template"</label>
                    <div class="sm-inline-field">
                        <select
                            class="usa-select"
                            id="template"
                            name="template"
                            on:change=move |ev| {
                                let chosen = event_target_value(&ev);
                                let body = bodies.with_value(|all| {
                                    all.iter().find(|(id, _)| *id == chosen).map(|(_, body)| body.clone())
                                });
                                if let (Some(body), Some(area)) = (body, reply_box.get_untracked()) {
                                    area.set_value(&body);
                                    on_template.edit(|fields| fields.body = body);
                                }
                            }
                        >
                            <option value="">"- Choose a template -"</option>
                            {template_options}
                        </select>
                        <button type="submit" class="usa-button usa-button--outline">"Use template"</button>
                    </div>
                </form>
            })}
            // Multipart, so the files chosen go with the text when the wasm is not there;
            // with it they upload as chosen and the post carries the text alone.
            <form
                method="post"
                action=TeamSendReplyWithFiles::PATH
                enctype="multipart/form-data"
                class="usa-form usa-form--large"
                novalidate
                // The reply takes the draft with it: no save may come after.
                on:submit=move |_| on_submit.set_sending()
            >
                <input type="hidden" name="thread_id" value=thread_id.to_string() />
                <input type="hidden" name="reply_key" value=reply_key />
                <div class="usa-form-group" class:usa-form-group--error=body_error.is_some()>
                    <label class="usa-label" for="body">"Message"</label>
                    <FieldError id="body" message=body_error.clone() />
                    <textarea
                        class="usa-textarea sm-team-textarea"
                        class:usa-input--error=body_error.is_some()
                        id="body"
                        name="body"
                        rows="8"
                        node_ref=reply_box
                        on:input=move |ev| {
                            announce();
                            let body = event_target_value(&ev);
                            on_input.edit(|fields| fields.body = body);
                        }
                        inner_html=escape_text(&reply_text)
                        aria-invalid=invalid(&body_error)
                        aria-describedby=described("body", &body_error)
                    ></textarea>
                    // Polite: heard when it changes, without interrupting the typing.
                    <p class="sm-draft-status" role="status">{move || status.get()}</p>
                </div>
                <AttachFiles
                    attachments=reply_files
                    draft=team_reply_draft(autosave.clone())
                    error=attachments_error
                    posts_without_wasm=true
                />
                {signature.map(|signature| view! {
                    <div class="sm-signature-preview">
                        <p>"Your signature will be added:"</p>
                        <p class="sm-signature-preview__text">{signature}</p>
                    </div>
                })}
                <button type="submit" class="usa-button">"Reply"</button>
            </form>
        </section>

        <section class="sm-note-form" aria-labelledby="note-heading">
            <h2 id="note-heading">"Internal note"</h2>
            <form method="post" action=TeamAddNote::PATH class="usa-form usa-form--large" novalidate>
                <input type="hidden" name="thread_id" value=thread_id.to_string() />
                <input type="hidden" name="note_key" value=note_key />
                <div class="usa-form-group" class:usa-form-group--error=note_error.is_some()>
                    <label class="usa-label" for="note">"Note for the care team"</label>
                    <span class="usa-hint" id="note-hint">"Only your care team sees internal notes. The Veteran never does."</span>
                    <FieldError id="note" message=note_error.clone() />
                    <textarea
                        class="usa-textarea sm-team-textarea"
                        class:usa-input--error=note_error.is_some()
                        id="note"
                        name="note"
                        rows="4"
                        inner_html=escape_text(&note_text)
                        aria-invalid=invalid(&note_error)
                        aria-describedby=if note_error.is_some() { "note-hint note-error" } else { "note-hint" }
                    ></textarea>
                </div>
                <button type="submit" class="usa-button usa-button--outline">"Add internal note"</button>
            </form>
        </section>

        <section class="sm-reassign" aria-labelledby="reassign-heading">
            <h2 id="reassign-heading">"Move to another care team"</h2>
            <form method="post" action=TeamReassign::PATH class="usa-form usa-form--large" novalidate>
                <input type="hidden" name="thread_id" value=thread_id.to_string() />
                <div class="usa-form-group" class:usa-form-group--error=team_error.is_some()>
                    <label class="usa-label" for="team">"Care team"</label>
                    <FieldError id="team" message=team_error.clone() />
                    <select
                        class="usa-select"
                        class:usa-input--error=team_error.is_some()
                        id="team"
                        name="team"
                        aria-invalid=invalid(&team_error)
                        aria-describedby=described("team", &team_error)
                    >
                        <option value="">"- Choose a care team -"</option>
                        {team_options}
                    </select>
                </div>
                <div class="usa-form-group" class:usa-form-group--error=reason_error.is_some()>
                    <label class="usa-label" for="reason">"Reason for moving"</label>
                    <span class="usa-hint" id="reason-hint">"Required. The new team sees it; the Veteran doesn't."</span>
                    <FieldError id="reason" message=reason_error.clone() />
                    <textarea
                        class="usa-textarea"
                        class:usa-input--error=reason_error.is_some()
                        id="reason"
                        name="reason"
                        rows="3"
                        inner_html=escape_text(&reason_text)
                        aria-invalid=invalid(&reason_error)
                        aria-describedby=if reason_error.is_some() { "reason-hint reason-error" } else { "reason-hint" }
                    ></textarea>
                </div>
                <button type="submit" class="usa-button usa-button--outline">"Move conversation"</button>
            </form>
        </section>
    }
}

/// "Attach file" on a reply saves the person's reply draft in the thread first (with the
/// box's text) when there is none yet: the files are kept with it.
fn team_reply_draft(autosave: ReplyAutosave) -> DraftFor {
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
