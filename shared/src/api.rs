//! Request and response bodies of the JSON API under `/api/v1`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, FieldErrors};
use crate::roles::Role;

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;
/// The highest page number a list accepts: far beyond any real list (PRD §1:
/// about 10 camps a month, up to 1000 members each), and small enough that
/// `(page - 1) * page_size` always fits the database's signed 64-bit offset.
pub const MAX_PAGE: u64 = 100_000;

/// A list's `page` and `page_size` query parameters, checked at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1-based page number, 1..=[`MAX_PAGE`].
    pub page: u64,
    /// Rows per page, 1..=[`MAX_PAGE_SIZE`].
    pub page_size: u64,
}

impl Paging {
    /// Absent values take the defaults (page 1, [`DEFAULT_PAGE_SIZE`] rows);
    /// out-of-range values are a validation error naming the field.
    pub fn parse(page: Option<u64>, page_size: Option<u64>) -> Result<Self, ApiError> {
        let mut fields = FieldErrors::new();
        let page = page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            fields.insert(
                "page".into(),
                format!("页码须为 1 到 {MAX_PAGE} 之间的整数"),
            );
        }
        let page_size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            fields.insert(
                "page_size".into(),
                format!("每页条数须为 1 到 {MAX_PAGE_SIZE} 之间的整数"),
            );
        }
        if fields.is_empty() {
            Ok(Self { page, page_size })
        } else {
            Err(ApiError::fields(fields))
        }
    }

    /// The 0-based page index the database paginators take.
    pub fn index(self) -> u64 {
        self.page - 1
    }

    /// Wraps one page of rows with the paging it was fetched with.
    pub fn page_of<T>(self, items: Vec<T>, total: u64) -> Page<T> {
        Page {
            items,
            total,
            page: self.page,
            page_size: self.page_size,
        }
    }
}

/// What any visitor may know about this deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SystemInfo {
    pub sandbox: bool,
    pub version: String,
    /// Today's business date (Asia/Shanghai), so the apps never trust the device clock.
    pub today: NaiveDate,
}

// ---- staff authentication ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The signed-in staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// Sent back as the `x-csrf-token` header on every state-changing request.
    pub csrf_token: String,
}

// ---- users ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreateUserRequest {
    /// 3–32 letters, digits, `_`, `-` or `.` (PRD §4.2.6.1).
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[A-Za-z0-9_.-]{3,32}$"))]
    pub username: String,
    /// 8–128 characters, not all digits.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: String,
    pub role: Role,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpdateUserRequest {
    /// 3–32 letters, digits, `_`, `-` or `.` (PRD §4.2.6.1).
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[A-Za-z0-9_.-]{3,32}$"))]
    pub username: String,
    pub role: Role,
    pub enabled: bool,
}

/// A new random password, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResetPasswordResponse {
    pub password: String,
}

/// A person who can be picked as a camp's coach or volunteer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffOption {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

// ---- camps ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CampStatus {
    NotStarted,
    Ongoing,
    Ended,
}

impl CampStatus {
    pub fn of(start: NaiveDate, end: NaiveDate, today: NaiveDate) -> Self {
        if today < start {
            Self::NotStarted
        } else if today > end {
            Self::Ended
        } else {
            Self::Ongoing
        }
    }

    /// The admin's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotStarted => "未开始",
            Self::Ongoing => "进行中",
            Self::Ended => "已结束",
        }
    }

    /// The member's words on the H5 list.
    pub fn member_label(self) -> &'static str {
        match self {
            Self::NotStarted => "即将开始",
            Self::Ongoing => "进行中",
            Self::Ended => "已结束",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::Ongoing => "ongoing",
            Self::Ended => "ended",
        }
    }
}

/// A camp as members see it on the H5 list and sign-up page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicCamp {
    pub id: i64,
    pub name: String,
    pub poster_url: String,
    pub deposit_fen: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub total_days: i32,
    pub required_days: i32,
    /// Sanitized HTML.
    pub intro_html: String,
    pub enrolled_count: u64,
    pub status: CampStatus,
}

