//! The time the server goes by ([`Clock`]), and times as people read them. Stored times
//! are UTC milliseconds; each person sees them in their own time zone
//! ([`crate::auth::SignedInUser::time_zone`]). Formatted on the server so the wasm carries
//! no time-zone data.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
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

/// `zone` by its IANA name; a name that does not parse (zones are checked when saved) is
/// read as the default zone.
fn tz(zone: &str) -> Tz {
    zone.parse().unwrap_or(chrono_tz::America::New_York)
}

fn local(ms: i64, zone: &str) -> Option<DateTime<Tz>> {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|utc| utc.with_timezone(&tz(zone)))
}

/// "2026-11-27", for `<time datetime>` and date fields.
pub fn iso_date(ms: i64, zone: &str) -> String {
    local(ms, zone)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Reads "2026-11-27" (what a date field sends); `None` for anything else, including days
/// that do not exist.
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// The first millisecond of the day `day` in `zone`, in UTC.
pub fn start_of_day_ms(day: NaiveDate, zone: &str) -> Option<i64> {
    tz(zone)
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|start| start.timestamp_millis())
}

/// The last millisecond of the day `day` in `zone`, in UTC.
pub fn end_of_day_ms(day: NaiveDate, zone: &str) -> Option<i64> {
    start_of_day_ms(day.succ_opt()?, zone).map(|next| next - 1)
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

    const HOUR_MS: i64 = 60 * 60 * 1000;
    const NEW_YORK: &str = "America/New_York";

    fn day(text: &str) -> NaiveDate {
        parse_iso_date(text).unwrap()
    }

    #[test]
    fn days_are_the_zone_s_days() {
        // 2026-07-01 03:30 UTC is still June 30 in New York (EDT, -4).
        assert_eq!(date(1_782_876_600_000, NEW_YORK), "Jun 30, 2026");
        // 2026-12-01 04:30 UTC is still November 30 (EST, -5); 05:00 UTC is midnight.
        assert_eq!(iso_date(1_796_099_400_000, NEW_YORK), "2026-11-30");
        assert_eq!(date(1_796_101_200_000, NEW_YORK), "Dec 1, 2026");
        // The same instant is already December 1 in Guam (UTC+10).
        assert_eq!(iso_date(1_796_099_400_000, "Pacific/Guam"), "2026-12-01");
    }

    #[test]
    fn local_days_run_midnight_to_midnight_across_daylight_saving() {
        let july_1 = start_of_day_ms(day("2026-07-01"), NEW_YORK).unwrap();
        assert_eq!(iso_date(july_1, NEW_YORK), "2026-07-01");
        assert_eq!(iso_date(july_1 - 1, NEW_YORK), "2026-06-30");
        let length = |text: &str| {
            end_of_day_ms(day(text), NEW_YORK).unwrap() + 1
                - start_of_day_ms(day(text), NEW_YORK).unwrap()
        };
        assert_eq!(length("2026-07-01"), 24 * HOUR_MS);
        // Daylight time starts on March 8, 2026 (23 hours) and ends November 1 (25).
        assert_eq!(length("2026-03-08"), 23 * HOUR_MS);
        assert_eq!(length("2026-11-01"), 25 * HOUR_MS);
        // Honolulu keeps no daylight time: the same days are 24 hours there.
        let honolulu = |text: &str| {
            end_of_day_ms(day(text), "Pacific/Honolulu").unwrap() + 1
                - start_of_day_ms(day(text), "Pacific/Honolulu").unwrap()
        };
        assert_eq!(honolulu("2026-03-08"), 24 * HOUR_MS);
    }

    #[test]
    fn only_real_days_parse() {
        assert!(parse_iso_date("2028-02-29").is_some());
        assert!(parse_iso_date("2026-02-29").is_none());
        assert!(parse_iso_date("2026-13-01").is_none());
        assert!(parse_iso_date("11/27/2026").is_none());
        assert!(parse_iso_date("").is_none());
    }

    #[test]
    fn times_are_shown_in_the_viewer_s_zone_across_daylight_saving() {
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
        assert_eq!(
            date_time(1_796_144_400_000, "America/Chicago"),
            "Dec 1, 2026, 11:00 AM CST"
        );
    }
}
