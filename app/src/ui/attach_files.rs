//! "Attach file" on the compose form, the reply form and the care team's reply form:
//! the files saved with the draft, each with "Remove", and a real file input.
//! With the wasm, chosen files are checked here against the rules the browser can judge
//! (type by name, size, count, total; the same `attachments::rules` the server applies),
//! and the rest upload at once onto the draft (saved first when there is none yet), so
//! they are kept with it and go with the message. Refusals, the browser's or the
//! server's, show at the field; nothing typed is touched.

use crate::attachments::rules::{format_size, ACCEPT, LIMITS_HINT};
use crate::attachments::Attachment;
use crate::error::AppError;
use leptos::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The field error a refused file is reported on (the file input's id).
pub const ATTACHMENTS_FIELD: &str = "attachments";

/// The name of each file's "Remove" button; its value is the file's id.
pub const REMOVE_FILE: &str = "remove_file";

type SavedDraft = Pin<Box<dyn Future<Output = Result<i64, AppError>>>>;

/// The draft the files are uploaded onto: answers its id, saving the draft first when
/// there is none yet (compose's autosave, the reply box's text, the care team's reply
/// draft). Each form says how. (Called only in the browser, which uploads.)
#[derive(Clone)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct DraftFor(Arc<dyn Fn() -> SavedDraft + Send + Sync>);

impl DraftFor {
    pub fn new<F, Fut>(ensure: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<i64, AppError>> + 'static,
    {
        DraftFor(Arc::new(move || Box::pin(ensure()) as SavedDraft))
    }

    /// The draft's id, saving the draft first when there is none yet.
    #[cfg(feature = "hydrate")]
    async fn ensure(&self) -> Result<i64, String> {
        (self.0)().await.map_err(|error| {
            format!(
                "Your files weren't attached because the draft couldn't be saved. {}",
                crate::ui::errors::in_one_sentence(&error)
            )
        })
    }
}

#[component]
pub fn AttachFiles(
    attachments: Vec<Attachment>,
    draft: DraftFor,
    /// The server's refusals from a post without the wasm.
    error: Option<String>,
    /// The form posts the files itself without the wasm (compose, the team's reply).
    /// Otherwise the input waits, disabled, for the wasm: a chosen file would go nowhere.
    posts_without_wasm: bool,
) -> impl IntoView {
    let files = RwSignal::new(attachments);
    let errors = RwSignal::new(error.into_iter().collect::<Vec<_>>());
    let uploading = RwSignal::new(false);

    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        browser::chosen(ev, files, errors, uploading, draft.clone());
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &draft);
    };
    let has_error = move || !errors.read().is_empty();
    // With the wasm, files upload as they are chosen and the input is unnamed, so the
    // form's own post never carries them.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));

    view! {
        <div class="usa-form-group sm-attach" class:usa-form-group--error=has_error>
            <label class="usa-label" class:usa-label--error=has_error for="attachments">"Attach file"</label>
            <span class="usa-hint" id="attachments-hint">{LIMITS_HINT}</span>
            <div id="attachments-error" role="alert">
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|message| view! {
                            <span class="usa-error-message">
                                <span class="usa-sr-only">"Error: "</span>{message}
                            </span>
                        })
                        .collect_view()
                }}
            </div>
            <input
                class="sm-attach__input"
                class:usa-input--error=has_error
                id="attachments"
                type="file"
                multiple
                accept=ACCEPT
                name=move || (posts_without_wasm && !ready.get()).then_some("file")
                disabled=move || !posts_without_wasm && !ready.get()
                aria-describedby="attachments-hint attachments-error"
                on:change=on_change
            />
            <p class="sm-attach__status" role="status">
                {move || uploading.get().then_some("Uploading your files…")}
            </p>
            <ul class="sm-attachments" aria-label="Attached files" hidden=move || files.read().is_empty()>
                <For each=move || files.get() key=|file| file.id.clone() let:file>
                    <AttachedFile file files errors ready posts_without_wasm />
                </For>
            </ul>
        </div>
    }
}

