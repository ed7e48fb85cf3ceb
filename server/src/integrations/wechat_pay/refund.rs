//! Refund calls: create (`POST /v3/refund/domestic/refunds`) and query
//! (`GET /v3/refund/domestic/refunds/{out_refund_no}`), and the resource of a
//! `REFUND.*` notification (wechatpay.md §2.6–2.7 and the 2026-11 refund notes).
//!
//! Every failure is sorted by what the caller may safely do next
//! ([`RefundCallError`]), because with money "we don't know" and "it failed"
//! must never be confused: a timeout, a broken connection, a 5xx that is not
//! WeChat Pay's own `SYSTEM_ERROR`, or a 2xx answer whose signature or body
//! does not check out all mean the refund may exist — query before anything.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::WechatPayError;
use super::client::{WechatPayClient, api_error, decode};
use super::sign::{DEFAULT_MAX_SKEW_SECS, SignatureHeaders};

/// One refund to create. Amounts in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// The paid order (6–32 of `[0-9A-Za-z_-|*]`).
    pub out_trade_no: String,
    /// Ours, ≤ 64 of `[0-9A-Za-z_-|*@]`; stored before the call and reused on
    /// every retry, so WeChat Pay treats a retry as the same refund.
    pub out_refund_no: String,
    /// ≤ 80 bytes, shown to the member; cut at a character boundary if longer.
    pub reason: Option<String>,
    /// Where WeChat Pay posts `REFUND.*` notifications: https, no query string.
    /// Sent on every request (without it, and with none configured in the
    /// merchant console, no notification arrives).
    pub notify_url: String,
    /// Fen to refund, 1..=`total_fen`.
    pub refund_fen: i64,
    /// Fen the order paid (`amount.total`).
    pub total_fen: i64,
}

/// A refund as the create answer and the query return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub refund_id: String,
    pub out_refund_no: String,
    pub transaction_id: Option<String>,
    pub out_trade_no: Option<String>,
    /// ORIGINAL / BALANCE / OTHER_BALANCE / OTHER_BANKCARD.
    pub channel: Option<String>,
    /// Where the money goes, e.g. "支付用户零钱" or "招商银行信用卡0403".
    pub user_received_account: Option<String>,
    /// RFC 3339, only once `status` is SUCCESS.
    pub success_time: Option<String>,
    pub create_time: Option<String>,
    /// SUCCESS / PROCESSING / CLOSED / ABNORMAL; kept as text so a value added
    /// later still parses (`shared::refunds::reported` maps it).
    pub status: String,
    pub funds_account: Option<String>,
    pub amount: RefundAmount,
}

/// Fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmount {
    pub total: i64,
    pub refund: i64,
    pub payer_total: Option<i64>,
    pub payer_refund: Option<i64>,
    pub settlement_refund: Option<i64>,
    pub settlement_total: Option<i64>,
    pub discount_refund: Option<i64>,
    pub currency: Option<String>,
}

/// The decrypted resource of a `REFUND.SUCCESS` / `REFUND.ABNORMAL` /
/// `REFUND.CLOSED` notification (WeCom mirror of pay doc 97338).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundNotice {
    pub mchid: String,
    pub out_trade_no: String,
    pub transaction_id: Option<String>,
    pub refund_id: String,
    pub out_refund_no: String,
    /// SUCCESS / ABNORMAL / CLOSED; must agree with the envelope's event type.
    pub refund_status: String,
    pub success_time: Option<String>,
    pub user_received_account: Option<String>,
    pub amount: NoticeAmount,
}

/// Fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeAmount {
    pub total: i64,
    pub refund: i64,
    pub payer_total: Option<i64>,
    pub payer_refund: Option<i64>,
}

impl RefundNotice {
    /// Whether the envelope's `event_type` says what the resource says
    /// (`REFUND.` + `refund_status`); a mismatch is not acted on.
    pub fn agrees_with(&self, event_type: &str) -> bool {
        event_type.strip_prefix("REFUND.") == Some(self.refund_status.as_str())
    }
}

/// Why a refund call gave no refund, by what may be done next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundCallError {
    /// Timeout, connection error, an ambiguous 5xx, or a 2xx answer that did
    /// not verify or parse: the refund may exist. Query before any retry.
    #[error("refund outcome unknown: {0}")]
    Unknown(String),
    /// SYSTEM_ERROR, FREQUENCY_LIMITED / RATELIMIT_EXCEEDED, NOT_ENOUGH: retry
    /// later with identical parameters and the same `out_refund_no`.
    #[error("WeChat Pay answered {status} {code} (retry with the same number): {message}")]
    Retryable {
        status: u16,
        code: String,
        message: String,
    },
    /// Any other error (PARAM_ERROR, INVALID_REQUEST, NO_AUTH,
    /// USER_ACCOUNT_ABNORMAL, RESOURCE_NOT_EXISTS, SIGN_ERROR, …): not
    /// accepted; a person looks at it.
    #[error("WeChat Pay refused the refund: {status} {code}: {message}")]
    Final {
        status: u16,
        code: String,
        message: String,
    },
}

