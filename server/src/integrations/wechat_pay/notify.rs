//! Callback envelopes, their AES-256-GCM payloads, and the transaction they carry
//! (the same JSON the order query returns).

use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::WechatPayError;
use super::keys::PlatformKeys;
use super::sign::SignatureHeaders;

const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// The callback body. Verify its `Wechatpay-*` signature before acting on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    pub create_time: String,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, …
    pub event_type: String,
    pub resource_type: String,
    pub summary: String,
    pub resource: EncryptedResource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedResource {
    pub original_type: String,
    pub algorithm: String,
    /// Base64 of ciphertext followed by the 16-byte GCM tag.
    pub ciphertext: String,
    #[serde(default)]
    pub associated_data: String,
    /// 12 characters whose UTF-8 bytes are the GCM nonce.
    pub nonce: String,
}

fn cipher_and_nonce(
    api_v3_key: &[u8; 32],
    nonce: &str,
) -> Result<(Aes256Gcm, Nonce<Aes256Gcm>), WechatPayError> {
    let nonce = Nonce::<Aes256Gcm>::try_from(nonce.as_bytes())
        .map_err(|_| WechatPayError::Crypto(format!("nonce must be 12 bytes, got {nonce:?}")))?;
    Ok((Aes256Gcm::new(&Key::<Aes256Gcm>::from(*api_v3_key)), nonce))
}

pub fn decrypt_resource(
    api_v3_key: &[u8; 32],
    resource: &EncryptedResource,
) -> Result<Vec<u8>, WechatPayError> {
    if resource.algorithm != ALGORITHM {
        return Err(WechatPayError::Crypto(format!(
            "unsupported algorithm {}",
            resource.algorithm
        )));
    }
    let ciphertext = STANDARD
        .decode(&resource.ciphertext)
        .map_err(|e| WechatPayError::Decode(format!("ciphertext is not Base64: {e}")))?;
    let (cipher, nonce) = cipher_and_nonce(api_v3_key, &resource.nonce)?;
    let payload = Payload {
        msg: &ciphertext,
        aad: resource.associated_data.as_bytes(),
    };
    // A failed tag means a forged or corrupted payload, or a changed APIv3 key.
    cipher
        .decrypt(&nonce, payload)
        .map_err(|_| WechatPayError::Crypto("resource failed authentication".into()))
}

/// Encrypts as WeChat Pay does, for the sandbox's callbacks.
pub fn encrypt_resource(
    api_v3_key: &[u8; 32],
    plaintext: &[u8],
    nonce: &str,
    associated_data: &str,
    original_type: &str,
) -> Result<EncryptedResource, WechatPayError> {
    let (cipher, gcm_nonce) = cipher_and_nonce(api_v3_key, nonce)?;
    let payload = Payload {
        msg: plaintext,
        aad: associated_data.as_bytes(),
    };
    let ciphertext = cipher
        .encrypt(&gcm_nonce, payload)
        .map_err(|_| WechatPayError::Crypto("encryption failed".into()))?;
    Ok(EncryptedResource {
        original_type: original_type.to_owned(),
        algorithm: ALGORITHM.to_owned(),
        ciphertext: STANDARD.encode(ciphertext),
        associated_data: associated_data.to_owned(),
        nonce: nonce.to_owned(),
    })
}

/// Which callbacks an endpoint takes: payment callbacks carry `TRANSACTION.*`
/// events over a `transaction` resource, refund callbacks `REFUND.*` over `refund`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackKind {
    /// e.g. `TRANSACTION.` — the `event_type` must start with it.
    pub event_prefix: &'static str,
    /// e.g. `transaction` — `resource.original_type` must equal it.
    pub original_type: &'static str,
}

impl CallbackKind {
    pub const TRANSACTION: Self = Self {
        event_prefix: "TRANSACTION.",
        original_type: "transaction",
    };
    pub const REFUND: Self = Self {
        event_prefix: "REFUND.",
        original_type: "refund",
    };
}

/// A callback whose signature checked out, with its decrypted resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCallback<T> {
    /// WeChat Pay's notification id (the same on every resend).
    pub id: String,
    pub event_type: String,
    pub resource: T,
}

/// Why a callback was not accepted. The split matters to the caller: an
/// unverified request may be anyone (store nothing of it, throttle its sender),
/// a verified one is WeChat Pay's word (never throttle, always record).
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// Missing or bad signature headers, unknown serial, stale timestamp, wrong signature.
    #[error("callback not verified: {0}")]
    Unverified(WechatPayError),
    /// Signed by WeChat Pay but not what this endpoint takes, or undecryptable
    /// (e.g. the APIv3 key was changed) or unparsable.
    #[error("verified callback unusable: {0}")]
    Unusable(String),
}

