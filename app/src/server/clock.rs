//! Times as people read them. Stored times are UTC milliseconds; people see their care
//! facility's local time. Formatted on the server so the wasm carries no time-zone data.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

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
