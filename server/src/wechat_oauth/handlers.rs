//! `/h5/wechat-auth` (start) and `/h5/wechat-auth/callback` (WeChat sends the
//! visitor back here with `code` and `state`). These are browser navigations, so
//! every outcome is a redirect or a Chinese page, never JSON.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use cookie::{Cookie, SameSite};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};

use super::{FAILED_COOKIE, OPENID_COOKIE, STATE_COOKIE, seal_openid};
use crate::audit::{self, Action, Actor, Target};
use crate::error::AppResult;
use crate::extract::{ApiQuery, cookie_value};
use crate::integrations::wechat_oauth::{OAuthClient, OAuthError};
use crate::payments::gateway;
use crate::redirect::same_origin_or;
use crate::secrets;
use crate::state::AppState;

/// Where a visitor lands when the request names no usable return path.
const HOME: &str = "/h5";
/// How long a round trip may take (WeChat's codes live 5 minutes).
const STATE_TTL_SECS: i64 = 600;
/// How long a browser whose OAuth failed is offered other payment methods.
const FAILED_TTL_SECS: i64 = 1800;
const CALLBACK_PATH: &str = "/h5/wechat-auth/callback";

#[derive(Deserialize, utoipa::IntoParams)]
pub struct OAuthStart {
    /// Where to come back to (a path on this site).
    #[serde(rename = "return", default)]
    return_to: String,
}

/// The round trip in flight, sealed in the state cookie.
#[derive(Serialize, Deserialize)]
struct PendingAuth {
    nonce: String,
    return_to: String,
    issued_at: i64,
}

fn cookie(name: &str, value: &str, path: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let cookie = Cookie::build((name, value))
        .http_only(true)
        // Lax: WeChat sends the visitor back with a top-level GET, which carries it.
        .same_site(SameSite::Lax)
        .secure(secure)
        .path(path)
        .max_age(cookie::time::Duration::seconds(max_age_secs));
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Sends a WeChat visitor through the official account's silent OAuth (snsapi_base).
pub async fn wechat_auth(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<OAuthStart>,
) -> AppResult<Response> {
    let gateway = gateway::current(&state).await?;
    let return_to = same_origin_or(&query.return_to, HOME);
    let base = if state.config.sandbox {
        &state.self_url
    } else {
        &state.config.public_url
    };
    let callback = format!("{}{CALLBACK_PATH}", base.trim_end_matches('/'));
    // WeChat takes `state` as at most 128 bytes of [a-zA-Z0-9]: the nonce alone
    // goes there; the return path stays in this browser's sealed cookie.
    let nonce: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    let pending = PendingAuth {
        nonce: nonce.clone(),
        return_to,
        issued_at: Utc::now().timestamp(),
    };
    let plain = serde_json::to_vec(&pending).map_err(anyhow::Error::from)?;
    let sealed = secrets::seal(&state.keys.oauth_state, &plain)?;
    let url = reqwest::Url::parse_with_params(
        &gateway.oauth_authorize_url,
        &[
            ("appid", gateway.app_id.as_str()),
            ("redirect_uri", callback.as_str()),
            ("response_type", "code"),
            ("scope", "snsapi_base"),
            ("state", nonce.as_str()),
        ],
    )
    .map_err(anyhow::Error::from)?;
    let mut headers = HeaderMap::new();
    headers.insert(
        SET_COOKIE,
        cookie(
            STATE_COOKIE,
            &sealed,
            CALLBACK_PATH,
            STATE_TTL_SECS,
            state.config.server.secure_cookies,
        ),
    );
    headers.insert(
        LOCATION,
        HeaderValue::from_str(&format!("{url}#wechat_redirect")).map_err(anyhow::Error::from)?,
    );
    Ok((StatusCode::SEE_OTHER, headers).into_response())
}

#[derive(Deserialize)]
pub struct OAuthCallback {
    code: Option<String>,
    state: Option<String>,
}

/// Exchanges the OAuth code for the openid and keeps it sealed in a cookie. The
/// callback counts only in the browser that started the round trip; a failed
/// exchange shows a page offering the other payment methods (and is audited
/// when our configuration is at fault), never a loop back into OAuth.
pub async fn wechat_auth_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<OAuthCallback>,
) -> AppResult<Response> {
    let secure = state.config.server.secure_cookies;
    let mut cookies = HeaderMap::new();
    // The state cookie is spent whatever happens next.
    cookies.append(
        SET_COOKIE,
        cookie(STATE_COOKIE, "", CALLBACK_PATH, 0, secure),
    );
    let pending = cookie_value(&headers, STATE_COOKIE)
        .and_then(|sealed| secrets::open(&state.keys.oauth_state, &sealed).ok())
        .and_then(|plain| serde_json::from_slice::<PendingAuth>(&plain).ok())
        .filter(|p| Utc::now().timestamp() - p.issued_at <= STATE_TTL_SECS);
    let Some(pending) = pending.filter(|p| query.state.as_deref() == Some(p.nonce.as_str())) else {
        return Ok(page(
            cookies,
            "授权已失效",
            "本次微信授权已过期或不是从本页面发起的，请返回重新打开报名页面。",
            HOME,
            "返回首页",
        ));
    };
    let return_to = same_origin_or(&pending.return_to, HOME);
    cookies.append(
        SET_COOKIE,
        cookie(FAILED_COOKIE, "1", "/", FAILED_TTL_SECS, secure),
    );
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        return Ok(page(
            cookies,
            "微信授权未完成",
            "没有拿到微信授权，本次请使用扫码支付完成报名。",
            &return_to,
            "继续报名",
        ));
    };
    let gateway = gateway::current(&state).await?;
    let exchanged =
        match OAuthClient::new(&gateway.oauth_api_url, &gateway.app_id, &gateway.app_secret) {
            Ok(client) => client.openid_for_code(&code).await,
            Err(e) => Err(e),
        };
    let openid = match exchanged {
        Ok(openid) => openid,
        Err(e) => {
            record_failure(&state, &e).await;
            return Ok(page(
                cookies,
                "微信授权失败",
                "暂时无法在微信内直接支付，本次请使用扫码支付完成报名；管理员已收到提醒。",
                &return_to,
                "继续报名",
            ));
        }
    };
    let mut cookies = HeaderMap::new();
    cookies.append(
        SET_COOKIE,
        cookie(STATE_COOKIE, "", CALLBACK_PATH, 0, secure),
    );
    cookies.append(SET_COOKIE, cookie(FAILED_COOKIE, "", "/", 0, secure));
    cookies.append(
        SET_COOKIE,
        cookie(
            OPENID_COOKIE,
            &seal_openid(&state, &gateway.app_id, &openid)?,
            "/",
            365 * 24 * 3600,
            secure,
        ),
    );
    cookies.insert(
        LOCATION,
        HeaderValue::from_str(&return_to).map_err(anyhow::Error::from)?,
    );
    Ok((StatusCode::SEE_OTHER, cookies).into_response())
}

