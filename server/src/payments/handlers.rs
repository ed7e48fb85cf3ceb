use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};
use shared::api::{MyEnrollment, OrderView, PayOptions, SignUpRequest, SignUpResponse};
use shared::roles::Area;

use super::member::{MEMBER_COOKIE, MemberToken, set_cookie};
use super::{gateway, service};
use crate::audit::{self, Action, Target};
use crate::auth::Staff;
use crate::entity::payment_notifications;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, ClientIp};
use crate::integrations::wechat_pay::{
    DEFAULT_MAX_SKEW_SECS, Notification, SignatureHeaders, Transaction, decrypt_resource,
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
    Ok(Json(
        service::pay_options(
            &state,
            wechat_oauth::openid(&state, &headers).await.is_some(),
        )
        .await?,
    ))
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
    let (response, new_token) =
        service::sign_up(&state, camp_id, request, token, openid, &ip).await?;
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
    Ok(Json(
        service::order_view(&state, &out_trade_no, token.as_deref()).await?,
    ))
}

/// The Native payment QR code of an open order, as PNG.
#[utoipa::path(get, path = "/api/v1/orders/{out_trade_no}/qrcode.png", tag = "enrollment", responses((status = 200, content_type = "image/png")))]
pub async fn order_qr(
    State(state): State<AppState>,
    ApiPath(out_trade_no): ApiPath<String>,
    MemberToken(token): MemberToken,
) -> AppResult<Response> {
    let text = service::order_qr_text(&state, &out_trade_no, token.as_deref()).await?;
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

/// The member's own enrollment.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}", tag = "enrollment", responses((status = 200, body = MyEnrollment)))]
pub async fn my_enrollment(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    MemberToken(token): MemberToken,
) -> AppResult<Json<MyEnrollment>> {
    Ok(Json(
        service::my_enrollment(&state, id, token.as_deref()).await?,
    ))
}

/// The camp group's QR image, only for the browser that paid (or proved who it is).
#[utoipa::path(get, path = "/api/v1/enrollments/{id}/group-qr", tag = "enrollment", responses((status = 200, content_type = "image/png")))]
pub async fn group_qr(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    MemberToken(token): MemberToken,
) -> AppResult<Response> {
    let upload = service::group_qr(&state, id, token.as_deref()).await?;
    Ok((
        [
            (CONTENT_TYPE, upload.content_type.clone()),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        upload.data,
    )
        .into_response())
}

/// The personal link: sets this browser's member cookie and opens the enrollment.
pub async fn personal_link(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> AppResult<Response> {
    let Some(id) = service::enrollment_of_token(&state.db, &token).await? else {
        return Ok(Redirect::to("/h5").into_response());
    };
    let mut headers = set_cookie(MEMBER_COOKIE, &token, state.config.server.secure_cookies);
    headers.insert(
        LOCATION,
        format!("/h5/enrollments/{id}")
            .parse()
            .map_err(anyhow::Error::from)?,
    );
    Ok((StatusCode::SEE_OTHER, headers).into_response())
}

/// Runs the lost-notification check now (it also runs hourly).
#[utoipa::path(post, path = "/api/v1/admin/payments/poll", tag = "enrollment", responses((status = 200, body = service::PollReport)))]
pub async fn poll_now(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Json<service::PollReport>> {
    staff.require(Area::CampManagement)?;
    let report = service::poll_pending(&state).await?;
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

async fn log_notification(
    state: &AppState,
    notification_id: Option<String>,
    out_trade_no: Option<String>,
    outcome: &str,
    detail: String,
    body: &[u8],
) {
    let sealed = secrets::seal(&state.keys.secrets, body).unwrap_or_default();
    let row = payment_notifications::ActiveModel {
        received_at: Set(Utc::now()),
        notification_id: Set(notification_id),
        out_trade_no: Set(out_trade_no),
        outcome: Set(outcome.to_owned()),
        detail: Set(detail),
        body_sealed: Set(sealed),
        ..Default::default()
    };
    if let Err(e) = row.insert(&state.db).await {
        tracing::error!(error = %e, "could not log a payment notification");
    }
}

/// WeChat Pay's payment notification. The signature and its timestamp are
/// checked before the body is trusted; then it is decrypted, checked against
/// the order and applied once. 204 means "received, don't resend".
pub async fn transaction_notification(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let gateway = match gateway::current(&state).await {
        Ok(gateway) => gateway,
        Err(_) => return fail(StatusCode::SERVICE_UNAVAILABLE, "payment not configured"),
    };
    let verified = SignatureHeaders::from_headers(&headers).and_then(|sig| {
        gateway
            .platform
            .verify_signed(&sig, &body, Utc::now().timestamp(), DEFAULT_MAX_SKEW_SECS)
    });
    if let Err(e) = verified {
        tracing::warn!(error = %e, "rejected a payment notification");
        log_notification(
            &state,
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
    let transaction = serde_json::from_slice::<Notification>(&body)
        .map_err(|e| e.to_string())
        .and_then(|n| {
            let plain =
                decrypt_resource(&gateway.api_v3_key, &n.resource).map_err(|e| e.to_string())?;
            let tx = serde_json::from_slice::<Transaction>(&plain).map_err(|e| e.to_string())?;
            Ok((n.id, tx))
        });
    let (id, tx) = match transaction {
        Ok(pair) => pair,
        Err(e) => {
            log_notification(&state, None, None, "rejected_payload", e.clone(), &body).await;
            return fail(StatusCode::BAD_REQUEST, "undecryptable resource");
        }
    };
    let outcome = service::mark_paid(&state.db, &gateway, &tx).await;
    let (label, response) = match &outcome {
        Ok(service::PaidOutcome::Paid) => ("paid", StatusCode::NO_CONTENT.into_response()),
        Ok(service::PaidOutcome::AlreadyPaid) => {
            ("already_paid", StatusCode::NO_CONTENT.into_response())
        }
        Ok(service::PaidOutcome::Duplicate) => {
            ("duplicate", StatusCode::NO_CONTENT.into_response())
        }
        Err(crate::error::AppError::Api(e)) if e.code == shared::error::ErrorCode::NotFound => (
            "unknown_order",
            fail(StatusCode::NOT_FOUND, "order not found"),
        ),
        Err(crate::error::AppError::Api(_)) => (
            "rejected_mismatch",
            fail(
                StatusCode::BAD_REQUEST,
                "transaction does not match the order",
            ),
        ),
        // Our own failure: ask WeChat Pay to send it again later.
        Err(crate::error::AppError::Internal(_)) => (
            "error",
            fail(StatusCode::INTERNAL_SERVER_ERROR, "temporary failure"),
        ),
    };
    let detail = match &outcome {
        Err(e) => e.to_string(),
        Ok(_) => format!(
            "{} {}",
            tx.trade_state,
            tx.amount.as_ref().map(|a| a.total).unwrap_or_default()
        ),
    };
    log_notification(
        &state,
        Some(id),
        Some(tx.out_trade_no.clone()),
        label,
        detail,
        &body,
    )
    .await;
    response
}
