//! Deployment facts for the apps, and the health check.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use shared::api::SystemInfo;

use crate::state::AppState;

/// Sandbox flag, version and today's business date.
#[utoipa::path(get, path = "/api/v1/system/info", tag = "system", responses((status = 200, body = SystemInfo)))]
pub async fn info(State(state): State<AppState>) -> Json<SystemInfo> {
    Json(SystemInfo {
        sandbox: state.config.sandbox,
        version: env!("CARGO_PKG_VERSION").into(),
        today: shared::dates::business_date(Utc::now()),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    database: bool,
    job_queue: bool,
    job_backend: &'static str,
}

/// 200 when the database and the job queue answer, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = state.db.execute_unprepared("SELECT 1").await.is_ok();
    let job_queue = state.jobs.ping().await;
    let status = if database && job_queue {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            database,
            job_queue,
            job_backend: state.jobs.kind(),
        }),
    )
}
