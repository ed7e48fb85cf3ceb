//! The member's browser: a random token in an HttpOnly cookie (stored only as a
//! SHA-256), bound to the enrollments it paid for or proved it owns. (The
//! WeChat openid cookie lives with the OAuth step, `crate::wechat_oauth`.)

use axum::extract::FromRequestParts;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

use crate::error::AppError;
pub use crate::extract::cookie_value;

pub const MEMBER_COOKIE: &str = "camp_member";

pub fn new_token() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect()
}

pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// The member token this browser sent, if any.
pub struct MemberToken(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for MemberToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            cookie_value(&parts.headers, MEMBER_COOKIE).filter(|t| t.len() <= 64),
        ))
    }
}

/// A long-lived cookie (a year: a camp and its refund take weeks).
pub fn set_cookie(name: &str, value: &str, secure: bool) -> HeaderMap {
    let cookie = Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::days(365));
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        headers.insert(SET_COOKIE, value);
    }
    headers
}
