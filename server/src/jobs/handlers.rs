use axum::Json;
use axum::extract::State;
use shared::ops::{JobRunDto, JobRunQuery};
use shared::roles::Area;

use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Job runs, newest first: what ran, why, where, and how it ended (admins).
#[utoipa::path(get, path = "/api/v1/admin/job-runs", params(JobRunQuery), tag = "operations",
    responses((status = 200, body = Vec<JobRunDto>)))]
pub async fn list_job_runs(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<JobRunQuery>,
) -> AppResult<Json<Vec<JobRunDto>>> {
    staff.require(Area::Operations)?;
    Ok(Json(super::runs::list(&state.db, &query).await?))
}
