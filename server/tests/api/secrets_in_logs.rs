//! No configured secret reaches the logs (issue 6 item 10): with every WeChat
//! integration failing (the OAuth code exchange, the order calls, the
//! connection test, the payment poll), the captured log output holds none of
//! the AppSecret, the APIv3 key or the merchant private key.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::Method;
use server::settings::wechat_pay::{KEY, StoredWechatPay};
use shared::api::{PayMethod, SignUpRequest};

use crate::helpers::TestApp;

/// Everything logged by this test process (one global subscriber for the binary).
fn captured() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        log
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut log) = self.0.lock() {
            log.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn failing_integrations_log_no_secret() {
    let log = captured();
    let app = TestApp::spawn().await;
    let secrets = &app.state.keys.secrets;
    let (mut stored, _) = server::settings::load::<StoredWechatPay>(&app.db, KEY)
        .await
        .unwrap()
        .unwrap();
    let app_secret = format!("AppSecret{}", uuid::Uuid::new_v4().simple());
    stored.app_secret_sealed = server::secrets::seal(secrets, app_secret.as_bytes()).unwrap();
    // Nothing listens on port 9: every WeChat call fails to connect.
    stored.base_url = "http://127.0.0.1:9".into();
    stored.oauth_api_url = "http://127.0.0.1:9".into();
    server::settings::save(&app.db, KEY, &stored, None)
        .await
        .unwrap();
    let api_v3_key = server::secrets::open_string(secrets, &stored.api_v3_key_sealed).unwrap();
    let private_key =
        server::secrets::open_string(secrets, &stored.merchant_private_key_sealed).unwrap();
    let key_body = private_key.lines().nth(1).unwrap().to_owned();
    // The Knowledge Planet cookie, with Knowledge Planet unreachable too.
    let zsxq_token = format!("ZsxqToken{}", uuid::Uuid::new_v4().simple());
    let (mut zsxq, _) = server::settings::load::<server::settings::zsxq::StoredZsxq>(
        &app.db,
        server::settings::zsxq::KEY,
    )
    .await
    .unwrap()
    .unwrap();
    zsxq.access_token_sealed = server::secrets::seal(secrets, zsxq_token.as_bytes()).unwrap();
    zsxq.base_url = "http://127.0.0.1:9".into();
    zsxq.spacing_ms = 0;
    zsxq.backoff_ms = 0;
    server::settings::save(&app.db, server::settings::zsxq::KEY, &zsxq, None)
        .await
        .unwrap();

    // The OAuth round trip: the code exchange (AppSecret in its URL) fails.
    let member = app.anonymous();
    let mut location = "/h5/wechat-auth?return=/h5".to_owned();
    for _ in 0..3 {
        let response = member.raw(Method::GET, &location, None).await;
        let Some(next) = response.headers().get("location") else {
            break;
        };
        location = next
            .to_str()
            .unwrap()
            .trim_start_matches(&app.base)
            .split('#')
            .next()
            .unwrap()
            .to_owned();
    }
    // An order call, the connection test and the poll fail too.
    let camp = app.open_camp().await;
    let request = SignUpRequest {
        planet_nickname: "会员".into(),
        planet_id: "15555411851482".into(),
        wechat_nickname: "wx".into(),
        pay_method: PayMethod::Native,
    };
    let _ = member
        .post_json::<serde_json::Value>(&format!("/api/v1/camps/{}/enrollments", camp.id), &request)
        .await;
    let admin = app.admin().await;
    let _ = admin
        .post::<serde_json::Value>("/api/v1/admin/settings/wechat-pay/test")
        .await;
    let _ = admin
        .post::<serde_json::Value>("/api/v1/admin/payments/poll")
        .await;
    let _ = admin
        .post::<serde_json::Value>("/api/v1/admin/settings/zsxq/test")
        .await;
    let _ = admin
        .post::<serde_json::Value>(&format!("/api/v1/admin/camps/{}/sync", camp.id))
        .await;
    app.eventually("the failed sync to be logged", || {
        let log = log.clone();
        async move { String::from_utf8_lossy(&log.lock().unwrap()).contains("sync_camp") }
    })
    .await;

    let text = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    assert!(
        text.contains("WeChat OAuth code exchange failed"),
        "the failures were logged (so the check below means something)"
    );
    assert!(
        text.contains("Knowledge Planet call failed"),
        "the Knowledge Planet failures were logged"
    );
    for (name, secret) in [
        ("AppSecret", app_secret.as_str()),
        ("APIv3 key", api_v3_key.as_str()),
        ("merchant private key", key_body.as_str()),
        ("zsxq_access_token", zsxq_token.as_str()),
    ] {
        assert!(!text.contains(secret), "the {name} is in the logs");
    }
}
