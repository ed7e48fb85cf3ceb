//! Business dates live in Asia/Shanghai: a camp's dates, "today" and check-in days.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Asia/Shanghai, from the tz database (the server).
#[cfg(feature = "tz")]
pub const BUSINESS_TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;
/// In the browser: the same clock, without carrying the tz database in the wasm.
#[cfg(not(feature = "tz"))]
pub const BUSINESS_TZ: FixedOffset = BEIJING_OFFSET;

/// China has kept UTC+8 all year since 1991 (a test checks this against the tz database).
pub const BEIJING_OFFSET: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

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

    #[cfg(feature = "tz")]
    #[test]
    fn the_fixed_offset_is_asia_shanghai() {
        use chrono::Datelike;
        // Every half year from 1992 to 2100, the two clocks read the same.
        let mut at = Utc
            .with_ymd_and_hms(1992, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        while at.year() < 2100 {
            assert_eq!(
                at.with_timezone(&BUSINESS_TZ).naive_local(),
                at.with_timezone(&BEIJING_OFFSET).naive_local(),
                "{at}"
            );
            at += chrono::Duration::days(182);
        }
    }

    #[test]
    fn span_counts_both_ends() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap_or_default();
        assert_eq!(span_days(d(1), d(10)), 10);
        assert_eq!(span_days(d(1), d(1)), 1);
    }
}