/// Verify → decrypt → parse, the one way every WeChat Pay callback is read
/// (payments now, refunds later). The signature and its timestamp (within
/// `max_skew_secs` of `now_unix`) are checked before a byte of the body is
/// parsed; then the envelope must be of `kind` and the resource must decrypt
/// with the APIv3 key and parse as `T`.
///
/// # Errors
/// [`CallbackError::Unverified`] before verification succeeds,
/// [`CallbackError::Unusable`] after.
pub fn open_callback<T: DeserializeOwned>(
    platform: &PlatformKeys,
    api_v3_key: &[u8; 32],
    headers: &http::HeaderMap,
    body: &[u8],
    now_unix: i64,
    max_skew_secs: i64,
    kind: CallbackKind,
) -> Result<VerifiedCallback<T>, CallbackError> {
    SignatureHeaders::from_headers(headers)
        .and_then(|sig| platform.verify_signed(&sig, body, now_unix, max_skew_secs))
        .map_err(CallbackError::Unverified)?;
    let unusable = |e: String| CallbackError::Unusable(e);
    let envelope: Notification =
        serde_json::from_slice(body).map_err(|e| unusable(format!("envelope: {e}")))?;
    if !envelope.event_type.starts_with(kind.event_prefix) {
        return Err(unusable(format!(
            "event_type {} is not {}*",
            envelope.event_type, kind.event_prefix
        )));
    }
    if envelope.resource.original_type != kind.original_type {
        return Err(unusable(format!(
            "original_type {} is not {}",
            envelope.resource.original_type, kind.original_type
        )));
    }
    let plain =
        decrypt_resource(api_v3_key, &envelope.resource).map_err(|e| unusable(e.to_string()))?;
    let resource =
        serde_json::from_slice(&plain).map_err(|e| unusable(format!("resource: {e}")))?;
    Ok(VerifiedCallback {
        id: envelope.id,
        event_type: envelope.event_type,
        resource,
    })
}

/// A payment order as WeChat Pay reports it, in callbacks and order queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub appid: String,
    pub mchid: String,
    pub out_trade_no: String,
    pub transaction_id: Option<String>,
    pub trade_type: Option<String>,
    /// Kept as text so a state added later still parses; see [`Transaction::state`].
    pub trade_state: String,
    pub trade_state_desc: Option<String>,
    pub bank_type: Option<String>,
    pub attach: Option<String>,
    /// RFC 3339.
    pub success_time: Option<String>,
    pub payer: Option<Payer>,
    pub amount: Option<TransactionAmount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    pub openid: String,
}

/// Fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionAmount {
    pub total: i64,
    pub payer_total: Option<i64>,
    pub currency: String,
    pub payer_currency: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeState {
    Success,
    Refund,
    NotPay,
    Closed,
    Revoked,
    UserPaying,
    PayError,
    Other,
}

impl TradeState {
    pub fn parse(state: &str) -> Self {
        match state {
            "SUCCESS" => Self::Success,
            "REFUND" => Self::Refund,
            "NOTPAY" => Self::NotPay,
            "CLOSED" => Self::Closed,
            "REVOKED" => Self::Revoked,
            "USERPAYING" => Self::UserPaying,
            "PAYERROR" => Self::PayError,
            _ => Self::Other,
        }
    }
}

