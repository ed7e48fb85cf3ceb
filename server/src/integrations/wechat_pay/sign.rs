//! SHA256withRSA signatures: the merchant's `Authorization` header and JSAPI
//! `paySign`, and WeChat Pay's `Wechatpay-*` signatures on responses and callbacks.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use rand::distr::Alphanumeric;
use rsa::sha2::Sha256;
use rsa::{PrivateKey, PublicKey};
use serde::Serialize;

use super::WechatPayError;
use super::keys::{MerchantKey, PlatformKeys};

const AUTH_SCHEMA: &str = "WECHATPAY2-SHA256-RSA2048";

/// How far a `Wechatpay-Timestamp` may be from our clock; bounds replay of a
/// captured response or callback.
pub const DEFAULT_MAX_SKEW_SECS: i64 = 300;

/// 32 random letters and digits, for `nonce_str` and `nonceStr`.
pub fn nonce() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

pub fn request_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The timestamp stays text: the signature covers the header exactly as sent.
pub fn response_message(timestamp: &str, nonce: &str, body: &str) -> String {
    format!("{timestamp}\n{nonce}\n{body}\n")
}

fn sign_message(key: &PrivateKey, message: &str) -> Result<String, WechatPayError> {
    let signature = key
        .pkcs1v15_sign::<Sha256>(message.as_bytes())
        .map_err(|e| WechatPayError::Crypto(format!("signing: {e}")))?;
    Ok(STANDARD.encode(signature))
}

impl MerchantKey {
    /// Base64 SHA256withRSA; fails only if the OS RNG used for blinding fails.
    pub fn sign(&self, message: &str) -> Result<String, WechatPayError> {
        sign_message(self.private_key(), message)
    }
}

pub fn verify(public_key: &PublicKey, message: &str, signature_b64: &str) -> bool {
    STANDARD.decode(signature_b64).is_ok_and(|signature| {
        public_key
            .pkcs1v15_verify::<Sha256>(message.as_bytes(), &signature)
            .is_ok()
    })
}

pub fn authorization_header(
    key: &MerchantKey,
    method: &str,
    path_and_query: &str,
    body: &str,
    timestamp: i64,
    nonce: &str,
) -> Result<String, WechatPayError> {
    let signature = key.sign(&request_message(
        method,
        path_and_query,
        timestamp,
        nonce,
        body,
    ))?;
    Ok(format!(
        r#"{AUTH_SCHEMA} mchid="{}",nonce_str="{nonce}",timestamp="{timestamp}",serial_no="{}",signature="{signature}""#,
        key.mch_id, key.serial
    ))
}

/// The fields of a merchant `Authorization` header, as the sandbox checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationFields {
    pub mch_id: String,
    pub nonce: String,
    pub timestamp: i64,
    pub serial_no: String,
    pub signature: String,
}

pub fn parse_authorization(header: &str) -> Result<AuthorizationFields, WechatPayError> {
    let bad = |why: String| WechatPayError::Signature(format!("Authorization header: {why}"));
    let params = header
        .strip_prefix(AUTH_SCHEMA)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(|| bad(format!("scheme is not {AUTH_SCHEMA}")))?;
    let mut fields: [Option<&str>; 5] = [None; 5];
    // Neither Base64 nor the other values contain ',' or '"', so a plain split is exact.
    for param in params.split(',') {
        let (name, value) = param
            .trim()
            .split_once('=')
            .ok_or_else(|| bad(format!("malformed parameter {param}")))?;
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| bad(format!("{name} is not quoted")))?;
        let slot = match name {
            "mchid" => 0,
            "nonce_str" => 1,
            "timestamp" => 2,
            "serial_no" => 3,
            "signature" => 4,
            _ => continue,
        };
        fields[slot] = Some(value);
    }
    let [
        Some(mch_id),
        Some(nonce),
        Some(timestamp),
        Some(serial_no),
        Some(signature),
    ] = fields
    else {
        return Err(bad("a required parameter is missing".into()));
    };
    Ok(AuthorizationFields {
        mch_id: mch_id.to_owned(),
        nonce: nonce.to_owned(),
        timestamp: timestamp
            .parse()
            .map_err(|_| bad(format!("timestamp {timestamp} is not a number")))?,
        serial_no: serial_no.to_owned(),
        signature: signature.to_owned(),
    })
}

