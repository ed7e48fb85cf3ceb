//! Knowledge Planet (知识星球) in the product: its settings page actions
//! ("测试连接", PRD §4.2.6.2), publishing a camp's check-in project ("保存并发布
//! 知识星球", §4.2.1.2), the nightly and on-demand check-in sync with its run
//! history (§6.2.4, §8.2), and the sandbox's check-in tools.
//!
//! The protocol lives in `crate::integrations::zsxq`; the settings document in
//! `crate::settings::zsxq`; storing and counting the check-ins in
//! `crate::checkins`.

pub mod handlers;
pub mod publish;
pub mod sandbox_tools;
pub mod settings;
pub mod sync;

use shared::error::ErrorCode;

use crate::error::DomainError;

#[derive(Debug, thiserror::Error)]
pub enum PlanetError {
    /// The camp already has its check-in project (`camps.planet_project_id`).
    #[error("该训练营已发布到知识星球（项目ID {0}）")]
    AlreadyPublished(String),
    /// The sandbox tools exist only in sandbox mode.
    #[error("仅沙箱模式可用")]
    SandboxOnly,
    /// The camp has no 知识星球项目ID to read check-ins from.
    #[error("该训练营尚未填写知识星球项目ID")]
    NoProject,
}

impl DomainError for PlanetError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::AlreadyPublished(_) => ErrorCode::PlanetAlreadyPublished,
            Self::SandboxOnly => ErrorCode::NotFound,
            Self::NoProject => ErrorCode::PlanetNotConfigured,
        }
    }
}
