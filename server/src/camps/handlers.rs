use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use shared::api::{CampDto, CampListQuery, CampRequest, Page, PublicCamp};
use shared::dates::business_date;
use shared::roles::Area;

use super::{qr, service};
use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

fn today() -> chrono::NaiveDate {
    business_date(Utc::now())
}

/// Ongoing and upcoming camps, for members.
#[utoipa::path(get, operation_id = "list_public_camps", path = "/api/v1/camps", tag = "camps", responses((status = 200, body = Vec<PublicCamp>)))]
pub async fn list_public(State(state): State<AppState>) -> AppResult<Json<Vec<PublicCamp>>> {
    Ok(Json(service::list_public(&state.db, today()).await?))
}

/// One camp, for its member sign-up page.
#[utoipa::path(get, operation_id = "get_public_camp", path = "/api/v1/camps/{id}", tag = "camps", responses((status = 200, body = PublicCamp)))]
pub async fn get_public(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<PublicCamp>> {
    Ok(Json(service::get_public(&state.db, id, today()).await?))
}

/// Camps for staff; coaches and volunteers see only their own.
#[utoipa::path(get, operation_id = "list_admin_camps", path = "/api/v1/admin/camps", params(CampListQuery), tag = "camps", responses((status = 200, body = Page<CampDto>)))]
pub async fn list_admin(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<CampListQuery>,
) -> AppResult<Json<Page<CampDto>>> {
    Ok(Json(
        service::list_admin(&state.db, &staff, &query, today(), &state.config.public_url).await?,
    ))
}

#[utoipa::path(get, operation_id = "get_admin_camp", path = "/api/v1/admin/camps/{id}", tag = "camps", responses((status = 200, body = CampDto)))]
pub async fn get_admin(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<CampDto>> {
    Ok(Json(
        service::get_admin(&state.db, &staff, id, today(), &state.config.public_url).await?,
    ))
}

#[utoipa::path(post, operation_id = "create_camp", path = "/api/v1/admin/camps", request_body = CampRequest, tag = "camps",
    responses((status = 200, body = CampDto), (status = 422, body = shared::error::ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<CampRequest>,
) -> AppResult<Json<CampDto>> {
    staff.require(Area::CampManagement)?;
    Ok(Json(
        service::create(
            &state.db,
            &staff.actor(),
            request,
            today(),
            &state.config.public_url,
        )
        .await?,
    ))
}

#[utoipa::path(put, operation_id = "update_camp", path = "/api/v1/admin/camps/{id}", request_body = CampRequest, tag = "camps",
    responses((status = 200, body = CampDto), (status = 422, body = shared::error::ApiError)))]
pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<CampRequest>,
) -> AppResult<Json<CampDto>> {
    staff.require(Area::CampManagement)?;
    Ok(Json(
        service::update(
            &state.db,
            &staff.actor(),
            id,
            request,
            today(),
            &state.config.public_url,
        )
        .await?,
    ))
}

#[utoipa::path(delete, operation_id = "delete_camp", path = "/api/v1/admin/camps/{id}", tag = "camps", responses((status = 200)))]
pub async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<()>> {
    staff.require(Area::CampManagement)?;
    service::delete(&state.db, &staff.actor(), id, today()).await?;
    Ok(Json(()))
}

/// The QR code of the camp's H5 sign-up link, as a PNG download.
#[utoipa::path(get, operation_id = "camp_qrcode", path = "/api/v1/admin/camps/{id}/qrcode.png", tag = "camps", responses((status = 200, content_type = "image/png")))]
pub async fn qrcode(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    staff.require(Area::CampManagement)?;
    let camp = service::find_visible(&state.db, &staff, Area::CampManagement, id).await?;
    let png = qr::png(&service::h5_url(&state.config.public_url, camp.id))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        "image/png".parse().map_err(anyhow::Error::from)?,
    );
    headers.insert(
        CACHE_CONTROL,
        "private, no-store".parse().map_err(anyhow::Error::from)?,
    );
    let disposition = format!("inline; filename=\"camp-{}-qrcode.png\"", camp.id);
    headers.insert(
        CONTENT_DISPOSITION,
        disposition.parse().map_err(anyhow::Error::from)?,
    );
    Ok((headers, png).into_response())
}
