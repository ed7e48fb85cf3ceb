//! Business dates live in Asia/Shanghai: a camp's dates, "today" and check-in days.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

pub const BUSINESS_TZ: Tz = chrono_tz::Asia::Shanghai;

/// The Beijing calendar date of an instant.
pub fn business_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&BUSINESS_TZ).date_naive()
}

/// Beijing wall-clock text of an instant, `2026-11-26 09:30`.
pub fn format_beijing(at: DateTime<Utc>) -> String {
    at.with_timezone(&BUSINESS_TZ)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `12月1日`, how the apps show a camp date.
pub fn format_month_day(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}月{}日", date.month(), date.day())
}

/// Number of calendar days from `start` to `end`, both included.
pub fn span_days(start: NaiveDate, end: NaiveDate) -> i64 {
    (end - start).num_days() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn beijing_midnight_starts_the_next_day() {
        let before = Utc.with_ymd_and_hms(2026, 11, 26, 15, 59, 59).single();
        let after = Utc.with_ymd_and_hms(2026, 11, 26, 16, 0, 0).single();
        assert_eq!(
            before.map(business_date),
            NaiveDate::from_ymd_opt(2026, 11, 26)
        );
        assert_eq!(
            after.map(business_date),
            NaiveDate::from_ymd_opt(2026, 11, 27)
        );
    }

    #[test]
    fn span_counts_both_ends() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap_or_default();
        assert_eq!(span_days(d(1), d(10)), 10);
        assert_eq!(span_days(d(1), d(1)), 1);
    }
}
