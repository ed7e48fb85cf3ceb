//! The one error shape of the JSON API: a stable machine code, a Chinese message
//! for people, and per-field messages for forms.
//!
//! [`ErrorCode`] is the closed list of codes clients may match on (the apps and
//! the tests match codes, never message text). A code, once shipped, keeps its
//! snake_case name; add new ones freely, each with its default message here and
//! its HTTP status in the server's `error::status_of`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input failed validation; `details.fields` names the fields.
    Validation,
    /// The request could not be read (malformed JSON, bad query, bad path).
    BadRequest,
    Unauthenticated,
    InvalidCredentials,
    AccountLocked,
    AccountDisabled,
    Forbidden,
    CsrfFailed,
    NotFound,
    Conflict,
    PayloadTooLarge,
    RateLimited,
    Internal,
    /// An outside service (WeChat Pay, Knowledge Planet, WeCom) failed or refused.
    Upstream,
    /// The server answered something the client could not understand.
    Transport,
    /// The username is taken by another staff account (`details.fields.username`).
    UsernameTaken,
    /// The same 星球ID already has an enrollment in this camp (`details.fields.planet_id`).
    AlreadyEnrolled,
    /// A camp that has started cannot be deleted (PRD §4.2.1).
    CampStarted,
    /// A camp with enrollments cannot be deleted (PRD §4.2.1).
    CampHasEnrollments,
    /// The alert was already resolved by someone.
    AlertResolved,
    /// Sign-up for a camp whose end date has passed (PRD §4.1.2).
    CampEnded,
    /// The staff account is the only coach of a camp: assign another first.
    SoleCoach,
    /// Staff cannot delete their own account.
    CannotDeleteSelf,
    /// The server is momentarily saturated (every database connection busy);
    /// nothing was written. Retry after the `Retry-After` seconds (HTTP 503).
    Busy,
    /// The Knowledge Planet cookie (zsxq_access_token) expired or was revoked:
    /// a super admin pastes a new one in the system settings.
    PlanetCookieExpired,
    /// Knowledge Planet is not configured (星球ID or Cookie missing).
    PlanetNotConfigured,
    /// The camp already has its Knowledge Planet check-in project.
    PlanetAlreadyPublished,
    /// The refund would make the order's refunds exceed what it paid (issue 10).
    RefundExceedsPaid,
    /// The order cannot be refunded through WeChat Pay: not paid, or paid more
    /// than a year ago (wechatpay.md §2.6); the message says which.
    RefundNotAllowed,
    /// The refund's status does not allow this step (`shared::refunds`).
    RefundStateConflict,
}

impl ErrorCode {
    /// The message shown when the server gave none more specific.
    pub fn default_message(self) -> &'static str {
        match self {
            Self::Validation => "提交的内容有误，请检查后重试",
            Self::BadRequest => "请求格式不正确",
            Self::Unauthenticated => "请先登录",
            Self::InvalidCredentials => "用户名或密码错误",
            Self::AccountLocked => "登录失败次数过多，账号已临时锁定，请稍后再试",
            Self::AccountDisabled => "账号已被禁用，请联系超级管理员",
            Self::Forbidden => "没有权限执行此操作",
            Self::CsrfFailed => "页面已过期，请刷新后重试",
            Self::NotFound => "请求的内容不存在",
            Self::Conflict => "数据已存在或已被修改，请刷新后重试",
            Self::PayloadTooLarge => "上传的内容过大",
            Self::RateLimited => "请求过于频繁，请稍后再试",
            Self::Internal => "服务器内部错误，请稍后再试",
            Self::Upstream => "支付服务暂时不可用，请稍后重试",
            Self::Transport => "网络异常，请检查网络后重试",
            Self::UsernameTaken => "用户名已存在",
            Self::AlreadyEnrolled => "该星球ID已报名本训练营",
            Self::CampStarted => "训练营已开始，不能删除",
            Self::CampHasEnrollments => "已有会员报名，不能删除该训练营",
            Self::AlertResolved => "该提醒已处理",
            Self::CampEnded => "训练营已结束，报名已关闭",
            Self::SoleCoach => "该用户是训练营的唯一教练，请先为该训练营更换教练",
            Self::CannotDeleteSelf => "不能删除自己",
            Self::Busy => "当前访问人数较多，请稍后重试",
            Self::PlanetCookieExpired => "知识星球Cookie已失效，请在系统设置中更新",
            Self::PlanetNotConfigured => "尚未配置知识星球，请在系统设置中填写星球ID与Cookie",
            Self::PlanetAlreadyPublished => "该训练营已发布到知识星球",
            Self::RefundExceedsPaid => "退款金额超过订单可退金额",
            Self::RefundNotAllowed => "该订单不能通过微信支付退款",
            Self::RefundStateConflict => "退款当前状态不允许此操作，请刷新后重试",
        }
    }
}

/// Per-field messages, keyed by the request field's name.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetails {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
}

/// `{"code": "...", "message": "<中文>", "details": {...}, "request_id": "..."}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<ErrorDetails>,
    /// The request's id (also the `X-Request-Id` response header), stamped on
    /// every error by the server's outermost layer; quote it when reporting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Seconds to wait before asking again, from the response's `Retry-After`
    /// header (429 and 503); filled in by the client, never part of the body.
    #[serde(skip)]
    pub retry_after_secs: Option<u32>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: code.default_message().to_owned(),
            details: None,
            request_id: None,
            retry_after_secs: None,
        }
    }

    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
            request_id: None,
            retry_after_secs: None,
        }
    }

    /// A validation error; the message is the first field's, so a toast says something useful.
    pub fn fields(fields: FieldErrors) -> Self {
        let message = fields
            .values()
            .next()
            .cloned()
            .unwrap_or_else(|| ErrorCode::Validation.default_message().to_owned());
        Self {
            code: ErrorCode::Validation,
            message,
            details: Some(ErrorDetails { fields }),
            request_id: None,
            retry_after_secs: None,
        }
    }

    pub fn field(name: &str, message: impl Into<String>) -> Self {
        Self::fields(FieldErrors::from([(name.to_owned(), message.into())]))
    }

    /// The same error (same code), naming the request field it is about in
    /// `details.fields` so a form shows the message beside that field.
    pub fn on_field(mut self, name: &str) -> Self {
        let message = self.message.clone();
        self.details
            .get_or_insert_with(ErrorDetails::default)
            .fields
            .insert(name.to_owned(), message);
        self
    }

    /// The message for one form field, if the server named it.
    pub fn field_message(&self, name: &str) -> Option<&str> {
        self.details.as_ref()?.fields.get(name).map(String::as_str)
    }
}
