//! Our own extractors: their rejections become the API's error shape with a
//! Chinese message instead of axum's plain-text defaults.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use shared::error::ErrorCode;

use crate::error::AppError;
use crate::state::AppState;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => {
                tracing::debug!(%rejection, "rejected JSON body");
                Err(AppError::message(
                    ErrorCode::BadRequest,
                    format!("请求内容格式不正确：{}", rejection.body_text()),
                ))
            }
        }
    }
}

pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::message(
                ErrorCode::BadRequest,
                format!("查询参数不正确：{}", rejection.body_text()),
            )),
        }
    }
}

pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(_) => Err(AppError::message(ErrorCode::NotFound, "请求的内容不存在")),
        }
    }
}

/// Set by the in-process SSR transport: the address of the visitor whose page is
/// being rendered. A request extension, so no remote client can forge it.
#[derive(Debug, Clone, Copy)]
pub struct ForwardedClientIp(pub IpAddr);

/// The client's address, for the audit log and the rate limiter.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            client_ip(parts, &AppState::from_ref(state))
                .map(|ip| ip.to_string())
                .unwrap_or_default(),
        ))
    }
}

pub fn client_ip(parts: &Parts, state: &AppState) -> Option<IpAddr> {
    if let Some(ForwardedClientIp(ip)) = parts.extensions.get::<ForwardedClientIp>() {
        return Some(*ip);
    }
    // Behind trusted proxies, the right-most untrusted X-Forwarded-For hop.
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| {
            state
                .config
                .server
                .trusted_proxies
                .client_addr(addr.ip(), &parts.headers)
        })
}

/// A cookie the request carries; an empty value counts as absent.
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}
