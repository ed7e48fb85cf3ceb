use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use shared::api::{OrderView, PayOptions, SignUpRequest, SignUpResponse};
use shared::roles::Area;

use super::member::{MEMBER_COOKIE, MemberToken, set_cookie};
use super::settlement::{self, PollReport};
use super::{gateway, orders, signup};
use crate::audit::{self, Action, Target};
use crate::auth::Staff;
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, ClientIp};
use crate::state::AppState;
use crate::wechat_oauth;

/// Which payment methods are offered.
#[utoipa::path(get, path = "/api/v1/pay/options", tag = "enrollment", responses((status = 200, body = PayOptions)))]
pub async fn pay_options(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<PayOptions>> {
    let gateway = gateway::current(&state).await?;
    let mut options = signup::pay_options(
        &gateway,
        wechat_oauth::openid(&state, &headers).await.is_some(),
    );
    // After a failed OAuth round trip this browser pays another way, not round OAuth again.
    options.jsapi &= !wechat_oauth::failed_here(&headers);
    Ok(Json(options))
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
