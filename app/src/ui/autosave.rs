//! A form that saves itself as a draft: about 3 seconds after typing stops, on "Save
//! draft", and when the person leaves the page (DESIGN.md §2). "Start a new message" and
//! the reply boxes (the Veteran's side's and the care team's) use it alike; each says what
//! its draft holds and where it is saved ([`DraftFields`]). Browser only; on the server
//! these types exist so the forms render the same.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How long after the last keystroke a draft is saved (DESIGN.md §2: "a few seconds").
const AUTOSAVE_DELAY: Duration = Duration::from_secs(3);

/// What a draft save answers: the draft's id and, for the page, when it was saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedDraft {
    pub draft_id: i64,
    pub saved: String,
}

/// What one form's draft holds, and the server function that saves it.
pub trait DraftFields: Clone + Debug + Default + Send + Sync + 'static {
    /// The server function's path. It takes [`DraftFields::form`] as a form post and
    /// answers a [`SavedDraft`].
    const PATH: &'static str;

    /// The draft being continued, once there is one.
    fn draft_id(&self) -> Option<i64>;

    fn set_draft_id(&mut self, draft_id: i64);

    /// Whether there is anything to save: an untouched new form is not worth a draft, but
    /// emptying a saved one is a change to keep (or the old text would come back).
    fn worth_saving(&self) -> bool;

    /// The fields as the server function's arguments, by name.
    fn form(&self) -> Vec<(&'static str, String)>;
}

/// What autosave knows. Plain data behind a lock, not signals: a timer, a page-leave event
/// or the form's own clean-up may run when the reactive values are already gone.
#[derive(Debug)]
struct AutosaveState<F> {
    fields: F,
    /// Bumped on every change; `saved_version` is the version last saved.
    version: u64,
    saved_version: u64,
    saving: bool,
    /// A save was asked for while one was running: save again when it ends.
    again: bool,
    /// A send is on its way or done: no draft may be saved now, or it would outlive the
    /// message it became.
    sending: bool,
    timer: Option<TimeoutHandle>,
}

/// Saves the form as a draft about 3 seconds after typing stops, on "Save draft", and when
/// the person leaves. `status` is the line people see ("Draft saved at 10:42 AM").
pub struct Autosave<F: DraftFields> {
    state: Arc<Mutex<AutosaveState<F>>>,
    pub status: RwSignal<Option<String>>,
    /// The draft's id for the form's hidden field, so a send deletes the draft that
    /// autosave made after the page loaded.
    pub draft_id: RwSignal<Option<i64>>,
}

// By hand: a derive would ask `F: Clone` of the handle too, which shares its state.
impl<F: DraftFields> Clone for Autosave<F> {
    fn clone(&self) -> Self {
        Autosave {
            state: Arc::clone(&self.state),
            status: self.status,
            draft_id: self.draft_id,
        }
    }
}