/// A camp as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CampDto {
    pub id: i64,
    pub name: String,
    pub poster_upload_id: i64,
    pub poster_url: String,
    pub group_qr_upload_id: i64,
    pub group_qr_url: String,
    pub deposit_fen: i64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub total_days: i32,
    pub required_days: i32,
    pub intro_html: String,
    pub coaches: Vec<StaffOption>,
    pub volunteers: Vec<StaffOption>,
    pub planet_project_id: String,
    pub wecom_payee_id: String,
    pub enrolled_count: u64,
    pub status: CampStatus,
    /// The member sign-up link this camp's QR code points at.
    pub h5_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The body of both create and edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CampRequest {
    /// 1–50 characters after trimming (PRD §4.2.1.2).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub name: String,
    /// Required: an uploaded `poster`.
    pub poster_upload_id: Option<i64>,
    /// Required: an uploaded `group_qr`.
    pub group_qr_upload_id: Option<i64>,
    /// Fen, 1..=10,000,000 (¥100,000).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10_000_000))]
    pub deposit_fen: i64,
    /// Required; not before today (Beijing) for a new camp.
    pub start_date: Option<NaiveDate>,
    /// Required; after `start_date`.
    pub end_date: Option<NaiveDate>,
    /// At least 1, at most the days from start to end.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub total_days: i32,
    /// At least 1, at most `total_days`.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub required_days: i32,
    /// Simple HTML (sanitized on save); at most 500 characters of visible text.
    #[serde(default)]
    pub intro_html: String,
    /// At least one coach.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub coach_ids: Vec<i64>,
    /// Nobody both coach and volunteer.
    #[serde(default)]
    pub volunteer_ids: Vec<i64>,
    /// 1–64 letters, digits, `_` or `-`.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[A-Za-z0-9_-]{1,64}$"))]
    pub planet_project_id: String,
    /// 1–64 letters, digits, `_` or `-`.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[A-Za-z0-9_-]{1,64}$"))]
    pub wecom_payee_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CampStatusFilter {
    #[default]
    All,
    NotStarted,
    Ongoing,
    Ended,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(IntoParams), into_params(parameter_in = Query))]
pub struct CampListQuery {
    #[serde(default)]
    pub status: CampStatusFilter,
    /// Name contains this text.
    pub q: Option<String>,
    /// Camps that overlap [from, to] (Beijing dates).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// 1-based; at most [`MAX_PAGE`].
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100_000))]
    pub page: Option<u64>,
    /// At most [`MAX_PAGE_SIZE`].
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub page_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UploadDto {
    pub id: i64,
    pub url: String,
    pub content_type: String,
    pub size: i64,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    /// Public: shown on the member pages.
    Poster,
    /// Private: the camp group's QR code, only for staff and paid members.
    GroupQr,
}

impl UploadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Poster => "poster",
            Self::GroupQr => "group_qr",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Poster, Self::GroupQr]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

// ---- audit log ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditLogDto {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub action_label: String,
    pub target: String,
    pub details: String,
    pub ip: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(IntoParams), into_params(parameter_in = Query))]
pub struct AuditLogQuery {
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// 1-based; at most [`MAX_PAGE`].
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100_000))]
    pub page: Option<u64>,
    /// At most [`MAX_PAGE_SIZE`].
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub page_size: Option<u64>,
}

/// An action the audit log can be filtered by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditActionOption {
    pub action: String,
    pub label: String,
}

// ---- backups ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BackupDto {
    pub file_name: String,
    pub size: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BackupQueued {
    pub message: String,
}

// ---- member sign-up and payment ----

/// How the member pays: JSAPI inside WeChat, a QR code (Native) elsewhere, or
/// WeChat's H5 payment in another mobile browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PayMethod {
    Jsapi,
    Native,
    H5,
}

