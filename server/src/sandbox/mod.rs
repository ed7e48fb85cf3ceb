//! Built-in fakes of the outside services, mounted under `/sandbox/…` in sandbox
//! mode. They speak the real protocols (signatures, encryption, error shapes), so
//! the real clients and webhooks are exercised unchanged.

pub mod wechat_oauth;
pub mod wechat_pay;
pub mod wechat_refunds;
pub mod wechat_rules;
pub mod zsxq;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::FromRef;
use sea_orm::DatabaseConnection;

use crate::keys::Keys;

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

/// What the fakes reach: their own state, apart from the app's, so the sandbox
/// depends on nothing of the server but the database, the keys that seal its
/// settings, and the address it is served at.
#[derive(Clone)]
pub struct SandboxState {
    pub db: DatabaseConnection,
    pub keys: Arc<Keys>,
    /// This process's own address (`http://ip:port`), where the fakes live.
    pub self_url: String,
    /// Shared by every clone: what the next notifications do.
    pub faults: Arc<Mutex<Faults>>,
    /// OAuth codes handed out by the fake authorize page, by code.
    pub oauth_codes: Arc<Mutex<HashMap<String, wechat_oauth::IssuedCode>>>,
    /// Shared by every clone: what the Knowledge Planet simulator's next calls do.
    pub zsxq_faults: Arc<Mutex<zsxq::ZsxqFaults>>,
    /// Shared by every clone: what the next refund calls do.
    pub refund_faults: Arc<Mutex<wechat_refunds::RefundFaults>>,
    /// Refund creation checks the order's refunds, then writes one: one at a
    /// time, so two numbers cannot both fit the same remaining amount.
    pub refund_lock: Arc<tokio::sync::Mutex<()>>,
}

impl SandboxState {
    pub fn new(db: DatabaseConnection, keys: Arc<Keys>, self_url: String) -> Self {
        Self {
            db,
            keys,
            self_url,
            faults: Arc::default(),
            oauth_codes: Arc::default(),
            zsxq_faults: Arc::default(),
            refund_faults: Arc::default(),
            refund_lock: Arc::default(),
        }
    }

    pub fn faults(&self) -> Faults {
        self.faults.lock().map(|f| *f).unwrap_or_default()
    }
}

/// The fakes' routes, for any app state that can hand out a [`SandboxState`].
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    SandboxState: FromRef<S>,
{
    wechat_pay::router()
        .merge(wechat_refunds::router())
        .merge(wechat_oauth::router())
        .merge(zsxq::router())
}
