//! The official account's OAuth round trip (issue 6 items 7 and 11): bound to
//! the browser that started it, codes used once, failures end on a Chinese page
//! (never a loop), the openid cookie tied to the AppID, every return path a
//! same-origin path, and each sealed cookie opening only for its own purpose.

use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::entity::audit_logs;
use server::settings::wechat_pay::{KEY, SANDBOX_KEY, StoredSandbox, StoredWechatPay};
use shared::api::{ConnectionTest, PayOptions, WechatPaySettingsUpdate, WechatPaySettingsView};

use crate::helpers::{Client, TestApp};
use crate::members::update_from;

/// One step of a browser following redirects: (status, location without our base).
async fn step(app: &TestApp, client: &Client, path: &str) -> (StatusCode, String, String) {
    let response = client.raw(Method::GET, path, None).await;
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().trim_start_matches(&app.base).to_owned())
        .unwrap_or_default();
    let body = response.text().await.unwrap();
    (status, location, body)
}

/// Starts OAuth with `return_to` and follows WeChat's authorize step: the
/// callback path (with code and state) this browser is sent to.
async fn authorize(app: &TestApp, client: &Client, return_to: &str) -> String {
    let start = format!(
        "/h5/wechat-auth?return={}",
        percent_encoding::utf8_percent_encode(return_to, percent_encoding::NON_ALPHANUMERIC)
    );
    let (status, location, _) = step(app, client, &start).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let authorize = location.split('#').next().unwrap().to_owned();
    let url = reqwest::Url::parse(&format!("{}{authorize}", app.base)).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert!(
        state.len() <= 128 && state.bytes().all(|b| b.is_ascii_alphanumeric()),
        "WeChat takes at most 128 bytes of [a-zA-Z0-9] as state: {state}"
    );
    let (status, callback, _) = step(app, client, &authorize).await;
    assert_eq!(status, StatusCode::FOUND, "{authorize}");
    assert!(
        callback.starts_with("/h5/wechat-auth/callback?"),
        "{callback}"
    );
    callback
}

async fn options(client: &Client) -> PayOptions {
    client.get("/api/v1/pay/options").await.unwrap()
}

async fn change_settings(app: &TestApp, change: impl FnOnce(&mut WechatPaySettingsUpdate)) {
    let admin = app.admin().await;
    let view: WechatPaySettingsView = admin
        .get("/api/v1/admin/settings/wechat-pay")
        .await
        .unwrap();
    let mut update = update_from(&view);
    change(&mut update);
    let _: WechatPaySettingsView = admin
        .put_json("/api/v1/admin/settings/wechat-pay", &update)
        .await
        .unwrap();
}

async fn sandbox_app_secret(app: &TestApp) -> String {
    let (sandbox, _) = server::settings::load::<StoredSandbox>(&app.db, SANDBOX_KEY)
        .await
        .unwrap()
        .unwrap();
    server::secrets::open_string(&app.state.keys.secrets, &sandbox.app_secret_sealed).unwrap()
}

