//! The WeChat Pay simulator's refunds: `POST /v3/refund/domestic/refunds` and
//! `GET /v3/refund/domestic/refunds/{out_refund_no}` under the simulator's
//! mount, held to WeChat Pay's rules (wechatpay.md §2.6–2.7 and the 2026-11
//! refund notes):
//!
//! - every field checked (`wechat_rules::check_refund`), the merchant's
//!   signature verified, every answer signed;
//! - the order must exist, be paid, be under a year old, and `amount.total`
//!   must be what it paid; the refunds of an order never exceed it (CLOSED ones
//!   excepted), at most 50 per order, a new number at least a minute after the
//!   order's previous refund;
//! - the same `out_refund_no` with the same order and amounts is the same
//!   refund (its current state is answered); with anything else it is
//!   `INVALID_REQUEST`;
//! - a refund is PROCESSING until `settle_ms` have passed, then SUCCESS,
//!   ABNORMAL or CLOSED, and a signed, encrypted `REFUND.*` notification goes
//!   to its `notify_url` (lost, repeated or late per the notification faults).
//!
//! Faults (`POST /sandbox/wechatpay/control/refunds`, [`RefundFaults`]) are
//! drawn one per create call — for a given number first, else from a queue —
//! and make it answer an error without creating anything, withhold the answer
//! of a refund it did create (the client times out), or end in ABNORMAL or
//! CLOSED instead of SUCCESS.

// Early returns carry the finished error response, as axum handlers do.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRef, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::Expr};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::wechat_pay::{
    Sim, authenticated, error, param_error, post_notification, preview_json, signed,
    signed_notification, sim,
};
use super::wechat_rules;
use super::{NotifyMode, SandboxState};
use crate::entity::sandbox_wechat_orders as orders;
use crate::entity::sandbox_wechat_refunds as refunds;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    SandboxState: FromRef<S>,
{
    Router::new()
        .route(
            "/sandbox/wechatpay/v3/refund/domestic/refunds",
            post(create),
        )
        .route(
            "/sandbox/wechatpay/v3/refund/domestic/refunds/{no}",
            get(query),
        )
        .route(
            "/sandbox/wechatpay/control/refunds",
            get(get_faults).post(set_faults),
        )
        .route(
            "/sandbox/wechatpay/control/refund-notification/{no}",
            get(notification_preview),
        )
}

/// What one refund create call does (issue 10 "Sandbox").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundFault {
    /// PROCESSING, then SUCCESS (what every call does without a fault).
    ProcessingThenSuccess,
    /// PROCESSING, then ABNORMAL (the member's account refused the money).
    ProcessingThenAbnormal,
    /// PROCESSING, then CLOSED (WeChat Pay gave up).
    Closed,
    /// The refund is created, but the answer is withheld for `hang_ms`: the
    /// caller times out not knowing it succeeded.
    TimeoutAfterSuccess,
    /// 500 SYSTEM_ERROR, nothing created.
    SystemError,
    /// 429 FREQUENCY_LIMITED, nothing created.
    FrequencyLimited,
    /// 403 NOT_ENOUGH (merchant balance too low), nothing created.
    NotEnough,
}

/// The refund faults in force; `POST /sandbox/wechatpay/control/refunds` replaces them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RefundFaults {
    /// For the next create call of a given `out_refund_no` (used up by it).
    #[serde(default)]
    pub by_refund_no: BTreeMap<String, RefundFault>,
    /// For the next create calls of any other number, one each, in order.
    #[serde(default)]
    pub next: VecDeque<RefundFault>,
    /// How long a refund stays PROCESSING, ms (default [`DEFAULT_SETTLE_MS`]).
    #[serde(default)]
    pub settle_ms: Option<u64>,
    /// How long `timeout_after_success` withholds the answer, ms (default [`DEFAULT_HANG_MS`]).
    #[serde(default)]
    pub hang_ms: Option<u64>,
}

