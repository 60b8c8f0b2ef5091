//! Response targets: business days, U.S. federal holidays and due times.
//!
//! DESIGN.md §2 "Service level": each team answers within a number of business days (default
//! 3). Business days are Monday to Friday, except the days on which U.S. federal holidays are
//! observed. Holidays are computed for any year, not read from a table, so nobody has to
//! remember to add next year's list.
//!
//! The rules a clinician can rely on:
//! - A thread is due `n` business days after it started waiting, at the same local
//!   wall-clock time in the facility's zone: a message at 10:00 on Wednesday with a 3-day
//!   target is due at 10:00 on Monday, whatever the daylight-saving clock did in between.
//! - A message that arrives on a weekend or a holiday counts as arriving at the start (00:00
//!   local) of the next business day: sent on Saturday with a 3-day target, it is due at
//!   00:00 on Thursday, that is by the end of Wednesday, after three whole business days.
//! - Business hours, for reports only ("first response in business hours"), are
//!   [`BUSINESS_DAY_START`] to [`BUSINESS_DAY_END`] local time on business days.
//!
//! Stored times are UTC epoch milliseconds; the `_ms` functions take and give those.

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// A team's response target when its leads have not set one (DESIGN.md §2 "Service level").
pub const DEFAULT_RESPONSE_TARGET_DAYS: u32 = 3;

/// Business hours start at 08:00 local time: the usual VA clinic day (8:00 a.m. to 4:30 p.m.).
pub const BUSINESS_DAY_START: NaiveTime = time_of_day(8, 0);

/// Business hours end at 16:30 local time.
pub const BUSINESS_DAY_END: NaiveTime = time_of_day(16, 30);

const fn time_of_day(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(time) => time,
        None => NaiveTime::MIN,
    }
}

/// The dates on which U.S. federal holidays are observed within `year`, in order.
///
/// The holidays are those of 5 U.S.C. 6103(a) as they stand today; Martin Luther King Jr. Day
/// counts from 1986 and Juneteenth from 2021, the years they were first observed (earlier
/// changes, such as the Monday holidays of 1971, are not modelled: the app holds no messages
/// from then). A holiday on a Saturday is observed on the Friday before and one on a Sunday on
/// the Monday after (OPM, 5 U.S.C. 6103(b) and Executive Order 11582). So New Year's Day on
/// a Saturday is observed on December 31 of the year before: 2022's fell on Friday, December
/// 31, 2021, which is in the list for 2021 and not in the one for 2022.
///
/// One-off closings by executive order (such as December 24 in some years) and Inauguration
/// Day (a holiday only around Washington, D.C.) are not federal holidays and are not included.
pub fn observed_holidays(year: i32) -> Vec<NaiveDate> {
    let next_year = year.checked_add(1).map(holidays).unwrap_or_default();
    let mut observed: Vec<NaiveDate> = holidays(year)
        .into_iter()
        .chain(next_year)
        .filter_map(observed_on)
        .filter(|date| date.year() == year)
        .collect();
    observed.sort_unstable();
    observed
}

/// Monday to Friday, and not a day on which a federal holiday is observed.
pub fn is_business_day(date: NaiveDate) -> bool {
    HolidayCalendar::default().is_business_day(date)
}

/// Business-day arithmetic in one facility's zone, for many threads at once (a report over
/// thousands): each year's holidays are worked out once, not once per thread. The free
/// functions below answer the same, one thread at a time.
pub struct BusinessCalendar {
    zone: Tz,
    holidays: HolidayCalendar,
}

impl BusinessCalendar {
    pub fn new(zone: Tz) -> Self {
        BusinessCalendar {
            zone,
            holidays: HolidayCalendar::default(),
        }
    }

    /// See [`due_time`].
    pub fn due_time(&mut self, waiting_since: DateTime<Utc>, business_days: u32) -> DateTime<Utc> {
        let zone = self.zone;
        let calendar = &mut self.holidays;
        let arrived = waiting_since.with_timezone(&zone).naive_local();
        let start = if calendar.is_business_day(arrived.date()) {
            arrived
        } else {
            match calendar.next_business_day(arrived.date()) {
                Some(date) => date.and_time(NaiveTime::MIN),
                None => return waiting_since,
            }
        };
        let mut date = start.date();
        for _ in 0..business_days {
            date = match calendar.next_business_day(date) {
                Some(next) => next,
                None => return waiting_since,
            };
        }
        resolve_local(date.and_time(start.time()), zone).unwrap_or(waiting_since)
    }

