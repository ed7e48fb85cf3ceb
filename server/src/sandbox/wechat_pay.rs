//! A WeChat Pay API v3 simulator with its own platform key pair. It verifies
//! the merchant's request signatures, signs every answer, keeps its own orders,
//! shows a cashier page where the member taps "确认支付", and sends signed,
//! encrypted notifications — normally, twice, late or never, as told. What it
//! accepts is held to WeChat Pay's own field rules (`super::wechat_rules`).
//!
//! Notify URL: WeChat Pay only calls `https` URLs without a query string, and so
//! does this simulator. In sandbox mode our notify URL is
//! `https://<this server's address>/webhooks/…`; the simulator, which runs inside
//! that very server, delivers a URL on its own host over the local plain-HTTP
//! listener — the way a TLS-terminating proxy in front of the server would. Any
//! other host is called as given, over https.

// Early returns carry the finished error response, as axum handlers do.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde::Deserialize;
use serde_json::{Value, json};

use super::wechat_oauth::openid_belongs;
use super::wechat_rules::{self, FieldError};
use super::{Faults, SandboxState};
use crate::entity::sandbox_wechat_orders as orders;
use crate::integrations::wechat_pay::keys::{private_key_from_pem, public_key_from_pem};
use crate::integrations::wechat_pay::{
    encrypt_resource, nonce, parse_authorization, request_message, sign_response, verify,
};
use crate::secrets;
use crate::settings::{self, wechat_pay::SANDBOX_KEY, wechat_pay::StoredSandbox};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    SandboxState: FromRef<S>,
{
    Router::new()
        .route(
            "/sandbox/wechatpay/v3/pay/transactions/{kind}",
            post(prepay),
        )
        .route(
            "/sandbox/wechatpay/v3/pay/transactions/out-trade-no/{no}",
            get(query),
        )
        .route(
            "/sandbox/wechatpay/v3/pay/transactions/out-trade-no/{no}/close",
            post(close),
        )
        .route("/sandbox/wechatpay/cashier/{no}", get(cashier))
        .route("/sandbox/wechatpay/cashier/{no}/pay", post(pay))
        .route(
            "/sandbox/wechatpay/control",
            get(get_faults).post(set_faults),
        )
        .route("/sandbox/wechatpay/control/resend/{no}", post(resend))
        .route(
            "/sandbox/wechatpay/control/notification/{no}",
            get(notification_preview),
        )
}

/// Where the simulator is mounted; WeChat Pay's own paths start after it.
pub(super) const MOUNT: &str = "/sandbox/wechatpay";

pub(super) struct Sim {
    pub(super) config: StoredSandbox,
    pub(super) api_v3_key: [u8; 32],
    pub(super) platform_private_pem: String,
    pub(super) app_secret: String,
}

pub(super) async fn sim(state: &SandboxState) -> Result<Sim, Response> {
    let loaded = settings::load::<StoredSandbox>(&state.db, SANDBOX_KEY)
        .await
        .ok()
        .flatten();
    let Some((config, _)) = loaded else {
        return Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SYSTEM_ERROR",
            "sandbox not initialised",
        ));
    };
    let key = &state.keys.secrets;
    let opened = (|| -> anyhow::Result<Sim> {
        let api_v3_key = secrets::open(key, &config.api_v3_key_sealed)?
            .try_into()
            .map_err(|_| anyhow::anyhow!("bad key"))?;
        Ok(Sim {
            api_v3_key,
            platform_private_pem: secrets::open_string(key, &config.platform_private_key_sealed)?,
            app_secret: secrets::open_string(key, &config.app_secret_sealed)?,
            config: config.clone(),
        })
    })();
    opened.map_err(|_| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SYSTEM_ERROR",
            "sandbox keys unreadable",
        )
    })
}

pub(super) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

/// WeChat Pay's `PARAM_ERROR`, naming the field as its `detail` does.
pub(super) fn param_error(field: &FieldError) -> Response {
    let body = json!({
        "code": "PARAM_ERROR",
        "message": format!("参数错误：{} {}", field.field, field.issue),
        "detail": { "field": field.field, "location": "body", "issue": field.issue },
    });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// A signed JSON answer, as WeChat Pay signs with its platform key.
pub(super) fn signed(sim: &Sim, status: StatusCode, body: Option<Value>) -> Response {
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    let timestamp = Utc::now().timestamp();
    let nonce = nonce();
    let signature = private_key_from_pem(&sim.platform_private_pem)
        .and_then(|key| sign_response(&key, timestamp, &nonce, &text));
    let Ok(signature) = signature else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "signing failed",
        );
    };
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("wechatpay-timestamp", timestamp.to_string()),
        ("wechatpay-nonce", nonce),
        ("wechatpay-signature", signature),
        (
            "wechatpay-serial",
            sim.config.platform_public_key_id.clone(),
        ),
        (
            "wechatpay-signature-type",
            "WECHATPAY2-SHA256-RSA2048".to_owned(),
        ),
        ("content-type", "application/json".to_owned()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    (status, headers, text).into_response()
}

