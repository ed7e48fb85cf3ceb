//! Our own extractors: their rejections become the API's error shape with a
//! Chinese message instead of axum's plain-text defaults.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use shared::error::{ApiError, ErrorCode};

use crate::error::AppError;
use crate::state::AppState;

/// A JSON body. Beyond `axum::Json`: a failure names the field it is about, and
/// no string anywhere in the body may hold U+0000 (PostgreSQL cannot store it,
/// and no field of ours has a use for it).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => value,
            Err(rejection) => {
                tracing::debug!(%rejection, "rejected JSON body");
                return Err(AppError::message(
                    ErrorCode::BadRequest,
                    format!("请求内容格式不正确：{}", rejection.body_text()),
                ));
            }
        };
        if let Some(field) = nul_in_json(&value, &mut Vec::new()) {
            return Err(nul_error(&field));
        }
        serde_path_to_error::deserialize(value)
            .map(Self)
            .map_err(|err| bad_field("请求内容", err))
    }
}

/// The dotted path of the first string (or object key) holding U+0000.
fn nul_in_json(value: &serde_json::Value, path: &mut Vec<String>) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(text) if text.contains('\0') => Some(path.join(".")),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(i.to_string());
            let found = nul_in_json(item, path);
            path.pop();
            found
        }),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            path.push(key.clone());
            let found = if key.contains('\0') {
                Some(path.join("."))
            } else {
                nul_in_json(item, path)
            };
            path.pop();
            found
        }),
        _ => None,
    }
}

fn nul_error(field: &str) -> AppError {
    let field = if field.is_empty() { "body" } else { field };
    bad_request(
        field,
        format!("{field} 含有不允许的控制字符（U+0000）"),
        "含有不允许的控制字符",
    )
}

/// A 400 naming the field serde failed on (`page`, `camp.name`, `items[2]`).
fn bad_field<E: std::fmt::Display>(what: &str, err: serde_path_to_error::Error<E>) -> AppError {
    let field = err.path().to_string();
    tracing::debug!(%field, error = %err.inner(), "rejected {what}");
    if field == "." || field.is_empty() {
        return AppError::message(
            ErrorCode::BadRequest,
            format!("{what}格式不正确：{}", err.inner()),
        );
    }
    bad_request(
        &field,
        format!("{what}中的 {field} 不正确"),
        "格式或取值不正确",
    )
}

/// A 400 (the request could not be read) that still names its field.
fn bad_request(field: &str, message: String, field_message: &str) -> AppError {
    let mut error = ApiError::field(field, field_message);
    error.code = ErrorCode::BadRequest;
    error.message = message;
    AppError::Api(error)
}

/// A query string. Beyond `axum::Query`: a failure (a number out of its type's
/// range, an unknown enum value) names the parameter, and no value may hold U+0000.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = form_urlencoded::parse(query.as_bytes());
        if let Some((key, _)) = pairs
            .clone()
            .find(|(key, value)| key.contains('\0') || value.contains('\0'))
        {
            return Err(nul_error(&key));
        }
        serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs))
            .map(Self)
            .map_err(|err| bad_field("查询参数", err))
    }
}

/// Path parameters; anything that does not parse (an id beyond 64 bits, a
/// value holding U+0000) names nothing that exists, so it is a 404.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let not_found = || AppError::message(ErrorCode::NotFound, "请求的内容不存在");
        let raw = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        if raw.iter().any(|(_, value)| value.contains('\0')) {
            return Err(not_found());
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(_) => Err(not_found()),
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
