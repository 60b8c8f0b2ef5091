//! A Veteran's date of birth: what an administrator may enter (the user page and the CSV
//! import check it the same way), and how the care team's pages write it beside the name,
//! so two Veterans with the same name are not confused. Stored as ISO text `YYYY-MM-DD`.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// No Veteran on the record was born before this year; an earlier date is a typing mistake.
pub const EARLIEST_YEAR: i32 = 1900;

/// Checks a date of birth as typed. Empty means "none" (`Ok(None)`); otherwise a real
/// calendar date written `YYYY-MM-DD`, not after `today_ms`'s UTC day (which is the same or
/// a day ahead of every U.S. zone, so nobody born today is refused) and not before 1900.
/// The error is the sentence the field shows.
pub fn check(text: &str, today_ms: i64) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let shaped = text.len() == 10
        && text.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    if !shaped {
        return Err("Enter the date of birth as year, month and day, like 1961-03-04.".to_string());
    }
    let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") else {
        return Err(format!(
            "{text} is not a real date. Check the month and the day."
        ));
    };
    let today = DateTime::<Utc>::from_timestamp_millis(today_ms)
        .map(|now| now.date_naive())
        .unwrap_or(NaiveDate::MAX);
    if day > today {
        return Err("The date of birth can't be in the future.".to_string());
    }
    if day.year() < EARLIEST_YEAR {
        return Err(format!(
            "The date of birth can't be before {EARLIEST_YEAR}. Check the year."
        ));
    }
    Ok(Some(day.format("%Y-%m-%d").to_string()))
}

/// "Mar 4, 1961" for a stored date; `None` when there is none (or it does not read as one).
pub fn words(stored: Option<&str>) -> Option<String> {
    let day = NaiveDate::parse_from_str(stored?, "%Y-%m-%d").ok()?;
    Some(day.format("%b %-d, %Y").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-07 12:00 UTC.
    const NOW: i64 = 1_796_644_800_000;

    #[test]
    fn a_real_past_date_is_kept_in_iso_form() {
        assert_eq!(
            check(" 1961-03-04 ", NOW),
            Ok(Some("1961-03-04".to_string()))
        );
        assert_eq!(check("1900-01-01", NOW), Ok(Some("1900-01-01".to_string())));
        assert_eq!(check("2026-12-07", NOW), Ok(Some("2026-12-07".to_string())));
        assert_eq!(check("", NOW), Ok(None));
    }

    #[test]
    fn wrong_dates_are_refused_with_the_reason() {
        assert!(check("03/04/1961", NOW)
            .unwrap_err()
            .contains("like 1961-03-04"));
        assert!(check("1961-3-4", NOW)
            .unwrap_err()
            .contains("like 1961-03-04"));
        assert!(check("1961-02-30", NOW)
            .unwrap_err()
            .contains("not a real date"));
        assert!(check("2026-12-08", NOW).unwrap_err().contains("future"));
        assert!(check("1899-12-31", NOW)
            .unwrap_err()
            .contains("before 1900"));
    }

    #[test]
    fn reads_as_month_day_year() {
        assert_eq!(words(Some("1961-03-04")).as_deref(), Some("Mar 4, 1961"));
        assert_eq!(words(None), None);
        assert_eq!(words(Some("garbage")), None);
    }
}