    /// See [`due_time_ms`].
    pub fn due_time_ms(&mut self, waiting_since_ms: i64, business_days: u32) -> i64 {
        DateTime::<Utc>::from_timestamp_millis(waiting_since_ms)
            .map(|since| self.due_time(since, business_days).timestamp_millis())
            .unwrap_or(waiting_since_ms)
    }

    /// See [`business_ms_between`].
    pub fn business_ms_between(&mut self, start_ms: i64, end_ms: i64) -> i64 {
        match (
            DateTime::<Utc>::from_timestamp_millis(start_ms),
            DateTime::<Utc>::from_timestamp_millis(end_ms),
        ) {
            (Some(start), Some(end)) => self.business_millis(start, end),
            _ => 0,
        }
    }

    fn business_millis(&mut self, start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
        if end <= start {
            return 0;
        }
        let zone = self.zone;
        let last = end.with_timezone(&zone).date_naive();
        let mut date = start.with_timezone(&zone).date_naive();
        let mut total = 0;
        loop {
            if self.holidays.is_business_day(date) {
                let open = resolve_local(date.and_time(BUSINESS_DAY_START), zone);
                let close = resolve_local(date.and_time(BUSINESS_DAY_END), zone);
                if let (Some(open), Some(close)) = (open, close) {
                    let (from, to) = (open.max(start), close.min(end));
                    if to > from {
                        total += (to - from).num_milliseconds();
                    }
                }
            }
            match date.succ_opt() {
                Some(next) if date < last => date = next,
                _ => return total,
            }
        }
    }
}

/// When a thread that started waiting on the team at `waiting_since` is due, given the team's
/// target of `business_days` (see the module documentation for the rules).
///
/// The due time is the same local wall-clock time, in `zone`, `business_days` business days
/// later. Should that local time not exist (the clocks skipped it), the thread is due at the
/// first instant after the skip; should it occur twice (the clocks went back), at the first of
/// the two. A target of 0 days makes the thread due when it started waiting (or, on a weekend
/// or holiday, at the start of the next business day). Times outside chrono's range (about
/// 262,000 years either way) give back `waiting_since`: due at once, never silently late.
pub fn due_time(waiting_since: DateTime<Utc>, business_days: u32, zone: Tz) -> DateTime<Utc> {
    BusinessCalendar::new(zone).due_time(waiting_since, business_days)
}

/// [`due_time`] on epoch milliseconds, as the database stores them. A time chrono cannot
/// represent is given back unchanged (due at once).
pub fn due_time_ms(waiting_since_ms: i64, business_days: u32, zone: Tz) -> i64 {
    BusinessCalendar::new(zone).due_time_ms(waiting_since_ms, business_days)
}

/// The business hours between two instants: the part of `start..end` that falls between
/// [`BUSINESS_DAY_START`] and [`BUSINESS_DAY_END`] local time on business days, in hours
/// (0 when `end` is not after `start`). For reports such as "first response time in business
/// hours". The work is one step per calendar day between the two.
pub fn business_hours_between(start: DateTime<Utc>, end: DateTime<Utc>, zone: Tz) -> f64 {
    BusinessCalendar::new(zone).business_millis(start, end) as f64 / 3_600_000.0
}

/// [`business_hours_between`] on epoch milliseconds, in milliseconds. Times chrono cannot
/// represent count as no business time (0).
pub fn business_ms_between(start_ms: i64, end_ms: i64, zone: Tz) -> i64 {
    BusinessCalendar::new(zone).business_ms_between(start_ms, end_ms)
}

