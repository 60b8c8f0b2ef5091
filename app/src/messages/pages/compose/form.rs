//! The "Start a new message" form: To, Category, Subject, Message, "Send" and "Save
//! draft", the signature it will carry, and the crisis prompt.

use super::fields::Fields;
use super::{ComposeData, SaveComposeDraft, SendNewMessage, SendNewMessageWithFiles, CRISIS_FIELD};
use crate::error::AppError;
use crate::messages::pages::urgent_notice::CrisisLineContacts;
use crate::messages::{CareTeamOption, Category};
use crate::ui::attach_files::{AttachFiles, DraftFor};
use crate::ui::ErrorSummary;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The compose form's autosave.
type Autosave = crate::ui::autosave::Autosave<Fields>;

/// An island: the whole form hydrates (autosave, attachments, the crisis prompt). `error`
/// is the one a plain form post came back with, found by the server (`posted_error`).
#[island(lazy)]
pub(super) fn ComposeForm(data: ComposeData, error: Option<AppError>) -> impl IntoView {
    crate::layout::island_hydrated();
    let ComposeData {
        teams,
        team,
        team_notice,
        category,
        subject,
        body,
        draft_id,
        draft_saved,
        signature,
        on_behalf,
        acting_for,
        client_key,
        unsaved,
        attachments,
    } = data;

    let field_error = |name: &str| error.as_ref().and_then(|e| e.field(name));
    let crisis_asked = error
        .as_ref()
        .is_some_and(|e| e.field(CRISIS_FIELD).is_some());
    // The summary lists the field errors; the crisis prompt is shown on its own.
    let summary = error.clone().filter(|_| !crisis_asked);

    let autosave = Autosave::new(
        Fields {
            draft_id,
            care_team: team.map(|id| id.to_string()).unwrap_or_default(),
            category: category.map(|c| c.as_str().to_string()).unwrap_or_default(),
            subject: subject.clone(),
            body: body.clone(),
            acting_for: Some(acting_for),
        },
        draft_saved,
    );
    let (status, saved_draft) = (autosave.status, autosave.draft_id);
    let crisis_open = RwSignal::new(crisis_asked);
    let body_ref = NodeRef::<leptos::html::Textarea>::new();

    #[cfg(feature = "hydrate")]
    {
        crate::ui::autosave::save_when_leaving(autosave.clone());
        if unsaved {
            // Back from a failed post: what is on the page may be newer than the draft.
            autosave.edit(|_| {});
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = unsaved;

    // The form is going: autosave stops, so no draft outlives the message. (The crisis
    // check is the server's: it answers with the prompt before anything is sent. Checking
    // here too would only save a round trip, at the price of the word list's Unicode
    // tables in the wasm.)
    let sender = autosave.clone();
    let on_submit = move |_: SubmitEvent| sender.set_sending();
    // Says when this form's handlers are live (autosave, "Go back and edit"): the page
    // marks `<body>` hydrated before the form inside its suspense is, and tests wait here.
    // Rendered again after a navigation inside the app (the crisis prompt's round trip), the
    // form is enhanced from the start rather than waiting on an effect: that effect does
    // not always run there, and the form would stay on its no-wasm action.
    let enhanced = RwSignal::new(crate::layout::page_hydrated());
    Effect::new(move |_| enhanced.set(true));

    let category_options = Category::ALL
        .into_iter()
        .map(|c| {
            view! { <option value=c.as_str() selected=category == Some(c)>{c.label()}</option> }
        })
        .collect_view();
    let (on_category, on_subject, on_body, on_save) = (
        autosave.clone(),
        autosave.clone(),
        autosave.clone(),
        autosave.clone(),
    );
    let category_error = field_error("category");
    let subject_error = field_error("subject");
    let body_error = field_error("body");
    let invalid = |error: &Option<String>| error.is_some().to_string();

    view! {
        {team_notice.map(|notice| view! {
            <div class="usa-alert usa-alert--warning usa-alert--slim">
                <div class="usa-alert__body">
                    <p class="usa-alert__text">{notice}</p>
                </div>
            </div>
        })}
        {on_behalf.map(|who| view! {
            <p class="sm-on-behalf">"This message will show that it was sent by " {who} "."</p>
        })}
        <ErrorSummary error=Signal::stored(summary) />
        <form
            class="usa-form usa-form--large sm-compose"
            method="post"
            // Without the wasm the files go with the text, as multipart; with it they are
            // already on the draft and the text posts as before.
            action=move || {
                if enhanced.get() { SendNewMessage::PATH } else { SendNewMessageWithFiles::PATH }
            }
            enctype=move || {
                if enhanced.get() { "application/x-www-form-urlencoded" } else { "multipart/form-data" }
            }
            novalidate
            data-enhanced=move || enhanced.get().then_some("true")
            on:submit=on_submit
        >
            // Pressing Enter in a field clicks the form's first submit button; without the
            // wasm each file's "Remove" is one, so "Send" is repeated first, out of sight and
            // of the tab order.
            <button type="submit" class="usa-sr-only" tabindex="-1" aria-hidden="true">"Send"</button>
            <input type="hidden" name="client_key" value=client_key />
            <input type="hidden" name="acting_for" value=acting_for.to_string() />
            <input
                type="hidden"
                name="draft_id"
                value=move || saved_draft.get().map(|id| id.to_string()).unwrap_or_default()
            />

            <TeamField teams team error=field_error("care_team") autosave=autosave.clone() />

            <FieldGroup name="category" label="Category" error=category_error.clone()>
                <select
                    class="usa-select"
                    class:usa-input--error=category_error.is_some()
                    id="category"
                    name="category"
                    aria-invalid=invalid(&category_error)
                    aria-describedby=category_error.as_ref().map(|_| "category-error")
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        on_category.edit(|f| f.category = value);
                    }
                >
                    <option value="" selected=category.is_none()>"- Select a category -"</option>
                    {category_options}
                </select>
            </FieldGroup>

            <FieldGroup name="subject" label="Subject" error=subject_error.clone()>
                <span class="usa-hint" id="subject-hint">"50 characters or fewer"</span>
                <input
                    class="usa-input"
                    class:usa-input--error=subject_error.is_some()
                    id="subject"
                    name="subject"
                    type="text"
                    autocomplete="off"
                    value=subject
                    aria-invalid=invalid(&subject_error)
                    aria-describedby=described_by("subject", subject_error.is_some())
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        on_subject.edit(|f| f.subject = value);
                    }
                />
            </FieldGroup>

            <FieldGroup name="body" label="Message" error=body_error.clone()>
                <span class="usa-hint" id="body-hint">"10,000 characters or fewer"</span>
                <textarea
                    class="usa-textarea sm-compose__body"
                    class:usa-input--error=body_error.is_some()
                    id="body"
                    name="body"
                    rows="10"
                    node_ref=body_ref
                    // The initial text as the element's content, escaped: a child text node
                    // would render an empty draft as a space.
                    inner_html=escape_text(&body)
                    aria-invalid=invalid(&body_error)
                    aria-describedby=described_by("body", body_error.is_some())
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        on_body.edit(|f| f.body = value);
                    }
                ></textarea>
            </FieldGroup>

            <AttachFiles
                attachments
                draft=compose_draft(autosave.clone())
                error=field_error(crate::ui::attach_files::ATTACHMENTS_FIELD)
                posts_without_wasm=true
            />

            {signature.map(|signature| view! {
                <div class="sm-signature-preview">
                    <p>"Your signature will be added:"</p>
                    <p class="sm-signature-preview__text">{signature}</p>
                    <p><a href="/settings">"Change your signature"</a></p>
                </div>
            })}

            <div class="sm-compose__actions">
                <button type="submit" class="usa-button">"Send"</button>
                <button
                    type="submit"
                    class="usa-button usa-button--outline"
                    formaction=move || {
                        if enhanced.get() { SaveComposeDraft::PATH } else { SendNewMessageWithFiles::PATH }
                    }
                    name="save_draft"
                    value="yes"
                    on:click=move |ev| {
                        // With the wasm, save in place: the page and its focus stay put.
                        ev.prevent_default();
                        on_save.save_now(true);
                    }
                >
                    "Save draft"
                </button>
            </div>
            <p class="sm-draft-status" role="status">{move || status.get()}</p>

            // After the buttons on purpose: pressing Enter in a field then still means "Send".
            <CrisisPrompt open=crisis_open body_ref />
        </form>
    }
}

