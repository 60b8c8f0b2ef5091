//! Live updates: lists and conversations change while people look at them.
//!
//! The server sends a small event on `/events` (server-sent events) whenever a thread a
//! signed-in person may see changes: a new message, an assignment, a completion. The event
//! names the thread only, never its content (no health information leaves through it);
//! the page then fetches a fresh copy of itself, which the server renders and authorizes as
//! always, and puts its live regions (`LiveRegion`) in place of the ones shown. One
//! `EventSource` per page, opened by `LiveUpdates`, which the layout renders once someone
//! is signed in.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// What `/events` sends, as JSON in each event's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEvent {
    /// Something in this thread changed: reload what shows it.
    ThreadChanged { thread_id: i64 },
    /// A message from the other side arrived in this thread: reload what shows it, and
    /// tell screen reader users (`NewMessageNotice`).
    MessageArrived { thread_id: i64 },
    /// A care team member is writing a reply in this thread (team members only).
    Replying { thread_id: i64, name: String },
}

/// How long "… is replying" stays up after the last sign of typing.
pub const REPLYING_SHOWN_FOR_MS: f64 = 10_000.0;

/// The live state of one page: how many messages arrived, and who is replying where (name, thread, when last seen in browser milliseconds). One per page in
/// the browser, shared by every island on it (`live()`).
#[derive(Clone, Copy)]
pub struct Live {
    /// Messages that arrived live since the page loaded.
    arrived: RwSignal<u32>,
    replying: RwSignal<Vec<(i64, String, f64)>>,
}

