//! What WeChat Pay v3 accepts in the calls we make (prepay JSAPI, Native, H5;
//! query; close; refund create and query), field by field, so the simulator
//! refuses what the real service refuses (wechatpay.md §2.3, §2.5, §2.6):
//! required fields, JSON types,
//! lengths, charsets and formats. Lengths of text are counted in UTF-8 bytes,
//! the stricter reading of WeChat's `string[1,127]` [?].

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::Value;

/// A refused field: the JSON pointer and what is wrong (WeChat's
/// `PARAM_ERROR` carries the same in `detail.field` / `detail.issue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub issue: String,
}

fn refuse(field: &str, issue: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        issue: issue.into(),
    }
}

/// `out_trade_no`: 6–32 of `[0-9A-Za-z_-|*]`.
pub fn is_out_trade_no(text: &str) -> bool {
    (6..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*'))
}

/// A string field of `min..=max` UTF-8 bytes without control characters.
fn text<'a>(
    body: &'a Value,
    pointer: &str,
    required: bool,
    max: usize,
) -> Result<Option<&'a str>, FieldError> {
    match body.pointer(pointer) {
        None | Some(Value::Null) if required => Err(refuse(pointer, "缺少必填参数")),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() || s.len() > max => {
            Err(refuse(pointer, format!("长度应为1到{max}字节")))
        }
        Some(Value::String(s)) if s.chars().any(char::is_control) => {
            Err(refuse(pointer, "含有控制字符"))
        }
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(refuse(pointer, "应为字符串")),
    }
}

/// `notify_url`: https, at most 255 bytes, no query string (WeChat: "不允许携带查询串").
pub fn check_notify_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "不是合法的URL".to_owned())?;
    if parsed.scheme() != "https" {
        return Err("必须为https地址".into());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() || url.contains('?') {
        return Err("不允许携带查询串".into());
    }
    if parsed.host_str().is_none() || !parsed.username().is_empty() {
        return Err("不是合法的URL".into());
    }
    Ok(parsed)
}

/// `time_expire`: exactly `yyyy-MM-DDTHH:mm:ss+08:00` style (whole seconds and
/// an offset, RFC 3339 without fractions or `Z`), a real instant in the future.
pub fn check_time_expire(text: &str, now: DateTime<Utc>) -> Result<(), String> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let shaped = b.len() == 25
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && matches!(b[19], b'+' | b'-')
        && digits(20..22)
        && b[22] == b':'
        && digits(23..25);
    if !shaped {
        return Err("格式应为yyyy-MM-DDTHH:mm:ss+TIMEZONE".into());
    }
    let at = DateTime::<FixedOffset>::parse_from_rfc3339(text)
        .map_err(|_| "不是有效的时间".to_owned())?;
    if at.with_timezone(&Utc) <= now {
        return Err("不能早于当前时间".into());
    }
    Ok(())
}

/// The body of `POST /v3/pay/transactions/{jsapi|native|h5}`.
pub fn check_prepay(kind: &str, body: &Value, now: DateTime<Utc>) -> Result<(), FieldError> {
    if !body.is_object() {
        return Err(refuse("/", "请求体应为JSON对象"));
    }
    text(body, "/appid", true, 32)?;
    text(body, "/mchid", true, 32)?;
    text(body, "/description", true, 127)?;
    let out_trade_no = text(body, "/out_trade_no", true, 32)?.unwrap_or_default();
    if !is_out_trade_no(out_trade_no) {
        return Err(refuse("/out_trade_no", "应为6到32位数字、大小写字母、_-|*"));
    }
    if let Some(time_expire) = text(body, "/time_expire", false, 64)? {
        check_time_expire(time_expire, now).map_err(|issue| refuse("/time_expire", issue))?;
    }
    text(body, "/attach", false, 128)?;
    let notify_url = text(body, "/notify_url", true, 255)?.unwrap_or_default();
    check_notify_url(notify_url).map_err(|issue| refuse("/notify_url", issue))?;
    text(body, "/goods_tag", false, 32)?;
    match body.pointer("/amount/total") {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|t| t >= 1) => {}
        Some(_) => return Err(refuse("/amount/total", "应为大于0的整数（分）")),
        None => return Err(refuse("/amount/total", "缺少必填参数")),
    }
    if text(body, "/amount/currency", false, 16)?.is_some_and(|c| c != "CNY") {
        return Err(refuse("/amount/currency", "境内商户仅支持CNY"));
    }
    if kind == "jsapi" {
        text(body, "/payer/openid", true, 128)?;
    }
    let scene_required = kind == "h5";
    if scene_required || body.get("scene_info").is_some() {
        let ip = text(body, "/scene_info/payer_client_ip", true, 45)?.unwrap_or_default();
        if ip.parse::<std::net::IpAddr>().is_err() {
            return Err(refuse("/scene_info/payer_client_ip", "应为IPv4或IPv6地址"));
        }
    }
    if scene_required {
        let h5_type = text(body, "/scene_info/h5_info/type", true, 32)?.unwrap_or_default();
        if !matches!(h5_type, "iOS" | "Android" | "Wap") {
            return Err(refuse("/scene_info/h5_info/type", "应为iOS、Android或Wap"));
        }
    }
    Ok(())
}

