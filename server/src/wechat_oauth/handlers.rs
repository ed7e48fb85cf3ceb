use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::OPENID_COOKIE;
use crate::error::AppResult;
use crate::extract::ApiQuery;
use crate::payments::gateway;
use crate::payments::member::set_cookie;
use crate::secrets;
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct OAuthStart {
    /// Where to come back to (a path on this site).
    #[serde(rename = "return")]
    return_to: String,
}

fn safe_return(path: &str) -> String {
    // Only our own pages: no scheme, no host, no protocol-relative `//`.
    if path.starts_with('/') && !path.starts_with("//") {
        path.to_owned()
    } else {
        "/h5".to_owned()
    }
}

/// Sends a WeChat visitor through the official account's silent OAuth (snsapi_base) for the openid JSAPI payment needs.
pub async fn wechat_auth(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<OAuthStart>,
) -> AppResult<Redirect> {
    let gateway = gateway::current(&state).await?;
    let base = if state.config.sandbox {
        &state.self_url
    } else {
        &state.config.public_url
    };
    let callback = format!("{}/h5/wechat-auth/callback", base.trim_end_matches('/'));
    let state_param = secrets::seal(
        &state.keys.secrets,
        safe_return(&query.return_to).as_bytes(),
    )?;
    let url = reqwest::Url::parse_with_params(
        &gateway.oauth_authorize_url,
        &[
            ("appid", gateway.app_id.as_str()),
            ("redirect_uri", callback.as_str()),
            ("response_type", "code"),
            ("scope", "snsapi_base"),
            ("state", state_param.as_str()),
        ],
    )
    .map_err(anyhow::Error::from)?;
    Ok(Redirect::to(&format!("{url}#wechat_redirect")))
}

#[derive(Deserialize)]
pub struct OAuthCallback {
    code: String,
    state: String,
}

#[derive(Deserialize)]
struct AccessToken {
    openid: Option<String>,
    errmsg: Option<String>,
}

/// Exchanges the OAuth code for the openid and keeps it sealed in a cookie.
pub async fn wechat_auth_callback(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<OAuthCallback>,
) -> AppResult<Response> {
    let gateway = gateway::current(&state).await?;
    let return_to = secrets::open_string(&state.keys.secrets, &query.state)
        .map(|p| safe_return(&p))
        .unwrap_or_else(|_| "/h5".into());
    let url = reqwest::Url::parse_with_params(
        &format!("{}/sns/oauth2/access_token", gateway.oauth_api_url),
        &[
            ("appid", gateway.app_id.as_str()),
            ("secret", gateway.app_secret.as_str()),
            ("code", query.code.as_str()),
            ("grant_type", "authorization_code"),
        ],
    )
    .map_err(anyhow::Error::from)?;
    let answer: AccessToken = reqwest::get(url)
        .await
        .map_err(anyhow::Error::from)?
        .json()
        .await
        .map_err(anyhow::Error::from)?;
    let Some(openid) = answer.openid else {
        tracing::warn!(error = ?answer.errmsg, "WeChat OAuth gave no openid");
        return Ok(Redirect::to(&return_to).into_response());
    };
    let sealed = secrets::seal(&state.keys.secrets, openid.as_bytes())?;
    let mut headers = set_cookie(OPENID_COOKIE, &sealed, state.config.server.secure_cookies);
    headers.insert(LOCATION, return_to.parse().map_err(anyhow::Error::from)?);
    Ok((StatusCode::SEE_OTHER, headers).into_response())
}
