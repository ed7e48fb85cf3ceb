//! The merchant's WeChat Pay settings (issue 6 item 18): platform-certificate
//! mode next to public-key mode, the key chosen by each notification's
//! `Wechatpay-Serial`; https in production for every saved address; the OAuth
//! endpoints configurable like every other base URL.

use reqwest::StatusCode;
use server::integrations::wechat_pay::generate_key_pair;
use shared::api::{WechatPaySettingsUpdate, WechatPaySettingsView};

use crate::helpers::*;
use crate::members::update_from;
use crate::payments::{
    craft_envelope, form, order_status_in_db, pending, post_notification, sandbox_settings,
    transaction,
};

const SETTINGS: &str = "/api/v1/admin/settings/wechat-pay";
const CERT_SERIAL: &str = "7132D72A03E93CDDF8C03BBD1F37EEDF204E4B3C";

async fn current(admin: &Client) -> WechatPaySettingsUpdate {
    let view: WechatPaySettingsView = admin.get(SETTINGS).await.unwrap();
    update_from(&view)
}

#[tokio::test]
async fn notifications_are_verified_with_the_key_their_serial_names_in_either_mode() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let certificate = generate_key_pair().unwrap();
    let mut update = current(&admin).await;
    update.platform_certificates =
        format!("{}\n{}", CERT_SERIAL.to_lowercase(), certificate.public_pem);
    let saved: WechatPaySettingsView = admin.put_json(SETTINGS, &update).await.unwrap();
    assert!(
        saved.platform_certificates.starts_with(CERT_SERIAL),
        "{}",
        saved.platform_certificates
    );
    assert!(
        !saved.platform_public_key_id.is_empty(),
        "both modes at once"
    );

    let camp = app.open_camp().await;
    let sandbox = sandbox_settings(&app).await;
    let notify = |out_trade_no: String, serial: &'static str| {
        let app = &app;
        let sandbox = sandbox.clone();
        let private_pem = certificate.private_pem.clone();
        async move {
            let tx = transaction(&sandbox.app_id, &sandbox.mch_id, &out_trade_no, 9900);
            let now = chrono::Utc::now().timestamp();
            let (body, mut headers) =
                craft_envelope(app, tx, now, Some(private_pem), "TRANSACTION.SUCCESS").await;
            let serial = if serial.is_empty() {
                sandbox.platform_public_key_id.clone()
            } else {
                serial.to_owned()
            };
            for (name, value) in &mut headers {
                if name == "wechatpay-serial" {
                    *value = serial.clone();
                }
            }
            post_notification(app, &body, &headers).await
        }
    };

    // Signed with the certificate's key: verified when the serial names the
    // certificate, refused when it names the public key or nothing known.
    let (_, out_trade_no) = pending(&app.anonymous(), camp.id, &form("510000000001")).await;
    // Opened now: the simulator answers API calls signed with its public key
    // only, so once that key is gone no new order can be opened against it.
    let (_, second) = pending(&app.anonymous(), camp.id, &form("510000000002")).await;
    assert!(notify(out_trade_no.clone(), "").await.is_client_error());
    assert!(
        notify(out_trade_no.clone(), "0123456789ABCDEF")
            .await
            .is_client_error()
    );
    assert_eq!(order_status_in_db(&app, &out_trade_no).await, "created");
    assert_eq!(
        notify(out_trade_no.clone(), CERT_SERIAL).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(order_status_in_db(&app, &out_trade_no).await, "paid");

    // Certificate mode alone: no public key at all, and the certificate still verifies.
    let mut update = current(&admin).await;
    update.platform_public_key_id = String::new();
    update.platform_public_key_pem = String::new();
    let saved: WechatPaySettingsView = admin.put_json(SETTINGS, &update).await.unwrap();
    assert!(saved.platform_public_key_id.is_empty());
    assert!(notify(second.clone(), "").await.is_client_error());
    assert_eq!(
        notify(second.clone(), CERT_SERIAL).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(order_status_in_db(&app, &second).await, "paid");

    // No key at all, or a certificate entry that is not one: refused, naming the field.
    update.platform_certificates = String::new();
    let err = admin
        .put_json::<WechatPaySettingsView>(SETTINGS, &update)
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err.error.field_message("platform_public_key_pem").is_some(),
        "{err:?}"
    );
    update.platform_certificates = format!("not-a-serial\n{}", certificate.public_pem);
    let err = admin
        .put_json::<WechatPaySettingsView>(SETTINGS, &update)
        .await
        .unwrap_err();
    assert!(
        err.error.field_message("platform_certificates").is_some(),
        "{err:?}"
    );
}

#[tokio::test]
async fn production_saves_only_https_addresses() {
    let app = TestApp::spawn_with(|config| {
        config.sandbox = false;
        config.public_url = "https://camp.example.com".into();
    })
    .await;
    let admin = app.admin().await;
    let merchant = generate_key_pair().unwrap();
    let platform = generate_key_pair().unwrap();
    let valid = WechatPaySettingsUpdate {
        mch_id: "1900000109".into(),
        app_id: "wx1234567890abcdef".into(),
        merchant_serial: "5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into(),
        platform_public_key_id: "PUB_KEY_ID_0119000001092024010100000000000001".into(),
        platform_public_key_pem: platform.public_pem,
        platform_certificates: String::new(),
        base_url: "https://api.mch.weixin.qq.com".into(),
        oauth_authorize_url: String::new(),
        oauth_api_url: String::new(),
        jsapi_enabled: false,
        h5_enabled: true,
        api_v3_key: "0123456789abcdef0123456789abcdef".into(),
        merchant_private_key_pem: merchant.private_pem,
        app_secret: String::new(),
    };
    let view: WechatPaySettingsView = admin.put_json(SETTINGS, &valid).await.unwrap();
    assert!(
        view.notify_url.starts_with("https://camp.example.com/"),
        "{}",
        view.notify_url
    );
    for field in ["base_url", "oauth_authorize_url", "oauth_api_url"] {
        let mut plain = valid.clone();
        let url = "http://wechat.example.com".to_owned();
        match field {
            "base_url" => plain.base_url = url,
            "oauth_authorize_url" => plain.oauth_authorize_url = url,
            _ => plain.oauth_api_url = url,
        }
        let err = admin
            .put_json::<WechatPaySettingsView>(SETTINGS, &plain)
            .await
            .unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let message = err.error.field_message(field).unwrap_or_default();
        assert!(message.contains("https"), "{field}: {err:?}");
    }
    let saved: WechatPaySettingsView = admin.get(SETTINGS).await.unwrap();
    assert_eq!(
        saved.base_url, "https://api.mch.weixin.qq.com",
        "nothing partial was saved"
    );
}

#[tokio::test]
async fn the_oauth_endpoints_are_configuration() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut update = current(&admin).await;
    update.oauth_authorize_url = "https://open.example.com/connect/oauth2/authorize".into();
    update.oauth_api_url = "https://api.example.com/".into();
    let saved: WechatPaySettingsView = admin.put_json(SETTINGS, &update).await.unwrap();
    assert_eq!(saved.oauth_authorize_url, update.oauth_authorize_url);
    assert_eq!(saved.oauth_api_url, "https://api.example.com/");

    // The member's OAuth round trip now starts at the configured page.
    let response = app
        .anonymous()
        .raw(reqwest::Method::GET, "/h5/wechat-auth?return=%2Fh5", None)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("https://open.example.com/connect/oauth2/authorize?"),
        "{location}"
    );
}
