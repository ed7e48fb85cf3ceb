//! What handlers can reach: `AppState`, made of sub-states that each part takes
//! on its own through `FromRef` — `State<DatabaseConnection>`, `State<PayState>`
//! (the WeChat Pay gateway), `State<SandboxState>` (the fakes), `JobQueue`, and
//! `JobContext` for the job workers.
//!
//! Invariant: this module is the top of the graph. It imports `jobs`,
//! `payments::gateway` and `sandbox` for their sub-state types; none of them
//! imports `AppState` (they take their sub-state, or are generic over any state
//! that gives one via `FromRef`), so there is no import circle.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::jobs::{JobContext, JobQueue};
use crate::keys::Keys;
use crate::payments::gateway::{GatewayCache, PayState};
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
    /// This process's id among the instances sharing a database: names its job
    /// workers and is recorded with every job run.
    pub instance: Arc<str>,
    pub pay_gateway: GatewayCache,
    pub sandbox: SandboxState,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<AppState> for DatabaseConnection {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for Arc<Config> {
    fn from_ref(state: &AppState) -> Self {
        state.config.clone()
    }
}

impl FromRef<AppState> for Arc<Keys> {
    fn from_ref(state: &AppState) -> Self {
        state.keys.clone()
    }
}

impl FromRef<AppState> for JobQueue {
    fn from_ref(state: &AppState) -> Self {
        state.jobs.clone()
    }
}

impl FromRef<AppState> for PayState {
    fn from_ref(state: &AppState) -> Self {
        PayState {
            db: state.db.clone(),
            config: state.config.clone(),
            keys: state.keys.clone(),
            self_url: state.self_url.clone(),
            cache: state.pay_gateway.clone(),
        }
    }
}

impl FromRef<AppState> for SandboxState {
    fn from_ref(state: &AppState) -> Self {
        state.sandbox.clone()
    }
}

impl FromRef<AppState> for JobContext {
    fn from_ref(state: &AppState) -> Self {
        JobContext {
            db: state.db.clone(),
            config: state.config.clone(),
            keys: state.keys.clone(),
            pay: PayState::from_ref(state),
            instance: state.instance.clone(),
        }
    }
}
