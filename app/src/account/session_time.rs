//! How long a session lasts: it ends after a while without anything the person does (the
//! idle limit, `SM_SESSION_IDLE_SECONDS`, default 30 minutes) and, whatever they do, some
//! hours after signing in (the absolute limit, `SM_SESSION_MAX_SECONDS`, default 12 hours).
//!
//! Only what the person does counts as activity: opening a page, posting a form, and the
//! page telling the server they pressed a key or touched the screen (`still_here`). Live
//! updates and the data a page loads by itself do not, so a team inbox left open still
//! times out. Before the end the page warns, with time to stay (WCAG 2.2.1); saves what is
//! typed as drafts while the session still lasts; then goes to `/sign-in`, which says why.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The two limits, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLimits {
    pub idle_ms: i64,
    pub max_ms: i64,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle_ms: 30 * 60_000,
            max_ms: 12 * 60 * 60_000,
        }
    }
}

/// When a session started and when its person last did something, in milliseconds since
/// the Unix epoch by the server's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClock {
    pub signed_in_at: i64,
    pub active_at: i64,
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ended {
    /// Nothing done for the idle limit.
    Idle,
    /// Signed in for the absolute limit.
    Max,
}

impl Ended {
    pub fn as_str(self) -> &'static str {
        match self {
            Ended::Idle => "idle",
            Ended::Max => "max",
        }
    }

    pub fn parse(text: &str) -> Option<Ended> {
        match text {
            "idle" => Some(Ended::Idle),
            "max" => Some(Ended::Max),
            _ => None,
        }
    }

    /// What `/sign-in` says after a session ended this way.
    pub fn sentence(self) -> &'static str {
        match self {
            Ended::Idle => "You were signed out because you hadn't done anything for a while. This protects your information. Sign in again to continue.",
            Ended::Max => "You were signed out because you had been signed in for a long time. This protects your information. Sign in again to continue.",
        }
    }
}

/// What the page's timer needs: time left before each limit, and how long before the end
/// to warn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLeft {
    pub idle_ms: i64,
    pub max_ms: i64,
    pub warning_ms: i64,
}

impl TimeLeft {
    /// Time left before the nearer limit.
    pub fn ends_in_ms(self) -> i64 {
        self.idle_ms.min(self.max_ms)
    }

    /// Which limit ends the session first.
    pub fn ending(self) -> Ended {
        if self.max_ms <= self.idle_ms {
            Ended::Max
        } else {
            Ended::Idle
        }
    }
}

impl SessionLimits {
    /// How long before the end the warning shows: two minutes, or half the idle limit when
    /// that is under four minutes.
    pub fn warning_ms(self) -> i64 {
        if self.idle_ms < 4 * 60_000 {
            self.idle_ms / 2
        } else {
            2 * 60_000
        }
    }

    /// How far the recorded activity may lag before it is written again (a write per page
    /// would cost a commit per page): a tenth of the idle limit, at most a minute. The idle
    /// limit then ends at most this much early.
    pub fn activity_slack_ms(self) -> i64 {
        (self.idle_ms / 10).min(60_000)
    }

    /// Whether the session has ended by `now`, and why.
    pub fn ended(self, clock: SessionClock, now: i64) -> Option<Ended> {
        if now - clock.signed_in_at >= self.max_ms {
            Some(Ended::Max)
        } else if now - clock.active_at >= self.idle_ms {
            Some(Ended::Idle)
        } else {
            None
        }
    }

    pub fn left(self, clock: SessionClock, now: i64) -> TimeLeft {
        TimeLeft {
            idle_ms: clock.active_at + self.idle_ms - now,
            max_ms: clock.signed_in_at + self.max_ms - now,
            warning_ms: self.warning_ms(),
        }
    }
}

/// "I'm still here": the person pressed a key or touched the page. Counts as activity (the
/// gate restarts the idle clock for this call) and answers the time left.
#[server(endpoint = "still_here", output = leptos::server_fn::codec::Postcard)]
pub async fn still_here() -> Result<TimeLeft, AppError> {
    ssr::time_left()
}