/// `aria-describedby` for a field with a hint: the hint, and the error when there is one.
fn described_by(name: &str, has_error: bool) -> String {
    if has_error {
        format!("{name}-hint {name}-error")
    } else {
        format!("{name}-hint")
    }
}

/// "To": every care team of the Veteran. Teams that cannot be written to now are listed
/// but disabled, and a note under the list says why (explained, not missing).
#[component]
fn TeamField(
    teams: Vec<CareTeamOption>,
    team: Option<i64>,
    error: Option<String>,
    autosave: Autosave,
) -> impl IntoView {
    let several_facilities = teams.iter().any(|t| {
        teams
            .first()
            .is_some_and(|first| first.facility != t.facility)
    });
    let closed: Vec<(String, String)> = teams
        .iter()
        .filter_map(|t| t.why_not.clone().map(|why| (t.name.clone(), why)))
        .collect();
    let options = teams
        .into_iter()
        .map(|t| {
            let mut label = if several_facilities {
                format!("{} – {}", t.name, t.facility)
            } else {
                t.name.clone()
            };
            if t.why_not.is_some() {
                label.push_str(if t.blocked {
                    " (can't send messages)"
                } else {
                    " (not accepting messages)"
                });
            }
            view! {
                <option value=t.care_team_id.to_string() disabled=!t.can_write selected=team == Some(t.care_team_id)>
                    {label}
                </option>
            }
        })
        .collect_view();
    let has_hint = !closed.is_empty();
    let hint = has_hint.then(|| {
        view! {
            <div class="usa-hint" id="care_team-hint">
                <p>"Some of your care teams can't get messages right now:"</p>
                <ul>
                    {closed
                        .into_iter()
                        .map(|(name, why)| view! { <li><strong>{name}</strong>": "{why}</li> })
                        .collect_view()}
                </ul>
            </div>
        }
    });
    let has_error = error.is_some();
    let described: Vec<&str> = [
        has_hint.then_some("care_team-hint"),
        has_error.then_some("care_team-error"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    view! {
        <FieldGroup name="care_team" label="To" error>
            <select
                class="usa-select"
                class:usa-input--error=has_error
                id="care_team"
                name="care_team"
                aria-invalid=has_error.to_string()
                aria-describedby=described
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    autosave.edit(|f| f.care_team = value);
                }
            >
                <option value="" selected=team.is_none()>"- Select a care team -"</option>
                {options}
            </select>
            {hint}
        </FieldGroup>
    }
}

/// The Veterans Crisis Line once more before a message with crisis language goes
/// (DESIGN.md §2), when the server answers a send with it. It takes focus as the page
/// loads. "Send anyway" is a real submit button carrying `crisis_confirmed`; "Go back and
/// edit" hides the prompt and returns to the message (without the wasm, a link to it).
#[component]
fn CrisisPrompt(open: RwSignal<bool>, body_ref: NodeRef<leptos::html::Textarea>) -> impl IntoView {
    let autofocus = open.get_untracked();
    view! {
        <div
            class="usa-alert usa-alert--warning sm-crisis"
            role="alertdialog"
            aria-labelledby="crisis-heading"
            aria-describedby="crisis-text"
            tabindex="-1"
            autofocus=autofocus
            hidden=move || !open.get()
        >
            <div class="usa-alert__body">
                <h2 class="usa-alert__heading" id="crisis-heading">"Before you send: get help now if you need it"</h2>
                <div id="crisis-text">
                    <p class="usa-alert__text">
                        "Your message mentions something that may need help right away. Your care team may take up to 3 business days to read it."
                    </p>
                    <p class="usa-alert__text">
                        <strong>"If you're in crisis or having thoughts of suicide,"</strong>
                        " contact the Veterans Crisis Line now:"
                    </p>
                    <CrisisLineContacts />
                    <p class="usa-alert__text">
                        <strong>"If you think your life or health is in danger,"</strong>
                        " call " <a href="tel:911">"911"</a> "."
                    </p>
                </div>
                <div class="sm-compose__actions">
                    <button
                        type="submit"
                        class="usa-button usa-button--secondary"
                        name="crisis_confirmed"
                        value="yes"
                    >
                        "Send anyway"
                    </button>
                    <a
                        class="usa-button usa-button--outline"
                        href="#body"
                        on:click=move |ev| {
                            ev.prevent_default();
                            open.set(false);
                            if let Some(body) = body_ref.get_untracked() {
                                let _ = body.focus();
                            }
                        }
                    >
                        "Go back and edit"
                    </a>
                </div>
            </div>
        </div>
    }
}

/// A labelled field with its error message tied to it (USWDS `usa-form-group--error`).
#[component]
fn FieldGroup(
    name: &'static str,
    label: &'static str,
    error: Option<String>,
    children: Children,
) -> impl IntoView {
    let has_error = error.is_some();
    view! {
        <div class="usa-form-group" class:usa-form-group--error=has_error>
            <label class="usa-label" class:usa-label--error=has_error for=name>{label}</label>
            {error.map(|message| view! {
                <span class="usa-error-message" id=format!("{name}-error") role="alert">
                    <span class="usa-sr-only">"Error: "</span>{message}
                </span>
            })}
            {children()}
        </div>
    }
}

/// Escapes text for the inside of a `<textarea>`, whose initial value is its content.
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

/// "Attach file" saves the draft first (the autosave's save) when there is none yet.
fn compose_draft(autosave: Autosave) -> DraftFor {
    DraftFor::new(move || {
        let autosave = autosave.clone();
        async move {
            // Only the browser uploads, so only the browser saves first.
            #[cfg(feature = "hydrate")]
            return autosave.ensure_draft().await;
            #[cfg(not(feature = "hydrate"))]
            {
                let _ = autosave;
                Err(crate::error::AppError::NotFound)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textarea_content_is_escaped() {
        assert_eq!(
            escape_text("a < b && </textarea><script>"),
            "a &lt; b &amp;&amp; &lt;/textarea&gt;&lt;script&gt;"
        );
        assert_eq!(escape_text("Line 1\nLine 2"), "Line 1\nLine 2");
    }
}