pub const DEFAULT_SETTLE_MS: u64 = 300;
pub const DEFAULT_HANG_MS: u64 = 5_000;

/// Refunds only within a year of payment (wechatpay.md §2.6).
const REFUND_WINDOW_DAYS: i64 = 365;
/// At most 50 refunds per order, a minute apart (wechatpay.md §2.6).
const MAX_REFUNDS_PER_ORDER: usize = 50;
const SECONDS_BETWEEN_REFUNDS: i64 = 60;

impl RefundFaults {
    fn draw(&mut self, out_refund_no: &str) -> Option<RefundFault> {
        self.by_refund_no
            .remove(out_refund_no)
            .or_else(|| self.next.pop_front())
    }
}

fn storage_failed() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "SYSTEM_ERROR",
        "storage failed",
    )
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message)
}

fn beijing(at: DateTime<Utc>) -> String {
    at.with_timezone(&shared::dates::BUSINESS_TZ).to_rfc3339()
}

/// The refund object WeChat Pay answers with (create and query).
fn refund_json(refund: &refunds::Model, order: Option<&orders::Model>) -> Value {
    let mut body = json!({
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "out_trade_no": refund.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": refund.user_received_account,
        "create_time": beijing(refund.created_at),
        "status": refund.status,
        "funds_account": "AVAILABLE",
        "amount": {
            "total": refund.total_fen,
            "refund": refund.refund_fen,
            "from": [],
            "payer_total": refund.total_fen,
            "payer_refund": refund.refund_fen,
            "settlement_refund": refund.refund_fen,
            "settlement_total": refund.total_fen,
            "discount_refund": 0,
            "currency": "CNY",
        },
        "promotion_detail": [],
    });
    if let Some(id) = order.and_then(|o| o.transaction_id.clone()) {
        body["transaction_id"] = json!(id);
    }
    if let Some(at) = refund.success_time {
        body["success_time"] = json!(beijing(at));
    }
    body
}

/// The resource of a `REFUND.*` notification.
fn notice_json(sim: &Sim, refund: &refunds::Model, order: Option<&orders::Model>) -> Value {
    let mut body = json!({
        "mchid": sim.config.mch_id,
        "out_trade_no": refund.out_trade_no,
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "refund_status": refund.status,
        "user_received_account": refund.user_received_account,
        "amount": {
            "total": refund.total_fen,
            "refund": refund.refund_fen,
            "payer_total": refund.total_fen,
            "payer_refund": refund.refund_fen,
        },
    });
    if let Some(id) = order.and_then(|o| o.transaction_id.clone()) {
        body["transaction_id"] = json!(id);
    }
    if let Some(at) = refund.success_time {
        body["success_time"] = json!(beijing(at));
    }
    body
}

async fn order_of(state: &SandboxState, refund: &refunds::Model) -> Option<orders::Model> {
    orders::Entity::find_by_id(refund.out_trade_no.clone())
        .one(&state.db)
        .await
        .ok()
        .flatten()
}

