//! The order calls: prepay (JSAPI, Native, H5), query and close. Every answer is
//! trusted only after its `Wechatpay-*` signature checks out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::WechatPayError;
use super::keys::{MerchantKey, PlatformKeys};
use super::notify::Transaction;
use super::sign::{DEFAULT_MAX_SKEW_SECS, SignatureHeaders, authorization_header, nonce};

/// Unix seconds; injected so signatures and freshness checks are reproducible in tests.
pub type Clock = fn() -> i64;

pub fn system_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            elapsed.as_secs().try_into().unwrap_or(i64::MAX)
        })
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://api.mch.weixin.qq.com`, or the sandbox's address.
    pub base_url: String,
    pub app_id: String,
    /// Where WeChat Pay posts payment callbacks: https, no query string.
    pub notify_url: String,
    /// Also the source of `mchid` in request bodies, so the two can never disagree.
    pub merchant: MerchantKey,
    pub platform: PlatformKeys,
    /// `PUB_KEY_ID_…` in public-key mode: WeChat Pay signs responses with the public
    /// key only when the request names it in `Wechatpay-Serial`.
    pub wechatpay_serial_header: Option<String>,
}

/// What the three prepay calls share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepayRequest {
    /// At most 127 characters.
    pub description: String,
    /// 6–32 of `[0-9A-Za-z_-|*]`, unique per merchant.
    pub out_trade_no: String,
    pub amount_fen: i64,
    /// When the order stops being payable; sent as `yyyy-MM-DDTHH:mm:ss+08:00`
    /// (whole seconds, Beijing offset, see [`time_expire`]). Honoured only on
    /// the first prepay of an `out_trade_no`.
    pub time_expire: Option<DateTime<Utc>>,
    /// At most 128 characters, echoed back in the transaction.
    pub attach: Option<String>,
}

#[derive(Debug, Clone)]
pub struct WechatPayClient {
    http: reqwest::Client,
    config: ClientConfig,
    clock: Clock,
}

#[derive(Default, Deserialize)]
struct ApiErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

