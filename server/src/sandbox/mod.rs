//! Built-in fakes of the outside services, mounted under `/sandbox/…` in sandbox
//! mode. They speak the real protocols (signatures, encryption, error shapes), so
//! the real clients and webhooks are exercised unchanged.

pub mod wechat_pay;

use std::sync::{Arc, Mutex};

use axum::Router;

use crate::state::AppState;

/// What the WeChat Pay simulator does with the next payment notifications.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum NotifyMode {
    #[default]
    Normal,
    /// Never send (a lost notification).
    Drop,
    /// Send twice.
    Duplicate,
    /// Send after `delay_ms`.
    Delay,
}

#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Faults {
    pub notify: NotifyMode,
    #[serde(default)]
    pub delay_ms: u64,
}

#[derive(Clone, Default)]
pub struct SandboxState {
    pub faults: Arc<Mutex<Faults>>,
}

impl SandboxState {
    pub fn faults(&self) -> Faults {
        self.faults.lock().map(|f| *f).unwrap_or_default()
    }
}

pub fn router() -> Router<AppState> {
    wechat_pay::router()
}