async fn create(
    State(state): State<SandboxState>,
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
    if let Err(field) = wechat_rules::check_refund(&request) {
        return param_error(&field);
    }
    let text = |pointer: &str| request.pointer(pointer).and_then(Value::as_str);
    let number = |pointer: &str| request.pointer(pointer).and_then(Value::as_i64);
    let out_refund_no = text("/out_refund_no").unwrap_or_default().to_owned();
    let (refund_fen, total_fen) = (
        number("/amount/refund").unwrap_or(0),
        number("/amount/total").unwrap_or(0),
    );
    let (fault, settle_ms, hang_ms) = {
        let Ok(mut faults) = state.refund_faults.lock() else {
            return storage_failed();
        };
        (
            faults.draw(&out_refund_no),
            faults.settle_ms.unwrap_or(DEFAULT_SETTLE_MS),
            faults.hang_ms.unwrap_or(DEFAULT_HANG_MS),
        )
    };
    match fault {
        Some(RefundFault::SystemError) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                "系统超时，请使用相同参数稍后重新调用",
            );
        }
        Some(RefundFault::FrequencyLimited) => {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "FREQUENCY_LIMITED",
                "频率超限，请降低请求频率",
            );
        }
        Some(RefundFault::NotEnough) => {
            return error(
                StatusCode::FORBIDDEN,
                "NOT_ENOUGH",
                "基本账户余额不足，请充值后重新发起",
            );
        }
        _ => {}
    }

    // One creation at a time: read the order's refunds, then write one.
    let guard = state.refund_lock.lock().await;
    let order = match find_order(&state, &request).await {
        Ok(Some(order)) if matches!(order.trade_state.as_str(), "SUCCESS" | "REFUND") => order,
        Ok(_) => {
            return signed(
                &sim,
                StatusCode::NOT_FOUND,
                Some(json!({ "code": "RESOURCE_NOT_EXISTS", "message": "订单不存在或未支付" })),
            );
        }
        Err(response) => return response,
    };
    let existing = match refunds::Entity::find_by_id(out_refund_no.clone())
        .one(&state.db)
        .await
    {
        Ok(existing) => existing,
        Err(_) => return storage_failed(),
    };
    if let Some(existing) = existing {
        drop(guard);
        if existing.out_trade_no != order.out_trade_no
            || existing.refund_fen != refund_fen
            || existing.total_fen != total_fen
        {
            return invalid("商户退款单号对应的退款请求参数与原请求不一致");
        }
        // The same number again: the same refund, as it stands now.
        let existing = settle_due(&state, existing).await;
        if fault == Some(RefundFault::TimeoutAfterSuccess) {
            tokio::time::sleep(Duration::from_millis(hang_ms)).await;
        }
        return signed(
            &sim,
            StatusCode::OK,
            Some(refund_json(&existing, Some(&order))),
        );
    }
    if let Err(response) = check_order_room(&state, &order, refund_fen, total_fen).await {
        return response;
    }
    let final_status = match fault {
        Some(RefundFault::ProcessingThenAbnormal) => "ABNORMAL",
        Some(RefundFault::Closed) => "CLOSED",
        _ => "SUCCESS",
    };
    let now = Utc::now();
    let row = refunds::ActiveModel {
        out_refund_no: Set(out_refund_no.clone()),
        out_trade_no: Set(order.out_trade_no.clone()),
        // "50" and 27 digits, like WeChat Pay's refund ids.
        refund_id: Set(format!(
            "50{:027}",
            rand::rng().random_range(0..1_000_000_000_000_000_000_000_000_000u128)
        )),
        refund_fen: Set(refund_fen),
        total_fen: Set(total_fen),
        reason: Set(text("/reason").map(str::to_owned)),
        notify_url: Set(text("/notify_url").map(str::to_owned)),
        status: Set("PROCESSING".into()),
        final_status: Set(final_status.into()),
        settle_at: Set(now + chrono::Duration::milliseconds(i64::try_from(settle_ms).unwrap_or(0))),
        user_received_account: Set(if final_status == "ABNORMAL" {
            "招商银行借记卡0403".into()
        } else {
            "支付用户零钱".into()
        }),
        success_time: Set(None),
        created_at: Set(now),
    };
    let Ok(refund) = row.insert(&state.db).await else {
        return storage_failed();
    };
    drop(guard);
    tokio::spawn(settle_later(state.clone(), refund.clone(), settle_ms));
    if fault == Some(RefundFault::TimeoutAfterSuccess) {
        tokio::time::sleep(Duration::from_millis(hang_ms)).await;
    }
    signed(
        &sim,
        StatusCode::OK,
        Some(refund_json(&refund, Some(&order))),
    )
}

