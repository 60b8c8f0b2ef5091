//! The time the server goes by ([`Clock`]), and times as people read them. Stored times
//! are UTC milliseconds; people see their care facility's local time. Formatted on the
//! server so the wasm carries no time-zone data.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The time the server goes by: the system's, or in tests one the test moves with a
/// [`ClockHand`], so a test reaches "later" by saying so instead of sleeping. Kept with
/// the database handle ([`crate::server::db::Db::now_ms`]), which every part of the data
/// layer is given.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    set_to: Option<Arc<AtomicI64>>,
}

/// What moves a settable [`Clock`].
#[derive(Clone, Debug)]
pub struct ClockHand(Arc<AtomicI64>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `start_ms` until its hand moves it.
    pub fn settable(start_ms: i64) -> (Clock, ClockHand) {
        let at = Arc::new(AtomicI64::new(start_ms));
        let clock = Clock {
            set_to: Some(Arc::clone(&at)),
        };
        (clock, ClockHand(at))
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.set_to {
            Some(at) => at.load(Ordering::SeqCst),
            None => super::now_ms(),
        }
    }
}

impl ClockHand {
    /// Moves the clock on by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

/// The zone used until a person's facility is known (the demo facility's zone).
pub const DEFAULT_TIME_ZONE: &str = "America/New_York";

fn local(ms: i64, zone: &str) -> Option<DateTime<Tz>> {
    let tz: Tz = zone.parse().unwrap_or(chrono_tz::America::New_York);
    DateTime::<Utc>::from_timestamp_millis(ms).map(|utc| utc.with_timezone(&tz))
}

/// "Nov 27, 2026"
pub fn date(ms: i64, zone: &str) -> String {
    local(ms, zone)
        .map(|t| t.format("%b %-d, %Y").to_string())
        .unwrap_or_default()
}

/// "Nov 27, 2026, 3:42 PM EST"
pub fn date_time(ms: i64, zone: &str) -> String {
    local(ms, zone)
        .map(|t| t.format("%b %-d, %Y, %-I:%M %p %Z").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settable_clock_reads_what_it_was_set_to_everywhere_it_was_copied() {
        let (clock, hand) = Clock::settable(1_000);
        let copy = clock.clone();
        hand.advance(2_500);
        assert_eq!(clock.now_ms(), 3_500);
        assert_eq!(copy.now_ms(), 3_500);
        let system = Clock::system().now_ms();
        assert!(system > 1_700_000_000_000, "the system clock reads today");
    }

    #[test]
    fn times_are_shown_in_the_facility_zone_across_daylight_saving() {
        // 2026-07-01 16:00 UTC is noon in New York (EDT), 2026-12-01 17:00 UTC also noon (EST).
        assert_eq!(
            date_time(1_782_921_600_000, "America/New_York"),
            "Jul 1, 2026, 12:00 PM EDT"
        );
        assert_eq!(
            date_time(1_796_144_400_000, "America/New_York"),
            "Dec 1, 2026, 12:00 PM EST"
        );
        assert_eq!(
            date(1_796_144_400_000, "America/Los_Angeles"),
            "Dec 1, 2026"
        );
    }
}
