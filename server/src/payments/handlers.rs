use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set, TransactionTrait};
use shared::api::{OrderView, PayOptions, SignUpRequest, SignUpResponse};
use shared::error::ErrorCode;
use shared::roles::Area;

use super::member::{MEMBER_COOKIE, MemberToken, set_cookie};
use super::settlement::{self, PaidOutcome, PollReport};
use super::{gateway, orders, signup};
use crate::audit::{self, Action, Target};
use crate::auth::Staff;
use crate::entity::payment_notifications;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ClientIp};
use crate::integrations::wechat_pay::{
    CallbackError, CallbackKind, DEFAULT_MAX_SKEW_SECS, Transaction, open_callback,
};
use crate::secrets;
use crate::state::AppState;
use crate::wechat_oauth;

/// Which payment methods are offered.
#[utoipa::path(get, path = "/api/v1/pay/options", tag = "enrollment", responses((status = 200, body = PayOptions)))]
pub async fn pay_options(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<PayOptions>> {
    let gateway = gateway::current(&state).await?;
    Ok(Json(signup::pay_options(
        &gateway,
        wechat_oauth::openid(&state, &headers).await.is_some(),
    )))
}

/// Signs a member up for a camp and starts the deposit payment.
#[utoipa::path(post, path = "/api/v1/camps/{id}/enrollments", request_body = SignUpRequest, tag = "enrollment",
    responses((status = 200, body = SignUpResponse), (status = 409, body = shared::error::ApiError), (status = 422, body = shared::error::ApiError)))]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiPath(camp_id): ApiPath<i64>,
    MemberToken(token): MemberToken,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignUpRequest>,
) -> AppResult<(HeaderMap, Json<SignUpResponse>)> {
    let openid = wechat_oauth::openid(&state, &headers).await;
    let gateway = gateway::current(&state).await?;
    let (response, new_token) =
        signup::sign_up(&state.db, &gateway, camp_id, request, token, openid, &ip).await?;
    let cookies = new_token
        .map(|t| set_cookie(MEMBER_COOKIE, &t, state.config.server.secure_cookies))
        .unwrap_or_default();
    Ok((cookies, Json(response)))
}

/// A member's order; an open order is checked with WeChat Pay first.
#[utoipa::path(get, path = "/api/v1/orders/{out_trade_no}", tag = "enrollment", responses((status = 200, body = OrderView)))]
pub async fn order(
    State(state): State<AppState>,
    ApiPath(out_trade_no): ApiPath<String>,
    MemberToken(token): MemberToken,
) -> AppResult<Json<OrderView>> {
    let gateway = gateway::current(&state).await?;
    Ok(Json(
        orders::order_view(&state.db, &gateway, &out_trade_no, token.as_deref()).await?,
    ))
}

/// The Native payment QR code of an open order, as PNG.
#[utoipa::path(get, path = "/api/v1/orders/{out_trade_no}/qrcode.png", tag = "enrollment", responses((status = 200, content_type = "image/png")))]
pub async fn order_qr(
    State(state): State<AppState>,
    ApiPath(out_trade_no): ApiPath<String>,
    MemberToken(token): MemberToken,
) -> AppResult<Response> {
    let gateway = gateway::current(&state).await?;
    let text = orders::order_qr_text(&state.db, &gateway, &out_trade_no, token.as_deref()).await?;
    let png = crate::camps::qr::png(&text)?;
    Ok((
        [
            (CONTENT_TYPE, "image/png"),
            (CACHE_CONTROL, "private, no-store"),
        ],
        png,
    )
        .into_response())
}

/// Runs the lost-notification check now (it also runs hourly).
#[utoipa::path(post, path = "/api/v1/admin/payments/poll", tag = "enrollment", responses((status = 200, body = PollReport)))]
pub async fn poll_now(State(state): State<AppState>, staff: Staff) -> AppResult<Json<PollReport>> {
    staff.require(Area::CampManagement)?;
    let gateway = gateway::current(&state).await?;
    let report = settlement::poll_pending(&state.db, &gateway).await?;
    let details = format!(
        "检查{}笔，补录{}笔，重复支付{}笔，关闭{}笔，失败{}笔",
        report.checked, report.paid, report.duplicates, report.closed, report.errors
    );
    audit::record(
        &state.db,
        &staff.actor(),
        Action::PollPayments,
        Target::system("微信支付订单"),
        details,
    )
    .await?;
    Ok(Json(report))
}

fn fail(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "code": "FAIL", "message": message })),
    )
        .into_response()
}

