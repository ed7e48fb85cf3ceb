//! The Knowledge Planet (知识星球) web API, as the planet owner's browser calls
//! it: `Cookie: zsxq_access_token=…`, the `{"succeeded", "resp_data"}` envelope,
//! and the check-in calls (projects, topics, ranking, statistics, creating a
//! project). Protocol notes: the reference zsxq.md §1 and its samples (copied to `testdata/`).
//!
//! Invariants:
//! - Ids are `i64` end to end (topic ids exceed 2^53; nothing goes through f64).
//! - One call at a time per token, at least `spacing` apart (PRD §8.2): the
//!   service publishes no rate limit and answers 1059 when pushed.
//! - The token never appears in an error, a log line or a `Debug` output.

pub mod client;
mod types;

pub use client::{ClientConfig, ZsxqClient};
pub use types::*;

use shared::error::ErrorCode;

use crate::error::DomainError;

/// Envelope codes meaning "not signed in": the cookie expired or was revoked.
/// The web API answers these with HTTP 401; the envelope alone counts too.
pub const AUTH_ERROR_CODES: [i64; 2] = [401, 403];
/// "Too many requests / try again": retried with back-off.
pub const THROTTLED_CODE: i64 = 1059;
/// "未报名参加该打卡任务": the caller has not joined the check-in project.
pub const NOT_JOINED_CODE: i64 = 52010;

/// How a Knowledge Planet call failed. The messages are Chinese (they reach
/// the admin through "测试连接" and the sync runs' error column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZsxqError {
    /// HTTP 401/403 or the auth error envelope: the owner must paste a new cookie.
    #[error("知识星球Cookie已失效")]
    CookieExpired,
    /// Still 1059 / HTTP 429 after the retries.
    #[error("知识星球请求过于频繁（已重试3次）")]
    Throttled,
    /// Any other `succeeded:false` answer.
    #[error("知识星球返回错误 {code}：{message}")]
    Api { code: i64, message: String },
    /// No answer (connection, timeout, 5xx) after the retries.
    #[error("无法连接知识星球：{0}")]
    Transport(String),
    /// An answer we could not read (the endpoint changed or is gone).
    #[error("知识星球返回了无法识别的内容：{0}")]
    Decode(String),
    /// The settings lack the token or the group id.
    #[error("尚未配置知识星球（星球ID与Cookie）")]
    NotConfigured,
}

impl DomainError for ZsxqError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::CookieExpired => ErrorCode::PlanetCookieExpired,
            Self::NotConfigured => ErrorCode::PlanetNotConfigured,
            _ => ErrorCode::Upstream,
        }
    }
}
