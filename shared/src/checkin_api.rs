//! Request and response bodies of the check-in API (issue 9; PRD §4.1.4,
//! §4.2.3, §7, §13.1). Knowledge Planet topic ids exceed 2^53, so they travel
//! as decimal strings (a JavaScript number would round them); user ids are
//! integers as elsewhere.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::api::PublicCamp;
use crate::checkins::Progress;
use crate::matching::MatchStatus;

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// Longest member search text in a check-in list query, in characters.
pub const MAX_QUERY_CHARS: usize = 64;

/// One check-in post (打卡记录, PRD §4.2.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CheckinRecordDto {
    pub id: i64,
    pub camp_id: i64,
    pub camp_name: String,
    /// Knowledge Planet's topic id as a decimal string; `None` for an imported row.
    pub topic_id: Option<String>,
    /// The poster's Knowledge Planet user_id (星球ID).
    pub user_id: i64,
    /// The poster's name when posting.
    pub name: String,
    /// The paid enrollment matched to this account in the camp, if any.
    pub enrollment_id: Option<i64>,
    pub planet_nickname: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Beijing date the post counts for (if inside the camp).
    pub checkin_date: NaiveDate,
    /// Characters of text.
    pub text_len: i32,
    pub images_count: i32,
    pub excerpt: String,
    /// `sync` or `import`.
    pub source: String,
    /// Deleted on Knowledge Planet after it was synced: shown, not counted.
    pub gone: bool,
}

/// Filters of the check-in records list; every parameter is bounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(IntoParams), into_params(parameter_in = Query))]
pub struct CheckinQuery {
    pub camp_id: Option<i64>,
    /// The poster's name or 星球ID, or the matched member's 星球昵称, contains
    /// this (at most [`MAX_QUERY_CHARS`] characters).
    pub q: Option<String>,
    /// Beijing dates, both included.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100_000))]
    pub page: Option<u64>,
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub page_size: Option<u64>,
}

/// One member's row of the progress statistics (PRD §4.2.3.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MemberCalendar {
    pub enrollment_id: i64,
    pub planet_nickname: String,
    pub planet_id: String,
    pub match_status: MatchStatus,
    /// Counted days (PRD §9.2).
    pub checked_days: i64,
    pub eligible: bool,
    /// One entry per camp day (aligned with [`CampCheckinStats::days`]): ✅ true, ❌ false.
    pub checked: Vec<bool>,
}

/// A camp's progress statistics: the cards and the per-member calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CampCheckinStats {
    pub camp_id: i64,
    pub camp_name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub required_days: i64,
    /// Camp days so far (Beijing), `0..=days.len()`.
    pub elapsed_days: i64,
    /// Every camp day, start to end.
    pub days: Vec<NaiveDate>,
    /// 总人数: paid members.
    pub total_members: i64,
    /// 平均打卡率 in percent (0–100, one decimal): the mean over members of
    /// counted days / camp days so far; 0 before the camp starts.
    pub average_rate_percent: f64,
    /// 满足退款条件人数: members with counted days ≥ required days.
    pub eligible_members: i64,
    pub members: Vec<MemberCalendar>,
}

/// A planet account seen in a camp, for the manual match chooser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanetAccountDto {
    pub user_id: i64,
    /// The latest name seen (may be blank; the alias then names the person).
    pub name: String,
    pub alias: Option<String>,
    /// Check-in posts in this camp (gone ones included).
    pub posts: i64,
    /// The camp's enrollment matched to it (any tier or manual), if any.
    pub matched_enrollment_id: Option<i64>,
}

/// `PUT /api/v1/admin/enrollments/{id}/match`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ManualMatchRequest {
    /// One of the camp's planet accounts (`GET …/camps/{id}/planet-accounts`).
    pub user_id: i64,
}

/// The match panel of the member detail (PRD §4.2.2.2, §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MatchPanel {
    pub status: MatchStatus,
    /// 100 / 66 / 33 / 0.
    pub confidence: u8,
    pub user_id: Option<i64>,
    /// The account's name when matched.
    pub matched_name: Option<String>,
    /// Its name now: differs from `matched_name` after a rename.
    pub current_name: Option<String>,
    pub current_alias: Option<String>,
    /// Staff's choice: automatic matching leaves it alone.
    pub manual: bool,
    pub matched_at: Option<DateTime<Utc>>,
    /// Accounts that fitted equally (同名待确认).
    pub candidates: Vec<PlanetAccountDto>,
    /// Counted days (PRD §9.2).
    pub checkin_days: i64,
    /// Knowledge Planet's accumulated count at the last ranking read, for the cross-check.
    pub ranking_days: Option<i64>,
    pub ranking_checked_at: Option<DateTime<Utc>>,
}

/// What the member detail adds for check-ins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EnrollmentCheckins {
    pub panel: MatchPanel,
    /// The matched account's posts in the camp, newest first (at most 200).
    pub records: Vec<CheckinRecordDto>,
}

/// What an accepted import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportOutcome {
    /// Data rows in the file.
    pub rows: u64,
    /// New records (the rest were already stored: same account + same minute).
    pub inserted: u64,
}

/// The refund status the member sees (PRD §4.1.4). Today it follows from the
/// counted days once the camp has ended; the refunds issue adds review states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// 待审核: the camp has ended and the requirement is met.
    PendingReview,
    /// 不符合条件: the camp has ended and the requirement is not met.
    NotEligible,
}

impl RefundStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::PendingReview => "待审核",
            Self::NotEligible => "不符合条件",
        }
    }
}

/// One counted day on the member's page, with the times posted that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CheckinDay {
    pub date: NaiveDate,
    /// Every post that day, earliest first.
    pub times: Vec<DateTime<Utc>>,
}

/// The member's progress page (PRD §4.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MemberProgress {
    pub enrollment_id: i64,
    pub camp: PublicCamp,
    pub planet_nickname: String,
    pub progress: Progress,
    /// Counted days, earliest first.
    pub days: Vec<CheckinDay>,
    /// Whether a planet account is matched to this enrollment yet.
    pub matched: bool,
    /// When check-ins were last brought in from Knowledge Planet ("数据每天01:00后更新").
    pub last_sync_at: Option<DateTime<Utc>>,
    /// `None` while the camp runs.
    pub refund_status: Option<RefundStatus>,
    pub today: NaiveDate,
}