/// Checks the merchant's `Authorization` as WeChat Pay does: mchid, serial,
/// signature over the exact request, and a fresh timestamp.
fn check_signature(
    sim: &Sim,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Response> {
    let sign_error = |why: &str| error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", why);
    // WeChat Pay refuses requests without a User-Agent or, with a body, not JSON.
    let user_agent = headers.get("user-agent").and_then(|v| v.to_str().ok());
    if user_agent.is_none_or(str::is_empty) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "缺少User-Agent",
        ));
    }
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    if !body.is_empty() && !content_type.is_some_and(|c| c.starts_with("application/json")) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "Content-Type 应为 application/json",
        ));
    }
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| sign_error("missing Authorization"))?;
    let fields = parse_authorization(header).map_err(|_| sign_error("malformed Authorization"))?;
    if fields.mch_id != sim.config.mch_id || fields.serial_no != sim.config.merchant_serial {
        return Err(sign_error("unknown merchant or certificate serial"));
    }
    if (Utc::now().timestamp() - fields.timestamp).abs() > 300 {
        return Err(sign_error("timestamp expired"));
    }
    // The signed path is WeChat Pay's own (`/v3/…`), as if the simulator were
    // at the root of its host like the real service: the mount prefix is ours.
    let full = uri.path_and_query().map(|p| p.as_str()).unwrap_or_default();
    let path = full.strip_prefix(MOUNT).unwrap_or(full);
    let message = request_message(
        method.as_str(),
        path,
        fields.timestamp,
        &fields.nonce,
        std::str::from_utf8(body).unwrap_or_default(),
    );
    let key = public_key_from_pem(&sim.config.merchant_public_key_pem)
        .map_err(|_| sign_error("no merchant key"))?;
    if !verify(&key, &message, &fields.signature) {
        return Err(sign_error("signature does not match"));
    }
    Ok(())
}

/// The simulator, once the merchant's request has passed its signature check.
pub(super) async fn authenticated(
    state: &SandboxState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Sim, Response> {
    let sim = sim(state).await?;
    check_signature(&sim, method, uri, headers, body)?;
    Ok(sim)
}

pub(super) fn random(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

async fn prepay(
    State(state): State<SandboxState>,
    Path(kind): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sim = match authenticated(&state, &method, &uri, &headers, &body).await {
        Ok(sim) => sim,
        Err(response) => return response,
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "body is not JSON");
    };
    if !matches!(kind.as_str(), "jsapi" | "native" | "h5") {
        return error(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "unknown trade type",
        );
    }
    if let Err(field) = wechat_rules::check_prepay(&kind, &request, Utc::now()) {
        return param_error(&field);
    }
    let text = |pointer: &str| {
        request
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (out_trade_no, amount) = (
        text("/out_trade_no"),
        request
            .pointer("/amount/total")
            .and_then(Value::as_i64)
            .unwrap_or(0),
    );
    if text("/mchid") != sim.config.mch_id || text("/appid") != sim.config.app_id {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "appid and mchid do not match",
        );
    }
    if kind == "jsapi" && !openid_belongs(&sim.config.app_id, &text("/payer/openid")) {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "appid和openid不匹配",
        );
    }
    match orders::Entity::find_by_id(out_trade_no.clone())
        .one(&state.db)
        .await
    {
        Ok(Some(existing)) if existing.amount_fen != amount || existing.trade_type != kind => {
            return error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "out_trade_no reused with other parameters",
            );
        }
        Ok(Some(existing)) if existing.trade_state == "SUCCESS" => {
            return error(StatusCode::BAD_REQUEST, "ORDER_PAID", "order already paid");
        }
        Ok(Some(_)) => {}
        Ok(None) => {
            let row = orders::ActiveModel {
                out_trade_no: Set(out_trade_no.clone()),
                trade_type: Set(kind.clone()),
                description: Set(text("/description").chars().take(120).collect()),
                amount_fen: Set(amount),
                notify_url: Set(text("/notify_url")),
                openid: Set(Some(text("/payer/openid")).filter(|o| !o.is_empty())),
                trade_state: Set("NOTPAY".into()),
                transaction_id: Set(None),
                success_time: Set(None),
                created_at: Set(Utc::now()),
            };
            if row.insert(&state.db).await.is_err() {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    "could not store order",
                );
            }
        }
        Err(_) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                "storage failed",
            );
        }
    }
    let cashier = format!(
        "{}/sandbox/wechatpay/cashier/{out_trade_no}",
        state.self_url
    );
    let body = match kind.as_str() {
        "jsapi" => json!({ "prepay_id": format!("wx{}", random(30)) }),
        "native" => json!({ "code_url": cashier }),
        "h5" => json!({ "h5_url": format!("{cashier}?from=h5") }),
        _ => unreachable!("checked above"),
    };
    signed(&sim, StatusCode::OK, Some(body))
}

