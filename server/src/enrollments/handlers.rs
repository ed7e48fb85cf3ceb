use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::response::{IntoResponse, Redirect, Response};
use shared::api::{
    EnrollmentDetail, EnrollmentQuery, EnrollmentRow, MarkJoinedRequest, MyEnrollment, Page,
};

use super::{member, service};
use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::payments::access;
use crate::payments::member::{MEMBER_COOKIE, MemberToken, set_cookie};
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

/// The member's own enrollment.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}", tag = "enrollment", responses((status = 200, body = MyEnrollment)))]
pub async fn my_enrollment(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    MemberToken(token): MemberToken,
) -> AppResult<Json<MyEnrollment>> {
    Ok(Json(
        member::my_enrollment(&state.db, &state.config.public_url, id, token.as_deref()).await?,
    ))
}

/// The camp group's QR image, only for the browser that paid (or proved who it is).
#[utoipa::path(get, path = "/api/v1/enrollments/{id}/group-qr", tag = "enrollment", responses((status = 200, content_type = "image/png")))]
pub async fn group_qr(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    MemberToken(token): MemberToken,
) -> AppResult<Response> {
    let upload = member::group_qr(&state.db, id, token.as_deref()).await?;
    Ok((
        [
            (CONTENT_TYPE, upload.content_type.clone()),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        upload.data,
    )
        .into_response())
}

/// The personal link: sets this browser's member cookie and opens the enrollment.
pub async fn personal_link(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> AppResult<Response> {
    let Some(id) = access::enrollment_of_token(&state.db, &token).await? else {
        return Ok(Redirect::to("/h5").into_response());
    };
    let mut headers = set_cookie(MEMBER_COOKIE, &token, state.config.server.secure_cookies);
    headers.insert(
        LOCATION,
        format!("/h5/enrollments/{id}")
            .parse()
            .map_err(anyhow::Error::from)?,
    );
    Ok((StatusCode::SEE_OTHER, headers).into_response())
}
