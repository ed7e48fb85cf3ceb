use axum::Json;
use axum::extract::State;
use shared::api::{
    CreateUserRequest, ResetPasswordResponse, StaffOption, UpdateUserRequest, UserDto,
};
use shared::roles::Area;

use super::service;
use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = Vec<UserDto>)))]
pub async fn list_users(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Json<Vec<UserDto>>> {
    staff.require(Area::Users)?;
    Ok(Json(service::list(&state.db).await?))
}

#[utoipa::path(post, path = "/api/v1/users", request_body = CreateUserRequest, tag = "users",
    responses((status = 200, body = UserDto), (status = 422, body = shared::error::ApiError)))]
pub async fn create_user(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<CreateUserRequest>,
) -> AppResult<Json<UserDto>> {
    staff.require(Area::Users)?;
    Ok(Json(
        service::create(&state.db, &staff.actor(), request).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/users/{id}", request_body = UpdateUserRequest, tag = "users",
    responses((status = 200, body = UserDto)))]
pub async fn update_user(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<UpdateUserRequest>,
) -> AppResult<Json<UserDto>> {
    staff.require(Area::Users)?;
    Ok(Json(
        service::update(&state.db, &staff.actor(), id, request).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", responses((status = 200)))]
pub async fn delete_user(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<()>> {
    staff.require(Area::Users)?;
    service::delete(&state.db, &staff.actor(), id).await?;
    Ok(Json(()))
}

/// Gives the user a new random password, shown once; their sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users",
    responses((status = 200, body = ResetPasswordResponse)))]
pub async fn reset_password(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<ResetPasswordResponse>> {
    staff.require(Area::Users)?;
    Ok(Json(
        service::reset_password(&state.db, &staff.actor(), id).await?,
    ))
}

/// Coaches and volunteers a camp can be assigned to.
#[utoipa::path(get, path = "/api/v1/admin/staff-options", tag = "camps", responses((status = 200, body = Vec<StaffOption>)))]
pub async fn staff_options(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Json<Vec<StaffOption>>> {
    staff.require(shared::roles::Area::CampManagement)?;
    Ok(Json(service::staff_options(&state.db).await?))
}