impl<F: DraftFields> Autosave<F> {
    pub fn new(fields: F, status: Option<String>) -> Autosave<F> {
        Autosave {
            draft_id: RwSignal::new(fields.draft_id()),
            state: Arc::new(Mutex::new(AutosaveState {
                fields,
                version: 0,
                saved_version: 0,
                saving: false,
                again: false,
                sending: false,
                timer: None,
            })),
            status: RwSignal::new(status),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut AutosaveState<F>) -> R) -> R {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut state)
    }

    pub fn cancel_timer(&self) {
        if let Some(handle) = self.with(|s| s.timer.take()) {
            handle.clear();
        }
    }

    /// A field changed: remember it, and save about 3 seconds after the typing stops.
    pub fn edit(&self, change: impl FnOnce(&mut F)) {
        self.cancel_timer();
        let autosave = self.clone();
        let handle = set_timeout_with_handle(move || autosave.save_now(false), AUTOSAVE_DELAY).ok();
        self.with(|s| {
            change(&mut s.fields);
            s.version += 1;
            s.timer = handle;
        });
    }

    /// The form is being sent: no draft may be saved from now on.
    pub fn set_sending(&self) {
        self.cancel_timer();
        self.with(|s| s.sending = true);
    }

    /// The send was refused (a field error, the crisis check): the text is still the
    /// person's draft, so saving goes on, and what changed meanwhile is saved soon.
    pub fn send_refused(&self) {
        self.with(|s| s.sending = false);
        self.edit(|_| {});
    }

    /// The message went and its draft with it: the form starts again from `fields`.
    pub fn sent(&self, fields: F) {
        self.cancel_timer();
        self.with(|s| {
            s.fields = fields;
            s.saved_version = s.version;
            s.sending = false;
        });
        self.draft_id.try_set(None);
        self.status.try_set(None);
    }

    /// Saves now: when something changed, or always when `forced` ("Save draft").
    pub fn save_now(&self, forced: bool) {
        self.cancel_timer();
        enum Next<F> {
            Nothing,
            NothingToSave,
            Save(F, u64),
        }
        let next = self.with(|s| {
            if s.sending || !(forced || s.version != s.saved_version) {
                Next::Nothing
            } else if !s.fields.worth_saving() {
                Next::NothingToSave
            } else if s.saving {
                s.again = true;
                Next::Nothing
            } else {
                s.saving = true;
                Next::Save(s.fields.clone(), s.version)
            }
        });
        let (fields, version) = match next {
            Next::Nothing => return,
            Next::NothingToSave => {
                if forced {
                    self.status
                        .try_set(Some("There's nothing to save yet.".to_string()));
                }
                return;
            }
            Next::Save(fields, version) => (fields, version),
        };
        // The request starts now, not in a later task: when this runs because the page is
        // closing, a later task would be too late.
        let request = start_draft_post(&fields);
        let autosave = self.clone();
        leptos::task::spawn_local(async move {
            let result = finish_draft_post(request).await;
            let again = autosave.with(|s| {
                s.saving = false;
                if let Ok(saved) = &result {
                    s.fields.set_draft_id(saved.draft_id);
                    s.saved_version = s.saved_version.max(version);
                }
                std::mem::take(&mut s.again)
            });
            let status = match result {
                Ok(saved) => {
                    autosave.draft_id.try_set(Some(saved.draft_id));
                    format!("Draft saved at {}", time_now())
                }
                Err(error) => format!(
                    "Draft not saved. {}",
                    crate::ui::errors::in_one_sentence(&error)
                ),
            };
            autosave.status.try_set(Some(status));
            if again {
                autosave.save_now(false);
            }
        });
    }
}

#[cfg(feature = "hydrate")]
impl<F: DraftFields> Autosave<F> {
    /// The draft's id, saving the form as a draft first when there is none yet: files are
    /// uploaded onto a draft, so they are kept with it and travel with the message.
    pub async fn ensure_draft(&self) -> Result<i64, AppError> {
        self.cancel_timer();
        let fields = self.with(|s| s.fields.clone());
        if let Some(id) = fields.draft_id() {
            return Ok(id);
        }
        let saved = finish_draft_post(start_draft_post(&fields)).await?;
        self.with(|s| {
            if s.fields.draft_id().is_none() {
                s.fields.set_draft_id(saved.draft_id);
            }
        });
        self.draft_id.try_set(Some(saved.draft_id));
        self.status
            .try_set(Some(format!("Draft saved at {}", time_now())));
        Ok(saved.draft_id)
    }
}

/// The browser's clock as people read it: "10:42 AM".
#[cfg(feature = "hydrate")]
fn time_now() -> String {
    let now = leptos::web_sys::js_sys::Date::new_0();
    let (hours, minutes) = (now.get_hours(), now.get_minutes());
    let (hour, half) = match hours {
        0 => (12, "AM"),
        1..=11 => (hours, "AM"),
        12 => (12, "PM"),
        _ => (hours - 12, "PM"),
    };
    format!("{hour}:{minutes:02} {half}")
}

/// Autosave only runs in the browser.
#[cfg(not(feature = "hydrate"))]
fn time_now() -> String {
    String::new()
}

/// A draft save on its way: the `fetch` promise, or why it could not start.
#[cfg(feature = "hydrate")]
type DraftRequest = Result<leptos::web_sys::js_sys::Promise, AppError>;
#[cfg(not(feature = "hydrate"))]
type DraftRequest = Result<(), AppError>;