/// The codes WeChat Pay says to retry with the same parameters (wechatpay.md §2.7).
pub const RETRYABLE_CODES: [&str; 4] = [
    "SYSTEM_ERROR",
    "FREQUENCY_LIMITED",
    "RATELIMIT_EXCEEDED",
    "NOT_ENOUGH",
];

impl RefundCallError {
    /// A stable code for the refund row: WeChat Pay's, or `unknown_outcome`.
    pub fn code(&self) -> &str {
        match self {
            Self::Unknown(_) => "unknown_outcome",
            Self::Retryable { code, .. } | Self::Final { code, .. } => code,
        }
    }

    /// What WeChat Pay said, or what went wrong on the way.
    pub fn message(&self) -> String {
        match self {
            Self::Unknown(why) => format!("退款结果未知（{why}），需先查询"),
            Self::Retryable { message, .. } | Self::Final { message, .. } => message.clone(),
        }
    }

    /// Sorts a failed call (see the variants).
    pub fn classify(error: WechatPayError) -> Self {
        match error {
            WechatPayError::Api {
                status,
                code,
                message,
            } => {
                if RETRYABLE_CODES.contains(&code.as_str()) {
                    Self::Retryable {
                        status,
                        code,
                        message,
                    }
                } else if status >= 500 {
                    // Not WeChat Pay's own word (a proxy, a gateway): it may
                    // have reached the service.
                    Self::Unknown(format!("HTTP {status} {code}"))
                } else {
                    Self::Final {
                        status,
                        code,
                        message,
                    }
                }
            }
            other @ (WechatPayError::Http(_)
            | WechatPayError::Signature(_)
            | WechatPayError::Crypto(_)
            | WechatPayError::Decode(_)) => Self::Unknown(other.to_string()),
        }
    }
}

/// `reason` is `string[1,80]`, counted in UTF-8 bytes (the stricter reading).
const REASON_MAX_BYTES: usize = 80;

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

impl WechatPayClient {
    /// Applies for a refund. `Ok` means WeChat Pay accepted it (usually
    /// PROCESSING; the money moves later, told by notification or query).
    /// Sending the same `out_refund_no` with the same body again returns the
    /// same refund.
    ///
    /// # Errors
    /// See [`RefundCallError`]; an answer about another number or amount is
    /// [`RefundCallError::Unknown`].
    pub async fn create_refund(&self, request: &RefundRequest) -> Result<Refund, RefundCallError> {
        let mut body = json!({
            "out_trade_no": request.out_trade_no,
            "out_refund_no": request.out_refund_no,
            "notify_url": request.notify_url,
            "amount": {
                "refund": request.refund_fen,
                "total": request.total_fen,
                "currency": "CNY",
            },
        });
        if let Some(reason) = request.reason.as_deref().map(|r| fit(r, REASON_MAX_BYTES))
            && !reason.is_empty()
        {
            body["reason"] = json!(reason);
        }
        let bytes = self
            .call(Method::POST, "/v3/refund/domestic/refunds", Some(&body))
            .await
            .map_err(RefundCallError::classify)?;
        let refund: Refund = decode(&bytes).map_err(RefundCallError::classify)?;
        if refund.out_refund_no != request.out_refund_no
            || refund.amount.refund != request.refund_fen
        {
            return Err(RefundCallError::Unknown(format!(
                "answer is about {} / {} fen, not {} / {} fen",
                refund.out_refund_no,
                refund.amount.refund,
                request.out_refund_no,
                request.refund_fen
            )));
        }
        Ok(refund)
    }