impl PayMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jsapi => "jsapi",
            Self::Native => "native",
            Self::H5 => "h5",
        }
    }
}

/// Which payment methods this deployment offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PayOptions {
    pub jsapi: bool,
    pub h5: bool,
    /// This browser has been through WeChat's OAuth, so JSAPI can be used.
    pub wechat_authorized: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignUpRequest {
    /// 1–32 characters once cleaned (`shared::normalize::clean_text`: NFKC,
    /// control and invisible characters dropped, spaces collapsed and trimmed);
    /// stored cleaned. Blank or invisible-only is missing.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32))]
    pub planet_nickname: String,
    /// The number on the member's Knowledge Planet profile. Spaces, leading
    /// zeros and full-width digits are accepted; stored in canonical form
    /// (5–19 digits, no leading zero, fits a signed 64-bit integer), so
    /// `000346884121553` and `346884121553` are one enrollment.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub planet_id: String,
    /// As `planet_nickname`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32))]
    pub wechat_nickname: String,
    pub pay_method: PayMethod,
}

/// What the H5 does next to take the money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PayAction {
    /// Call `WeixinJSBridge.invoke('getBrandWCPayRequest', params)`.
    Jsapi { params: JsapiParams },
    /// Show `code_url` as a QR code to scan or long-press.
    Native { code_url: String },
    /// Send the browser to `h5_url`.
    H5 { h5_url: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JsapiParams {
    pub app_id: String,
    pub time_stamp: String,
    pub nonce_str: String,
    pub package: String,
    pub sign_type: String,
    pub pay_sign: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SignUpResponse {
    /// An order is waiting for payment.
    Pending {
        enrollment_id: i64,
        out_trade_no: String,
        pay: PayAction,
    },
    /// This 星球ID has paid for this camp already, and this browser may see its QR code.
    AlreadyEnrolled { enrollment_id: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Created,
    Paid,
    /// WeChat Pay says it was paid, but it could not count for the enrollment
    /// (another merchant, another amount, an old price…): an admin decides.
    NeedsReview,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderView {
    pub out_trade_no: String,
    pub status: OrderStatus,
    pub enrollment_id: i64,
    pub camp_id: i64,
    pub camp_name: String,
    pub amount_fen: i64,
    /// How to pay while the order is open.
    pub pay: Option<PayAction>,
}

/// A member's own enrollment, for the group QR and progress pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MyEnrollment {
    pub id: i64,
    pub camp: PublicCamp,
    pub planet_nickname: String,
    pub planet_id: String,
    pub paid: bool,
    pub paid_at: Option<DateTime<Utc>>,
    pub amount_fen: i64,
    /// Where the camp group's QR image is served to this member.
    pub group_qr_url: Option<String>,
    pub today: NaiveDate,
}

/// The member's personal link, given only on an explicit request (never in a
/// rendered page): opening it in another browser and confirming there lets
/// that browser see the enrollment too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PersonalLink {
    pub url: String,
}

// ---- staff: enrollments (member management) ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JoinedFilter {
    #[default]
    All,
    Joined,
    NotJoined,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(IntoParams), into_params(parameter_in = Query))]
