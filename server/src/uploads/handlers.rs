use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::{Json, http::HeaderMap};
use serde::Deserialize;
use shared::api::{UploadDto, UploadKind};
use shared::error::ErrorCode;
use shared::roles::Area;

use super::service;
use crate::auth::Staff;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `poster` or `group_qr`.
    #[param(value_type = UploadKind)]
    kind: String,
}

/// The image file itself as the request body (not JSON, not a multipart form).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ImageFile(pub Vec<u8>);

/// Uploads a JPG/PNG image as the raw request body (at most 2 MB).
#[utoipa::path(post, path = "/api/v1/uploads", params(UploadQuery),
    request_body(description = "JPG 或 PNG 图片的原始字节，最大 2MB", content((ImageFile = "image/png"), (ImageFile = "image/jpeg"))),
    tag = "uploads", responses((status = 200, body = UploadDto), (status = 422, body = shared::error::ApiError)))]
pub async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<UploadQuery>,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Json<UploadDto>> {
    staff.require(Area::CampManagement)?;
    let kind =
        UploadKind::parse(&query.kind).ok_or_else(|| AppError::field("kind", "图片用途不正确"))?;
    let bytes =
        body.map_err(|_| AppError::message(ErrorCode::PayloadTooLarge, "图片不能超过2MB"))?;
    Ok(Json(
        service::store(&state.db, kind, bytes.to_vec(), staff.user.id).await?,
    ))
}

/// An uploaded image by its public id (`UploadDto.id`). Posters are public; a
/// group QR code only to staff who may see a camp using it (super admins and
/// admins: all). Paid members get theirs through
/// `GET /api/v1/enrollments/{id}/group-qr`. Anyone else: 404.
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "the upload's public id", pattern = r"^[0-9a-f]{32}$")),
    responses((status = 200, description = "图片本身", content((ImageFile = "image/png"), (ImageFile = "image/jpeg")))))]
pub async fn download(
    State(state): State<AppState>,
    staff: Option<Staff>,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Response> {
    let upload = service::find_public(&state.db, &id).await?;
    let public = upload.kind == UploadKind::Poster.as_str();
    let allowed = public
        || match &staff {
            Some(staff) => service::staff_may_see_group_qr(&state.db, staff, upload.id).await?,
            None => false,
        };
    if !allowed {
        return Err(AppError::not_found("图片"));
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        upload.content_type.parse().map_err(anyhow::Error::from)?,
    );
    let cache = if public {
        "public, max-age=86400, immutable"
    } else {
        "private, no-store"
    };
    headers.insert(CACHE_CONTROL, cache.parse().map_err(anyhow::Error::from)?);
    Ok((headers, upload.data).into_response())
}