impl WechatPayClient {
    pub fn new(config: ClientConfig) -> Result<Self, WechatPayError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            http,
            config,
            clock: system_clock,
        })
    }

    /// The same client with other connect and total timeouts (tests use short
    /// ones to meet a hanging server; the defaults are 10 s and 30 s).
    ///
    /// # Errors
    /// [`WechatPayError::Http`] when the HTTP client cannot be built.
    pub fn with_timeouts(
        mut self,
        connect: Duration,
        total: Duration,
    ) -> Result<Self, WechatPayError> {
        self.http = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .build()?;
        Ok(self)
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Unix seconds by the client's clock (signatures, freshness checks).
    pub(super) fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Returns the `prepay_id` (valid 2 hours) for [`super::jsapi_pay_params`].
    pub async fn prepay_jsapi(
        &self,
        request: &PrepayRequest,
        openid: &str,
    ) -> Result<String, WechatPayError> {
        let mut body = self.prepay_body(request);
        body["payer"] = json!({ "openid": openid });
        self.prepay("jsapi", &body, "prepay_id").await
    }

    /// Returns the `code_url` to render as a QR code.
    pub async fn prepay_native(&self, request: &PrepayRequest) -> Result<String, WechatPayError> {
        self.prepay("native", &self.prepay_body(request), "code_url")
            .await
    }

    /// Returns the `h5_url` to send a mobile browser outside WeChat to.
    pub async fn prepay_h5(
        &self,
        request: &PrepayRequest,
        payer_client_ip: &str,
    ) -> Result<String, WechatPayError> {
        let mut body = self.prepay_body(request);
        body["scene_info"] = json!({
            "payer_client_ip": payer_client_ip,
            "h5_info": { "type": "Wap" },
        });
        self.prepay("h5", &body, "h5_url").await
    }

    pub async fn query_order(&self, out_trade_no: &str) -> Result<Transaction, WechatPayError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={}",
            self.config.merchant.mch_id
        );
        let body = self.call(Method::GET, &path, None).await?;
        decode(&body)
    }

    /// Needed before re-ordering under a new `out_trade_no`, so the old one can't be paid too.
    pub async fn close_order(&self, out_trade_no: &str) -> Result<(), WechatPayError> {
        let path = format!("/v3/pay/transactions/out-trade-no/{out_trade_no}/close");
        let body = json!({ "mchid": self.config.merchant.mch_id });
        self.call(Method::POST, &path, Some(&body)).await?;
        Ok(())
    }

    fn prepay_body(&self, request: &PrepayRequest) -> Value {
        let mut body = json!({
            "appid": self.config.app_id,
            "mchid": self.config.merchant.mch_id,
            "description": fit(&request.description, DESCRIPTION_MAX_BYTES),
            "out_trade_no": request.out_trade_no,
            "notify_url": self.config.notify_url,
            "amount": { "total": request.amount_fen, "currency": "CNY" },
        });
        if let Some(at) = request.time_expire {
            body["time_expire"] = json!(time_expire(at));
        }
        if let Some(attach) = &request.attach {
            body["attach"] = json!(fit(attach, ATTACH_MAX_BYTES));
        }
        body
    }

    async fn prepay(
        &self,
        kind: &str,
        body: &Value,
        field: &str,
    ) -> Result<String, WechatPayError> {
        let path = format!("/v3/pay/transactions/{kind}");
        let answer: Value = decode(&self.call(Method::POST, &path, Some(body)).await?)?;
        answer
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| WechatPayError::Decode(format!("{kind} prepay answer lacks {field}")))
    }

    /// A signed round trip that changes nothing: queries an order number that
    /// cannot exist. WeChat Pay signs its "not found" too, so a verified answer
    /// proves the merchant key, serial, platform key and network all work.
    pub async fn ping(&self) -> Result<(), WechatPayError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/CONNTEST{}?mchid={}",
            (self.clock)(),
            self.config.merchant.mch_id
        );
        let (status, headers, bytes) = self.send(Method::GET, &path, None).await?;
        self.config.platform.verify_signed(
            &SignatureHeaders::from_headers(&headers)?,
            &bytes,
            (self.clock)(),
            DEFAULT_MAX_SKEW_SECS,
        )?;
        if status.is_success() || status.as_u16() == 404 {
            Ok(())
        } else {
            Err(api_error(status, &bytes))
        }
    }

    /// Signs and sends one call; returns the body of a 2xx answer whose signature verifies.
    pub(super) async fn call(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<Vec<u8>, WechatPayError> {
        let (status, headers, bytes) = self.send(method, path_and_query, body).await?;
        if !status.is_success() {
            return Err(api_error(status, &bytes));
        }
        self.config.platform.verify_signed(
            &SignatureHeaders::from_headers(&headers)?,
            &bytes,
            (self.clock)(),
            DEFAULT_MAX_SKEW_SECS,
        )?;
        Ok(bytes.to_vec())
    }

    pub(super) async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<(reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>), WechatPayError> {
        let base = self.config.base_url.trim_end_matches('/');
        let url = Url::parse(&format!("{base}{path_and_query}"))
            .map_err(|e| WechatPayError::Http(format!("bad URL {base}{path_and_query}: {e}")))?;
        // Sign what goes on the wire (the URL parser may percent-encode the path),
        // relative to the base URL: WeChat Pay's own path starts at `/v3`, also
        // behind a base URL with a path (a proxy, the sandbox's mount).
        let base_path = Url::parse(base)
            .map(|b| b.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let path = url.path();
        let path = path.strip_prefix(base_path.as_str()).unwrap_or(path);
        let signed_path = match url.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_owned(),
        };
        let body = body.map(Value::to_string).unwrap_or_default();
        let authorization = authorization_header(
            &self.config.merchant,
            method.as_str(),
            &signed_path,
            &body,
            (self.clock)(),
            &nonce(),
        )?;
        let mut request = self
            .http
            .request(method, url)
            .header(AUTHORIZATION, authorization)
            .header(ACCEPT, "application/json")
            // WeChat Pay rejects requests without a User-Agent.
            .header(
                USER_AGENT,
                concat!("camp-server/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(serial) = &self.config.wechatpay_serial_header {
            request = request.header("Wechatpay-Serial", serial);
        }
        if !body.is_empty() {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }

        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        Ok((status, headers, bytes.to_vec()))
    }
}

/// `description` is `string[1,127]`, `attach` `string[1,128]`; counted in UTF-8
/// bytes (the stricter reading [?]), so Chinese text is cut at 42 characters.
const DESCRIPTION_MAX_BYTES: usize = 127;
const ATTACH_MAX_BYTES: usize = 128;

/// `text` without control characters, cut at a character boundary to `max` bytes.
fn fit(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out
}

/// WeChat Pay's time format: `yyyy-MM-DDTHH:mm:ss+08:00` — whole seconds and an
/// offset (never fractions, never `Z`), given in Beijing time.
pub fn time_expire(at: DateTime<Utc>) -> String {
    at.with_timezone(&shared::dates::BUSINESS_TZ)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

pub(super) fn api_error(status: reqwest::StatusCode, bytes: &[u8]) -> WechatPayError {
    let error: ApiErrorBody = serde_json::from_slice(bytes).unwrap_or_default();
    WechatPayError::Api {
        status: status.as_u16(),
        code: error.code,
        message: if error.message.is_empty() {
            String::from_utf8_lossy(bytes).into_owned()
        } else {
            error.message
        },
    }
}

pub(super) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, WechatPayError> {
    serde_json::from_slice(body).map_err(|e| WechatPayError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::Router;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::response::{IntoResponse, Response};
    use rsa::{PrivateKey, PublicKey};

    use super::super::keys::tests::{MCH_ID, PUB_KEY_ID, merchant};
    use super::super::keys::{generate_key_pair, private_key_from_pem};
    use super::super::notify::TradeState;
    use super::super::sign::{parse_authorization, request_message, sign_response, verify};
    use super::*;

    const NOW: i64 = 1_704_067_200;
    const APP_ID: &str = "wxd678efh567hg6787";
    const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
    const PREPAY_ID: &str = "wx201410272009395522657a690389285100";

    struct FakeWechatPay {
        merchant_public: PublicKey,
        platform_private: PrivateKey,
    }

    /// Answers like WeChat Pay: 401 unless our Authorization verifies, then a signed
    /// answer, except the Native prepay, which comes back unsigned.
    async fn fake_wechat_pay(
        State(fake): State<Arc<FakeWechatPay>>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: String,
    ) -> Response {
        let path_and_query = uri.path_and_query().map_or("", |p| p.as_str());
        let authentic = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_authorization(value).ok())
            .is_some_and(|auth| {
                auth.mch_id == MCH_ID
                    && verify(
                        &fake.merchant_public,
                        &request_message(
                            method.as_str(),
                            path_and_query,
                            auth.timestamp,
                            &auth.nonce,
                            &body,
                        ),
                        &auth.signature,
                    )
            });
        if !authentic {
            let error = json!({ "code": "SIGN_ERROR", "message": "签名错误" });
            return (StatusCode::UNAUTHORIZED, error.to_string()).into_response();
        }
        let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let (status, answer) = match (method.as_str(), path_and_query) {
            ("POST", "/v3/pay/transactions/jsapi")
                if request["payer"]["openid"] == OPENID
                    && request["amount"] == json!({ "total": 50000, "currency": "CNY" })
                    && request["mchid"] == MCH_ID
                    && headers
                        .get("Wechatpay-Serial")
                        .is_some_and(|s| s == PUB_KEY_ID) =>
            {
                (
                    StatusCode::OK,
                    json!({ "prepay_id": PREPAY_ID }).to_string(),
                )
            }
            ("POST", "/v3/pay/transactions/native") => {
                let unsigned = json!({ "code_url": "weixin://wxpay/bizpayurl?pr=forged" });
                return (StatusCode::OK, unsigned.to_string()).into_response();
            }
            ("GET", "/v3/pay/transactions/out-trade-no/CAMP202401010001?mchid=1230000109") => {
                let transaction = json!({
                    "appid": APP_ID, "mchid": MCH_ID, "out_trade_no": "CAMP202401010001",
                    "trade_state": "NOTPAY", "trade_state_desc": "订单未支付",
                    "amount": { "total": 50000, "currency": "CNY" },
                });
                (StatusCode::OK, transaction.to_string())
            }
            ("POST", "/v3/pay/transactions/out-trade-no/CAMP202401010001/close")
                if request == json!({ "mchid": MCH_ID }) =>
            {
                (StatusCode::NO_CONTENT, String::new())
            }
            _ => (
                StatusCode::BAD_REQUEST,
                json!({ "code": "PARAM_ERROR", "message": "unexpected request" }).to_string(),
            ),
        };
        let nonce = nonce();
        let Ok(signature) = sign_response(&fake.platform_private, NOW, &nonce, &answer) else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let signed_headers = [
            ("Wechatpay-Timestamp", NOW.to_string()),
            ("Wechatpay-Nonce", nonce),
            ("Wechatpay-Signature", signature),
            ("Wechatpay-Serial", PUB_KEY_ID.to_owned()),
        ];
        (status, signed_headers, answer).into_response()
    }

    /// A fake WeChat Pay on a free local port that knows the test merchant, and a
    /// client of it signing with `client_key`.
    async fn fake_and_client(client_key: MerchantKey) -> anyhow::Result<WechatPayClient> {
        let platform = generate_key_pair()?;
        let fake = FakeWechatPay {
            merchant_public: merchant()?.public_key(),
            platform_private: private_key_from_pem(&platform.private_pem)?,
        };
        let app = Router::new()
            .fallback(fake_wechat_pay)
            .with_state(Arc::new(fake));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });

        let config = ClientConfig {
            base_url: format!("http://{addr}"),
            app_id: APP_ID.into(),
            notify_url: "https://camp.example.com/api/wechat-pay/notify".into(),
            merchant: client_key,
            platform: PlatformKeys::new().with_public_key(PUB_KEY_ID, &platform.public_pem)?,
            wechatpay_serial_header: Some(PUB_KEY_ID.into()),
        };
        Ok(WechatPayClient::new(config)?.with_clock(|| NOW))
    }

    fn order() -> PrepayRequest {
        PrepayRequest {
            description: "Camp deposit".into(),
            out_trade_no: "CAMP202401010001".into(),
            amount_fen: 50000,
            time_expire: None,
            attach: None,
        }
    }

    #[test]
    fn time_expire_is_whole_seconds_in_beijing_time() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 4, 5, 6).unwrap()
            + chrono::Duration::microseconds(123_456);
        assert_eq!(time_expire(at), "2026-11-29T12:05:06+08:00");
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let cut = fit(&"训练营押金".repeat(20), DESCRIPTION_MAX_BYTES);
        assert!(cut.len() <= 127 && cut.len() > 120, "{}", cut.len());
        assert_eq!(fit("a\u{0}b\nc", 10), "abc");
    }

    #[tokio::test]
    async fn signed_answers_are_returned() -> anyhow::Result<()> {
        let client = fake_and_client(merchant()?).await?;
        assert_eq!(client.prepay_jsapi(&order(), OPENID).await?, PREPAY_ID);

        let transaction = client.query_order("CAMP202401010001").await?;
        assert_eq!(transaction.out_trade_no, "CAMP202401010001");
        assert_eq!(transaction.state(), TradeState::NotPay);
        assert_eq!(transaction.amount.map(|a| a.total), Some(50000));

        client.close_order("CAMP202401010001").await?;
        Ok(())
    }

    #[tokio::test]
    async fn unsigned_answers_and_errors_are_not_trusted() -> anyhow::Result<()> {
        let client = fake_and_client(merchant()?).await?;
        let unsigned = client.prepay_native(&order()).await;
        assert!(
            matches!(unsigned, Err(WechatPayError::Signature(_))),
            "{unsigned:?}"
        );

        let rejected = client.prepay_h5(&order(), "203.0.113.7").await;
        assert!(
            matches!(&rejected, Err(WechatPayError::Api { status: 400, code, .. }) if code == "PARAM_ERROR"),
            "{rejected:?}"
        );

        let impostor =
            MerchantKey::from_pem(MCH_ID, "IMPOSTOR", &generate_key_pair()?.private_pem)?;
        let impostor = fake_and_client(impostor).await?;
        let unauthorized = impostor.query_order("CAMP202401010001").await;
        assert!(
            matches!(&unauthorized, Err(WechatPayError::Api { status: 401, code, .. }) if code == "SIGN_ERROR"),
            "{unauthorized:?}"
        );
        Ok(())
    }

    #[tokio::test]
    async fn answers_signed_by_another_key_are_rejected() -> anyhow::Result<()> {
        let client = fake_and_client(merchant()?).await?;
        let mut config = client.config().clone();
        config.platform =
            PlatformKeys::new().with_public_key(PUB_KEY_ID, &generate_key_pair()?.public_pem)?;
        let misconfigured = WechatPayClient::new(config)?.with_clock(|| NOW);
        let result = misconfigured.query_order("CAMP202401010001").await;
        assert!(
            matches!(result, Err(WechatPayError::Signature(_))),
            "{result:?}"
        );

        let late = client.clone().with_clock(|| NOW + 360);
        let result = late.query_order("CAMP202401010001").await;
        assert!(
            matches!(result, Err(WechatPayError::Signature(_))),
            "{result:?}"
        );
        Ok(())
    }
}
