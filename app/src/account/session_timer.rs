//! The page's session timer (browser only): asks the server how long the session has left,
//! opens the warning in time, saves typed text as drafts just before the end, then goes to
//! `/sign-in`. `SessionTimeout` starts it once it is needed.

use super::session_time::{
    is_signing_out, session_time_left, still_here, TimeLeft, TimerParts, SESSION_ENDING_EVENT,
};
use crate::error::AppError;
use leptos::prelude::*;
use std::time::Duration;

/// How long before the end drafts are saved: enough for one save to finish.
const SAVE_LEAD_MS: i64 = 15_000;

/// Starts the timer; `active` when the person's key press or touch started it, which the
/// server is told about.
pub fn start(parts: TimerParts, active: bool) {
    let timer = Timer {
        parts,
        plan: StoredValue::new(0),
        last_ping: StoredValue::new(if active { now() } else { 0.0 }),
    };
    timer.ask(active);
    for name in ["keydown", "pointerdown"] {
        let handle = window_event_listener_untyped(name, move |event| {
            if !is_signing_out(&event) {
                timer.active()
            }
        });
        // The layout lives as long as the page: so do its listeners.
        std::mem::forget(handle);
    }
    let handle = window_event_listener_untyped("visibilitychange", move |_| {
        if !document().hidden() && parts.signed_in.get_untracked() {
            timer.ask(false);
        }
    });
    std::mem::forget(handle);
    // "Stay signed in" counts its presses; each one after the first look is a press.
    Effect::new(move |seen: Option<u32>| {
        let stays = parts.stays.get();
        if seen.is_some_and(|seen| seen != stays) {
            timer.stay();
        }
        stays
    });
}

#[derive(Clone, Copy)]
struct Timer {
    parts: TimerParts,
    /// Bumped by each new plan, so the timeouts of an older plan do nothing.
    plan: StoredValue<u64>,
    /// Browser time of the last "still here", to send at most one per few seconds.
    last_ping: StoredValue<f64>,
}

impl Timer {
    /// "Stay signed in".
    fn stay(self) {
        self.last_ping.set_value(now());
        self.ask(true);
    }

    /// The person did something: tell the server, now and then.
    fn active(self) {
        if !self.parts.signed_in.get_untracked() {
            return;
        }
        // A few seconds apart at most: the server only moves its clock now and then.
        let every = 5_000.0;
        if now() - self.last_ping.get_value() < every {
            return;
        }
        self.last_ping.set_value(now());
        self.ask(true);
    }

    /// Asks the server for the time left (counting as activity when `active`), then plans
    /// from its answer.
    fn ask(self, active: bool) {
        leptos::task::spawn_local(async move {
            let answer = if active {
                still_here().await
            } else {
                session_time_left().await
            };
            match answer {
                Ok(left) => self.plan(left),
                // The question may have gone with a session id that was just replaced (the
                // id changes when two-step verification is set up): ask once more, with
                // whatever cookie the browser holds now, before leaving.
                Err(AppError::Unauthenticated) => self.after(1_000, |timer| timer.confirm_ended()),
                // Offline or the server is away: look again in a little while.
                Err(_) => self.after(30_000, move |timer| timer.ask(false)),
            }
        });
    }

    /// Leaves if the server still says the session has ended; plans again if not.
    fn confirm_ended(self) {
        leptos::task::spawn_local(async move {
            match session_time_left().await {
                Ok(left) => self.plan(left),
                Err(AppError::Unauthenticated) => self.leave(),
                Err(_) => self.after(30_000, move |timer| timer.ask(false)),
            }
        });
    }

    fn plan(self, left: TimeLeft) {
        self.plan.update_value(|plan| *plan += 1);
        let ends_in = left.ends_in_ms();
        if ends_in <= 0 {
            return self.leave();
        }
        if ends_in > left.warning_ms {
            self.close();
            self.after(ends_in - left.warning_ms, move |timer| timer.ask(false));
            return;
        }
        self.open(left);
        let save_lead = SAVE_LEAD_MS.min(left.warning_ms / 2);
        self.after((ends_in - save_lead).max(0), |_| {
            if let Ok(event) = web_sys::Event::new(SESSION_ENDING_EVENT) {
                let _ = window().dispatch_event(&event);
            }
        });
        // A moment after the end, the server says whether it came.
        self.after(ends_in + 500, move |timer| timer.ask(false));
    }

    fn open(self, left: TimeLeft) {
        let was_open = self.parts.warning.get_untracked().is_some();
        self.parts.warning.set(Some(left));
        if was_open {
            return;
        }
        if let Some(dialog) = self.parts.dialog.get_untracked() {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        }
        // Focus goes to the way out of the warning (WCAG 2.2.1).
        if let Some(stay) = self.parts.stay.get_untracked() {
            let _ = stay.focus();
        }
    }

    fn close(self) {
        self.parts.warning.set(None);
        if let Some(dialog) = self.parts.dialog.get_untracked() {
            if dialog.open() {
                dialog.close();
            }
        }
    }

    /// The session has ended: to the sign-in page, which says why when it was the end the
    /// warning foretold (not a sign-out in another tab).
    fn leave(self) {
        let address = match self.parts.warning.get_untracked().map(TimeLeft::ending) {
            Some(why) => format!("/sign-in?ended={}", why.as_str()),
            None => "/sign-in".to_string(),
        };
        let _ = window().location().assign(&address);
    }

    /// Runs `then` after `ms`, unless a newer plan was made meanwhile.
    fn after(self, ms: i64, then: impl FnOnce(Timer) + 'static) {
        let plan = self.plan.get_value();
        set_timeout(
            move || {
                if self.plan.get_value() == plan {
                    then(self);
                }
            },
            Duration::from_millis(ms.max(0) as u64),
        );
    }
}

fn now() -> f64 {
    web_sys::js_sys::Date::now()
}