/// The body of `POST …/out-trade-no/{no}/close`: `{"mchid"}`.
pub fn check_close(body: &Value) -> Result<(), FieldError> {
    if !body.is_object() {
        return Err(refuse("/", "请求体应为JSON对象"));
    }
    text(body, "/mchid", true, 32)?;
    Ok(())
}

/// `out_refund_no`: 1–64 of `[0-9A-Za-z_-|*@]` (wechatpay.md §2.6). Written
/// apart from the client's check on purpose: a mistake there must fail here.
pub fn is_out_refund_no(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-|*@".contains(&b))
}

/// A whole number of fen ≥ 1 at `pointer`.
fn fen(body: &Value, pointer: &str) -> Result<i64, FieldError> {
    match body.pointer(pointer) {
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|v| *v >= 1)
            .ok_or_else(|| refuse(pointer, "应为大于0的整数（分）")),
        None | Some(Value::Null) => Err(refuse(pointer, "缺少必填参数")),
        Some(_) => Err(refuse(pointer, "应为大于0的整数（分）")),
    }
}

/// The body of `POST /v3/refund/domestic/refunds` (wechatpay.md §2.6):
/// `transaction_id` or `out_trade_no`, `out_refund_no`, `reason?` (≤ 80),
/// `notify_url?` (https, no query), `funds_account?` (AVAILABLE),
/// `amount{refund, total, currency}` with `refund ≤ total`, currency CNY.
pub fn check_refund(body: &Value) -> Result<(), FieldError> {
    if !body.is_object() {
        return Err(refuse("/", "请求体应为JSON对象"));
    }
    let transaction_id = text(body, "/transaction_id", false, 32)?;
    let out_trade_no = text(body, "/out_trade_no", false, 32)?;
    if let Some(no) = out_trade_no
        && !is_out_trade_no(no)
    {
        return Err(refuse("/out_trade_no", "应为6到32位数字、大小写字母、_-|*"));
    }
    if transaction_id.is_none() && out_trade_no.is_none() {
        return Err(refuse(
            "/out_trade_no",
            "transaction_id和out_trade_no必须二选一",
        ));
    }
    let out_refund_no = text(body, "/out_refund_no", true, 64)?.unwrap_or_default();
    if !is_out_refund_no(out_refund_no) {
        return Err(refuse(
            "/out_refund_no",
            "应为1到64位数字、大小写字母、_-|*@",
        ));
    }
    text(body, "/reason", false, 80)?;
    if let Some(url) = text(body, "/notify_url", false, 256)? {
        check_notify_url(url).map_err(|issue| refuse("/notify_url", issue))?;
    }
    if text(body, "/funds_account", false, 32)?.is_some_and(|f| f != "AVAILABLE") {
        return Err(refuse("/funds_account", "仅支持AVAILABLE"));
    }
    if !body.get("amount").is_some_and(Value::is_object) {
        return Err(refuse("/amount", "缺少必填参数"));
    }
    let refund = fen(body, "/amount/refund")?;
    let total = fen(body, "/amount/total")?;
    if refund > total {
        return Err(refuse("/amount/refund", "退款金额不能大于原订单金额"));
    }
    if text(body, "/amount/currency", true, 16)? != Some("CNY") {
        return Err(refuse("/amount/currency", "境内商户仅支持CNY"));
    }
    if body
        .pointer("/amount/from")
        .is_some_and(|from| !from.is_array())
    {
        return Err(refuse("/amount/from", "应为数组"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 2, 0, 0).unwrap()
    }

    fn native() -> Value {
        json!({
            "appid": "wxd678efh567hg6787", "mchid": "1230000109", "description": "训练营押金",
            "out_trade_no": "CAMP2026112900001", "time_expire": "2026-11-29T12:00:00+08:00", "attach": "enrollment:1",
            "notify_url": "https://camp.example.com/webhooks/wechatpay/transactions",
            "amount": { "total": 9900, "currency": "CNY" },
        })
    }

    fn field_of(kind: &str, body: &Value) -> Option<String> {
        check_prepay(kind, body, now()).err().map(|e| e.field)
    }

    #[test]
    fn a_well_formed_order_passes() {
        assert_eq!(field_of("native", &native()), None);
    }

    #[test]
    fn time_expire_needs_whole_seconds_and_an_offset() {
        for bad in [
            "2026-11-29T12:00:00.123456+08:00",
            "2026-11-29T04:00:00Z",
            "2026-11-29 12:00:00+08:00",
            "2026-11-29T12:00:00",
            "2026-13-29T12:00:00+08:00",
            "2026-11-29T09:59:59+08:00",
        ] {
            let mut body = native();
            body["time_expire"] = json!(bad);
            assert_eq!(
                field_of("native", &body).as_deref(),
                Some("/time_expire"),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_field_is_held_to_its_rule() {
        let cases: Vec<(&str, &str, Value)> = vec![
            ("native", "/out_trade_no", json!("CAMP1")),
            ("native", "/out_trade_no", json!("CAMP#2026112900001")),
            ("native", "/description", json!("训".repeat(43))),
            ("native", "/description", json!("")),
            ("native", "/description", json!(12)),
            ("native", "/attach", json!("a".repeat(129))),
            (
                "native",
                "/notify_url",
                json!("http://camp.example.com/notify"),
            ),
            (
                "native",
                "/notify_url",
                json!("https://camp.example.com/notify?x=1"),
            ),
            ("native", "/amount/total", json!(0)),
            ("native", "/amount/total", json!("9900")),
            ("native", "/amount/currency", json!("USD")),
            ("native", "/appid", json!(null)),
        ];
        for (kind, field, value) in cases {
            let mut body = native();
            // Every case names a field the good order has (it passes, see above).
            if let Some(slot) = body.pointer_mut(field) {
                *slot = value.clone();
            }
            assert_eq!(
                field_of(kind, &body).as_deref(),
                Some(field),
                "{field} = {value}"
            );
        }
        assert_eq!(
            field_of("jsapi", &native()).as_deref(),
            Some("/payer/openid")
        );
        assert_eq!(
            field_of("h5", &native()).as_deref(),
            Some("/scene_info/payer_client_ip")
        );
        let mut h5 = native();
        h5["scene_info"] =
            json!({ "payer_client_ip": "203.0.113.7", "h5_info": { "type": "Web" } });
        assert_eq!(
            field_of("h5", &h5).as_deref(),
            Some("/scene_info/h5_info/type")
        );
        h5["scene_info"]["h5_info"]["type"] = json!("Wap");
        assert_eq!(field_of("h5", &h5), None);
    }

    fn refund() -> Value {
        json!({
            "out_trade_no": "CAMP2026112900001", "out_refund_no": "RF20261130A1b2C3",
            "reason": "训练营押金退还", "notify_url": "https://camp.example.com/webhooks/wechatpay/refunds",
            "amount": { "refund": 9900, "total": 9900, "currency": "CNY" },
        })
    }

    #[test]
    fn a_well_formed_refund_passes() {
        assert_eq!(check_refund(&refund()), Ok(()));
        let mut by_transaction = refund();
        by_transaction["transaction_id"] = json!("4200000000202611290000000001");
        by_transaction
            .as_object_mut()
            .map(|o| o.remove("out_trade_no"));
        assert_eq!(check_refund(&by_transaction), Ok(()));
    }

    #[test]
    fn every_refund_field_is_held_to_its_rule() {
        let cases: Vec<(&str, Value)> = vec![
            ("/out_trade_no", json!("CAMP1")),
            ("/out_trade_no", json!(null)),
            ("/out_refund_no", json!("")),
            ("/out_refund_no", json!("a".repeat(65))),
            ("/out_refund_no", json!("RF#1")),
            ("/out_refund_no", json!(null)),
            ("/reason", json!("退".repeat(27))),
            ("/reason", json!("a\u{7}b")),
            (
                "/notify_url",
                json!("http://camp.example.com/webhooks/wechatpay/refunds"),
            ),
            ("/notify_url", json!("https://camp.example.com/refunds?x=1")),
            ("/amount/refund", json!(0)),
            ("/amount/refund", json!(9901)),
            ("/amount/refund", json!("9900")),
            ("/amount/total", json!(-1)),
            ("/amount/total", json!(99.5)),
            ("/amount/currency", json!("USD")),
            ("/amount/currency", json!(null)),
            ("/amount", json!(null)),
        ];
        for (field, value) in cases {
            let mut body = refund();
            if let Some(slot) = body.pointer_mut(field) {
                *slot = value.clone();
            }
            let refused = check_refund(&body).err().map(|e| e.field);
            assert_eq!(refused.as_deref(), Some(field), "{field} = {value}");
        }
        let mut body = refund();
        body["funds_account"] = json!("UNSETTLED");
        assert_eq!(
            check_refund(&body).err().map(|e| e.field).as_deref(),
            Some("/funds_account")
        );
        assert!(check_refund(&json!([])).is_err());
    }
}
