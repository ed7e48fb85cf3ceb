//! Our WeChat Pay v3 simulator and client held against a third-party SDK,
//! `wechatpayv3` 2.0.4 from PyPI (installed by scripts/install-tools.sh): see
//! server/tests/sdk/wechatpayv3_check.py for what is checked.

use server::integrations::wechat_pay::{MerchantKey, authorization_header};
use server::settings::wechat_pay::{KEY, StoredWechatPay};

use crate::helpers::TestApp;

#[tokio::test]
async fn the_wechatpayv3_sdk_agrees_with_our_simulator_and_client() {
    let app = TestApp::spawn().await;
    let (stored, _) = server::settings::load::<StoredWechatPay>(&app.db, KEY)
        .await
        .unwrap()
        .unwrap();
    let secrets = &app.state.keys.secrets;
    let private_key =
        server::secrets::open_string(secrets, &stored.merchant_private_key_sealed).unwrap();
    let api_v3_key = server::secrets::open_string(secrets, &stored.api_v3_key_sealed).unwrap();
    let merchant =
        MerchantKey::from_pem(&stored.mch_id, &stored.merchant_serial, &private_key).unwrap();
    let body = r#"{"appid":"wxsandbox00000001","description":"训练营押金"}"#;
    let (timestamp, nonce, path) = (
        1_700_000_000,
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        "/v3/pay/transactions/native",
    );
    let header = authorization_header(&merchant, "POST", path, body, timestamp, nonce).unwrap();
    let config = serde_json::json!({
        "base": app.base,
        "mchid": stored.mch_id,
        "appid": stored.app_id,
        "merchant_serial": stored.merchant_serial,
        "merchant_private_key": private_key,
        "api_v3_key": api_v3_key,
        "platform_public_key_id": stored.platform_public_key_id,
        "platform_public_key": stored.platform_public_key_pem,
        "notify_url": server::payments::gateway::notify_url(&app.state),
        "refund_notify_url": server::settings::wechat_pay::notify_url(
            &app.state.config,
            &app.state.self_url,
            server::refunds::webhook::NOTIFY_PATH,
        ),
        "our_authorization": {
            "method": "POST", "path": path, "body": body, "timestamp": timestamp,
            "nonce": nonce, "header": header,
        },
    });
    let config_path = app.data_dir.join("wechatpayv3.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/sdk/wechatpayv3_check.py"
    );
    let output = tokio::process::Command::new("python3")
        .arg(script)
        .arg(&config_path)
        .output()
        .await
        .expect("python3 runs (scripts/install-tools.sh installs wechatpayv3)");
    assert!(
        output.status.success(),
        "wechatpayv3 check failed (is `pip install wechatpayv3==2.0.4` done?):\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
