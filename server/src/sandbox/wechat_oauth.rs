//! The official account's web OAuth as WeChat runs it, for sandbox mode:
//! `connect/oauth2/authorize` (silent snsapi_base: straight back with a code)
//! and `sns/oauth2/access_token` (code → openid). As strict as the real one:
//! the redirect_uri must be on the authorised domain (this server), `state` at
//! most 128 bytes of [a-zA-Z0-9], a code is good once and for 5 minutes, the
//! AppID and AppSecret are checked before the code, and each visitor's openid
//! is the same every time and belongs to one AppID (the prepay checks that).

use std::time::{Duration, Instant};

use axum::extract::{FromRef, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::SandboxState;
use super::wechat_pay::{page, random, sim};
use crate::extract::cookie_value;

/// A code's life at WeChat.
const CODE_TTL: Duration = Duration::from_secs(300);
/// The fake WeChat client's notion of "who is this": a cookie on the sandbox path.
const USER_COOKIE: &str = "sandbox_wechat_user";

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    SandboxState: FromRef<S>,
{
    Router::new()
        .route("/sandbox/wechat/connect/oauth2/authorize", get(authorize))
        .route("/sandbox/wechat/sns/oauth2/access_token", get(access_token))
}

#[derive(Debug, Clone)]
pub struct IssuedCode {
    app_id: String,
    openid: String,
    issued: Instant,
    used: bool,
}

/// The openid of `user` under `app_id`: 28 characters like WeChat's, stable per
/// (user, AppID), and recognisably bound to the AppID (its tail is a digest of both).
pub fn openid_for(app_id: &str, user: &str) -> String {
    let user: String = user
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    format!("o{user:0<16}{}", &tag(app_id, &format!("{user:0<16}")))
}

fn tag(app_id: &str, user: &str) -> String {
    format!(
        "{:x}",
        Sha256::digest(format!("{app_id}|{user}").as_bytes())
    )[..11]
        .to_owned()
}

/// Whether `openid` was issued under `app_id` (WeChat: "appid和openid不匹配").
pub fn openid_belongs(app_id: &str, openid: &str) -> bool {
    openid.len() == 28
        && openid.is_ascii()
        && openid.starts_with('o')
        && tag(app_id, &openid[1..17]) == openid[17..]
}

#[derive(Deserialize)]
struct Authorize {
    appid: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
}

fn refused(errcode: i64, what: &str) -> Response {
    page(
        "授权失败",
        &format!("<p>{what}</p><p class=\"muted\">错误码：{errcode}</p>"),
    )
    .into_response()
}

fn host_and_port(url: &reqwest::Url) -> Option<(String, u16)> {
    Some((url.host_str()?.to_owned(), url.port_or_known_default()?))
}

/// The silent snsapi_base authorisation: straight back with a code.
async fn authorize(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Query(q): Query<Authorize>,
) -> Response {
    let sim = match sim(&state).await {
        Ok(sim) => sim,
        Err(response) => return response,
    };
    if q.appid.as_deref() != Some(sim.config.app_id.as_str()) {
        return refused(10016, "appid 无效");
    }
    if q.response_type.as_deref() != Some("code") {
        return refused(10004, "response_type 参数错误");
    }
    if !matches!(q.scope.as_deref(), Some("snsapi_base" | "snsapi_userinfo")) {
        return refused(10005, "scope 参数错误");
    }
    let state_param = q.state.unwrap_or_default();
    if state_param.len() > 128 || !state_param.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return refused(10006, "state 参数错误：最多128字节的字母和数字");
    }
    // The 网页授权域名: only this deployment's own host may receive codes.
    let Some(mut redirect) = q
        .redirect_uri
        .as_deref()
        .and_then(|u| reqwest::Url::parse(u).ok())
    else {
        return refused(10003, "redirect_uri 参数错误");
    };
    let own = reqwest::Url::parse(&state.self_url)
        .ok()
        .and_then(|u| host_and_port(&u))
        .map(|(host, _)| host);
    if host_and_port(&redirect).map(|(host, _)| host) != own || own.is_none() {
        return refused(10003, "redirect_uri 域名与后台配置不一致");
    }
    let user = cookie_value(&headers, USER_COOKIE)
        .filter(|u| u.len() == 16 && u.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| random(16));
    let code = random(32);
    if let Ok(mut codes) = state.oauth_codes.lock() {
        codes.retain(|_, issued| issued.issued.elapsed() < CODE_TTL);
        codes.insert(
            code.clone(),
            IssuedCode {
                app_id: sim.config.app_id.clone(),
                openid: openid_for(&sim.config.app_id, &user),
                issued: Instant::now(),
                used: false,
            },
        );
    }
    redirect
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &state_param);
    let mut response_headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{USER_COOKIE}={user}; Path=/sandbox/wechat; HttpOnly; Max-Age=31536000"
    )) {
        response_headers.insert(SET_COOKIE, value);
    }
    if let Ok(value) = HeaderValue::from_str(redirect.as_str()) {
        response_headers.insert(LOCATION, value);
    }
    (StatusCode::FOUND, response_headers).into_response()
}

#[derive(Deserialize)]
struct TokenQuery {
    appid: Option<String>,
    secret: Option<String>,
    code: Option<String>,
    grant_type: Option<String>,
}

fn wechat_error(errcode: i64, errmsg: &str) -> Response {
    // WeChat answers errors with HTTP 200 and a JSON body.
    Json(json!({ "errcode": errcode, "errmsg": errmsg })).into_response()
}

/// Code → openid, checking AppID, AppSecret, grant type, then the code (once).
async fn access_token(State(state): State<SandboxState>, Query(q): Query<TokenQuery>) -> Response {
    let sim = match sim(&state).await {
        Ok(sim) => sim,
        Err(response) => return response,
    };
    if q.appid.as_deref() != Some(sim.config.app_id.as_str()) {
        return wechat_error(40013, "invalid appid");
    }
    if q.secret.as_deref() != Some(sim.app_secret.as_str()) {
        return wechat_error(40125, "invalid appsecret");
    }
    if q.grant_type.as_deref() != Some("authorization_code") {
        return wechat_error(40002, "invalid grant_type");
    }
    let issued = {
        let Ok(mut codes) = state.oauth_codes.lock() else {
            return wechat_error(-1, "system error");
        };
        let found = q.code.as_deref().and_then(|code| codes.get_mut(code));
        match found {
            Some(issued) if issued.used => return wechat_error(40163, "code been used"),
            Some(issued)
                if issued.issued.elapsed() < CODE_TTL && issued.app_id == sim.config.app_id =>
            {
                issued.used = true;
                issued.clone()
            }
            _ => return wechat_error(40029, "invalid code"),
        }
    };
    Json(json!({
        "access_token": random(64),
        "expires_in": 7200,
        "refresh_token": random(64),
        "openid": issued.openid,
        "scope": "snsapi_base",
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openids_are_stable_and_bound_to_their_app_id() {
        let openid = openid_for("wxsandbox00000001", "AbCdEfGh12345678");
        assert_eq!(openid.len(), 28);
        assert_eq!(openid, openid_for("wxsandbox00000001", "AbCdEfGh12345678"));
        assert!(openid_belongs("wxsandbox00000001", &openid));
        assert!(!openid_belongs("wxanother00000002", &openid));
        assert!(!openid_belongs("wxsandbox00000001", "o-test"));
        assert!(!openid_belongs("wxsandbox00000001", "o中文中文中文中文中"));
    }
}