/// Starts posting the draft to its server function, in the form encoding server functions
/// take, with `keepalive` (like `navigator.sendBeacon`): the browser finishes the request
/// even when the page is being closed. The server function's own client cannot ask for
/// that, hence this small `fetch`.
#[cfg(feature = "hydrate")]
fn start_draft_post<F: DraftFields>(fields: &F) -> DraftRequest {
    use leptos::wasm_bindgen::JsValue;
    use leptos::web_sys::{js_sys, Headers, Request, RequestInit, UrlSearchParams};
    // keepalive requests may carry 64 KiB in all; a longer draft goes as a plain request.
    const KEEPALIVE_MAX_BYTES: usize = 60_000;
    let failed = |_| AppError::Transport {
        detail: "could not start the draft request".to_string(),
    };
    let params = UrlSearchParams::new().map_err(failed)?;
    for (name, value) in fields.form() {
        params.append(name, &value);
    }
    let body = String::from(params.to_string());
    let headers = Headers::new().map_err(failed)?;
    headers
        .set("Content-Type", "application/x-www-form-urlencoded")
        .map_err(failed)?;
    headers.set("Accept", crate::ui::POSTCARD).map_err(failed)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&body));
    if body.len() <= KEEPALIVE_MAX_BYTES {
        // web-sys has no setter for `keepalive`; it is a plain property of the init object.
        js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE)
            .map_err(failed)?;
    }
    let request = Request::new_with_str_and_init(F::PATH, &init).map_err(failed)?;
    Ok(window().fetch_with_request(&request))
}

/// Reads the server function's answer: the saved draft (postcard), or its error (in the
/// server functions' error encoding).
#[cfg(feature = "hydrate")]
async fn finish_draft_post(request: DraftRequest) -> Result<SavedDraft, AppError> {
    use leptos::server_fn::error::FromServerFnError;
    use leptos::server_fn::Bytes;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{js_sys::Uint8Array, Response};
    use wasm_bindgen_futures::JsFuture;
    let unreachable = |_| AppError::Transport {
        detail: "the draft request failed".to_string(),
    };
    let response: Response = JsFuture::from(request?)
        .await
        .map_err(unreachable)?
        .dyn_into()
        .map_err(unreachable)?;
    let body = JsFuture::from(response.array_buffer().map_err(unreachable)?)
        .await
        .map_err(unreachable)?;
    let body = Uint8Array::new(&body).to_vec();
    if response.ok() {
        use codee::Decoder;
        codee::binary::PostcardCodec::decode(&body).map_err(|error| AppError::Transport {
            detail: error.to_string(),
        })
    } else {
        Err(AppError::de(Bytes::from(body)))
    }
}

/// Autosave only runs in the browser.
#[cfg(not(feature = "hydrate"))]
fn start_draft_post<F: DraftFields>(_fields: &F) -> DraftRequest {
    Ok(())
}

#[cfg(not(feature = "hydrate"))]
async fn finish_draft_post(request: DraftRequest) -> Result<SavedDraft, AppError> {
    request.and(Err(AppError::Transport {
        detail: "drafts are saved from the browser".to_string(),
    }))
}

/// Saves the draft when the person leaves: another tab or app (`visibilitychange`), closing
/// or reloading the page (`pagehide`), a link inside the site (the form is cleaned up), or
/// their session about to time out.
/// The save posts with keepalive, so it arrives even when the page is going away. Browser
/// only: on the server there is nobody to leave, and the clean-up runs on another thread.
#[cfg(feature = "hydrate")]
pub fn save_when_leaving<F: DraftFields>(autosave: Autosave<F>) {
    let on_hidden = autosave.clone();
    let hidden = window_event_listener_untyped("visibilitychange", move |_| {
        if document().hidden() {
            on_hidden.save_now(false);
        }
    });
    let on_hide = autosave.clone();
    let hide = window_event_listener_untyped("pagehide", move |_| on_hide.save_now(false));
    // The session is about to time out: save while it still lasts.
    let on_ending = autosave.clone();
    let ending = window_event_listener_untyped(
        crate::account::session_time::SESSION_ENDING_EVENT,
        move |_| on_ending.save_now(false),
    );
    let listeners = StoredValue::new_local(Some((hidden, hide, ending)));
    on_cleanup(move || {
        autosave.save_now(false);
        autosave.cancel_timer();
        if let Some(Some((hidden, hide, ending))) = listeners.try_update_value(Option::take) {
            hidden.remove();
            hide.remove();
            ending.remove();
        }
    });
}