/// One line in the notification log, written in the caller's transaction.
async fn log_notification(
    db: &impl ConnectionTrait,
    sealing_key: &[u8; 32],
    notification_id: Option<String>,
    out_trade_no: Option<String>,
    outcome: &str,
    detail: String,
    body: &[u8],
) -> AppResult<()> {
    let sealed = secrets::seal(sealing_key, body)?;
    payment_notifications::ActiveModel {
        received_at: Set(Utc::now()),
        notification_id: Set(notification_id),
        out_trade_no: Set(out_trade_no),
        outcome: Set(outcome.to_owned()),
        detail: Set(detail),
        body_sealed: Set(sealed),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// WeChat Pay's payment notification. The signature and its timestamp are
/// checked before the body is trusted (`open_callback`); then the transaction
/// is applied once, and its log line written, in one database transaction.
/// 204 means "received, don't resend".
pub async fn transaction_notification(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let gateway = match gateway::current(&state).await {
        Ok(gateway) => gateway,
        Err(_) => return fail(StatusCode::SERVICE_UNAVAILABLE, "payment not configured"),
    };
    let opened = open_callback::<Transaction>(
        &gateway.platform,
        &gateway.api_v3_key,
        &headers,
        &body,
        Utc::now().timestamp(),
        DEFAULT_MAX_SKEW_SECS,
        CallbackKind::TRANSACTION,
    );
    let callback = match opened {
        Ok(callback) => callback,
        Err(CallbackError::Unverified(e)) => {
            tracing::warn!(error = %e, "rejected a payment notification");
            let key = &state.keys.secrets;
            let _ = log_notification(
                &state.db,
                key,
                None,
                None,
                "rejected_signature",
                e.to_string(),
                &body,
            )
            .await;
            let _ = audit::record(
                &state.db,
                &crate::audit::Actor::system(),
                Action::PaymentRejected,
                Target::system("支付通知"),
                format!("签名校验失败：{e}"),
            )
            .await;
            return fail(StatusCode::UNAUTHORIZED, "signature verification failed");
        }
        Err(CallbackError::Unusable(e)) => {
            let key = &state.keys.secrets;
            let _ =
                log_notification(&state.db, key, None, None, "rejected_payload", e, &body).await;
            return fail(StatusCode::BAD_REQUEST, "undecryptable resource");
        }
    };
    match apply_notification(&state, &gateway, &callback.id, &callback.resource, &body).await {
        Ok(response) => response,
        Err(e) => {
            // Our own failure: ask WeChat Pay to send it again later.
            tracing::error!(error = %e, "could not apply a payment notification");
            let _ = log_notification(
                &state.db,
                &state.keys.secrets,
                Some(callback.id),
                Some(callback.resource.out_trade_no),
                "error",
                e.to_string(),
                &body,
            )
            .await;
            fail(StatusCode::INTERNAL_SERVER_ERROR, "temporary failure")
        }
    }
}

/// Applies a verified transaction and logs it, in one database transaction.
async fn apply_notification(
    state: &AppState,
    gateway: &gateway::Gateway,
    id: &str,
    tx: &Transaction,
    body: &[u8],
) -> AppResult<Response> {
    let txn = state.db.begin().await?;
    let outcome = match settlement::mark_paid(&txn, gateway, tx).await {
        Ok(outcome) => Some(outcome),
        Err(AppError::Api(e)) if e.code == ErrorCode::NotFound => None,
        Err(e) => return Err(e),
    };
    let (label, response) = match &outcome {
        Some(PaidOutcome::Paid) => ("paid", StatusCode::NO_CONTENT.into_response()),
        Some(PaidOutcome::AlreadyPaid) => ("already_paid", StatusCode::NO_CONTENT.into_response()),
        Some(PaidOutcome::Duplicate) => ("duplicate", StatusCode::NO_CONTENT.into_response()),
        Some(PaidOutcome::Rejected(_)) => (
            "rejected_mismatch",
            fail(
                StatusCode::BAD_REQUEST,
                "transaction does not match the order",
            ),
        ),
        None => (
            "unknown_order",
            fail(StatusCode::NOT_FOUND, "order not found"),
        ),
    };
    let detail = match &outcome {
        Some(PaidOutcome::Rejected(reason)) => reason.clone(),
        None => "订单不存在".to_owned(),
        Some(_) => format!(
            "{} {}",
            tx.trade_state,
            tx.amount.as_ref().map(|a| a.total).unwrap_or_default()
        ),
    };
    log_notification(
        &txn,
        &state.keys.secrets,
        Some(id.to_owned()),
        Some(tx.out_trade_no.clone()),
        label,
        detail,
        body,
    )
    .await?;
    txn.commit().await?;
    Ok(response)
}