/// The page's live state in the browser; `None` on the server, where nothing is live.
fn live() -> Option<Live> {
    #[cfg(feature = "hydrate")]
    {
        thread_local! {
            static LIVE: Live = Live {
                arrived: RwSignal::new(0),
                replying: RwSignal::new(Vec::new()),
            };
        }
        Some(LIVE.with(|live| *live))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Connects the page to `/events`: rendered by the layout once someone is signed in (and
/// past the two-step verification set-up). Each event bumps the page's live state, and
/// the page's live regions (`LiveRegion`) are drawn again from a fresh copy of the
/// page, so lists, conversations and the navigation's counts follow without a reload.
#[island(lazy)]
pub fn LiveUpdates() -> impl IntoView {
    crate::layout::island_hydrated();
    #[cfg(feature = "hydrate")]
    if let Some(live) = live() {
        browser::connect(live);
    }
}

/// Marks a part of a page that a live update draws again: the same part of a fresh copy of
/// the page replaces it. What is inside must be plain HTML (links and form posts), no
/// islands and nothing typed, since it is replaced as a whole; `name` must be unique on the
/// page.
#[component]
pub fn LiveRegion(name: &'static str, children: Children) -> impl IntoView {
    view! { <div data-live-region=name>{children()}</div> }
}

/// Who else is writing a reply in `thread_id` right now, as "Casey Nguyen is replying".
/// Drawn inside the care team's reply form, an island.
#[component]
pub fn ReplyingNotice(thread_id: i64) -> impl IntoView {
    let live = live();
    let text = move || {
        let live = live?;
        let names: Vec<String> = live.replying.with(|all| {
            all.iter()
                .filter(|(thread, _, _)| *thread == thread_id)
                .map(|(_, name, _)| name.clone())
                .collect()
        });
        match names.as_slice() {
            [] => None,
            [one] => Some(format!("{one} is replying")),
            many => Some(format!("{} are replying", many.join(" and "))),
        }
    };
    view! { <p class="sm-replying" role="status">{text}</p> }
}

/// Says, for screen readers only, that a new message arrived while the page was open (the
/// list or conversation is drawn again by itself; a sighted person sees it appear). A
/// polite live region (as `role="status"` is, without being one more "status" beside the
/// page's own success line), present and empty from the first render so assistive
/// technology watches it; the count changes the words each time, so a second arrival is
/// announced too.
#[island(lazy)]
pub fn NewMessageNotice() -> impl IntoView {
    crate::layout::island_hydrated();
    let live = live();
    let text = move || match live.map(|live| live.arrived.get()).unwrap_or(0) {
        0 => String::new(),
        1 => "A new message arrived.".to_string(),
        n => format!("{n} new messages arrived."),
    };
    view! {
        <p class="usa-sr-only" aria-live="polite" aria-atomic="true" id="new-message-notice">{text}</p>
    }
}

/// A care team member is typing a reply in `thread_id`: the other members with the thread
/// open see "… is replying". Only a member of the thread's team may say so.
#[server(endpoint = "announce_replying", output = leptos::server_fn::codec::Postcard)]
pub async fn announce_replying(thread_id: i64) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    use crate::server::access::{app_state, require_team};
    use crate::server::events::HubEvent;
    let capability = require_team(AnnounceReplying::PATH).await?;
    let state = app_state()?;
    let person = capability.user();
    let team_id: Option<i64> = sqlx::query_scalar(
        "SELECT t.team_id FROM threads t \
         JOIN team_members m ON m.team_id = t.team_id AND m.user_id = $2 WHERE t.id = $1",
    )
    .bind(thread_id)
    .bind(person.id)
    .fetch_optional(&state.db.pool)
    .await?;
    let team_id = team_id.ok_or(AppError::NotFound)?;
    state
        .events
        .publish(HubEvent::Replying {
            thread_id,
            team_id,
            user_id: person.id,
            name: person.name.clone(),
        })
        .await;
    Ok(())
}

/// Returns what a reply box calls on each keystroke: it tells the team at most every few
/// seconds that this person is replying. Does nothing on the server.
pub fn replying_announcer(thread_id: i64) -> impl Fn() + Clone + 'static {
    #[cfg(feature = "hydrate")]
    {
        let last = std::rc::Rc::new(std::cell::Cell::new(0.0_f64));
        move || {
            let now = web_sys::js_sys::Date::now();
            if now - last.get() < REPLYING_SHOWN_FOR_MS / 2.0 {
                return;
            }
            last.set(now);
            leptos::task::spawn_local(async move {
                // Best effort: a missed notice only means colleagues see it a little later.
                let _ = announce_replying(thread_id).await;
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = thread_id;
        || {}
    }
}

/// For server functions: say what changed, after the change is committed.
#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::server::events;
    use crate::server::state::AppState;

    /// `thread_id` changed: its team and its Veteran's side hear of it.
    pub async fn thread_changed(state: &AppState, thread_id: i64) {
        events::thread_changed(&state.events, &state.db, thread_id).await;
    }

    /// A member of `team_id` began or stopped writing a reply draft in `thread_id`: the
    /// team's open pages show "… is writing a reply" as it now is.
    pub async fn writing_changed(state: &AppState, thread_id: i64, team_id: i64, user_id: i64) {
        state
            .events
            .publish(events::HubEvent::WritingChanged {
                thread_id,
                team_id,
                user_id,
            })
            .await;
    }

    /// `author_id` sent a message in `thread_id` (`from_team`: a care team member's reply):
    /// everyone who may see the thread reloads, and the other side hears that it arrived.
    pub async fn message_arrived(
        state: &AppState,
        thread_id: i64,
        author_id: i64,
        from_team: bool,
    ) {
        events::message_arrived(&state.events, &state.db, thread_id, author_id, from_team).await;
    }

    /// `thread_id` was moved away from `previous_team_id`: that team hears of it too.
    pub async fn thread_moved(state: &AppState, thread_id: i64, previous_team_id: i64) {
        events::thread_moved(&state.events, &state.db, thread_id, Some(previous_team_id)).await;
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{Live, LiveEvent, REPLYING_SHOWN_FOR_MS};
    use leptos::prelude::*;
    use leptos::wasm_bindgen::closure::Closure;
    use leptos::wasm_bindgen::JsCast;
    use std::time::Duration;
    use web_sys::{EventSource, MessageEvent};

    /// Opens the event stream for the rest of the page's life (the browser reconnects by
    /// itself when the connection drops).
    pub fn connect(live: Live) {
        let Ok(events) = EventSource::new("/events") else {
            return;
        };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(data) = message.data().as_string() else {
                return;
            };
            match read_event(&data) {
                Some(LiveEvent::ThreadChanged { .. }) => changed(),
                Some(LiveEvent::MessageArrived { .. }) => {
                    changed();
                    live.arrived.update(|n| *n += 1);
                }
                Some(LiveEvent::Replying { thread_id, name }) => {
                    seen_replying(live, thread_id, name)
                }
                None => {}
            }
        });
        events.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // Lives as long as the page: the source calls it until the page goes.
        on_message.forget();
        std::mem::forget(events);
    }

    /// Where the page's redraw is: a burst of events (a send tells each page more than once)
    /// costs the server one fresh copy of the page, and one more if anything arrived while
    /// that copy was on its way (it may have been made before the change).
    #[derive(Clone, Copy, PartialEq)]
    enum Redraw {
        Idle,
        Running,
        Again,
    }

    thread_local! {
        static REDRAW: std::cell::Cell<Redraw> = const { std::cell::Cell::new(Redraw::Idle) };
    }

    /// Something this person may see changed: the page's live regions are drawn again.
    fn changed() {
        let start = REDRAW.with(|state| {
            let idle = state.get() == Redraw::Idle;
            state.set(if idle { Redraw::Running } else { Redraw::Again });
            idle
        });
        if start {
            leptos::task::spawn_local(redraw_until_current());
        }
    }

    /// Redraws, and again while events came in during the last redraw.
    async fn redraw_until_current() {
        loop {
            redraw_live_regions().await;
            let again = REDRAW.with(|state| {
                let again = state.get() == Redraw::Again;
                state.set(if again { Redraw::Running } else { Redraw::Idle });
                again
            });
            if !again {
                break;
            }
        }
    }

    /// Fetches this page again and puts the fresh copy of each live region in place of
    /// the one shown. The fetch asks for no particular type, so the server does not count
    /// it as something the person did (the session's idle clock keeps running).
    async fn redraw_live_regions() {
        use wasm_bindgen_futures::JsFuture;
        use web_sys::{DomParser, Response, SupportedType};
        let href = window().location().href().unwrap_or_default();
        let Ok(answer) = JsFuture::from(window().fetch_with_str(&href)).await else {
            return;
        };
        let Ok(answer) = answer.dyn_into::<Response>() else {
            return;
        };
        if !answer.ok() || answer.redirected() {
            return;
        }
        let Some(html) = answer.text().ok().map(JsFuture::from) else {
            return;
        };
        let Some(html) = html.await.ok().and_then(|text| text.as_string()) else {
            return;
        };
        let Ok(parser) = DomParser::new() else {
            return;
        };
        let Ok(fresh) = parser.parse_from_string(&html, SupportedType::TextHtml) else {
            return;
        };
        let Ok(shown) = document().query_selector_all("[data-live-region]") else {
            return;
        };
        for index in 0..shown.length() {
            let Some(region) = shown
                .item(index)
                .and_then(|node| node.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            let Some(name) = region.get_attribute("data-live-region") else {
                continue;
            };
            let selector = format!("[data-live-region=\"{name}\"]");
            if let Ok(Some(new)) = fresh.query_selector(&selector) {
                if region.inner_html() != new.inner_html() {
                    region.set_inner_html(&new.inner_html());
                }
            }
        }
    }

    /// An event's JSON, read by the browser's own `JSON.parse`: the wasm then carries no
    /// JSON decoder of its own for it.
    fn read_event(data: &str) -> Option<LiveEvent> {
        use web_sys::js_sys::{Reflect, JSON};
        let event = JSON::parse(data).ok()?;
        let field = |name: &str| Reflect::get(&event, &name.into()).ok();
        let thread_id = field("thread_id")?.as_f64()? as i64;
        match field("kind")?.as_string()?.as_str() {
            "thread_changed" => Some(LiveEvent::ThreadChanged { thread_id }),
            "message_arrived" => Some(LiveEvent::MessageArrived { thread_id }),
            "replying" => Some(LiveEvent::Replying {
                thread_id,
                name: field("name")?.as_string()?,
            }),
            _ => None,
        }
    }

    fn seen_replying(live: Live, thread_id: i64, name: String) {
        let now = web_sys::js_sys::Date::now();
        live.replying.update(|all| {
            all.retain(|(thread, who, _)| !(*thread == thread_id && *who == name));
            all.push((thread_id, name, now));
        });
        // Take it down again when no new sign of typing comes.
        set_timeout(
            move || {
                let now = web_sys::js_sys::Date::now();
                live.replying.try_update(|all| {
                    all.retain(|(_, _, seen)| now - seen < REPLYING_SHOWN_FOR_MS)
                });
            },
            Duration::from_millis(REPLYING_SHOWN_FOR_MS as u64 + 100),
        );
    }
}