/// The order a refund request names (by `transaction_id` first, as WeChat Pay does).
async fn find_order(
    state: &SandboxState,
    request: &Value,
) -> Result<Option<orders::Model>, Response> {
    let found = match request.get("transaction_id").and_then(Value::as_str) {
        Some(id) => {
            orders::Entity::find()
                .filter(orders::Column::TransactionId.eq(id))
                .one(&state.db)
                .await
        }
        None => {
            let no = request
                .get("out_trade_no")
                .and_then(Value::as_str)
                .unwrap_or_default();
            orders::Entity::find_by_id(no.to_owned())
                .one(&state.db)
                .await
        }
    };
    found.map_err(|_| storage_failed())
}

/// The business rules for a new number on `order`.
async fn check_order_room(
    state: &SandboxState,
    order: &orders::Model,
    refund_fen: i64,
    total_fen: i64,
) -> Result<(), Response> {
    let now = Utc::now();
    if order
        .success_time
        .is_some_and(|paid| now - paid > chrono::Duration::days(REFUND_WINDOW_DAYS))
    {
        return Err(invalid("订单已超过可退款的最长时限（一年）"));
    }
    if total_fen != order.amount_fen {
        return Err(invalid("请求参数与订单信息不一致：订单金额不符"));
    }
    let earlier = refunds::Entity::find()
        .filter(refunds::Column::OutTradeNo.eq(order.out_trade_no.as_str()))
        .all(&state.db)
        .await
        .map_err(|_| storage_failed())?;
    if earlier.len() >= MAX_REFUNDS_PER_ORDER {
        return Err(invalid("该订单的退款次数已达上限"));
    }
    let held: i64 = earlier
        .iter()
        .filter(|r| r.status != "CLOSED")
        .map(|r| r.refund_fen)
        .sum();
    if held + refund_fen > order.amount_fen {
        return Err(invalid("申请退款金额超过订单可退金额"));
    }
    if earlier.iter().any(|r| {
        (now - r.created_at).num_seconds() < SECONDS_BETWEEN_REFUNDS && r.status != "CLOSED"
    }) {
        return Err(error(
            StatusCode::TOO_MANY_REQUESTS,
            "FREQUENCY_LIMITED",
            "同一笔订单的多次退款需间隔1分钟",
        ));
    }
    Ok(())
}

/// Ends PROCESSING once `settle_at` has passed (idempotent: only a PROCESSING
/// row changes); the row as it now stands.
async fn settle_due(state: &SandboxState, refund: refunds::Model) -> refunds::Model {
    let now = Utc::now();
    if refund.status != "PROCESSING" || refund.settle_at > now {
        return refund;
    }
    let success_time = (refund.final_status == "SUCCESS").then_some(now);
    let updated = refunds::Entity::update_many()
        .col_expr(
            refunds::Column::Status,
            Expr::value(refund.final_status.clone()),
        )
        .col_expr(refunds::Column::SuccessTime, Expr::value(success_time))
        .filter(refunds::Column::OutRefundNo.eq(refund.out_refund_no.as_str()))
        .filter(refunds::Column::Status.eq("PROCESSING"))
        .exec(&state.db)
        .await;
    if updated.is_ok_and(|r| r.rows_affected == 1) && success_time.is_some() {
        // The order now shows it was refunded, as WeChat Pay's order query does.
        let _ = orders::Entity::update_many()
            .col_expr(orders::Column::TradeState, Expr::value("REFUND"))
            .filter(orders::Column::OutTradeNo.eq(refund.out_trade_no.as_str()))
            .exec(&state.db)
            .await;
    }
    refunds::Entity::find_by_id(refund.out_refund_no.clone())
        .one(&state.db)
        .await
        .ok()
        .flatten()
        .unwrap_or(refund)
}

