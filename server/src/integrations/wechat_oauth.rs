//! The official account's web OAuth, server side: trading the code from
//! `connect/oauth2/authorize` for the visitor's openid
//! (`GET {api}/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`,
//! wechatpay.md §2.3 "Getting the openid").
//!
//! The AppSecret travels in that URL, and reqwest copies URLs into its error
//! text, so every error here is built from parts that carry no URL
//! (`reqwest::Error::without_url`) and never the answer's token fields.

use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// No answer (connection, timeout) or not JSON; the text names no URL.
    #[error("微信网页授权接口无法访问：{0}")]
    Transport(String),
    /// WeChat's own `{errcode, errmsg}`.
    #[error("微信网页授权接口返回错误 {errcode}：{errmsg}")]
    Api { errcode: i64, errmsg: String },
}

impl OAuthError {
    /// The merchant's configuration is at fault (AppID, AppSecret, IP list, or
    /// WeChat unreachable), not the visitor's code: worth an alert.
    pub fn is_configuration(&self) -> bool {
        match self {
            Self::Transport(_) => true,
            Self::Api { errcode, .. } => !matches!(*errcode, CODE_INVALID | CODE_USED),
        }
    }
}

/// `invalid code` (unknown or expired) and `code been used`.
pub const CODE_INVALID: i64 = 40029;
pub const CODE_USED: i64 = 40163;

impl From<reqwest::Error> for OAuthError {
    fn from(error: reqwest::Error) -> Self {
        Self::Transport(error.without_url().to_string())
    }
}

#[derive(Debug, Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    /// `https://api.weixin.qq.com`, or the sandbox's address.
    api_base: String,
    app_id: String,
    app_secret: String,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    openid: Option<String>,
}

impl OAuthClient {
    pub fn new(api_base: &str, app_id: &str, app_secret: &str) -> Result<Self, OAuthError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self {
            http,
            api_base: api_base.trim_end_matches('/').to_owned(),
            app_id: app_id.to_owned(),
            app_secret: app_secret.to_owned(),
        })
    }

    /// The openid the code stands for. A code is good once, for 5 minutes.
    pub async fn openid_for_code(&self, code: &str) -> Result<String, OAuthError> {
        let answer = self.exchange(code).await?;
        answer
            .openid
            .filter(|openid| !openid.is_empty())
            .ok_or_else(|| OAuthError::Transport("应答中没有 openid".into()))
    }

    /// "测试连接" for the AppSecret: a real exchange of a code that cannot exist.
    /// WeChat checks the AppID and AppSecret before the code, so `invalid code`
    /// means both were accepted, while a wrong secret answers 40125 and a wrong
    /// AppID 40013. (The sandbox checks in the same order.)
    pub async fn check_app_secret(&self) -> Result<(), OAuthError> {
        match self.exchange("CONNECTIONTEST").await {
            Ok(_) => Ok(()),
            Err(OAuthError::Api { errcode, .. }) if errcode == CODE_INVALID => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn exchange(&self, code: &str) -> Result<Answer, OAuthError> {
        let url = Url::parse_with_params(
            &format!("{}/sns/oauth2/access_token", self.api_base),
            &[
                ("appid", self.app_id.as_str()),
                ("secret", self.app_secret.as_str()),
                ("code", code),
                ("grant_type", "authorization_code"),
            ],
        )
        .map_err(|_| OAuthError::Transport("网页授权接口地址无效".into()))?;
        let response = self.http.get(url).send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let answer: Answer = serde_json::from_slice(&bytes).map_err(|_| {
            OAuthError::Transport(format!("应答不是 JSON（HTTP {}）", status.as_u16()))
        })?;
        if answer.errcode != 0 {
            return Err(OAuthError::Api {
                errcode: answer.errcode,
                errmsg: answer.errmsg.chars().take(200).collect(),
            });
        }
        Ok(answer)
    }
}