/// The time left, without counting as activity: the page's timer asks before it warns, since
/// the person may have been busy in another tab.
#[server(endpoint = "session_time_left", output = leptos::server_fn::codec::Postcard)]
pub async fn session_time_left() -> Result<TimeLeft, AppError> {
    ssr::time_left()
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{Ended, SessionClock, SessionLimits, TimeLeft};
    use crate::error::AppError;
    use leptos::prelude::use_context;
    use tower_sessions::Session;

    /// The session key of when it was signed in.
    pub const SIGNED_IN_AT_KEY: &str = "signed_in_at";
    /// The session key of when its person last did something.
    pub const ACTIVE_AT_KEY: &str = "active_at";

    /// A signed-in session, as the gate finds it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Checked {
        Current(SessionClock),
        Ended(Ended),
    }

    /// Starts both clocks at sign-in.
    pub async fn start(session: &Session, now: i64) -> Result<(), AppError> {
        session.insert(SIGNED_IN_AT_KEY, now).await?;
        session.insert(ACTIVE_AT_KEY, now).await?;
        Ok(())
    }

    /// The gate's look at a signed-in session at `now`: ended, or current, with its idle
    /// clock restarted when this request is the person's own doing (`activity`). A session
    /// from before these clocks existed starts them now.
    pub async fn check(
        session: &Session,
        limits: SessionLimits,
        now: i64,
        activity: bool,
    ) -> Result<Checked, AppError> {
        let signed_in_at = session.get::<i64>(SIGNED_IN_AT_KEY).await?;
        let active_at = session.get::<i64>(ACTIVE_AT_KEY).await?;
        let mut clock = SessionClock {
            signed_in_at: signed_in_at.unwrap_or(now),
            active_at: active_at.unwrap_or(now),
        };
        if let Some(ended) = limits.ended(clock, now) {
            return Ok(Checked::Ended(ended));
        }
        if signed_in_at.is_none() {
            session.insert(SIGNED_IN_AT_KEY, now).await?;
        }
        if active_at.is_none() || (activity && now - clock.active_at >= limits.activity_slack_ms())
        {
            session.insert(ACTIVE_AT_KEY, now).await?;
            clock.active_at = now;
        }
        Ok(Checked::Current(clock))
    }

    /// The time left of the asking session, from what the gate found.
    pub fn time_left() -> Result<TimeLeft, AppError> {
        let state = crate::server::access::app_state()?;
        let clock = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<SessionClock>().copied())
            .ok_or(AppError::Unauthenticated)?;
        Ok(state.config.session_limits.left(clock, state.db.now_ms()))
    }
}

/// The warning before a session ends, and what happens at the end. Rendered (closed) on
/// every page of someone signed in, with the time left as the page was made (`left`). In
/// the browser its timer (`session_timer.rs`) starts once it is needed: when the warning is
/// near, or at the person's first key press or touch, which the server must hear about.
#[island(lazy)]
pub fn SessionTimeout(left: Option<TimeLeft>) -> impl IntoView {
    crate::layout::island_hydrated();
    let parts = TimerParts {
        signed_in: Signal::stored(true),
        warning: RwSignal::new(None),
        dialog: NodeRef::new(),
        stay: NodeRef::new(),
        stays: RwSignal::new(0),
    };
    #[cfg(feature = "hydrate")]
    start_when_needed(parts, left);
    #[cfg(not(feature = "hydrate"))]
    let _ = left;
    let warning = parts.warning;
    let text = move || {
        let left = warning.get()?;
        let when = if left.ends_in_ms() < 60_000 {
            "in less than a minute".to_string()
        } else {
            format!("in about {} minutes", (left.ends_in_ms() + 59_999) / 60_000)
        };
        Some(match left.ending() {
            Ended::Idle => format!(
                "You haven't done anything for a while. To protect your information, we'll sign you out {when}. A message you're writing is saved as a draft."
            ),
            Ended::Max => format!(
                "You've been signed in for a long time. To protect your information, we'll sign you out {when}. A message you're writing is saved as a draft."
            ),
        })
    };
    let can_stay = move || {
        warning
            .get()
            .is_some_and(|left| left.ending() == Ended::Idle)
    };
    view! {
        <dialog
            node_ref=parts.dialog
            class="sm-session-dialog"
            aria-labelledby="session-ending-heading"
            aria-describedby="session-ending-text"
        >
            <h2 id="session-ending-heading">"Your session will end soon"</h2>
            <p id="session-ending-text">{text}</p>
            <button
                node_ref=parts.stay
                type="button"
                class="usa-button"
                on:click=move |_| parts.stays.update(|count| *count += 1)
            >
                {move || if can_stay() { "Stay signed in" } else { "OK" }}
            </button>
        </dialog>
    }
}

