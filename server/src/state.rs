//! What every handler and job can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::jobs::JobQueue;
use crate::keys::Keys;
use crate::payments::gateway::GatewayCache;
use crate::sandbox::SandboxState;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    pub jobs: JobQueue,
    pub leptos: LeptosOptions,
    /// This process's own address (`http://ip:port`): the built-in sandbox lives here.
    pub self_url: String,
    pub pay_gateway: GatewayCache,
    pub sandbox: SandboxState,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
