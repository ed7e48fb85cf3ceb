//! The official account's silent web OAuth (snsapi_base): a WeChat visitor is
//! sent to WeChat's authorize page and comes back with a code, which we trade
//! for the openid that JSAPI payment needs (PRD §4.1.3). The openid is kept
//! sealed in a cookie.

pub mod handlers;

use axum::http::HeaderMap;

use crate::extract::cookie_value;
use crate::secrets;
use crate::state::AppState;

/// The cookie holding this browser's sealed openid.
pub const OPENID_COOKIE: &str = "camp_openid";

/// This browser's openid from an earlier OAuth round trip, if any.
pub async fn openid(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let sealed = cookie_value(headers, OPENID_COOKIE)?;
    secrets::open_string(&state.keys.secrets, &sealed).ok()
}
