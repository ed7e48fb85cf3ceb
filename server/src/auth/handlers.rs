use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use shared::api::{LoginRequest, Me};
use shared::roles::Role;

use super::{Staff, service, session};
use crate::audit::{self, Action, Target};
use crate::error::AppResult;
use crate::extract::{ApiJson, ClientIp};
use crate::state::AppState;

fn me(user_id: i64, username: &str, role: Role, csrf: String) -> Me {
    Me {
        id: user_id,
        username: username.to_owned(),
        role,
        csrf_token: csrf,
    }
}

/// Signs a staff member in and sets the session cookies.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest, tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = shared::error::ApiError)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(request): ApiJson<LoginRequest>,
) -> AppResult<(HeaderMap, Json<Me>)> {
    let user = service::sign_in(
        &state.db,
        &state.config.auth,
        &request.username,
        &request.password,
        &ip,
    )
    .await?;
    let role =
        Role::parse(&user.role).ok_or_else(|| anyhow::anyhow!("unknown role {}", user.role))?;
    let (cookies, csrf) = session::issue(&state, &user)?;
    Ok((cookies, Json(me(user.id, &user.username, role, csrf))))
}

/// Ends the session, on the server too: the token stops working even if a copy
/// of the cookie survives (this signs the user out on every device).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 200)))]
pub async fn logout(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<(HeaderMap, Json<()>)> {
    service::end_sessions(&state.db, staff.user.id).await?;
    audit::record(
        &state.db,
        &staff.actor(),
        Action::Logout,
        Target::user(staff.user.id, &staff.user.username),
        "",
    )
    .await?;
    Ok((session::clear(), Json(())))
}

/// The signed-in staff member.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = shared::error::ApiError)))]
pub async fn current(staff: Staff) -> Json<Me> {
    Json(me(
        staff.user.id,
        &staff.user.username,
        staff.role,
        staff.csrf,
    ))
}