fn transaction_json(sim: &Sim, order: &orders::Model) -> Value {
    let mut tx = json!({
        "appid": sim.config.app_id,
        "mchid": sim.config.mch_id,
        "out_trade_no": order.out_trade_no,
        "trade_type": order.trade_type.to_uppercase(),
        "trade_state": order.trade_state,
        "trade_state_desc": match order.trade_state.as_str() { "SUCCESS" => "支付成功", "CLOSED" => "已关闭", _ => "订单未支付" },
        "attach": "",
        "amount": { "total": order.amount_fen, "currency": "CNY" },
    });
    if let (Some(id), Some(at)) = (&order.transaction_id, order.success_time) {
        tx["transaction_id"] = json!(id);
        tx["success_time"] = json!(at.with_timezone(&shared::dates::BUSINESS_TZ).to_rfc3339());
        tx["bank_type"] = json!("OTHERS");
        tx["payer"] =
            json!({ "openid": order.openid.clone().unwrap_or_else(|| "sandbox-payer".into()) });
        tx["amount"] = json!({ "total": order.amount_fen, "payer_total": order.amount_fen, "currency": "CNY", "payer_currency": "CNY" });
    }
    tx
}

#[derive(Deserialize)]
struct MchQuery {
    mchid: Option<String>,
}

async fn query(
    State(state): State<SandboxState>,
    Path(no): Path<String>,
    Query(q): Query<MchQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let sim = match authenticated(&state, &method, &uri, &headers, b"").await {
        Ok(sim) => sim,
        Err(response) => return response,
    };
    if q.mchid.as_deref() != Some(sim.config.mch_id.as_str()) {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "mchid missing or wrong",
        );
    }
    if !wechat_rules::is_out_trade_no(&no) {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "out_trade_no 格式错误",
        );
    }
    match orders::Entity::find_by_id(no).one(&state.db).await {
        Ok(Some(order)) => signed(&sim, StatusCode::OK, Some(transaction_json(&sim, &order))),
        // WeChat Pay signs its error answers too.
        Ok(None) => signed(
            &sim,
            StatusCode::NOT_FOUND,
            Some(json!({ "code": "ORDER_NOT_EXIST", "message": "订单不存在" })),
        ),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "storage failed",
        ),
    }
}

async fn close(
    State(state): State<SandboxState>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let sim = match authenticated(&state, &method, &uri, &headers, &body).await {
        Ok(sim) => sim,
        Err(response) => return response,
    };
    let request = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    if let Err(field) = wechat_rules::check_close(&request) {
        return param_error(&field);
    }
    if request["mchid"] != sim.config.mch_id.as_str() {
        return error(StatusCode::BAD_REQUEST, "PARAM_ERROR", "mchid 与商户不匹配");
    }
    if !wechat_rules::is_out_trade_no(&no) {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "out_trade_no 格式错误",
        );
    }
    match orders::Entity::find_by_id(no).one(&state.db).await {
        Ok(Some(order)) if order.trade_state == "SUCCESS" => {
            error(StatusCode::BAD_REQUEST, "ORDER_PAID", "订单已支付")
        }
        Ok(Some(order)) => {
            let mut row = order.into_active_model();
            row.trade_state = Set("CLOSED".into());
            match row.update(&state.db).await {
                Ok(_) => signed(&sim, StatusCode::NO_CONTENT, None),
                Err(_) => error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    "storage failed",
                ),
            }
        }
        Ok(None) => error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "storage failed",
        ),
    }
}