/// The `Wechatpay-*` headers of a response or callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeaders {
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
    pub serial: String,
}

impl SignatureHeaders {
    pub fn from_headers(headers: &http::HeaderMap) -> Result<Self, WechatPayError> {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
                .ok_or_else(|| WechatPayError::Signature(format!("{name} header is missing")))
        };
        Ok(Self {
            timestamp: get("Wechatpay-Timestamp")?,
            nonce: get("Wechatpay-Nonce")?,
            signature: get("Wechatpay-Signature")?,
            serial: get("Wechatpay-Serial")?,
        })
    }
}

impl PlatformKeys {
    /// Gate for every response and callback body: the key named by
    /// `Wechatpay-Serial`, a timestamp within `max_skew_secs` of `now_unix` (so a
    /// captured message can't be replayed later), and the signature itself.
    pub fn verify_signed(
        &self,
        headers: &SignatureHeaders,
        body: &[u8],
        now_unix: i64,
        max_skew_secs: i64,
    ) -> Result<(), WechatPayError> {
        let reject = |why: String| Err(WechatPayError::Signature(why));
        let Some(key) = self.get(&headers.serial) else {
            return reject(format!("unknown Wechatpay-Serial {}", headers.serial));
        };
        let Ok(timestamp) = headers.timestamp.parse::<i64>() else {
            return reject(format!(
                "Wechatpay-Timestamp {} is not a number",
                headers.timestamp
            ));
        };
        if timestamp.abs_diff(now_unix) > max_skew_secs.unsigned_abs() {
            return reject(format!(
                "Wechatpay-Timestamp {timestamp} is too far from now ({now_unix})"
            ));
        }
        let Ok(body) = std::str::from_utf8(body) else {
            return reject("signed body is not UTF-8".into());
        };
        let message = response_message(&headers.timestamp, &headers.nonce, body);
        if !verify(key, &message, &headers.signature) {
            return reject("Wechatpay-Signature does not match".into());
        }
        Ok(())
    }
}

/// Signs as WeChat Pay does, for the sandbox's responses and callbacks.
pub fn sign_response(
    key: &PrivateKey,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> Result<String, WechatPayError> {
    sign_message(key, &response_message(&timestamp.to_string(), nonce, body))
}

/// What the JSAPI page passes to `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsapiPayParams {
    pub app_id: String,
    /// Seconds, as a string: the bridge rejects a number.
    pub time_stamp: String,
    pub nonce_str: String,
    pub package: String,
    pub sign_type: String,
    pub pay_sign: String,
}