    /// The refund under `out_refund_no`, or `None` when WeChat Pay says, in a
    /// signed answer, that it has none (`RESOURCE_NOT_EXISTS`): only then may
    /// a number whose outcome was unknown be sent again.
    ///
    /// # Errors
    /// See [`RefundCallError`]; an unsigned "not found" is
    /// [`RefundCallError::Unknown`], never `None`.
    pub async fn query_refund(
        &self,
        out_refund_no: &str,
    ) -> Result<Option<Refund>, RefundCallError> {
        if !is_out_refund_no(out_refund_no) {
            // Never put a malformed number into a path (it was ours, so a bug).
            return Err(RefundCallError::Final {
                status: 400,
                code: "PARAM_ERROR".into(),
                message: format!("out_refund_no {out_refund_no:?} is malformed"),
            });
        }
        let path = format!("/v3/refund/domestic/refunds/{out_refund_no}");
        let (status, headers, bytes) = self
            .send(Method::GET, &path, None)
            .await
            .map_err(RefundCallError::classify)?;
        let verified = || {
            self.config().platform.verify_signed(
                &SignatureHeaders::from_headers(&headers)?,
                &bytes,
                self.now(),
                DEFAULT_MAX_SKEW_SECS,
            )
        };
        if status.is_success() {
            verified().map_err(RefundCallError::classify)?;
            let refund: Refund = decode(&bytes).map_err(RefundCallError::classify)?;
            if refund.out_refund_no != out_refund_no {
                return Err(RefundCallError::Unknown(format!(
                    "query answer is about {}",
                    refund.out_refund_no
                )));
            }
            return Ok(Some(refund));
        }
        let error = RefundCallError::classify(api_error(status, &bytes));
        let not_found = status.as_u16() == 404
            && matches!(error.code(), "RESOURCE_NOT_EXISTS" | "ORDER_NOT_EXIST");
        if not_found {
            return match verified() {
                Ok(()) => Ok(None),
                Err(e) => Err(RefundCallError::Unknown(format!("unsigned not-found: {e}"))),
            };
        }
        Err(error)
    }
}

/// `out_refund_no`: 1–64 of `[0-9A-Za-z_-|*@]` (wechatpay.md §2.6).
pub fn is_out_refund_no(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*' | b'@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> WechatPayError {
        WechatPayError::Api {
            status,
            code: code.into(),
            message: "m".into(),
        }
    }

    #[test]
    fn failures_are_sorted_by_what_may_follow() {
        for code in RETRYABLE_CODES {
            let sorted = RefundCallError::classify(api(500, code));
            assert!(
                matches!(sorted, RefundCallError::Retryable { .. }),
                "{code}"
            );
            assert_eq!(sorted.code(), code);
        }
        for (status, code) in [
            (400, "PARAM_ERROR"),
            (400, "INVALID_REQUEST"),
            (403, "NO_AUTH"),
            (403, "USER_ACCOUNT_ABNORMAL"),
            (404, "RESOURCE_NOT_EXISTS"),
            (401, "SIGN_ERROR"),
        ] {
            assert!(
                matches!(
                    RefundCallError::classify(api(status, code)),
                    RefundCallError::Final { .. }
                ),
                "{code}"
            );
        }
        for error in [
            api(502, ""),
            api(503, "SERVICE_UNAVAILABLE"),
            WechatPayError::Http("operation timed out".into()),
            WechatPayError::Signature("stale".into()),
            WechatPayError::Decode("eof".into()),
        ] {
            let sorted = RefundCallError::classify(error);
            assert!(matches!(sorted, RefundCallError::Unknown(_)), "{sorted:?}");
            assert_eq!(sorted.code(), "unknown_outcome");
        }
    }

    #[test]
    fn refund_numbers_follow_wechat_rules() {
        assert!(is_out_refund_no("RF20261130ABC|*@_-9"));
        assert!(is_out_refund_no(&"a".repeat(64)));
        assert!(!is_out_refund_no(&"a".repeat(65)));
        assert!(!is_out_refund_no(""));
        assert!(!is_out_refund_no("RF/1"));
        assert!(!is_out_refund_no("RF 1"));
    }

    #[test]
    fn reasons_are_cut_to_80_bytes() {
        let cut = fit(&"押金退还".repeat(10), REASON_MAX_BYTES);
        assert!(cut.len() <= 80 && cut.len() > 75, "{}", cut.len());
    }

    #[test]
    fn notices_must_agree_with_their_event_type() -> anyhow::Result<()> {
        let notice: RefundNotice = serde_json::from_value(json!({
            "mchid": "1230000109", "out_trade_no": "CAMP202401010001",
            "transaction_id": "4200000000202401010000000001", "refund_id": "50000000382019052709732678859",
            "out_refund_no": "RF1", "refund_status": "SUCCESS",
            "success_time": "2024-01-02T10:00:00+08:00", "user_received_account": "支付用户零钱",
            "amount": { "total": 9900, "refund": 9900, "payer_total": 9900, "payer_refund": 9900 },
        }))?;
        assert!(notice.agrees_with("REFUND.SUCCESS"));
        assert!(!notice.agrees_with("REFUND.CLOSED"));
        assert!(!notice.agrees_with("SUCCESS"));
        Ok(())
    }
}