pub(super) fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body{{margin:0;font-family:-apple-system,"PingFang SC","WenQuanYi Micro Hei",sans-serif;background:#ededed;color:#333}}
.bar{{background:#fffbe8;color:#ed6a0c;text-align:center;font-size:13px;padding:6px}}
.box{{margin:24px 16px;background:#fff;border-radius:8px;padding:24px 16px;text-align:center}}
.amount{{font-size:36px;font-weight:600;margin:12px 0}} .muted{{color:#888;font-size:14px}}
button{{width:100%;height:46px;border:0;border-radius:6px;background:#07c160;color:#fff;font-size:17px;margin-top:20px}}
a{{color:#576b95}}</style></head><body><div class="bar">微信支付沙箱 · 不会产生真实交易</div><div class="box">{body}</div></body></html>"#
    ))
}

/// The cashier a member sees after scanning or opening the payment link.
async fn cashier(State(state): State<SandboxState>, Path(no): Path<String>) -> Response {
    let order = match orders::Entity::find_by_id(no.clone()).one(&state.db).await {
        Ok(Some(order)) => order,
        _ => return page("订单不存在", "<p>订单不存在</p>").into_response(),
    };
    let amount = shared::money::format_fen(order.amount_fen);
    let description = html_escape(&order.description);
    let back = format!("/h5/orders/{no}");
    let body = match order.trade_state.as_str() {
        "SUCCESS" => format!(
            r#"<p>该订单已支付</p><p class="amount">{amount}</p><p><a href="{back}">返回商户页面</a></p>"#
        ),
        "CLOSED" => format!(r#"<p>该订单已关闭</p><p><a href="{back}">返回商户页面</a></p>"#),
        _ => format!(
            r#"<p class="muted">{description}</p><p class="amount">{amount}</p><form method="post" action="/sandbox/wechatpay/cashier/{no}/pay"><button type="submit">确认支付</button></form><p><a href="{back}">取消支付</a></p>"#
        ),
    };
    page("微信支付", &body).into_response()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// "确认支付": the order becomes paid here, the merchant hears of it by notification.
async fn pay(State(state): State<SandboxState>, Path(no): Path<String>) -> Response {
    let order = match orders::Entity::find_by_id(no.clone()).one(&state.db).await {
        Ok(Some(order)) if order.trade_state == "NOTPAY" => order,
        Ok(Some(_)) => {
            return Redirect::to(&format!("/sandbox/wechatpay/cashier/{no}")).into_response();
        }
        _ => return page("订单不存在", "<p>订单不存在</p>").into_response(),
    };
    let mut row = order.into_active_model();
    row.trade_state = Set("SUCCESS".into());
    row.transaction_id = Set(Some(format!(
        "4200{}",
        rand::rng().random_range(100_000_000_000_000u64..999_999_999_999_999)
    )));
    row.success_time = Set(Some(Utc::now()));
    let Ok(order) = row.update(&state.db).await else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "storage failed",
        );
    };
    let faults = state.faults();
    tokio::spawn(deliver(state.clone(), order, faults));
    Redirect::to(&format!("/h5/orders/{no}")).into_response()
}

/// Sends the signed, encrypted TRANSACTION.SUCCESS notification per the fault mode.
async fn deliver(state: SandboxState, order: orders::Model, faults: Faults) {
    let times = match faults.notify {
        super::NotifyMode::Drop => 0,
        super::NotifyMode::Duplicate => 2,
        super::NotifyMode::Normal | super::NotifyMode::Delay => 1,
    };
    if faults.notify == super::NotifyMode::Delay {
        tokio::time::sleep(Duration::from_millis(faults.delay_ms)).await;
    }
    for _ in 0..times {
        if let Err(e) = notify(&state, &order).await {
            tracing::warn!(error = %e, order = %order.out_trade_no, "sandbox notification not accepted");
        }
    }
}

/// The signed, encrypted TRANSACTION.SUCCESS notification of a paid order, as
/// WeChat Pay would post it: (headers, body).
async fn notification(
    state: &SandboxState,
    order: &orders::Model,
) -> anyhow::Result<(Vec<(&'static str, String)>, String)> {
    let sim = sim(state)
        .await
        .map_err(|_| anyhow::anyhow!("sandbox not initialised"))?;
    let plaintext = transaction_json(&sim, order).to_string();
    signed_notification(
        &sim,
        "TRANSACTION.SUCCESS",
        "支付成功",
        "transaction",
        &plaintext,
    )
}

/// A notification envelope around `plaintext` (encrypted with the APIv3 key,
/// `original_type` also as the associated data, as WeChat Pay does), signed
/// with the platform key: (headers, body).
pub(super) fn signed_notification(
    sim: &Sim,
    event_type: &str,
    summary: &str,
    original_type: &str,
    plaintext: &str,
) -> anyhow::Result<(Vec<(&'static str, String)>, String)> {
    let resource = encrypt_resource(
        &sim.api_v3_key,
        plaintext.as_bytes(),
        &random(12),
        original_type,
        original_type,
    )?;
    let body = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "create_time": Utc::now().with_timezone(&shared::dates::BUSINESS_TZ).to_rfc3339(),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": resource,
    })
    .to_string();
    let timestamp = Utc::now().timestamp();
    let nonce = nonce();
    let signature = sign_response(
        &private_key_from_pem(&sim.platform_private_pem)?,
        timestamp,
        &nonce,
        &body,
    )?;
    let headers = vec![
        ("content-type", "application/json".to_owned()),
        ("wechatpay-timestamp", timestamp.to_string()),
        ("wechatpay-nonce", nonce),
        ("wechatpay-signature", signature),
        (
            "wechatpay-serial",
            sim.config.platform_public_key_id.clone(),
        ),
        (
            "wechatpay-signature-type",
            "WECHATPAY2-SHA256-RSA2048".to_owned(),
        ),
    ];
    Ok((headers, body))
}

/// Where a notification for `notify_url` is actually sent: a URL on this
/// server's own host goes over the local listener (see the module note).
fn delivery_url(state: &SandboxState, notify_url: &str) -> anyhow::Result<reqwest::Url> {
    let url = wechat_rules::check_notify_url(notify_url)
        .map_err(|issue| anyhow::anyhow!("notify_url refused: {issue}"))?;
    let own = reqwest::Url::parse(&state.self_url)?;
    if url.host_str() == own.host_str() && url.port() == own.port() {
        let mut local = own;
        local.set_path(url.path());
        return Ok(local);
    }
    Ok(url)
}

pub async fn notify(state: &SandboxState, order: &orders::Model) -> anyhow::Result<StatusCode> {
    let (headers, body) = notification(state, order).await?;
    post_notification(state, &order.notify_url, headers, body).await
}

/// Posts a signed notification to the merchant's `notify_url`; the merchant's status.
pub(super) async fn post_notification(
    state: &SandboxState,
    notify_url: &str,
    headers: Vec<(&'static str, String)>,
    body: String,
) -> anyhow::Result<StatusCode> {
    // WeChat Pay gives the merchant 5 s to answer.
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(5))
        .build()?;
    let mut request = client.post(delivery_url(state, notify_url)?).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(e.without_url()))?;
    Ok(response.status())
}

/// JSON `{headers, body}` of a notification, for a test to hand to another verifier.
pub(super) fn preview_json(headers: Vec<(&'static str, String)>, body: String) -> Value {
    let headers: serde_json::Map<String, Value> = headers
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect();
    json!({ "headers": headers, "body": body })
}

/// The notification the simulator would send for a paid order, as JSON
/// `{headers, body}`, so a test can hand it to another verifier (the
/// `wechatpayv3` SDK check).
async fn notification_preview(
    State(state): State<SandboxState>,
    Path(no): Path<String>,
) -> Response {
    match orders::Entity::find_by_id(no).one(&state.db).await {
        Ok(Some(order)) if order.trade_state == "SUCCESS" => {
            match notification(&state, &order).await {
                Ok((headers, body)) => Json(preview_json(headers, body)).into_response(),
                Err(e) => error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    &e.to_string(),
                ),
            }
        }
        _ => error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "no paid order"),
    }
}

async fn get_faults(State(state): State<SandboxState>) -> Json<Faults> {
    Json(state.faults())
}

/// Tells the simulator how to deliver the next notifications.
async fn set_faults(State(state): State<SandboxState>, Json(faults): Json<Faults>) -> Json<Faults> {
    if let Ok(mut current) = state.faults.lock() {
        *current = faults;
    }
    Json(faults)
}

/// Sends an order's notification again (a late duplicate).
async fn resend(State(state): State<SandboxState>, Path(no): Path<String>) -> Response {
    match orders::Entity::find_by_id(no).one(&state.db).await {
        Ok(Some(order)) if order.trade_state == "SUCCESS" => match notify(&state, &order).await {
            Ok(status) => (
                StatusCode::OK,
                Json(json!({ "merchant_status": status.as_u16() })),
            )
                .into_response(),
            Err(e) => error(StatusCode::BAD_GATEWAY, "SYSTEM_ERROR", &e.to_string()),
        },
        _ => error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "no paid order"),
    }
}