pub fn jsapi_pay_params(
    key: &MerchantKey,
    app_id: &str,
    prepay_id: &str,
    timestamp: i64,
    nonce: &str,
) -> Result<JsapiPayParams, WechatPayError> {
    let time_stamp = timestamp.to_string();
    let package = format!("prepay_id={prepay_id}");
    let pay_sign = key.sign(&format!("{app_id}\n{time_stamp}\n{nonce}\n{package}\n"))?;
    Ok(JsapiPayParams {
        app_id: app_id.to_owned(),
        time_stamp,
        nonce_str: nonce.to_owned(),
        package,
        sign_type: "RSA".to_owned(),
        pay_sign,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::keys::tests::{
        MCH_ID, MERCHANT_KEY_PKCS1_PEM, MERCHANT_SERIAL, PLATFORM_PUBLIC_KEY_PEM, PUB_KEY_ID,
        merchant,
    };
    use super::super::keys::{generate_key_pair, private_key_from_pem, public_key_from_pem};
    use super::*;

    const TIMESTAMP: i64 = 1_704_067_200;
    const NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";
    const JSAPI_PATH: &str = "/v3/pay/transactions/jsapi";
    const JSAPI_BODY: &str = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","description":"Camp deposit","out_trade_no":"CAMP202401010001","notify_url":"https://camp.example.com/api/wechat-pay/notify","amount":{"total":50000,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}"#;
    /// `printf '%s\n' POST <path> <ts> <nonce> <body> | openssl dgst -sha256 -sign merchant_test_key.pem | base64 -w0`
    const JSAPI_SIGNATURE: &str = "OrezlW2fM21YbdUvmkcbaWFg2JqX0B3VhTegDfNasKJkI5hwn/x+nBMy/VyU9hF+30+BCxCYt7LVJBinha+PPD9xyNMEhPHFpKi4Wlr11bJPKgXd0EB3cN2sFrBd4Z/KKI93KTdg45SesvOEjkDUOnSwYnjv/urAqcYFsvGsoktw6tAN1Q1Wrjrts2l6EWKgsWntiwAwq2/BG0t9RNNIK2Jc530LFKyPFje4b1o+5yXLv/QXg+zBqu1dRVFjgT4zi+YWhJSUKMr+I2L1R1LvJc+EoHno5Zk4Sw8+FHkXtUflc+u1iWZK8zrKy369842z26nXKJvhMyc2TKZh1oYRVA==";
    const QUERY_PATH: &str = "/v3/pay/transactions/out-trade-no/CAMP202401010001?mchid=1230000109";
    /// The same openssl command over a GET with an empty body.
    const QUERY_SIGNATURE: &str = "aipRvrFDUsMS9EP5cGtd+mzhH9lpE1nueES1F+d2Fm7UHQNszGliZ2pmQiGd28WM4HAVC/oPL2kXZF/dnDfm3lDXdOmUheAnzw7P4/ZaR32ioGR34NYQG35/79iOmG2vzjVMJkmZzIK/c2f5r+E8klVJGUmqAfQS7J28XxnNfis4ffp0vC0dDGkIYMsFqw3Mm7RbmPfvu1uJT+UxU+m/giJEQbYbbFZaP6jJFxvJWApZ6sqawc9TsRjS3eCho1tmN/Lzplh2VwnfZPJr5UiqixzpjNQnpAFwBbUI6VKsT4YMYx/zUpamZPHSfm66fd/ltR5EprmmQWSN9GmLky875Q==";

    /// A callback as WeChat Pay sends it: body and headers, the signature made with
    /// `openssl dgst -sha256 -sign` by the key behind `platform_test_public_key.pem`.
    pub const NOTIFY_TIMESTAMP: i64 = 1_704_074_405;
    pub const NOTIFY_NONCE: &str = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    pub const NOTIFY_BODY: &str = r#"{"id":"EV-2018022511223320873","create_time":"2024-01-01T10:00:05+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"kdU+4xgEd+F97pnuq8x1iUC6PHs5ED5rd48DiImrVmImxCs1KdLCTuv6p9bCUZPZozHDjRbuQcOvBYq9jNsZHTq6GhHEl56wUyZA2L4ANfgKZOlvWxKAcgbmOmCbJXJvImVy5NJ+Z+hb76xZ2r1ISNveNXnOsYdjP1LhxKLOIxEcB60VZtKXQelPm5OolQ6Y7cg1mz+pn/ZqosFA+SDGI+JMR+NEFsqXsBrLQ2pwQv/uYh7mVDBQ+aAX0r+lDQxRz6sa5AngKOEvvWdf7dO6WqfbOZbuURoihESCMuCAeT2PJoskHL9Ms3tN53BGr8+dA9lu+eNEb7+kKU5ilG1scG8uNjl60e1auRho68s2l8WjduioTKRaVcHy3j5naR66tHmlqcwLkm8hkrAHQC7xZ1blvD1zNzqaWKfx/0VLqD0M2xPPQF1Sllv1XuXqxfxUWamQM+U25FqAqy+U4D5hWPEBSSh+Wo5zjr76DUaB3j2VgkCMOEQtOSRT7WAmi4gEWrV55JCOM5KHr/jzr5AftgK048f+HQFJ7LVzNBtFg1+MEmCys6G325W7OSscEXafE6jBkNGweiIW+PHg6UY=","associated_data":"transaction","nonce":"fdasflkja484"}}"#;
    pub const NOTIFY_SIGNATURE: &str = "fj8WBLI29Ldo5vLzqPdS0sUewmxvlUs+jE4XM56H6CA7EMqGGQvjYsO7v1oc0E4X50pDJ7/h5rvRW5xJrsX1Vl3+ZdvXeuvgPnwdXZDQ81vj8cy63g63J4FNLL9SSFEeOxJnxVsfhxoFSsBS+Z/HP9VI9ubB6/nyjjcj0sSMQdFcJVx4flytMIso1hMzMepl7lLzjIXQ2hs1jgcf3L2NsgXWGH3iwKK9djRGrVNc29EgaSoPi8Sot07eXlCkx8eiVPu/xj1BIWA3iSTPzx0zgmbNrWp6oZJu3Q5+yjh6u6mEnFeZIOsmrgqFbNy1YrVPOxkEE29TEfQJ+PFa9Fiv6Q==";

    pub fn notify_headers(timestamp: i64, serial: &str) -> anyhow::Result<SignatureHeaders> {
        let mut headers = http::HeaderMap::new();
        headers.insert("Wechatpay-Timestamp", timestamp.to_string().parse()?);
        headers.insert("Wechatpay-Nonce", NOTIFY_NONCE.parse()?);
        headers.insert("Wechatpay-Signature", NOTIFY_SIGNATURE.parse()?);
        headers.insert("Wechatpay-Serial", serial.parse()?);
        headers.insert(
            "Wechatpay-Signature-Type",
            "WECHATPAY2-SHA256-RSA2048".parse()?,
        );
        Ok(SignatureHeaders::from_headers(&headers)?)
    }

    pub fn platform_keys() -> Result<PlatformKeys, WechatPayError> {
        PlatformKeys::new().with_public_key(PUB_KEY_ID, PLATFORM_PUBLIC_KEY_PEM)
    }

    #[test]
    fn request_signatures_match_openssl() -> anyhow::Result<()> {
        let key = merchant()?;
        let message = request_message("POST", JSAPI_PATH, TIMESTAMP, NONCE, JSAPI_BODY);
        assert_eq!(key.sign(&message)?, JSAPI_SIGNATURE);
        let query = request_message("GET", QUERY_PATH, TIMESTAMP, NONCE, "");
        assert!(query.ends_with(&format!("{NONCE}\n\n")));
        assert_eq!(key.sign(&query)?, QUERY_SIGNATURE);

        let pkcs1 = MerchantKey::from_pem(MCH_ID, MERCHANT_SERIAL, MERCHANT_KEY_PKCS1_PEM)?;
        assert_eq!(pkcs1.sign(&message)?, JSAPI_SIGNATURE);
        assert!(verify(&key.public_key(), &message, JSAPI_SIGNATURE));
        Ok(())
    }

    #[test]
    fn authorization_header_has_the_documented_shape_and_parses_back() -> anyhow::Result<()> {
        let header = authorization_header(
            &merchant()?,
            "POST",
            JSAPI_PATH,
            JSAPI_BODY,
            TIMESTAMP,
            NONCE,
        )?;
        assert_eq!(
            header,
            format!(
                r#"WECHATPAY2-SHA256-RSA2048 mchid="{MCH_ID}",nonce_str="{NONCE}",timestamp="{TIMESTAMP}",serial_no="{MERCHANT_SERIAL}",signature="{JSAPI_SIGNATURE}""#
            )
        );
        let expected = AuthorizationFields {
            mch_id: MCH_ID.into(),
            nonce: NONCE.into(),
            timestamp: TIMESTAMP,
            serial_no: MERCHANT_SERIAL.into(),
            signature: JSAPI_SIGNATURE.into(),
        };
        assert_eq!(parse_authorization(&header)?, expected);

        let reordered = format!(
            r#"WECHATPAY2-SHA256-RSA2048 signature="{JSAPI_SIGNATURE}", serial_no="{MERCHANT_SERIAL}",timestamp="{TIMESTAMP}",nonce_str="{NONCE}",mchid="{MCH_ID}""#
        );
        assert_eq!(parse_authorization(&reordered)?, expected);

        for bad in [
            header.replacen("WECHATPAY2-SHA256-RSA2048", "Bearer", 1),
            header.replacen(&format!(r#",serial_no="{MERCHANT_SERIAL}""#), "", 1),
            header.replacen(&TIMESTAMP.to_string(), "soon", 1),
        ] {
            assert!(
                matches!(parse_authorization(&bad), Err(WechatPayError::Signature(_))),
                "{bad}"
            );
        }
        Ok(())
    }

    #[test]
    fn openssl_signed_notification_verifies() -> anyhow::Result<()> {
        let keys = platform_keys()?;
        let headers = notify_headers(NOTIFY_TIMESTAMP, PUB_KEY_ID)?;
        keys.verify_signed(
            &headers,
            NOTIFY_BODY.as_bytes(),
            NOTIFY_TIMESTAMP + 299,
            DEFAULT_MAX_SKEW_SECS,
        )?;
        keys.verify_signed(
            &headers,
            NOTIFY_BODY.as_bytes(),
            NOTIFY_TIMESTAMP - 299,
            DEFAULT_MAX_SKEW_SECS,
        )?;
        Ok(())
    }

    #[test]
    fn tampered_stale_or_unknown_notifications_are_rejected() -> anyhow::Result<()> {
        let keys = platform_keys()?;
        let signed = notify_headers(NOTIFY_TIMESTAMP, PUB_KEY_ID)?;
        let now = NOTIFY_TIMESTAMP;
        let tampered_body = NOTIFY_BODY.replacen("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESs", 1);
        let other_timestamp = notify_headers(NOTIFY_TIMESTAMP + 1, PUB_KEY_ID)?;
        let unknown_serial = notify_headers(
            NOTIFY_TIMESTAMP,
            "PUB_KEY_ID_0000000000000000000000000000000000",
        )?;
        let cases: [(&str, &SignatureHeaders, &str, i64); 5] = [
            ("one body byte changed", &signed, &tampered_body, now),
            ("6 minutes old", &signed, NOTIFY_BODY, now + 360),
            ("6 minutes ahead", &signed, NOTIFY_BODY, now - 360),
            (
                "timestamp header changed",
                &other_timestamp,
                NOTIFY_BODY,
                now,
            ),
            ("unknown serial", &unknown_serial, NOTIFY_BODY, now),
        ];
        for (case, headers, body, now) in cases {
            let result = keys.verify_signed(headers, body.as_bytes(), now, DEFAULT_MAX_SKEW_SECS);
            assert!(
                matches!(result, Err(WechatPayError::Signature(_))),
                "{case}: {result:?}"
            );
        }
        assert!(matches!(
            SignatureHeaders::from_headers(&http::HeaderMap::new()),
            Err(WechatPayError::Signature(_))
        ));
        Ok(())
    }

    #[test]
    fn sandbox_signed_responses_verify() -> anyhow::Result<()> {
        let pair = generate_key_pair()?;
        let private = private_key_from_pem(&pair.private_pem)?;
        let body = r#"{"prepay_id":"wx201410272009395522657a690389285100"}"#;
        let signature = sign_response(&private, TIMESTAMP, NONCE, body)?;
        let message = response_message(&TIMESTAMP.to_string(), NONCE, body);
        assert!(verify(
            &public_key_from_pem(&pair.public_pem)?,
            &message,
            &signature
        ));
        assert!(!verify(
            &public_key_from_pem(&pair.public_pem)?,
            &message,
            "not base64!"
        ));
        Ok(())
    }

    #[test]
    fn jsapi_pay_sign_verifies() -> anyhow::Result<()> {
        let key = merchant()?;
        let params = jsapi_pay_params(
            &key,
            "wxd678efh567hg6787",
            "wx201410272009395522657a690389285100",
            TIMESTAMP,
            NONCE,
        )?;
        assert_eq!(
            params.package,
            "prepay_id=wx201410272009395522657a690389285100"
        );
        let message = format!(
            "wxd678efh567hg6787\n{TIMESTAMP}\n{NONCE}\nprepay_id=wx201410272009395522657a690389285100\n"
        );
        assert!(verify(&key.public_key(), &message, &params.pay_sign));
        let json = serde_json::to_value(&params)?;
        assert_eq!(json["appId"], "wxd678efh567hg6787");
        assert_eq!(json["timeStamp"], TIMESTAMP.to_string());
        assert_eq!(json["nonceStr"], NONCE);
        assert_eq!(json["signType"], "RSA");
        assert_eq!(json["paySign"], params.pay_sign.as_str());
        Ok(())
    }

    #[test]
    fn nonces_are_32_alphanumerics() {
        let (first, second) = (nonce(), nonce());
        assert_eq!(first.len(), 32);
        assert!(first.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(first, second);
    }
}
