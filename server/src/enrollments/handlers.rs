use axum::Json;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use shared::api::{EnrollmentDetail, EnrollmentQuery, EnrollmentRow, MarkJoinedRequest, Page};

use super::service;
use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// Members who signed up, with filters (coaches and volunteers: their camps only).
#[utoipa::path(get, path = "/api/v1/admin/enrollments", params(EnrollmentQuery), tag = "members", responses((status = 200, body = Page<EnrollmentRow>)))]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<EnrollmentQuery>,
) -> AppResult<Json<Page<EnrollmentRow>>> {
    Ok(Json(service::list(&state.db, &staff, &query).await?))
}

/// The same list as an Excel file.
#[utoipa::path(get, path = "/api/v1/admin/enrollments/export.xlsx", params(EnrollmentQuery), tag = "members",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<EnrollmentQuery>,
) -> AppResult<Response> {
    let bytes = service::export(&state.db, &staff, &query).await?;
    let name = format!(
        "members-{}.xlsx",
        chrono::Utc::now()
            .with_timezone(&shared::dates::BUSINESS_TZ)
            .format("%Y%m%d-%H%M")
    );
    Ok((
        [
            (
                CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// One member's sign-up with its payment records.
#[utoipa::path(get, path = "/api/v1/admin/enrollments/{id}", tag = "members", responses((status = 200, body = EnrollmentDetail)))]
pub async fn detail(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<EnrollmentDetail>> {
    Ok(Json(service::detail(&state.db, &staff, id).await?))
}

/// "标记进群" (admins; audited).
#[utoipa::path(post, path = "/api/v1/admin/enrollments/{id}/joined", request_body = MarkJoinedRequest, tag = "members",
    responses((status = 200, body = EnrollmentDetail)))]
pub async fn mark_joined(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<MarkJoinedRequest>,
) -> AppResult<Json<EnrollmentDetail>> {
    Ok(Json(
        service::mark_joined(&state.db, &staff, id, request.joined).await?,
    ))
}
