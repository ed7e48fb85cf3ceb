use axum::Json;
use axum::extract::State;
use shared::api::{AuditActionOption, AuditLogDto, AuditLogQuery, Page};
use shared::roles::Area;

use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The operation log, newest first.
#[utoipa::path(get, path = "/api/v1/audit-logs", params(AuditLogQuery), tag = "audit",
    responses((status = 200, body = Page<AuditLogDto>)))]
pub async fn list_audit_logs(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<AuditLogQuery>,
) -> AppResult<Json<Page<AuditLogDto>>> {
    staff.require(Area::AuditLog)?;
    Ok(Json(super::service::list(&state.db, &query).await?))
}

/// The action types the log can be filtered by.
#[utoipa::path(get, path = "/api/v1/audit-logs/actions", tag = "audit",
    responses((status = 200, body = Vec<AuditActionOption>)))]
pub async fn list_audit_actions(staff: Staff) -> AppResult<Json<Vec<AuditActionOption>>> {
    staff.require(Area::AuditLog)?;
    Ok(Json(super::service::action_options()))
}