#[tokio::test]
async fn the_callback_counts_only_in_the_browser_that_started_it_and_a_code_once() {
    let app = TestApp::spawn().await;
    let member = app.anonymous();
    let callback = authorize(&app, &member, "/h5/camps/7").await;

    // Another browser (say, one the link was sent to) gets a page, not the openid.
    let other = app.anonymous();
    let (status, _, body) = step(&app, &other, &callback).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("授权已失效"), "{body}");
    assert!(!options(&other).await.wechat_authorized);

    let (status, location, _) = step(&app, &member, &callback).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/h5/camps/7")
    );
    assert!(options(&member).await.wechat_authorized);

    // The same callback again: its state is spent.
    let (status, _, body) = step(&app, &member, &callback).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("授权已失效"), "{body}");

    // And WeChat (the sandbox, as strict) takes each code once.
    let code = reqwest::Url::parse(&format!("{}{callback}", app.base))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let answer: serde_json::Value = reqwest::get(format!(
        "{}/sandbox/wechat/sns/oauth2/access_token?appid=wxsandbox00000001&secret={}&code={code}&grant_type=authorization_code",
        app.base,
        sandbox_app_secret(&app).await
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(answer["errcode"], 40163, "{answer}");
}

#[tokio::test]
async fn a_callback_without_code_shows_a_page_and_offers_other_methods() {
    let app = TestApp::spawn().await;
    let member = app.anonymous();
    assert!(options(&member).await.jsapi);
    let callback = authorize(&app, &member, "/h5/camps/7").await;
    let without_code: String = callback
        .split(['?', '&'])
        .filter(|part| part.starts_with("state="))
        .collect();
    let response = member
        .raw(
            Method::GET,
            &format!("/h5/wechat-auth/callback?{without_code}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("微信授权未完成"), "{body}");
    assert!(body.contains(r#"href="/h5/camps/7""#), "{body}");
    assert!(!options(&member).await.jsapi, "no second trip round OAuth");
}

#[tokio::test]
async fn a_wrong_app_secret_ends_on_a_page_is_audited_and_fails_the_connection_test() {
    let app = TestApp::spawn().await;
    let wrong = "WrongAppSecret0123456789abcdefXY";
    change_settings(&app, |u| u.app_secret = wrong.into()).await;

    let admin = app.admin().await;
    let test: ConnectionTest = admin
        .post("/api/v1/admin/settings/wechat-pay/test")
        .await
        .unwrap();
    assert!(!test.ok, "{}", test.message);
    assert!(test.message.contains("AppSecret"), "{}", test.message);

    let member = app.anonymous();
    assert!(options(&member).await.jsapi);
    let callback = authorize(&app, &member, "/h5/camps/7").await;
    let (status, _, body) = step(&app, &member, &callback).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a page, not a redirect back into OAuth"
    );
    assert!(body.contains("微信授权失败"), "{body}");
    assert!(body.contains("扫码支付"), "{body}");
    let after = options(&member).await;
    assert!(!after.jsapi && !after.wechat_authorized, "{after:?}");

    let audited = audit_logs::Entity::find()
        .filter(audit_logs::Column::Action.eq("wechat_oauth_failed"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert!(
        audited[0].details.contains("40125"),
        "{}",
        audited[0].details
    );
    assert!(!audited[0].details.contains(wrong));

    // Put right, the connection test passes again.
    let right = sandbox_app_secret(&app).await;
    change_settings(&app, |u| u.app_secret = right).await;
    let test: ConnectionTest = admin
        .post("/api/v1/admin/settings/wechat-pay/test")
        .await
        .unwrap();
    assert!(test.ok, "{}", test.message);
}

#[tokio::test]
async fn every_return_target_is_a_same_origin_path() {
    let app = TestApp::spawn().await;
    for evil in [
        "/\\evil.example/x",
        "//evil.example/x",
        "/%5Cevil.example/x",
        "https://evil.example/x",
        "/\t/evil.example",
    ] {
        let member = app.anonymous();
        let callback = authorize(&app, &member, evil).await;
        let (status, location, _) = step(&app, &member, &callback).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/h5", "{evil:?}");
    }
}

#[tokio::test]
async fn the_openid_cookie_is_tied_to_the_app_id() {
    let app = TestApp::spawn().await;
    let member = app.anonymous();
    let callback = authorize(&app, &member, "/h5").await;
    step(&app, &member, &callback).await;
    assert!(options(&member).await.wechat_authorized);
    change_settings(&app, |u| u.app_id = "wxnewappid0000002".into()).await;
    assert!(
        !options(&member).await.wechat_authorized,
        "an openid of the old AppID cannot pay under the new one"
    );
}

/// A sealed openid cookie made with `key`, sent by a fresh browser.
async fn options_with_openid_sealed_by(app: &TestApp, key: &[u8; 32]) -> PayOptions {
    let (stored, _) = server::settings::load::<StoredWechatPay>(&app.db, KEY)
        .await
        .unwrap()
        .unwrap();
    let plain =
        serde_json::json!({ "appid": stored.app_id, "openid": "oAbCdEfGh12345678901234567" });
    let sealed = server::secrets::seal(key, plain.to_string().as_bytes()).unwrap();
    reqwest::Client::new()
        .get(format!("{}/api/v1/pay/options", app.base))
        .header("cookie", format!("camp_openid={sealed}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_value_sealed_for_one_purpose_does_not_open_as_another() {
    let app = TestApp::spawn().await;
    let keys = &app.state.keys;
    assert!(
        options_with_openid_sealed_by(&app, &keys.openid_cookie)
            .await
            .wechat_authorized
    );
    for other in [&keys.secrets, &keys.oauth_state, &keys.session] {
        assert!(
            !options_with_openid_sealed_by(&app, other)
                .await
                .wechat_authorized
        );
    }
}

#[tokio::test]
async fn jsapi_needs_the_app_secret() {
    let app = TestApp::spawn().await;
    let (mut stored, _) = server::settings::load::<StoredWechatPay>(&app.db, KEY)
        .await
        .unwrap()
        .unwrap();
    stored.app_secret_sealed = String::new();
    server::settings::save(&app.db, KEY, &stored, None)
        .await
        .unwrap();
    let admin = app.admin().await;
    let view: WechatPaySettingsView = admin
        .get("/api/v1/admin/settings/wechat-pay")
        .await
        .unwrap();
    let mut update = update_from(&view);
    update.jsapi_enabled = true;
    let err = admin
        .put_json::<WechatPaySettingsView>("/api/v1/admin/settings/wechat-pay", &update)
        .await
        .unwrap_err();
    assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err.error.field_message("app_secret").is_some(), "{err:?}");
    update.jsapi_enabled = false;
    let _: WechatPaySettingsView = admin
        .put_json("/api/v1/admin/settings/wechat-pay", &update)
        .await
        .unwrap();
}

#[tokio::test]
async fn production_needs_an_https_public_url() {
    let app = TestApp::spawn().await;
    let mut production = app.config.clone();
    production.sandbox = false;
    production.server.bind = "127.0.0.1:0".into();
    production.data_dir = app.data_dir.join("production");
    production.database.url = None;
    let err = server::Application::build(production.clone())
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("https"), "{err}");
    production.public_url = "https://camp.example.com".into();
    assert!(server::Application::build(production).await.is_ok());
}