/// The calendar dates of the federal holidays of `year`, before weekend dates are moved.
fn holidays(year: i32) -> Vec<NaiveDate> {
    use Weekday::{Mon, Thu};
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    let nth = |month, weekday, n| NaiveDate::from_weekday_of_month_opt(year, month, weekday, n);
    let since = |first_year, date: Option<NaiveDate>| date.filter(|_| year >= first_year);
    [
        fixed(1, 1),                               // New Year's Day
        since(1986, nth(1, Mon, 3)),               // Martin Luther King Jr. Day
        nth(2, Mon, 3),                            // Washington's Birthday
        nth(5, Mon, 5).or_else(|| nth(5, Mon, 4)), // Memorial Day: the last Monday in May
        since(2021, fixed(6, 19)),                 // Juneteenth National Independence Day
        fixed(7, 4),                               // Independence Day
        nth(9, Mon, 1),                            // Labor Day
        nth(10, Mon, 2),                           // Columbus Day
        fixed(11, 11),                             // Veterans Day
        nth(11, Thu, 4),                           // Thanksgiving Day
        fixed(12, 25),                             // Christmas Day
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// OPM's rule for employees working Monday to Friday: Saturday's holiday is observed on the
/// Friday before, Sunday's on the Monday after.
fn observed_on(holiday: NaiveDate) -> Option<NaiveDate> {
    match holiday.weekday() {
        Weekday::Sat => holiday.pred_opt(),
        Weekday::Sun => holiday.succ_opt(),
        _ => Some(holiday),
    }
}

/// The observed holidays of each year met so far, so a walk from day to day, or a report
/// over many threads, computes each year's list once.
#[derive(Default)]
struct HolidayCalendar {
    years: Vec<(i32, Vec<NaiveDate>)>,
}

impl HolidayCalendar {
    fn is_business_day(&mut self, date: NaiveDate) -> bool {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return false;
        }
        let year = date.year();
        let known = match self.years.iter().position(|(known, _)| *known == year) {
            Some(index) => index,
            None => {
                self.years.push((year, observed_holidays(year)));
                self.years.len() - 1
            }
        };
        !self.years[known].1.contains(&date)
    }

    /// The first business day after `date`.
    fn next_business_day(&mut self, mut date: NaiveDate) -> Option<NaiveDate> {
        loop {
            date = date.succ_opt()?;
            if self.is_business_day(date) {
                return Some(date);
            }
        }
    }
}

/// The instant at which clocks in `zone` show `local`. When they skip it (clocks going
/// forward), the first instant after the skip; when they show it twice (clocks going back),
/// the earlier of the two.
fn resolve_local(local: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    match zone.from_local_datetime(&local) {
        chrono::LocalResult::Single(at) => Some(at.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(one, other) => Some(one.min(other).with_timezone(&Utc)),
        chrono::LocalResult::None => first_instant_after_gap(local, zone),
    }
}

/// For a local time the clocks skipped: the instant they jumped, which is the earliest one
/// whose local time is later than `local`. Found by bisection between the instants `local`
/// names under the offsets before and after the jump (a day either side holds one offset
/// each: no zone changes its clocks twice in a day), to the second, the unit of zone changes.
fn first_instant_after_gap(local: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    let day = chrono::TimeDelta::days(1);
    let offset_at = |utc: NaiveDateTime| zone.offset_from_utc_datetime(&utc).fix();
    let before = offset_at(local.checked_sub_signed(day)?);
    let after = offset_at(local.checked_add_signed(day)?);
    let shows_later = |seconds: i64| {
        DateTime::<Utc>::from_timestamp(seconds, 0)
            .is_none_or(|at| at.with_timezone(&zone).naive_local() >= local)
    };
    // Read with the later offset, `local` names an instant before the jump; with the earlier
    // offset, one after it.
    let mut earlier = local.checked_sub_offset(after)?.and_utc().timestamp();
    let mut later = local.checked_sub_offset(before)?.and_utc().timestamp();
    while later - earlier > 1 {
        let middle = earlier + (later - earlier) / 2;
        if shows_later(middle) {
            later = middle;
        } else {
            earlier = middle;
        }
    }
    DateTime::<Utc>::from_timestamp(later, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{Africa, America, Pacific};

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn dates(year: i32, month_days: &[(u32, u32)]) -> Vec<NaiveDate> {
        month_days
            .iter()
            .map(|&(month, day)| date(year, month, day))
            .collect()
    }

    /// An instant written in UTC, so expectations do not lean on the code under test.
    fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
            .single()
            .unwrap()
    }

    /// An unambiguous local time in `zone`, as UTC.
    fn local(zone: Tz, year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        zone.with_ymd_and_hms(year, month, day, hour, minute, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    const NEW_YORK: Tz = America::New_York;
    const LOS_ANGELES: Tz = America::Los_Angeles;
    const HONOLULU: Tz = Pacific::Honolulu;

    // The published OPM lists (opm.gov, "Federal Holidays"), observed dates.

    #[test]
    fn holidays_2024_match_opm() {
        #[rustfmt::skip]
        let opm = dates(2024, &[
            (1, 1), (1, 15), (2, 19), (5, 27), (6, 19), (7, 4),
            (9, 2), (10, 14), (11, 11), (11, 28), (12, 25),
        ]);
        assert_eq!(observed_holidays(2024), opm);
    }

    #[test]
    fn holidays_2025_match_opm() {
        #[rustfmt::skip]
        let opm = dates(2025, &[
            (1, 1), (1, 20), (2, 17), (5, 26), (6, 19), (7, 4),
            (9, 1), (10, 13), (11, 11), (11, 27), (12, 25),
        ]);
        assert_eq!(observed_holidays(2025), opm);
    }

    #[test]
    fn holidays_2026_match_opm() {
        // Independence Day is a Saturday: observed Friday, July 3.
        #[rustfmt::skip]
        let opm = dates(2026, &[
            (1, 1), (1, 19), (2, 16), (5, 25), (6, 19), (7, 3),
            (9, 7), (10, 12), (11, 11), (11, 26), (12, 25),
        ]);
        assert_eq!(observed_holidays(2026), opm);
    }

    #[test]
    fn holidays_2027_match_opm() {
        // Juneteenth (Sat), Independence Day (Sun) and Christmas (Sat) move; New Year's Day
        // 2028 is a Saturday, observed Friday, December 31, 2027.
        #[rustfmt::skip]
        let opm = dates(2027, &[
            (1, 1), (1, 18), (2, 15), (5, 31), (6, 18), (7, 5),
            (9, 6), (10, 11), (11, 11), (11, 25), (12, 24), (12, 31),
        ]);
        assert_eq!(observed_holidays(2027), opm);
    }

    #[test]
    fn new_years_day_on_a_saturday_belongs_to_the_year_before() {
        // January 1, 2022 was a Saturday: observed Friday, December 31, 2021.
        let in_2021 = observed_holidays(2021);
        assert!(in_2021.contains(&date(2021, 12, 31)));
        assert!(
            in_2021.contains(&date(2021, 6, 18)),
            "first Juneteenth, observed Fri"
        );
        assert_eq!(in_2021.len(), 12);
        let in_2022 = observed_holidays(2022);
        assert!(!in_2022.contains(&date(2022, 1, 1)));
        assert!(!in_2022.contains(&date(2021, 12, 31)));
        assert_eq!(in_2022.len(), 10);
        assert!(!is_business_day(date(2021, 12, 31)));
        assert!(is_business_day(date(2022, 1, 3)));
        // A Sunday holiday moves to the Monday of the same year: January 1, 2023.
        assert_eq!(observed_holidays(2023)[0], date(2023, 1, 2));
    }

    #[test]
    fn juneteenth_and_king_day_count_from_their_first_year() {
        assert!(!observed_holidays(2020).contains(&date(2020, 6, 19)));
        assert_eq!(observed_holidays(2020).len(), 10);
        assert!(observed_holidays(1986).contains(&date(1986, 1, 20)));
        assert!(!observed_holidays(1985).contains(&date(1985, 1, 21)));
    }

    #[test]
    fn every_observed_holiday_is_a_weekday_in_order_for_centuries() {
        for year in 1990..=2300 {
            let observed = observed_holidays(year);
            // Eleven holidays (ten before Juneteenth), less this year's New Year's Day when
            // it is a Saturday, plus next year's when that one is.
            let on_saturday = |year| date(year, 1, 1).weekday() == Weekday::Sat;
            let expected = if year >= 2021 { 11 } else { 10 } - usize::from(on_saturday(year))
                + usize::from(on_saturday(year + 1));
            assert_eq!(observed.len(), expected, "{year}: {observed:?}");
            assert!(observed.windows(2).all(|pair| pair[0] < pair[1]), "{year}");
            for day in &observed {
                assert_eq!(day.year(), year);
                assert!(
                    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
                    "{day}"
                );
                assert!(!is_business_day(*day), "{day}");
            }
        }
    }

    #[test]
    fn years_out_of_range_have_no_holidays_and_do_not_panic() {
        assert!(observed_holidays(i32::MAX).is_empty());
        assert!(observed_holidays(i32::MIN).is_empty());
    }

    #[test]
    fn business_days_are_weekdays_that_are_not_holidays() {
        assert!(is_business_day(date(2026, 11, 25))); // Wednesday
        assert!(!is_business_day(date(2026, 11, 26))); // Thanksgiving
        assert!(is_business_day(date(2026, 11, 27))); // the Friday after
        assert!(!is_business_day(date(2026, 11, 28))); // Saturday
        assert!(!is_business_day(date(2026, 11, 29))); // Sunday
        assert!(!is_business_day(date(2026, 7, 3))); // observed Independence Day
        assert!(!is_business_day(date(2026, 7, 4))); // the Saturday itself
                                                     // 2026: 261 weekdays less 11 holidays, all observed on weekdays.
        let year = date(2026, 1, 1)
            .iter_days()
            .take_while(|d| d.year() == 2026);
        assert_eq!(year.filter(|d| is_business_day(*d)).count(), 250);
    }

    // Due times.

    #[test]
    fn due_time_skips_the_weekend() {
        // Thursday 14:00 EST + 3 → Fri, Mon, Tue 14:00.
        let thursday = local(NEW_YORK, 2026, 1, 8, 14, 0);
        assert_eq!(due_time(thursday, 3, NEW_YORK), utc(2026, 1, 13, 19, 0));
        // Friday 09:15 + 3 → Mon, Tue, Wed 09:15.
        let friday = local(NEW_YORK, 2026, 1, 9, 9, 15);
        assert_eq!(due_time(friday, 3, NEW_YORK), utc(2026, 1, 14, 14, 15));
        // Friday + 1 → Monday.
        assert_eq!(due_time(friday, 1, NEW_YORK), utc(2026, 1, 12, 14, 15));
    }

    #[test]
    fn due_time_skips_holidays() {
        // Wednesday before Thanksgiving, 10:00 EST + 3 → Fri 27, Mon 30, Tue Dec 1 10:00.
        let wednesday = utc(2026, 11, 25, 15, 0);
        assert_eq!(due_time(wednesday, 3, NEW_YORK), utc(2026, 12, 1, 15, 0));
        // Thursday, December 23, 2027, noon + 3 → (Fri 24 observed Christmas) Mon 27, Tue 28,
        // Wed 29.
        let before_christmas = local(NEW_YORK, 2027, 12, 23, 12, 0);
        assert_eq!(
            due_time(before_christmas, 3, NEW_YORK),
            utc(2027, 12, 29, 17, 0)
        );
        // Thursday, December 30, 2027 + 1 → (Fri 31 observed New Year's Day 2028) Mon, Jan 3.
        let before_new_year = local(NEW_YORK, 2027, 12, 30, 12, 0);
        assert_eq!(
            due_time(before_new_year, 1, NEW_YORK),
            utc(2028, 1, 3, 17, 0)
        );
        // Friday before Martin Luther King Jr. Day 2026 + 1 → Tuesday, January 20.
        let friday = local(NEW_YORK, 2026, 1, 16, 16, 45);
        assert_eq!(due_time(friday, 1, NEW_YORK), utc(2026, 1, 20, 21, 45));
    }

    #[test]
    fn a_message_on_a_weekend_or_holiday_counts_from_the_next_business_day() {
        // Saturday, November 7, 2026, 14:00 → counts from Mon 9 00:00; + 3 → Tue 10,
        // (Wed 11 Veterans Day) Thu 12, Fri 13 at 00:00 EST: due by the end of Thursday.
        let saturday = local(NEW_YORK, 2026, 11, 7, 14, 0);
        assert_eq!(due_time(saturday, 3, NEW_YORK), utc(2026, 11, 13, 5, 0));
        // Sunday late evening is still Sunday: counts from Monday 00:00.
        let sunday = local(NEW_YORK, 2026, 11, 8, 23, 59);
        assert_eq!(due_time(sunday, 3, NEW_YORK), utc(2026, 11, 13, 5, 0));
        // On Thanksgiving, 15:00 → counts from Fri 27 00:00; + 3 → Mon, Tue, Wed Dec 2 00:00.
        let thanksgiving = local(NEW_YORK, 2026, 11, 26, 15, 0);
        assert_eq!(due_time(thanksgiving, 3, NEW_YORK), utc(2026, 12, 2, 5, 0));
    }

    #[test]
    fn a_target_of_zero_days_is_due_when_waiting_starts_or_the_next_business_morning() {
        let wednesday = local(NEW_YORK, 2026, 11, 25, 10, 0);
        assert_eq!(due_time(wednesday, 0, NEW_YORK), wednesday);
        let saturday = local(NEW_YORK, 2026, 11, 28, 10, 0);
        assert_eq!(due_time(saturday, 0, NEW_YORK), utc(2026, 11, 30, 5, 0));
    }

    #[test]
    fn the_facility_zone_decides_the_day_and_the_time() {
        // Monday, January 12, 2026, 06:00 UTC: Monday 01:00 in New York, but still Sunday
        // evening in Los Angeles (22:00) and Honolulu (20:00), where it counts from Monday
        // 00:00 local.
        let instant = utc(2026, 1, 12, 6, 0);
        assert_eq!(due_time(instant, 1, NEW_YORK), utc(2026, 1, 13, 6, 0)); // Tue 01:00 EST
        assert_eq!(due_time(instant, 1, LOS_ANGELES), utc(2026, 1, 13, 8, 0)); // Tue 00:00 PST
        assert_eq!(due_time(instant, 1, HONOLULU), utc(2026, 1, 13, 10, 0)); // Tue 00:00 HST
                                                                             // Friday 20:00 UTC: Friday afternoon everywhere; due Monday at the same local time.
        let friday = utc(2026, 1, 9, 20, 0);
        assert_eq!(due_time(friday, 1, NEW_YORK), utc(2026, 1, 12, 20, 0));
        assert_eq!(due_time(friday, 1, HONOLULU), utc(2026, 1, 12, 20, 0));
    }

    #[test]
    fn due_time_keeps_the_wall_clock_across_the_spring_change() {
        // Clocks go forward on Sunday, March 8, 2026. Friday 10:00 EST (15:00 UTC) + 1 →
        // Monday 10:00 EDT (14:00 UTC): 71 hours later.
        let friday = local(NEW_YORK, 2026, 3, 6, 10, 0);
        assert_eq!(friday, utc(2026, 3, 6, 15, 0));
        assert_eq!(due_time(friday, 1, NEW_YORK), utc(2026, 3, 9, 14, 0));
        let friday = local(LOS_ANGELES, 2026, 3, 6, 10, 0);
        assert_eq!(due_time(friday, 1, LOS_ANGELES), utc(2026, 3, 9, 17, 0));
        // Honolulu keeps standard time all year: exactly 72 hours.
        let friday = local(HONOLULU, 2026, 3, 6, 10, 0);
        assert_eq!(due_time(friday, 1, HONOLULU), utc(2026, 3, 9, 20, 0));
        // Arriving on the Saturday before: counts from Monday 00:00 EDT.
        let saturday = local(NEW_YORK, 2026, 3, 7, 12, 0);
        assert_eq!(due_time(saturday, 3, NEW_YORK), utc(2026, 3, 12, 4, 0));
    }

    #[test]
    fn due_time_keeps_the_wall_clock_across_the_autumn_change() {
        // Clocks go back on Sunday, November 1, 2026. Friday 10:00 EDT (14:00 UTC) + 1 →
        // Monday 10:00 EST (15:00 UTC): 73 hours later.
        let friday = local(NEW_YORK, 2026, 10, 30, 10, 0);
        assert_eq!(friday, utc(2026, 10, 30, 14, 0));
        assert_eq!(due_time(friday, 1, NEW_YORK), utc(2026, 11, 2, 15, 0));
        // Arriving in the repeated hour (01:30 EST, the second one) counts from Monday 00:00
        // EST; + 1 → Tuesday 00:00 EST.
        let repeated_hour = utc(2026, 11, 1, 6, 30);
        assert_eq!(due_time(repeated_hour, 1, NEW_YORK), utc(2026, 11, 3, 5, 0));
    }

    #[test]
    fn skipped_and_repeated_local_times_resolve_to_the_first_instant() {
        // 02:30 on March 8, 2026 does not exist in New York: 03:00 EDT, 07:00 UTC.
        let skipped = date(2026, 3, 8).and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(
            resolve_local(skipped, NEW_YORK),
            Some(utc(2026, 3, 8, 7, 0))
        );
        // 01:30 on November 1, 2026 happens twice: the first, 01:30 EDT, 05:30 UTC.
        let repeated = date(2026, 11, 1).and_hms_opt(1, 30, 0).unwrap();
        assert_eq!(
            resolve_local(repeated, NEW_YORK),
            Some(utc(2026, 11, 1, 5, 30))
        );
    }

    #[test]
    fn due_times_on_a_weekday_clock_change_resolve_sensibly() {
        // Egypt changes its clocks on weekdays, so due times really land on them. On Friday,
        // April 24, 2026 clocks jump from 00:00 to 01:00 (EET → EEST): Thursday 00:30 EET + 1
        // → Friday 00:30, which does not exist → 01:00 EEST (Thursday 22:00 UTC).
        const CAIRO: Tz = Africa::Cairo;
        let thursday = utc(2026, 4, 22, 22, 30);
        assert_eq!(due_time(thursday, 1, CAIRO), utc(2026, 4, 23, 22, 0));
        // On Thursday, October 29, 2026 the hour 23:00–24:00 happens twice (EEST, then EET):
        // Wednesday 23:30 EEST + 1 → Thursday 23:30, the first time, 20:30 UTC.
        let wednesday = utc(2026, 10, 28, 20, 30);
        assert_eq!(due_time(wednesday, 1, CAIRO), utc(2026, 10, 29, 20, 30));
    }

    #[test]
    fn due_times_always_fall_on_business_days_the_right_number_of_days_later() {
        let mut since = utc(2025, 12, 1, 0, 0);
        while since < utc(2028, 2, 1, 0, 0) {
            for days in [1, 3, 10] {
                let due = due_time(since, days, NEW_YORK);
                let due_date = due.with_timezone(&NEW_YORK).date_naive();
                assert!(is_business_day(due_date), "{since} + {days}: {due}");
                let start_date = since.with_timezone(&NEW_YORK).date_naive();
                let counted = start_date
                    .iter_days()
                    .skip(1)
                    .take_while(|d| *d <= due_date)
                    .filter(|d| is_business_day(*d))
                    .count();
                let expected = if is_business_day(start_date) {
                    days
                } else {
                    days + 1
                };
                assert_eq!(counted, expected as usize, "{since} + {days}: {due}");
            }
            since += chrono::TimeDelta::hours(7);
        }
    }

    #[test]
    fn due_time_in_epoch_milliseconds() {
        // Wednesday, November 25, 2026, 10:00 EST → Tuesday, December 1, 10:00 EST.
        assert_eq!(
            due_time_ms(1_795_618_800_000, 3, NEW_YORK),
            1_796_137_200_000
        );
        assert_eq!(
            due_time_ms(
                utc(2026, 11, 25, 15, 0).timestamp_millis(),
                DEFAULT_RESPONSE_TARGET_DAYS,
                NEW_YORK
            ),
            utc(2026, 12, 1, 15, 0).timestamp_millis()
        );
        // Milliseconds are kept.
        assert_eq!(
            due_time_ms(1_795_618_800_123, 3, NEW_YORK),
            1_796_137_200_123
        );
        // Out of chrono's range: due at once, no panic.
        assert_eq!(due_time_ms(i64::MAX, 3, NEW_YORK), i64::MAX);
        assert_eq!(due_time_ms(i64::MIN, 3, NEW_YORK), i64::MIN);
    }

    // Business hours.

    fn hours_between(zone: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
        business_hours_between(start, end, zone)
    }

    #[test]
    fn business_hours_within_one_day_are_clipped_to_08_00_16_30() {
        let tuesday = |hour, minute| local(NEW_YORK, 2026, 1, 13, hour, minute);
        assert_eq!(hours_between(NEW_YORK, tuesday(9, 0), tuesday(11, 30)), 2.5);
        assert_eq!(hours_between(NEW_YORK, tuesday(7, 0), tuesday(18, 0)), 8.5);
        assert_eq!(hours_between(NEW_YORK, tuesday(17, 0), tuesday(23, 0)), 0.0);
        assert_eq!(hours_between(NEW_YORK, tuesday(11, 0), tuesday(9, 0)), 0.0);
    }

    #[test]
    fn business_hours_skip_the_weekend() {
        // Friday 15:00 → Monday 09:00: 1.5 h on Friday and 1 h on Monday.
        let friday = local(NEW_YORK, 2026, 1, 9, 15, 0);
        let monday = local(NEW_YORK, 2026, 1, 12, 9, 0);
        assert_eq!(hours_between(NEW_YORK, friday, monday), 2.5);
        // Saturday to Sunday: none.
        let saturday = local(NEW_YORK, 2026, 1, 10, 9, 0);
        let sunday = local(NEW_YORK, 2026, 1, 11, 15, 0);
        assert_eq!(hours_between(NEW_YORK, saturday, sunday), 0.0);
        // From Monday 00:00 a week and an hour later: five days of 8.5 h, then 1 h.
        let week_start = local(NEW_YORK, 2026, 1, 5, 0, 0);
        assert_eq!(hours_between(NEW_YORK, week_start, monday), 42.5 + 1.0);
    }

    #[test]
    fn business_hours_skip_holidays() {
        // Wednesday before Thanksgiving 16:00 → Monday, November 30, 08:30: 0.5 h Wednesday,
        // none on Thanksgiving or the weekend, 8.5 h on Friday, 0.5 h on Monday.
        let wednesday = local(NEW_YORK, 2026, 11, 25, 16, 0);
        let monday = local(NEW_YORK, 2026, 11, 30, 8, 30);
        assert_eq!(hours_between(NEW_YORK, wednesday, monday), 9.5);
        // Friday noon → Tuesday noon across Martin Luther King Jr. Day: 4.5 h + 4 h.
        let friday = local(NEW_YORK, 2026, 1, 16, 12, 0);
        let tuesday = local(NEW_YORK, 2026, 1, 20, 12, 0);
        assert_eq!(hours_between(NEW_YORK, friday, tuesday), 8.5);
        // All of 2026: 250 business days of 8.5 h.
        let year_start = local(NEW_YORK, 2026, 1, 1, 0, 0);
        let next_year = local(NEW_YORK, 2027, 1, 1, 0, 0);
        assert_eq!(hours_between(NEW_YORK, year_start, next_year), 2125.0);
    }

    #[test]
    fn business_hours_follow_the_facility_zone_and_its_clock_changes() {
        // Friday 21:00 UTC → Monday 14:00 UTC. New York: Friday 16:00–16:30 and Monday
        // 08:00–09:00 = 1.5 h. Los Angeles: Friday 13:00–16:30 and nothing before 06:00 on
        // Monday = 3.5 h.
        let start = utc(2026, 1, 9, 21, 0);
        let end = utc(2026, 1, 12, 14, 0);
        assert_eq!(hours_between(NEW_YORK, start, end), 1.5);
        assert_eq!(hours_between(LOS_ANGELES, start, end), 3.5);
        // Across the spring change: Friday 16:00 EST → Monday 08:30 EDT = 0.5 h + 0.5 h.
        let friday = local(NEW_YORK, 2026, 3, 6, 16, 0);
        let monday = local(NEW_YORK, 2026, 3, 9, 8, 30);
        assert_eq!(hours_between(NEW_YORK, friday, monday), 1.0);
    }

    #[test]
    fn business_time_in_epoch_milliseconds() {
        let friday = local(NEW_YORK, 2026, 1, 9, 15, 0).timestamp_millis();
        let monday = local(NEW_YORK, 2026, 1, 12, 9, 0).timestamp_millis();
        assert_eq!(business_ms_between(friday, monday, NEW_YORK), 9_000_000);
        assert_eq!(business_ms_between(monday, friday, NEW_YORK), 0);
        assert_eq!(business_ms_between(i64::MIN, i64::MAX, NEW_YORK), 0);
    }
}
