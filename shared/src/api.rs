//! Request and response bodies of the JSON API under `/api/v1`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

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
    pub username: String,
    pub password: String,
    pub role: Role,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpdateUserRequest {
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
    pub name: String,
    pub poster_upload_id: Option<i64>,
    pub group_qr_upload_id: Option<i64>,
    pub deposit_fen: i64,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub total_days: i32,
    pub required_days: i32,
    #[serde(default)]
    pub intro_html: String,
    pub coach_ids: Vec<i64>,
    #[serde(default)]
    pub volunteer_ids: Vec<i64>,
    pub planet_project_id: String,
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
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct CampListQuery {
    #[serde(default)]
    pub status: CampStatusFilter,
    /// Name contains this text.
    pub q: Option<String>,
    /// Camps that overlap [from, to] (Beijing dates).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: Option<u64>,
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
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct AuditLogQuery {
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: Option<u64>,
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