impl Transaction {
    pub fn state(&self) -> TradeState {
        TradeState::parse(&self.trade_state)
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::tests::PUB_KEY_ID;
    use super::super::sign::DEFAULT_MAX_SKEW_SECS;
    use super::super::sign::tests::{NOTIFY_BODY, NOTIFY_TIMESTAMP, notify_headers, platform_keys};
    use super::*;

    const API_V3_KEY: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    /// The decrypted resource of `NOTIFY_BODY`, encrypted independently with Python's
    /// `cryptography` `AESGCM(key).encrypt(b"fdasflkja484", plaintext, b"transaction")`.
    const PLAINTEXT: &str = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"CAMP202401010001","transaction_id":"4200000000202401010000000001","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"camp=42","success_time":"2024-01-01T10:00:00+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":50000,"payer_total":50000,"currency":"CNY","payer_currency":"CNY"}}"#;

    #[test]
    fn known_notification_verifies_and_decrypts() -> anyhow::Result<()> {
        platform_keys()?.verify_signed(
            &notify_headers(NOTIFY_TIMESTAMP, PUB_KEY_ID)?,
            NOTIFY_BODY.as_bytes(),
            NOTIFY_TIMESTAMP,
            DEFAULT_MAX_SKEW_SECS,
        )?;
        let notification: Notification = serde_json::from_str(NOTIFY_BODY)?;
        assert_eq!(notification.event_type, "TRANSACTION.SUCCESS");
        let plaintext = decrypt_resource(API_V3_KEY, &notification.resource)?;
        assert_eq!(plaintext, PLAINTEXT.as_bytes());

        let transaction: Transaction = serde_json::from_slice(&plaintext)?;
        assert_eq!(transaction.out_trade_no, "CAMP202401010001");
        assert_eq!(transaction.state(), TradeState::Success);
        assert_eq!(
            transaction.amount,
            Some(TransactionAmount {
                total: 50000,
                payer_total: Some(50000),
                currency: "CNY".into(),
                payer_currency: Some("CNY".into()),
            })
        );
        assert_eq!(
            transaction.payer.map(|p| p.openid).as_deref(),
            Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
        );
        Ok(())
    }

    #[test]
    fn callbacks_open_only_when_signed_and_of_the_right_kind() -> anyhow::Result<()> {
        let mut headers = http::HeaderMap::new();
        let sig = notify_headers(NOTIFY_TIMESTAMP, PUB_KEY_ID)?;
        for (name, value) in [
            ("Wechatpay-Timestamp", &sig.timestamp),
            ("Wechatpay-Nonce", &sig.nonce),
            ("Wechatpay-Signature", &sig.signature),
            ("Wechatpay-Serial", &sig.serial),
        ] {
            headers.insert(name, value.parse()?);
        }
        let platform = platform_keys()?;
        let open = |body: &str, kind| {
            open_callback::<Transaction>(
                &platform,
                API_V3_KEY,
                &headers,
                body.as_bytes(),
                NOTIFY_TIMESTAMP,
                DEFAULT_MAX_SKEW_SECS,
                kind,
            )
        };
        let opened = open(NOTIFY_BODY, CallbackKind::TRANSACTION)?;
        assert_eq!(opened.id, "EV-2018022511223320873");
        assert_eq!(opened.resource.out_trade_no, "CAMP202401010001");
        let wrong_kind = open(NOTIFY_BODY, CallbackKind::REFUND);
        assert!(
            matches!(wrong_kind, Err(CallbackError::Unusable(_))),
            "{wrong_kind:?}"
        );
        let tampered = NOTIFY_BODY.replacen("支付成功", "支付成功!", 1);
        let forged = open(&tampered, CallbackKind::TRANSACTION);
        assert!(
            matches!(forged, Err(CallbackError::Unverified(_))),
            "{forged:?}"
        );
        Ok(())
    }

    #[test]
    fn tampered_resources_fail_to_decrypt() -> anyhow::Result<()> {
        let resource = serde_json::from_str::<Notification>(NOTIFY_BODY)?.resource;
        let mut bytes = STANDARD.decode(&resource.ciphertext)?;
        bytes[7] ^= 0x01;
        let flipped = EncryptedResource {
            ciphertext: STANDARD.encode(&bytes),
            ..resource.clone()
        };
        let other_aad = EncryptedResource {
            associated_data: "refund".into(),
            ..resource.clone()
        };
        let wrong_key = b"0123456789abcdefghijklmnopqrstuV";
        for (case, key, resource) in [
            ("one ciphertext byte flipped", API_V3_KEY, &flipped),
            ("different associated data", API_V3_KEY, &other_aad),
            ("wrong APIv3 key", wrong_key, &resource),
        ] {
            let result = decrypt_resource(key, resource);
            assert!(
                matches!(result, Err(WechatPayError::Crypto(_))),
                "{case}: {result:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn encrypted_resources_round_trip() -> anyhow::Result<()> {
        let resource = encrypt_resource(
            API_V3_KEY,
            PLAINTEXT.as_bytes(),
            "fdasflkja484",
            "transaction",
            "transaction",
        )?;
        let known = serde_json::from_str::<Notification>(NOTIFY_BODY)?.resource;
        assert_eq!(
            resource, known,
            "GCM is deterministic for a fixed key and nonce"
        );
        assert_eq!(
            decrypt_resource(API_V3_KEY, &resource)?,
            PLAINTEXT.as_bytes()
        );

        let without_aad = encrypt_resource(API_V3_KEY, b"{}", "0123456789ab", "", "transaction")?;
        let mut json = serde_json::to_value(&without_aad)?;
        json.as_object_mut().map(|o| o.remove("associated_data"));
        let parsed: EncryptedResource = serde_json::from_value(json)?;
        assert_eq!(decrypt_resource(API_V3_KEY, &parsed)?, b"{}");

        assert!(encrypt_resource(API_V3_KEY, b"{}", "short", "", "transaction").is_err());
        Ok(())
    }

    #[test]
    fn trade_states_parse() {
        for (text, state) in [
            ("SUCCESS", TradeState::Success),
            ("REFUND", TradeState::Refund),
            ("NOTPAY", TradeState::NotPay),
            ("CLOSED", TradeState::Closed),
            ("REVOKED", TradeState::Revoked),
            ("USERPAYING", TradeState::UserPaying),
            ("PAYERROR", TradeState::PayError),
            ("ACCEPT", TradeState::Other),
        ] {
            assert_eq!(TradeState::parse(text), state);
        }
    }
}
