//! The WeChat Pay client as configured now: settings from the database, secrets
//! opened, keys parsed, base URLs resolved (the built-in simulator in sandbox
//! mode). Built once and rebuilt when the settings change, also on another
//! instance (the settings row's timestamp says so).
//!
//! It needs only [`PayState`]; any state that can hand one out (`AppState` for
//! handlers, `JobContext` for jobs) can call [`current`].

use std::sync::Arc;

use axum::extract::FromRef;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use shared::error::ErrorCode;

use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::integrations::wechat_pay::{ClientConfig, MerchantKey, PlatformKeys, WechatPayClient};
use crate::keys::Keys;
use crate::secrets;
use crate::settings::{self, wechat_pay::*};

pub const NOTIFY_PATH: &str = "/webhooks/wechatpay/transactions";

pub struct Gateway {
    pub client: WechatPayClient,
    pub mch_id: String,
    pub app_id: String,
    pub app_secret: String,
    pub api_v3_key: [u8; 32],
    pub platform: PlatformKeys,
    pub oauth_authorize_url: String,
    pub oauth_api_url: String,
    pub jsapi_enabled: bool,
    pub h5_enabled: bool,
    /// Where members reach this site (the order page WeChat's H5 cashier returns to).
    pub site_url: String,
    /// The `notify_url` sent with every refund (`crate::refunds::webhook::NOTIFY_PATH`).
    pub refund_notify_url: String,
}

/// The gateway built from the settings row last updated at the given time.
type Cached = Option<(DateTime<Utc>, Arc<Gateway>)>;

#[derive(Clone, Default)]
pub struct GatewayCache(Arc<tokio::sync::RwLock<Cached>>);

impl GatewayCache {
    pub async fn clear(&self) {
        *self.0.write().await = None;
    }
}

/// What building and caching the gateway needs: the settings row, the key that
/// opens its secrets, the mode, and this process's address (the sandbox's).
#[derive(Clone)]
pub struct PayState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    pub self_url: String,
    pub cache: GatewayCache,
}

/// Where WeChat Pay sends notifications for this deployment.
pub fn notify_url<S>(state: &S) -> String
where
    PayState: FromRef<S>,
{
    notify_url_of(&PayState::from_ref(state))
}

/// See `settings::wechat_pay::notify_url` (https also in sandbox mode).
fn notify_url_of(state: &PayState) -> String {
    settings::wechat_pay::notify_url(&state.config, &state.self_url, NOTIFY_PATH)
}

fn or_default(value: &str, sandbox_value: String, production: &str, sandbox: bool) -> String {
    match (value.trim(), sandbox) {
        ("", true) => sandbox_value,
        ("", false) => production.to_owned(),
        (v, _) => v.trim_end_matches('/').to_owned(),
    }
}

fn build(state: &PayState, stored: &StoredWechatPay) -> anyhow::Result<Gateway> {
    let key = &state.keys.secrets;
    let api_v3_key: [u8; 32] = secrets::open(key, &stored.api_v3_key_sealed)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("the APIv3 key must be 32 bytes"))?;
    let merchant = MerchantKey::from_pem(
        &stored.mch_id,
        &stored.merchant_serial,
        &secrets::open_string(key, &stored.merchant_private_key_sealed)?,
    )?;
    // Either mode or both: a notification's `Wechatpay-Serial` picks the key.
    let public_key_mode = !stored.platform_public_key_id.is_empty();
    let mut platform = PlatformKeys::new();
    if public_key_mode {
        platform = platform.with_public_key(
            &stored.platform_public_key_id,
            &stored.platform_public_key_pem,
        )?;
    }
    for certificate in &stored.platform_certificates {
        platform =
            platform.with_certificate_key(&certificate.serial, &certificate.public_key_pem)?;
    }
    let sandbox_base = format!("{}/sandbox", state.self_url);
    let base_url = or_default(
        &stored.base_url,
        format!("{sandbox_base}/wechatpay"),
        PRODUCTION_BASE_URL,
        state.config.sandbox,
    );
    let client = WechatPayClient::new(ClientConfig {
        base_url,
        app_id: stored.app_id.clone(),
        notify_url: notify_url_of(state),
        merchant,
        platform: platform.clone(),
        wechatpay_serial_header: public_key_mode.then(|| stored.platform_public_key_id.clone()),
    })?;
    let site_url = if state.config.sandbox {
        &state.self_url
    } else {
        &state.config.public_url
    };
    Ok(Gateway {
        site_url: site_url.trim_end_matches('/').to_owned(),
        refund_notify_url: settings::wechat_pay::notify_url(
            &state.config,
            &state.self_url,
            crate::refunds::webhook::NOTIFY_PATH,
        ),
        client,
        mch_id: stored.mch_id.clone(),
        app_id: stored.app_id.clone(),
        app_secret: secrets::open_string(key, &stored.app_secret_sealed)?,
        api_v3_key,
        platform,
        oauth_authorize_url: or_default(
            &stored.oauth_authorize_url,
            format!("{sandbox_base}/wechat/connect/oauth2/authorize"),
            PRODUCTION_OAUTH_AUTHORIZE_URL,
            state.config.sandbox,
        ),
        oauth_api_url: or_default(
            &stored.oauth_api_url,
            format!("{sandbox_base}/wechat"),
            PRODUCTION_OAUTH_API_URL,
            state.config.sandbox,
        ),
        jsapi_enabled: stored.jsapi_enabled,
        h5_enabled: stored.h5_enabled,
    })
}

/// The configured gateway; a clear 503-style error when payment is not set up.
pub async fn current<S>(state: &S) -> AppResult<Arc<Gateway>>
where
    PayState: FromRef<S>,
{
    let state = &PayState::from_ref(state);
    let Some((stored, updated_at)) = settings::load::<StoredWechatPay>(&state.db, KEY).await?
    else {
        return Err(AppError::message(
            ErrorCode::Upstream,
            "微信支付尚未配置，请联系管理员",
        ));
    };
    if let Some((at, gateway)) = state.cache.0.read().await.as_ref()
        && *at == updated_at
    {
        return Ok(gateway.clone());
    }
    let gateway = Arc::new(build(state, &stored).map_err(|e| {
        tracing::error!(error = ?e, "WeChat Pay settings are unusable");
        AppError::message(ErrorCode::Upstream, "微信支付配置有误，请联系管理员")
    })?);
    *state.cache.0.write().await = Some((updated_at, gateway.clone()));
    Ok(gateway)
}