/// What the warning on the page and its timer share.
#[derive(Clone, Copy)]
pub struct TimerParts {
    pub signed_in: Signal<bool>,
    /// The time left while the warning shows; `None` while it is closed.
    pub warning: RwSignal<Option<TimeLeft>>,
    pub dialog: NodeRef<leptos::html::Dialog>,
    pub stay: NodeRef<leptos::html::Button>,
    /// How many times "Stay signed in" was pressed.
    pub stays: RwSignal<u32>,
}

/// The name of the window event sent shortly before a session ends, while it still lasts:
/// forms with typed text save it as a draft.
pub const SESSION_ENDING_EVENT: &str = "sm-session-ending";

/// How long before the warning the timer starts asking the server.
#[cfg(feature = "hydrate")]
const LOAD_LEAD_MS: i64 = 10_000;

/// Starts the timer (once) when it is first needed.
#[cfg(feature = "hydrate")]
fn start_when_needed(parts: TimerParts, left: Option<TimeLeft>) {
    use std::time::Duration;
    let started = StoredValue::new(false);
    let start = move |active: bool| {
        if started.get_value() || !parts.signed_in.get_untracked() {
            return;
        }
        started.set_value(true);
        super::session_timer::start(parts, active);
    };
    Effect::new(move |_| {
        if !parts.signed_in.get() {
            return;
        }
        let wait = left.map_or(0, |left| left.ends_in_ms() - left.warning_ms - LOAD_LEAD_MS);
        if wait <= 0 {
            start(false);
        } else {
            set_timeout(move || start(false), Duration::from_millis(wait as u64));
        }
    });
    for name in ["keydown", "pointerdown"] {
        let handle = window_event_listener_untyped(name, move |event| {
            if !is_signing_out(&event) {
                start(true)
            }
        });
        // The layout lives as long as the page: so do its listeners.
        std::mem::forget(handle);
    }
    let handle = window_event_listener_untyped("visibilitychange", move |_| {
        if !document().hidden() {
            start(false);
        }
    });
    std::mem::forget(handle);
}

/// A press on "Sign out" is the end of the session, not activity to report: a report sent
/// with it would race the sign-out and be refused once the session is gone.
#[cfg(feature = "hydrate")]
pub(super) fn is_signing_out(event: &web_sys::Event) -> bool {
    use leptos::server_fn::ServerFn;
    use leptos::wasm_bindgen::JsCast;
    let sign_out = format!("form[action='{}']", super::SignOut::PATH);
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|pressed| pressed.closest(&sign_out).ok().flatten())
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(signed_in_at: i64, active_at: i64) -> SessionClock {
        SessionClock {
            signed_in_at,
            active_at,
        }
    }

    #[test]
    fn idle_and_absolute_limits_end_a_session() {
        let limits = SessionLimits::default();
        let start = 1_000_000;
        assert_eq!(limits.ended(clock(start, start), start + 29 * 60_000), None);
        assert_eq!(
            limits.ended(clock(start, start), start + 30 * 60_000),
            Some(Ended::Idle)
        );
        // Busy all along: still ends at 12 hours.
        let twelve_hours = 12 * 60 * 60_000;
        assert_eq!(
            limits.ended(clock(start, start + twelve_hours - 1), start + twelve_hours),
            Some(Ended::Max)
        );
    }

    #[test]
    fn the_warning_comes_two_minutes_before_or_halfway_for_short_limits() {
        assert_eq!(SessionLimits::default().warning_ms(), 120_000);
        let short = SessionLimits {
            idle_ms: 60_000,
            max_ms: 600_000,
        };
        assert_eq!(short.warning_ms(), 30_000);
        let left = short.left(clock(0, 10_000), 20_000);
        assert_eq!(left.idle_ms, 50_000);
        assert_eq!(left.ends_in_ms(), 50_000);
        assert_eq!(left.ending(), Ended::Idle);
        let near_max = short.left(clock(0, 590_000), 595_000);
        assert_eq!(near_max.ending(), Ended::Max);
    }
}
