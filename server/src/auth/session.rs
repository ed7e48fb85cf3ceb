//! Session tokens (HS256 JWT) and the `Staff` extractor.
//!
//! The token names the user and the user's `token_version`; every request
//! reloads the user, so disabling a user, resetting a password or deleting the
//! user ends their existing sessions at once. State-changing requests must echo
//! the session's CSRF token in `x-csrf-token` (signed double submit: the token is
//! inside the signed session, and a copy sits in a cookie the page can read).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use chrono::{Duration, Utc};
use cookie::{Cookie, SameSite};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use shared::error::ErrorCode;
use shared::roles::{Area, Role, Scope};

use crate::audit::Actor;
use crate::entity::users;
use crate::error::{AppError, AppResult};
use crate::extract::{client_ip, cookie_value};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "camp_session";
pub const CSRF_COOKIE: &str = "camp_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: i64,
    ver: i32,
    csrf: String,
    iat: i64,
    exp: i64,
}

/// A new session for `user`: the cookies to set and the CSRF token.
pub fn issue(state: &AppState, user: &users::Model) -> anyhow::Result<(HeaderMap, String)> {
    let csrf: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    let now = Utc::now();
    let lifetime = Duration::hours(state.config.auth.session_hours);
    let claims = Claims {
        sub: user.id,
        ver: user.token_version,
        csrf: csrf.clone(),
        iat: now.timestamp(),
        exp: (now + lifetime).timestamp(),
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&state.keys.session),
    )?;
    let max_age = cookie::time::Duration::seconds(lifetime.num_seconds());
    let secure = state.config.server.secure_cookies;
    let session = Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(max_age);
    let csrf_cookie = Cookie::build((CSRF_COOKIE, csrf.clone()))
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(max_age);
    let mut headers = HeaderMap::new();
    headers.append(SET_COOKIE, HeaderValue::from_str(&session.to_string())?);
    headers.append(SET_COOKIE, HeaderValue::from_str(&csrf_cookie.to_string())?);
    Ok((headers, csrf))
}

/// Cookies that end the session in the browser.
pub fn clear() -> HeaderMap {
    let mut headers = HeaderMap::new();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        let gone = Cookie::build((name, ""))
            .path("/")
            .max_age(cookie::time::Duration::ZERO);
        if let Ok(value) = HeaderValue::from_str(&gone.to_string()) {
            headers.append(SET_COOKIE, value);
        }
    }
    headers
}

/// A signed-in, enabled staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: users::Model,
    pub role: Role,
    pub csrf: String,
    pub ip: String,
}

impl Staff {
    /// How far this person reaches into `area`; `Forbidden` when not at all.
    pub fn require(&self, area: Area) -> AppResult<Scope> {
        match self.role.scope(area) {
            Scope::None => Err(AppError::code(ErrorCode::Forbidden)),
            scope => Ok(scope),
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.user.id),
            name: self.user.username.clone(),
            ip: self.ip.clone(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Staff
where
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let unauthenticated = || AppError::code(ErrorCode::Unauthenticated);
        let token = cookie_value(&parts.headers, SESSION_COOKIE).ok_or_else(unauthenticated)?;
        let claims = jsonwebtoken::decode::<Claims>(
            &token,
            &DecodingKey::from_secret(&state.keys.session),
            &Validation::new(Algorithm::HS256),
        )
        .map_err(|_| unauthenticated())?
        .claims;
        let user = users::Entity::find_by_id(claims.sub)
            .one(&state.db)
            .await?
            .ok_or_else(unauthenticated)?;
        if user.token_version != claims.ver {
            return Err(unauthenticated());
        }
        if !user.enabled {
            return Err(AppError::code(ErrorCode::AccountDisabled));
        }
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(claims.csrf.as_str()) {
                return Err(AppError::code(ErrorCode::CsrfFailed));
            }
        }
        let role = Role::parse(&user.role)
            .ok_or_else(|| anyhow::anyhow!("user {} has unknown role {}", user.id, user.role))?;
        let ip = client_ip(parts, &state)
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        Ok(Self {
            user,
            role,
            csrf: claims.csrf,
            ip,
        })
    }
}

/// For endpoints that serve visitors and staff differently: a missing or stale
/// session is simply "not staff".
impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Staff
where
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Staff as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(staff) => Ok(Some(staff)),
            Err(AppError::Internal(e)) => Err(AppError::Internal(e)),
            Err(AppError::Api(_)) => Ok(None),
        }
    }
}
