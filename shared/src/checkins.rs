//! Counting check-in days (PRD §9.2, issue 9 "Counting"): one rule for the
//! server's number, the H5's and the admin's. A post counts for the Beijing
//! date of its create_time (23:59:59 counts that day, 00:00:00 the next), only
//! from the camp's start date to its end date, at most once a day; no make-up,
//! no leave, any post counts.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::dates::{business_date, span_days};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The camp days (Beijing dates within `start..=end`) on which at least one of
/// `times` was posted, each once.
pub fn counted_days(
    times: impl IntoIterator<Item = DateTime<Utc>>,
    start: NaiveDate,
    end: NaiveDate,
) -> BTreeSet<NaiveDate> {
    times
        .into_iter()
        .map(business_date)
        .filter(|day| (start..=end).contains(day))
        .collect()
}

/// A member's standing in a camp on a given day (PRD §4.1.4, §9.2). All
/// counts are days.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Progress {
    /// Camp days from start to end, both included ("共Y天").
    pub total_days: i64,
    /// Camp days up to and including today, 0 before the start and
    /// `total_days` after the end ("已进行X天").
    pub elapsed_days: i64,
    /// Days with a counted check-in ("已打卡天数").
    pub checked_days: i64,
    /// Days the camp requires for the refund ("要求天数").
    pub required_days: i64,
    /// More days still needed: `max(0, required_days - checked_days)`.
    pub days_needed: i64,
    /// Camp days after today: `total_days - elapsed_days`. Today itself is
    /// not in it (it is already elapsed), so a member who has not posted
    /// today has one more chance than this says until midnight.
    pub days_left: i64,
    /// `checked_days >= required_days`: meets the refund requirement.
    pub eligible: bool,
    /// `checked_days * 100 / required_days`, rounded down, at most 100.
    pub percent: i64,
}

/// The [`Progress`] of a member with `checked_days` counted days (from
/// [`counted_days`]) in a camp running `start..=end` that requires
/// `required_days`, as of the Beijing date `today`.
pub fn progress(
    checked_days: i64,
    start: NaiveDate,
    end: NaiveDate,
    required_days: i64,
    today: NaiveDate,
) -> Progress {
    let total_days = span_days(start, end).max(0);
    let elapsed_days = span_days(start, today).clamp(0, total_days);
    let checked_days = checked_days.max(0);
    let percent = if required_days <= 0 {
        100
    } else {
        (checked_days.saturating_mul(100) / required_days).min(100)
    };
    Progress {
        total_days,
        elapsed_days,
        checked_days,
        required_days,
        days_needed: (required_days - checked_days).max(0),
        days_left: total_days - elapsed_days,
        eligible: checked_days >= required_days,
        percent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, TimeZone};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap_or_default()
    }

    /// An instant given as Beijing wall-clock time on a December day.
    fn beijing(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        FixedOffset::east_opt(8 * 3600)
            .and_then(|bj| bj.with_ymd_and_hms(2026, 12, d, h, m, s).single())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn the_day_ends_at_midnight_beijing() {
        let days = counted_days(
            [beijing(3, 23, 59, 59), beijing(5, 0, 0, 0)],
            day(1),
            day(10),
        );
        assert_eq!(days, BTreeSet::from([day(3), day(5)]));
    }

    #[test]
    fn utc_times_that_cross_midnight_beijing() {
        // 15:59:59 UTC is 23:59:59 Beijing; 16:00:00 UTC is the next Beijing day.
        let before = Utc.with_ymd_and_hms(2026, 12, 3, 15, 59, 59).single();
        let after = Utc.with_ymd_and_hms(2026, 12, 3, 16, 0, 0).single();
        let days = counted_days(before.into_iter().chain(after), day(1), day(10));
        assert_eq!(days, BTreeSet::from([day(3), day(4)]));
        // Early morning UTC is still the same Beijing day.
        let morning = Utc.with_ymd_and_hms(2026, 12, 4, 0, 30, 0).single();
        assert_eq!(
            counted_days(morning, day(1), day(10)),
            BTreeSet::from([day(4)])
        );
    }

    #[test]
    fn only_camp_days_count() {
        let times = [
            beijing(1, 0, 0, 0) - chrono::Duration::seconds(1), // the day before start
            beijing(1, 0, 0, 0),
            beijing(10, 23, 59, 59),
            beijing(11, 0, 0, 0), // the day after end
        ];
        assert_eq!(
            counted_days(times, day(1), day(10)),
            BTreeSet::from([day(1), day(10)])
        );
    }

    #[test]
    fn two_posts_one_day_count_once() {
        let times = [
            beijing(2, 7, 0, 0),
            beijing(2, 21, 30, 0),
            beijing(2, 7, 0, 0),
        ];
        assert_eq!(counted_days(times, day(1), day(10)).len(), 1);
    }

    #[test]
    fn progress_before_during_and_after() {
        let before = progress(0, day(1), day(10), 7, day(1).pred_opt().unwrap_or_default());
        assert_eq!(
            before,
            Progress {
                total_days: 10,
                elapsed_days: 0,
                checked_days: 0,
                required_days: 7,
                days_needed: 7,
                days_left: 10,
                eligible: false,
                percent: 0,
            }
        );
        let during = progress(3, day(1), day(10), 7, day(4));
        assert_eq!(
            (
                during.elapsed_days,
                during.days_left,
                during.days_needed,
                during.percent
            ),
            (4, 6, 4, 42)
        );
        assert!(!during.eligible);
        let first_day = progress(0, day(1), day(10), 7, day(1));
        assert_eq!((first_day.elapsed_days, first_day.days_left), (1, 9));
        let last_day = progress(7, day(1), day(10), 7, day(10));
        assert_eq!((last_day.elapsed_days, last_day.days_left), (10, 0));
        assert!(last_day.eligible);
        let after = progress(9, day(1), day(10), 7, day(25));
        assert_eq!(
            (
                after.elapsed_days,
                after.days_left,
                after.days_needed,
                after.percent,
                after.eligible
            ),
            (10, 0, 0, 100, true)
        );
    }

    #[test]
    fn progress_counts_from_counted_days() {
        let times = [
            beijing(1, 8, 0, 0),
            beijing(1, 9, 0, 0),
            beijing(2, 23, 59, 59),
        ];
        let checked = counted_days(times, day(1), day(3)).len() as i64;
        let p = progress(checked, day(1), day(3), 2, day(3));
        assert_eq!((p.checked_days, p.eligible, p.percent), (2, true, 100));
    }
}