pub struct EnrollmentQuery {
    pub camp_id: Option<i64>,
    #[serde(default)]
    pub joined: JoinedFilter,
    /// 星球昵称, 星球ID or 微信昵称 contains this.
    pub q: Option<String>,
    /// Include sign-ups that never paid.
    #[serde(default)]
    pub include_unpaid: bool,
    /// Only this 匹配状态 (PRD §7).
    pub match_status: Option<crate::matching::MatchStatus>,
    /// 1-based; at most [`MAX_PAGE`].
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100_000))]
    pub page: Option<u64>,
    /// At most [`MAX_PAGE_SIZE`].
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub page_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EnrollmentRow {
    pub id: i64,
    pub camp_id: i64,
    pub camp_name: String,
    pub planet_nickname: String,
    pub planet_id: String,
    pub wechat_nickname: String,
    pub paid: bool,
    pub amount_fen: i64,
    pub paid_at: Option<DateTime<Utc>>,
    /// 匹配状态 as shown (`MatchStatus::label`).
    pub match_status: String,
    /// The same status as a code, for filters and logic.
    pub match_state: crate::matching::MatchStatus,
    /// 匹配置信度 in percent (100 / 66 / 33 / 0); `None` before payment.
    pub match_confidence: Option<u8>,
    /// The matched Knowledge Planet user_id.
    pub matched_user_id: Option<i64>,
    /// Counted check-in days (PRD §9.2), as of the last matching run.
    pub checkin_days: i64,
    pub joined_group: bool,
    /// Paid more than once: a refund decision is waiting.
    pub duplicate_payments: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PaymentRecord {
    pub out_trade_no: String,
    pub camp_name: String,
    pub amount_fen: i64,
    pub status: OrderStatus,
    pub trade_type: String,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub transaction_id: Option<String>,
    pub duplicate: bool,
    /// Why a paid order was not counted (status `needs_review`), for the admin.
    pub review_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EnrollmentDetail {
    pub enrollment: EnrollmentRow,
    pub joined_group_at: Option<DateTime<Utc>>,
    pub payments: Vec<PaymentRecord>,
    /// The match panel and the check-in records (issue 9).
    pub checkins: crate::checkin_api::EnrollmentCheckins,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MarkJoinedRequest {
    pub joined: bool,
}

// ---- staff: WeChat Pay settings ----

/// The WeChat Pay settings as the super admin sees them: secrets never leave
/// the server, only whether they are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WechatPaySettingsView {
    pub mch_id: String,
    pub app_id: String,
    pub merchant_serial: String,
    pub platform_public_key_id: String,
    pub platform_public_key_pem: String,
    pub base_url: String,
    pub jsapi_enabled: bool,
    pub h5_enabled: bool,
    pub api_v3_key_set: bool,
    pub merchant_private_key_set: bool,
    pub app_secret_set: bool,
    /// Paste into the merchant console.
    pub notify_url: String,
    pub sandbox_keys: bool,
}

/// Empty secret fields keep the stored secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WechatPaySettingsUpdate {
    pub mch_id: String,
    pub app_id: String,
    pub merchant_serial: String,
    pub platform_public_key_id: String,
    pub platform_public_key_pem: String,
    pub base_url: String,
    pub jsapi_enabled: bool,
    pub h5_enabled: bool,
    #[serde(default)]
    pub api_v3_key: String,
    #[serde(default)]
    pub merchant_private_key_pem: String,
    #[serde(default)]
    pub app_secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConnectionTest {
    pub ok: bool,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_and_bounds() {
        assert_eq!(
            Paging::parse(None, None),
            Ok(Paging {
                page: 1,
                page_size: DEFAULT_PAGE_SIZE
            })
        );
        assert_eq!(
            Paging::parse(Some(MAX_PAGE), Some(MAX_PAGE_SIZE)).map(Paging::index),
            Ok(MAX_PAGE - 1)
        );
        for (page, page_size, field) in [
            (Some(0), None, "page"),
            (Some(MAX_PAGE + 1), None, "page"),
            (Some(9_223_372_036_854_775_809), None, "page"),
            (Some(u64::MAX), None, "page"),
            (None, Some(0), "page_size"),
            (None, Some(MAX_PAGE_SIZE + 1), "page_size"),
        ] {
            let result = Paging::parse(page, page_size);
            let Err(err) = result else {
                panic!("{page:?} {page_size:?} accepted: {result:?}");
            };
            assert!(
                err.field_message(field).is_some(),
                "{page:?} {page_size:?}: {err:?}"
            );
        }
    }
}