/// One attached file: its name and size, and "Remove" (its accessible name says which).
/// Without the wasm, "Remove" on compose and on the team's reply submits the form, naming
/// the file, so the text goes with it and is kept (`with_files`, `team::reply_with_files`);
/// on the Veteran's reply it waits, disabled, for the wasm, as the file input does. With
/// the wasm it removes the file in place.
#[component]
fn AttachedFile(
    file: Attachment,
    files: RwSignal<Vec<Attachment>>,
    errors: RwSignal<Vec<String>>,
    ready: RwSignal<bool>,
    posts_without_wasm: bool,
) -> impl IntoView {
    let remove_label = format!("Remove {}", file.name);
    let id = file.id.clone();
    let on_remove = move |_| {
        #[cfg(feature = "hydrate")]
        browser::remove(id.clone(), files, errors);
        #[cfg(not(feature = "hydrate"))]
        let _ = (&id, files, errors);
    };
    view! {
        <li class="sm-attachments__file">
            {file.name.clone()}
            " "
            <span class="sm-attachments__facts">{format!("({})", format_size(file.size_bytes))}</span>
            " "
            <button
                type=move || if ready.get() || !posts_without_wasm { "button" } else { "submit" }
                name=REMOVE_FILE
                value=file.id.clone()
                disabled=move || !posts_without_wasm && !ready.get()
                class="usa-button usa-button--unstyled"
                aria-label=remove_label
                on:click=on_remove
            >
                "Remove"
            </button>
        </li>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::DraftFor;
    use crate::attachments::rules::{check_file, check_fits};
    use crate::attachments::{Attachment, UploadAnswer};
    use crate::ui::POSTCARD;
    use leptos::prelude::*;
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use leptos::web_sys::js_sys::Uint8Array;
    use leptos::web_sys::{File, FormData, HtmlInputElement, Request, RequestInit, Response};
    use wasm_bindgen_futures::JsFuture;

    const NOT_ATTACHED: &str = "Your files weren't attached. Please try again.";

    /// Files were chosen (or dropped on the input): refuse what breaks a rule, upload the rest.
    pub(super) fn chosen(
        ev: leptos::ev::Event,
        files: RwSignal<Vec<Attachment>>,
        errors: RwSignal<Vec<String>>,
        uploading: RwSignal<bool>,
        draft: DraftFor,
    ) {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let chosen: Vec<File> = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        // The list below the input shows what is attached; the input itself starts empty
        // again, so choosing the same file after a refusal is a change.
        input.set_value("");
        let (mut count, mut total) = files
            .with_untracked(|kept| (kept.len(), kept.iter().map(|f| f.size_bytes).sum::<u64>()));
        let mut refusals = Vec::new();
        let mut sending = Vec::new();
        for file in chosen {
            let (name, bytes) = (file.name(), file.size() as u64);
            match check_file(&name, bytes).and_then(|_| check_fits(&name, bytes, count, total)) {
                Ok(()) => {
                    count += 1;
                    total += bytes;
                    sending.push(file);
                }
                Err(refusal) => refusals.push(refusal.to_string()),
            }
        }
        errors.set(refusals);
        if sending.is_empty() {
            return;
        }
        uploading.set(true);
        leptos::task::spawn_local(async move {
            match upload(&draft, &sending).await {
                Ok(answer) => {
                    files.update(|kept| kept.extend(answer.accepted));
                    errors.update(|shown| shown.extend(answer.refused));
                }
                Err(message) => errors.update(|shown| shown.push(message)),
            }
            uploading.set(false);
        });
    }

    async fn upload(draft: &DraftFor, sending: &[File]) -> Result<UploadAnswer, String> {
        let draft_id = draft.ensure().await?;
        let failed = |_: JsValue| NOT_ATTACHED.to_string();
        let form = FormData::new().map_err(failed)?;
        for file in sending {
            form.append_with_blob_and_filename("file", file, &file.name())
                .map_err(failed)?;
        }
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&form);
        let response = fetch(&format!("/attachments/drafts/{draft_id}"), &init).await?;
        match response.status() {
            200 | 422 => UploadAnswer::from_postcard(&response_bytes(&response).await?)
                .ok_or_else(|| NOT_ATTACHED.to_string()),
            // 413: the server's own sentence ("… more than 10 MB together …").
            413 => Err(response_text(&response).await?),
            _ => Err(NOT_ATTACHED.to_string()),
        }
    }

    /// "Remove": the file leaves the draft on the server, then the list.
    pub(super) fn remove(
        id: String,
        files: RwSignal<Vec<Attachment>>,
        errors: RwSignal<Vec<String>>,
    ) {
        leptos::task::spawn_local(async move {
            let init = RequestInit::new();
            init.set_method("POST");
            match fetch(&format!("/attachments/{id}/remove"), &init).await {
                Ok(response) if response.ok() => {
                    files.update(|kept| kept.retain(|f| f.id != id));
                    errors.set(Vec::new());
                }
                _ => errors.set(vec![
                    "The file couldn't be removed. Please try again.".to_string()
                ]),
            }
        });
    }

    async fn fetch(path: &str, init: &RequestInit) -> Result<Response, String> {
        let failed = |_: JsValue| NOT_ATTACHED.to_string();
        let request = Request::new_with_str_and_init(path, init).map_err(failed)?;
        request.headers().set("Accept", POSTCARD).map_err(failed)?;
        JsFuture::from(window().fetch_with_request(&request))
            .await
            .map_err(failed)?
            .dyn_into()
            .map_err(failed)
    }

    async fn response_bytes(response: &Response) -> Result<Vec<u8>, String> {
        let failed = |_: JsValue| NOT_ATTACHED.to_string();
        let buffer = JsFuture::from(response.array_buffer().map_err(failed)?)
            .await
            .map_err(failed)?;
        Ok(Uint8Array::new(&buffer).to_vec())
    }

    async fn response_text(response: &Response) -> Result<String, String> {
        let failed = |_: JsValue| NOT_ATTACHED.to_string();
        Ok(JsFuture::from(response.text().map_err(failed)?)
            .await
            .map_err(failed)?
            .as_string()
            .unwrap_or_default())
    }
}
