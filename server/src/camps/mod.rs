//! Camps (PRD §4.2.1, §9.4): the public list members pick from, and staff
//! management. Invariants: every rule of `shared::rules::validate_camp`; a
//! started camp keeps its dates, requirement and deposit and cannot be deleted;
//! coaches and volunteers see only the camps they are assigned to.

pub mod handlers;
pub mod qr;
pub mod service;

use shared::error::ErrorCode;

use crate::error::DomainError;

/// The camp area's failures a client tells apart (see `crate::error` for the pattern).
#[derive(Debug, thiserror::Error)]
pub enum CampError {
    /// No such camp, or one the person may not see (ids reveal nothing).
    #[error("训练营不存在")]
    NotFound,
    #[error("训练营已开始，不能删除")]
    Started,
    #[error("已有会员报名，不能删除该训练营")]
    HasEnrollments,
}

impl DomainError for CampError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::NotFound => ErrorCode::NotFound,
            Self::Started => ErrorCode::CampStarted,
            Self::HasEnrollments => ErrorCode::CampHasEnrollments,
        }
    }
}
