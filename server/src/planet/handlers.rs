use axum::Json;
use axum::extract::State;
use shared::planet::{
    PlanetConnectionTest, PlanetPublished, PlanetSettingsUpdate, PlanetSettingsView,
    SandboxCheckinsCreated, SandboxCheckinsRequest, SandboxGenerateRequest, SyncRunDto,
    SyncRunQuery, SyncStarted,
};
use shared::roles::Area;

use super::sync::{self, SyncKind};
use super::{PlanetError, publish, sandbox_tools, settings};
use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::integrations::zsxq::{ZsxqClient, ZsxqError};
use crate::state::AppState;

async fn client(state: &AppState) -> AppResult<Result<ZsxqClient, ZsxqError>> {
    Ok(
        crate::settings::zsxq::client(&state.db, &state.config, &state.keys, &state.self_url)
            .await?,
    )
}

/// The Knowledge Planet settings (super admin); the cookie only as a "set" flag.
#[utoipa::path(get, operation_id = "get_planet_settings", path = "/api/v1/admin/settings/zsxq", tag = "settings",
    responses((status = 200, body = PlanetSettingsView)))]
pub async fn get_settings(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Json<PlanetSettingsView>> {
    staff.require(Area::SystemConfig)?;
    Ok(Json(settings::view(&settings::load(&state.db).await?)))
}

/// Saves the Knowledge Planet settings, audited; a blank `access_token` keeps
/// the stored cookie.
#[utoipa::path(put, operation_id = "update_planet_settings", path = "/api/v1/admin/settings/zsxq", request_body = PlanetSettingsUpdate, tag = "settings",
    responses((status = 200, body = PlanetSettingsView), (status = 422, body = shared::error::ApiError)))]
pub async fn update_settings(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(update): ApiJson<PlanetSettingsUpdate>,
) -> AppResult<Json<PlanetSettingsView>> {
    staff.require(Area::SystemConfig)?;
    Ok(Json(
        settings::update(&state.db, &state.keys.secrets, &staff.actor(), &update).await?,
    ))
}

/// "测试连接": whose cookie it is and whether it reads the planet. An expired
/// cookie is an answer (`cookie_expired: true`), not an error.
#[utoipa::path(post, operation_id = "test_planet_connection", path = "/api/v1/admin/settings/zsxq/test", tag = "settings",
    responses((status = 200, body = PlanetConnectionTest)))]
pub async fn test_connection(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Json<PlanetConnectionTest>> {
    staff.require(Area::SystemConfig)?;
    // At most 1 s between its two calls: the staff member is waiting, and a
    // long configured spacing (up to 60 s) timed the request out (API fuzzer).
    let client = client(&state)
        .await?
        .map(|c| c.with_spacing_at_most(std::time::Duration::from_secs(1)));
    Ok(Json(settings::test(client).await))
}

/// "保存并发布知识星球": creates the camp's check-in project on Knowledge Planet
/// and stores its id (admins). 409 `planet_already_published` when the camp
/// has one, 409 `planet_not_configured`, 502 `planet_cookie_expired` / `upstream`.
#[utoipa::path(post, path = "/api/v1/admin/camps/{id}/publish-planet", tag = "camps",
    responses((status = 200, body = PlanetPublished), (status = 409, body = shared::error::ApiError),
        (status = 502, body = shared::error::ApiError)))]
pub async fn publish_planet(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<PlanetPublished>> {
    let camp =
        crate::camps::service::find_visible(&state.db, &staff, Area::CampManagement, id).await?;
    if !camp.planet_project_id.trim().is_empty() {
        return Err(PlanetError::AlreadyPublished(camp.planet_project_id).into());
    }
    let client = client(&state).await??;
    let planet_project_id = publish::publish(&state.db, &client, &staff.actor(), &camp).await?;
    Ok(Json(PlanetPublished { planet_project_id }))
}

fn sandbox_only(state: &AppState) -> AppResult<()> {
    if state.config.sandbox {
        Ok(())
    } else {
        Err(PlanetError::SandboxOnly.into())
    }
}

/// Sandbox only (404 otherwise): adds check-in posts for one member on the
/// chosen dates to the Knowledge Planet simulator (admins).
#[utoipa::path(post, path = "/api/v1/admin/sandbox/zsxq/checkins", request_body = SandboxCheckinsRequest, tag = "sandbox",
    responses((status = 200, body = SandboxCheckinsCreated), (status = 404, body = shared::error::ApiError),
        (status = 422, body = shared::error::ApiError)))]
pub async fn sandbox_add_checkins(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<SandboxCheckinsRequest>,
) -> AppResult<Json<SandboxCheckinsCreated>> {
    staff.require(Area::CampManagement)?;
    sandbox_only(&state)?;
    let created = sandbox_tools::add_checkins(&state.db, &request).await?;
    Ok(Json(SandboxCheckinsCreated { created }))
}

/// Sandbox only (404 otherwise): generates a realistic month of check-ins for
/// the camp's paid members in the Knowledge Planet simulator (admins). The
/// camp needs its 知识星球项目ID.
#[utoipa::path(post, path = "/api/v1/admin/sandbox/zsxq/generate", request_body = SandboxGenerateRequest, tag = "sandbox",
    responses((status = 200, body = SandboxCheckinsCreated), (status = 404, body = shared::error::ApiError),
        (status = 409, body = shared::error::ApiError)))]
pub async fn sandbox_generate(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(request): ApiJson<SandboxGenerateRequest>,
) -> AppResult<Json<SandboxCheckinsCreated>> {
    staff.require(Area::CampManagement)?;
    sandbox_only(&state)?;
    let created = sandbox_tools::generate(&state.db, request.camp_id, request.seed).await?;
    Ok(Json(SandboxCheckinsCreated { created }))
}

/// Which sync "立即同步" starts: `incremental` (default), `full` or `ranking`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    pub kind: Option<String>,
}

/// "立即同步": starts a sync of the camp's check-ins and returns its run id;
/// progress shows in `GET /api/v1/admin/sync-runs` (staff of the camp).
#[utoipa::path(post, path = "/api/v1/admin/camps/{id}/sync", params(SyncQuery), tag = "checkins",
    responses((status = 200, body = SyncStarted), (status = 409, body = shared::error::ApiError),
        (status = 422, body = shared::error::ApiError)))]
pub async fn sync_camp(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<SyncQuery>,
) -> AppResult<Json<SyncStarted>> {
    let kind = match query
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        None => SyncKind::Incremental,
        Some(text) => SyncKind::parse(text).ok_or_else(|| {
            crate::error::AppError::field("kind", "同步类型应为 incremental、full 或 ranking")
        })?,
    };
    let camp = crate::camps::service::find_visible(&state.db, &staff, Area::Checkins, id).await?;
    let run_id = sync::request(&state.db, &staff.actor(), &camp, kind).await?;
    Ok(Json(SyncStarted { run_id }))
}

/// Sync runs, newest first (staff; coaches and volunteers: their camps).
#[utoipa::path(get, path = "/api/v1/admin/sync-runs", params(SyncRunQuery), tag = "checkins",
    responses((status = 200, body = Vec<SyncRunDto>)))]
pub async fn list_sync_runs(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<SyncRunQuery>,
) -> AppResult<Json<Vec<SyncRunDto>>> {
    let camp_ids =
        crate::camps::service::visible_camp_ids(&state.db, &staff, Area::Checkins).await?;
    Ok(Json(sync::list(&state.db, camp_ids, &query).await?))
}
