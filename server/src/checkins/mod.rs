//! Check-ins (issue 9; PRD §4.1.4, §4.2.3, §7, §9.2, §13.1): the posts of each
//! camp (synced from Knowledge Planet or imported from a spreadsheet), which
//! planet account each paid member is, how many days each member has, and the
//! pages that show it.
//!
//! - [`records`]: storing posts, accounts and the ranking (the sync and the
//!   import write through it).
//! - [`matching`]: the `MatchCamp` job — matching applied and days recounted.
//! - [`manual`]: staff's manual match and its undo.
//! - [`import`]: the spreadsheet fallback (PRD §13.1).
//! - [`service`], [`stats`], [`progress`]: the admin lists, the statistics and
//!   the member's progress page.

pub mod handlers;
pub mod import;
pub mod manual;
pub mod matching;
pub mod progress;
pub mod records;
pub mod service;
pub mod stats;

pub use matching::MatchCamp;

use shared::error::ErrorCode;

use crate::error::DomainError;

/// The check-in domain's own failures.
#[derive(Debug, thiserror::Error)]
pub enum CheckinError {
    #[error("该星球账号未在本训练营打卡，不能匹配")]
    AccountNotInCamp,
    #[error("只能匹配已支付的报名")]
    NotPaid,
    #[error("该报名没有手动匹配")]
    NotManual,
    #[error("该星球账号已手动匹配给本训练营的其他会员")]
    AccountTaken,
}

impl DomainError for CheckinError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::AccountNotInCamp => ErrorCode::Validation,
            Self::NotPaid | Self::NotManual | Self::AccountTaken => ErrorCode::Conflict,
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::AccountNotInCamp | Self::AccountTaken => Some("user_id"),
            Self::NotPaid | Self::NotManual => None,
        }
    }
}