/// A failed exchange: logged always; audited (for the admins to see) when our
/// configuration is at fault rather than one visitor's code.
async fn record_failure(state: &AppState, error: &OAuthError) {
    tracing::warn!(%error, "WeChat OAuth code exchange failed");
    if !error.is_configuration() {
        return;
    }
    let recorded = audit::record(
        &state.db,
        &Actor::system(),
        Action::WechatOAuthFailed,
        Target::system("微信网页授权"),
        format!("用 code 换取 openid 失败，请检查公众号AppID与AppSecret：{error}"),
    )
    .await;
    if let Err(e) = recorded {
        tracing::error!(error = %e, "could not audit a WeChat OAuth failure");
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A small page in the H5's look; readable without JavaScript.
fn page(
    mut headers: HeaderMap,
    title: &str,
    message: &str,
    link: &str,
    link_text: &str,
) -> Response {
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let html = format!(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body{{margin:0;font-family:-apple-system,"PingFang SC","WenQuanYi Micro Hei",sans-serif;background:#f7f8fa;color:#323233}}
.box{{margin:24px 16px;background:#fff;border-radius:8px;padding:24px 16px;text-align:center}}
h1{{font-size:18px;margin:0 0 12px}} p{{color:#646566;font-size:14px;line-height:1.6}}
a{{display:block;margin-top:20px;height:44px;line-height:44px;border-radius:22px;background:#07c160;color:#fff;text-decoration:none}}
</style></head><body><div class="box"><h1>{title}</h1><p>{message}</p><a href="{link}">{link_text}</a></div></body></html>"#,
        title = escape(title),
        message = escape(message),
        link = escape(link),
        link_text = escape(link_text),
    );
    (StatusCode::OK, headers, Html(html)).into_response()
}
