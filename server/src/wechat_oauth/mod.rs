//! The official account's silent web OAuth (snsapi_base): a WeChat visitor is
//! sent to WeChat's authorize page and comes back with a code, which we trade
//! for the openid that JSAPI payment needs (PRD §4.1.3).
//!
//! Three cookies, each sealed under its own derived key (`crate::keys`):
//! - `camp_oauth_state`: the round trip in flight — a random nonce (sent to
//!   WeChat as `state`) and the return path — so a callback is accepted only in
//!   the browser that started it;
//! - `camp_openid`: the openid *and the AppID it belongs to*; after an AppID
//!   change it no longer counts, and the visitor is sent round OAuth again;
//! - `camp_oauth_failed`: the exchange failed here (e.g. a wrong AppSecret), so
//!   the pages offer the other payment methods instead of OAuth again.

pub mod handlers;

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::extract::cookie_value;
use crate::payments::gateway;
use crate::secrets;
use crate::state::AppState;

pub const OPENID_COOKIE: &str = "camp_openid";
pub const STATE_COOKIE: &str = "camp_oauth_state";
pub const FAILED_COOKIE: &str = "camp_oauth_failed";

/// What the openid cookie holds (sealed).
#[derive(Serialize, Deserialize)]
struct SealedOpenid {
    appid: String,
    openid: String,
}

/// This browser's openid for the AppID configured now, if it went through OAuth.
pub async fn openid(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let sealed = cookie_value(headers, OPENID_COOKIE)?;
    let plain = secrets::open(&state.keys.openid_cookie, &sealed).ok()?;
    let cookie: SealedOpenid = serde_json::from_slice(&plain).ok()?;
    let gateway = gateway::current(state).await.ok()?;
    (cookie.appid == gateway.app_id).then_some(cookie.openid)
}

/// The sealed value of the openid cookie.
fn seal_openid(state: &AppState, app_id: &str, openid: &str) -> anyhow::Result<String> {
    let plain = serde_json::to_vec(&SealedOpenid {
        appid: app_id.to_owned(),
        openid: openid.to_owned(),
    })?;
    secrets::seal(&state.keys.openid_cookie, &plain)
}

/// OAuth failed in this browser recently: offer Native/H5 payment, not OAuth again.
pub fn failed_here(headers: &HeaderMap) -> bool {
    cookie_value(headers, FAILED_COOKIE).is_some()
}
