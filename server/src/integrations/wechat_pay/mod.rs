//! WeChat Pay API v3 for a direct merchant: the merchant's request signatures,
//! verification of WeChat Pay's signed responses and callbacks (public-key and
//! platform-certificate mode), AES-256-GCM callback payloads, JSAPI front-end
//! parameters, the order calls (prepay, query, close) and the refund calls
//! (create, query, notification resource). The built-in sandbox is built on
//! these pieces elsewhere.

pub mod client;
pub mod keys;
pub mod notify;
pub mod refund;
pub mod sign;

pub use client::{ClientConfig, Clock, PrepayRequest, WechatPayClient, system_clock};
pub use keys::{KeyPairPem, MerchantKey, PlatformKeys, generate_key_pair};
pub use notify::{
    CallbackError, CallbackKind, EncryptedResource, Notification, Payer, TradeState, Transaction,
    TransactionAmount, VerifiedCallback, decrypt_resource, encrypt_resource, open_callback,
};
pub use refund::{
    NoticeAmount, Refund, RefundAmount, RefundCallError, RefundNotice, RefundRequest,
    is_out_refund_no,
};
pub use sign::{
    AuthorizationFields, DEFAULT_MAX_SKEW_SECS, JsapiPayParams, SignatureHeaders,
    authorization_header, jsapi_pay_params, nonce, parse_authorization, request_message,
    response_message, sign_response, verify,
};

#[derive(Debug, thiserror::Error)]
pub enum WechatPayError {
    #[error("WeChat Pay transport error: {0}")]
    Http(String),
    #[error("WeChat Pay answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// A missing, malformed, stale or wrong signature: the message must not be trusted.
    #[error("WeChat Pay signature rejected: {0}")]
    Signature(String),
    #[error("WeChat Pay crypto error: {0}")]
    Crypto(String),
    #[error("WeChat Pay payload could not be decoded: {0}")]
    Decode(String),
}

impl From<reqwest::Error> for WechatPayError {
    fn from(err: reqwest::Error) -> Self {
        Self::Http(err.to_string())
    }
}