/// After `settle_ms`: the final status, then its notification (per the
/// notification faults: lost, twice, or late).
async fn settle_later(state: SandboxState, refund: refunds::Model, settle_ms: u64) {
    tokio::time::sleep(Duration::from_millis(settle_ms)).await;
    let refund = settle_due(&state, refund).await;
    if refund.status == "PROCESSING" {
        return;
    }
    let Some(notify_url) = refund.notify_url.clone() else {
        // Without a notify URL (and none in the console) WeChat Pay sends nothing.
        return;
    };
    let faults = state.faults();
    let times = match faults.notify {
        NotifyMode::Drop => 0,
        NotifyMode::Duplicate => 2,
        NotifyMode::Normal | NotifyMode::Delay => 1,
    };
    if faults.notify == NotifyMode::Delay {
        tokio::time::sleep(Duration::from_millis(faults.delay_ms)).await;
    }
    for _ in 0..times {
        let sent = match notification(&state, &refund).await {
            Ok((headers, body)) => post_notification(&state, &notify_url, headers, body).await,
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, refund = %refund.out_refund_no, "sandbox refund notification not accepted");
        }
    }
}

/// The signed, encrypted `REFUND.*` notification of a settled refund: (headers, body).
async fn notification(
    state: &SandboxState,
    refund: &refunds::Model,
) -> anyhow::Result<(Vec<(&'static str, String)>, String)> {
    let sim = sim(state)
        .await
        .map_err(|_| anyhow::anyhow!("sandbox not initialised"))?;
    let order = order_of(state, refund).await;
    let summary = match refund.status.as_str() {
        "SUCCESS" => "退款成功",
        "ABNORMAL" => "退款异常",
        _ => "退款关闭",
    };
    let plaintext = notice_json(&sim, refund, order.as_ref()).to_string();
    signed_notification(
        &sim,
        &format!("REFUND.{}", refund.status),
        summary,
        "refund",
        &plaintext,
    )
}

async fn query(
    State(state): State<SandboxState>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let sim = match authenticated(&state, &method, &uri, &headers, b"").await {
        Ok(sim) => sim,
        Err(response) => return response,
    };
    if !wechat_rules::is_out_refund_no(&no) {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "out_refund_no 格式错误",
        );
    }
    match refunds::Entity::find_by_id(no).one(&state.db).await {
        Ok(Some(refund)) => {
            let refund = settle_due(&state, refund).await;
            let order = order_of(&state, &refund).await;
            signed(
                &sim,
                StatusCode::OK,
                Some(refund_json(&refund, order.as_ref())),
            )
        }
        // Signed, like every answer of WeChat Pay's.
        Ok(None) => signed(
            &sim,
            StatusCode::NOT_FOUND,
            Some(json!({ "code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在" })),
        ),
        Err(_) => storage_failed(),
    }
}

/// The notification the simulator sends for a settled refund, as JSON
/// `{headers, body}`, so a test can hand it to another verifier.
async fn notification_preview(
    State(state): State<SandboxState>,
    Path(no): Path<String>,
) -> Response {
    let refund = match refunds::Entity::find_by_id(no).one(&state.db).await {
        Ok(Some(refund)) => settle_due(&state, refund).await,
        Ok(None) => return error(StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "退款单不存在"),
        Err(_) => return storage_failed(),
    };
    if refund.status == "PROCESSING" {
        return error(StatusCode::CONFLICT, "PROCESSING", "退款处理中，尚无通知");
    }
    match notification(&state, &refund).await {
        Ok((headers, body)) => Json(preview_json(headers, body)).into_response(),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            &e.to_string(),
        ),
    }
}

async fn get_faults(State(state): State<SandboxState>) -> Json<RefundFaults> {
    Json(
        state
            .refund_faults
            .lock()
            .map(|f| f.clone())
            .unwrap_or_default(),
    )
}

/// Replaces the refund faults in force.
async fn set_faults(
    State(state): State<SandboxState>,
    Json(faults): Json<RefundFaults>,
) -> Json<RefundFaults> {
    if let Ok(mut current) = state.refund_faults.lock() {
        *current = faults.clone();
    }
    Json(faults)
}
