use axum::Json;
use axum::extract::State;
use shared::api::{ConnectionTest, WechatPaySettingsUpdate, WechatPaySettingsView};
use shared::error::FieldErrors;
use shared::roles::Area;

use super::wechat_pay::{self, KEY, StoredWechatPay};
use crate::audit::{self, Action, Target};
use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::ApiJson;
use crate::integrations::wechat_oauth::OAuthClient;
use crate::integrations::wechat_pay::{MerchantKey, PlatformKeys, WechatPayError};
use crate::payments::gateway;
use crate::secrets;
use crate::state::AppState;

fn view(state: &AppState, stored: &StoredWechatPay) -> WechatPaySettingsView {
    WechatPaySettingsView {
        mch_id: stored.mch_id.clone(),
        app_id: stored.app_id.clone(),
        merchant_serial: stored.merchant_serial.clone(),
        platform_public_key_id: stored.platform_public_key_id.clone(),
        platform_public_key_pem: stored.platform_public_key_pem.clone(),
        platform_certificates: wechat_pay::format_certificates(&stored.platform_certificates),
        base_url: stored.base_url.clone(),
        oauth_authorize_url: stored.oauth_authorize_url.clone(),
        oauth_api_url: stored.oauth_api_url.clone(),
        jsapi_enabled: stored.jsapi_enabled,
        h5_enabled: stored.h5_enabled,
        api_v3_key_set: !stored.api_v3_key_sealed.is_empty(),
        merchant_private_key_set: !stored.merchant_private_key_sealed.is_empty(),
        app_secret_set: !stored.app_secret_sealed.is_empty(),
        notify_url: gateway::notify_url(state),
        sandbox_keys: stored.sandbox,
    }
}

async fn load(state: &AppState) -> AppResult<StoredWechatPay> {
    Ok(super::load::<StoredWechatPay>(&state.db, KEY)
        .await?
        .map(|(s, _)| s)
        .unwrap_or_default())
}

/// The WeChat Pay settings (super admin); secrets only as "set" flags.
#[utoipa::path(get, path = "/api/v1/admin/settings/wechat-pay", tag = "settings", responses((status = 200, body = WechatPaySettingsView)))]
pub async fn get(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Json<WechatPaySettingsView>> {
    staff.require(Area::SystemConfig)?;
    Ok(Json(view(&state, &load(&state).await?)))
}

/// Saves the WeChat Pay settings; a blank secret keeps the stored one. Keys are
/// checked before anything is written.
#[utoipa::path(put, path = "/api/v1/admin/settings/wechat-pay", request_body = WechatPaySettingsUpdate, tag = "settings",
    responses((status = 200, body = WechatPaySettingsView), (status = 422, body = shared::error::ApiError)))]
pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(update): ApiJson<WechatPaySettingsUpdate>,
) -> AppResult<Json<WechatPaySettingsView>> {
    staff.require(Area::SystemConfig)?;
    let key = &state.keys.secrets;
    let mut stored = load(&state).await?;
    let mut errors = FieldErrors::new();
    let required = [
        ("mch_id", &update.mch_id, "商户号"),
        ("app_id", &update.app_id, "公众号AppID"),
        ("merchant_serial", &update.merchant_serial, "商户证书序列号"),
    ];
    for (field, value, label) in required {
        if value.trim().is_empty() {
            errors.insert(field.into(), format!("请填写{label}"));
        }
    }
    if !update.api_v3_key.is_empty() && update.api_v3_key.len() != 32 {
        errors.insert("api_v3_key".into(), "APIv3密钥应为32位".into());
    }
    let private_pem = if update.merchant_private_key_pem.trim().is_empty() {
        (!stored.merchant_private_key_sealed.is_empty())
            .then(|| secrets::open_string(key, &stored.merchant_private_key_sealed))
            .transpose()?
    } else {
        Some(update.merchant_private_key_pem.trim().to_owned())
    };
    match &private_pem {
        None => {
            errors.insert(
                "merchant_private_key_pem".into(),
                "请填写商户API私钥".into(),
            );
        }
        Some(pem)
            if MerchantKey::from_pem(&update.mch_id, &update.merchant_serial, pem).is_err() =>
        {
            errors.insert(
                "merchant_private_key_pem".into(),
                "商户API私钥格式不正确（应为 PEM）".into(),
            );
        }
        Some(_) => {}
    }
    // Public-key mode, certificate mode, or both during WeChat's move from one
    // to the other: at least one key to verify WeChat Pay with.
    let key_id = update.platform_public_key_id.trim();
    let key_pem = update.platform_public_key_pem.trim();
    let public_key_mode = !(key_id.is_empty() && key_pem.is_empty());
    if public_key_mode
        && PlatformKeys::new()
            .with_public_key(key_id, key_pem)
            .is_err()
    {
        errors.insert(
            "platform_public_key_pem".into(),
            "微信支付公钥ID应以 PUB_KEY_ID_ 开头，公钥应为 PEM 格式".into(),
        );
    }
    let certificates = match wechat_pay::parse_certificates(&update.platform_certificates) {
        Ok(certificates) => certificates,
        Err(message) => {
            errors.insert("platform_certificates".into(), message);
            Vec::new()
        }
    };
    if !public_key_mode && certificates.is_empty() && !errors.contains_key("platform_certificates")
    {
        errors.insert(
            "platform_public_key_pem".into(),
            "请填写微信支付公钥，或在“平台证书”中填写平台证书的序列号与公钥".into(),
        );
    }
    let base_url = update.base_url.trim();
    for (field, label, url) in [
        ("base_url", "接口地址", base_url),
        (
            "oauth_authorize_url",
            "网页授权地址",
            update.oauth_authorize_url.trim(),
        ),
        (
            "oauth_api_url",
            "公众号接口地址",
            update.oauth_api_url.trim(),
        ),
    ] {
        if let Some(message) = wechat_pay::https_required(&state.config, label, url) {
            errors.insert(field.into(), message);
        }
    }
    // JSAPI needs the openid, which needs the official account's OAuth, which needs the AppSecret.
    if update.jsapi_enabled && stored.app_secret_sealed.is_empty() && update.app_secret.is_empty() {
        errors.insert(
            "app_secret".into(),
            "开启公众号支付（JSAPI）时请填写公众号AppSecret".into(),
        );
    }
    if stored.api_v3_key_sealed.is_empty() && update.api_v3_key.is_empty() {
        errors.insert("api_v3_key".into(), "请填写APIv3密钥".into());
    }
    if !errors.is_empty() {
        return Err(shared::error::ApiError::fields(errors).into());
    }
    let changed_secrets: Vec<&str> = [
        ("APIv3密钥", &update.api_v3_key),
        ("商户私钥", &update.merchant_private_key_pem),
        ("AppSecret", &update.app_secret),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(label, _)| label)
    .collect();
    stored.mch_id = update.mch_id.trim().to_owned();
    stored.app_id = update.app_id.trim().to_owned();
    stored.merchant_serial = update.merchant_serial.trim().to_owned();
    stored.platform_public_key_id = key_id.to_owned();
    stored.platform_public_key_pem = key_pem.to_owned();
    stored.platform_certificates = certificates;
    stored.base_url = base_url.to_owned();
    stored.oauth_authorize_url = update.oauth_authorize_url.trim().to_owned();
    stored.oauth_api_url = update.oauth_api_url.trim().to_owned();
    stored.jsapi_enabled = update.jsapi_enabled;
    stored.h5_enabled = update.h5_enabled;
    if !update.api_v3_key.is_empty() {
        stored.api_v3_key_sealed = secrets::seal(key, update.api_v3_key.as_bytes())?;
    }
    if !update.merchant_private_key_pem.trim().is_empty() {
        stored.merchant_private_key_sealed =
            secrets::seal(key, update.merchant_private_key_pem.trim().as_bytes())?;
    }
    if !update.app_secret.is_empty() {
        stored.app_secret_sealed = secrets::seal(key, update.app_secret.as_bytes())?;
    }
    // Whatever was generated for the sandbox, the settings are now the owner's.
    stored.sandbox = false;
    super::save(&state.db, KEY, &stored, Some(staff.user.id)).await?;
    state.pay_gateway.clear().await;
    let details = format!(
        "商户号 {}，AppID {}{}",
        stored.mch_id,
        stored.app_id,
        if changed_secrets.is_empty() {
            String::new()
        } else {
            format!("，更新了{}", changed_secrets.join("、"))
        }
    );
    audit::record(
        &state.db,
        &staff.actor(),
        Action::UpdatePaySettings,
        Target::system("微信支付配置"),
        details,
    )
    .await?;
    Ok(Json(view(&state, &stored)))
}

/// "测试连接": a real signed call that changes nothing (see `WechatPayClient::ping`),
/// then, when JSAPI is on, a real code exchange that proves the official
/// account's AppID and AppSecret (see `OAuthClient::check_app_secret`).
#[utoipa::path(post, path = "/api/v1/admin/settings/wechat-pay/test", tag = "settings", responses((status = 200, body = ConnectionTest)))]
pub async fn test(State(state): State<AppState>, staff: Staff) -> AppResult<Json<ConnectionTest>> {
    staff.require(Area::SystemConfig)?;
    let gateway = gateway::current(&state).await?;
    let failed = |message: String| Ok(Json(ConnectionTest { ok: false, message }));
    match gateway.client.ping().await {
        Ok(()) => {}
        Err(WechatPayError::Api { code, message, .. }) => {
            return failed(format!("微信支付返回错误：{code} {message}"));
        }
        Err(WechatPayError::Signature(e)) => {
            return failed(format!("应答验签失败，请检查微信支付公钥：{e}"));
        }
        Err(e) => return failed(format!("无法连接微信支付：{e}")),
    }
    if !gateway.jsapi_enabled {
        return Ok(Json(ConnectionTest {
            ok: true,
            message: "连接正常：签名与验签均通过".into(),
        }));
    }
    let oauth = OAuthClient::new(&gateway.oauth_api_url, &gateway.app_id, &gateway.app_secret)
        .map_err(anyhow::Error::from)?;
    Ok(Json(match oauth.check_app_secret().await {
        Ok(()) => ConnectionTest {
            ok: true,
            message: "连接正常：签名与验签均通过，公众号AppID与AppSecret有效".into(),
        },
        Err(e) => ConnectionTest {
            ok: false,
            message: format!(
                "微信支付连接正常，但公众号网页授权不可用，请检查AppID与AppSecret：{e}"
            ),
        },
    }))
}
