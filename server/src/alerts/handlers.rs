use axum::Json;
use axum::extract::State;
use shared::ops::{AlertDto, AlertQuery};
use shared::roles::Area;

use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;

/// Alerts for admins, newest first (`resolved=false` for the open ones).
#[utoipa::path(get, path = "/api/v1/admin/alerts", params(AlertQuery), tag = "operations",
    responses((status = 200, body = Vec<AlertDto>)))]
pub async fn list_alerts(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<AlertQuery>,
) -> AppResult<Json<Vec<AlertDto>>> {
    staff.require(Area::Operations)?;
    Ok(Json(super::service::list(&state.db, &query).await?))
}

/// Marks an alert handled (audited); a second resolve is `alert_resolved`.
#[utoipa::path(post, path = "/api/v1/admin/alerts/{id}/resolve", tag = "operations",
    params(("id" = i64, Path, description = "alert id")),
    responses((status = 200, body = AlertDto)))]
pub async fn resolve_alert(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<AlertDto>> {
    staff.require(Area::Operations)?;
    Ok(Json(
        super::service::resolve(&state.db, &staff.actor(), id).await?,
    ))
}
