use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use shared::api::{EnrollmentDetail, Page};
use shared::checkin_api::{
    CampCheckinStats, CheckinQuery, CheckinRecordDto, ImportOutcome, ManualMatchRequest,
    MemberProgress, PlanetAccountDto,
};
use shared::error::ErrorCode;

use super::{import, manual, progress, service, stats};
use crate::auth::Staff;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::payments::member::MemberToken;
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx(name: &str, bytes: Vec<u8>) -> Response {
    let stamp = chrono::Utc::now()
        .with_timezone(&shared::dates::BUSINESS_TZ)
        .format("%Y%m%d-%H%M");
    (
        [
            (CONTENT_TYPE, XLSX.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}-{stamp}.xlsx\""),
            ),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Check-in records (打卡记录, PRD §4.2.3.1), newest first, with filters
/// (coaches and volunteers: their camps only).
#[utoipa::path(get, operation_id = "list_checkins", path = "/api/v1/admin/checkins", params(CheckinQuery), tag = "checkins",
    responses((status = 200, body = Page<CheckinRecordDto>)))]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<CheckinQuery>,
) -> AppResult<Json<Page<CheckinRecordDto>>> {
    Ok(Json(service::list(&state.db, &staff, &query).await?))
}

/// The same records as an Excel file.
#[utoipa::path(get, operation_id = "export_checkins", path = "/api/v1/admin/checkins/export.xlsx", params(CheckinQuery), tag = "checkins",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn export(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<CheckinQuery>,
) -> AppResult<Response> {
    let bytes = service::export(&state.db, &staff, &query).await?;
    Ok(xlsx("checkins", bytes))
}

/// A camp's progress statistics (PRD §4.2.3.2): cards and per-member calendar.
#[utoipa::path(get, path = "/api/v1/admin/camps/{id}/checkin-stats", tag = "checkins",
    responses((status = 200, body = CampCheckinStats)))]
pub async fn camp_stats(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<CampCheckinStats>> {
    Ok(Json(stats::camp_stats(&state.db, &staff, id).await?))
}

/// The statistics as an Excel file.
#[utoipa::path(get, path = "/api/v1/admin/camps/{id}/checkin-stats/export.xlsx", tag = "checkins",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn export_stats(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let bytes = stats::export(&state.db, &staff, id).await?;
    Ok(xlsx(&format!("checkin-stats-{id}"), bytes))
}

/// The camp's planet accounts with their post counts, for "手动匹配".
#[utoipa::path(get, path = "/api/v1/admin/camps/{id}/planet-accounts", tag = "checkins",
    responses((status = 200, body = Vec<PlanetAccountDto>)))]
pub async fn planet_accounts(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<PlanetAccountDto>>> {
    Ok(Json(service::planet_accounts(&state.db, &staff, id).await?))
}

/// The import form: the file under the field `file`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// A CSV or .xlsx file, at most 2 MB (columns: see the template).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Imports check-ins from a CSV or .xlsx file (PRD §13.1; admins, audited):
/// all rows or none; errors listed by row and column in `details.fields`
/// (`<row>:<column>`).
#[utoipa::path(post, path = "/api/v1/admin/camps/{id}/checkins/import", tag = "checkins",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportOutcome), (status = 413, body = shared::error::ApiError), (status = 422, body = shared::error::ApiError)))]
pub async fn import_file(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Json<ImportOutcome>> {
    let mut multipart = multipart.map_err(|_| AppError::field("file", "请选择要导入的文件"))?;
    let too_large = || AppError::message(ErrorCode::PayloadTooLarge, "导入文件不能超过2MB");
    while let Some(field) = multipart.next_field().await.map_err(|_| too_large())? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("导入文件").to_owned();
        let bytes = field.bytes().await.map_err(|_| too_large())?;
        return Ok(Json(
            import::import(&state.db, &staff, id, &name, bytes.to_vec()).await?,
        ));
    }
    Err(AppError::field("file", "请选择要导入的文件"))
}

/// The import template (.xlsx).
#[utoipa::path(get, path = "/api/v1/admin/camps/{id}/checkins/import-template", tag = "checkins",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn import_template(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    crate::camps::service::find_visible(&state.db, &staff, shared::roles::Area::Checkins, id)
        .await?;
    Ok(xlsx("checkin-import-template", import::template()?))
}

/// "手动匹配": sets the enrollment's planet account (admins; audited; never
/// overwritten by automatic matching). Answers the updated member detail.
#[utoipa::path(put, path = "/api/v1/admin/enrollments/{id}/match", request_body = ManualMatchRequest, tag = "members",
    responses((status = 200, body = EnrollmentDetail)))]
pub async fn set_match(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<ManualMatchRequest>,
) -> AppResult<Json<EnrollmentDetail>> {
    manual::set(&state.db, &staff, id, request.user_id).await?;
    Ok(Json(
        crate::enrollments::service::detail(&state.db, &staff, id).await?,
    ))
}

/// Undoes a manual match: back to automatic matching (admins; audited).
#[utoipa::path(delete, path = "/api/v1/admin/enrollments/{id}/match", tag = "members",
    responses((status = 200, body = EnrollmentDetail)))]
pub async fn clear_match(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<EnrollmentDetail>> {
    manual::clear(&state.db, &staff, id).await?;
    Ok(Json(
        crate::enrollments::service::detail(&state.db, &staff, id).await?,
    ))
}

/// The member's own progress (PRD §4.1.4), only with the browser's own token.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}/progress", tag = "enrollment",
    responses((status = 200, body = MemberProgress)))]
pub async fn my_progress(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    MemberToken(token): MemberToken,
) -> AppResult<Response> {
    let progress = progress::my_progress(&state.db, id, token.as_deref()).await?;
    Ok((
        StatusCode::OK,
        [(CACHE_CONTROL, "private, no-store")],
        Json(progress),
    )
        .into_response())
}
