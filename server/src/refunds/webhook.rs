//! WeChat Pay's refund notification (`POST /webhooks/wechatpay/refunds`),
//! read like the payment notification (`crate::payments::webhook`):
//!
//! - the body is capped at `payments::webhook::BODY_LIMIT`;
//! - the signature and its timestamp are verified before the body is read
//!   (`open_callback`); an unverified request is anyone's: answered 401,
//!   nothing of it is stored;
//! - a verified one is WeChat Pay's word: its event type must agree with the
//!   decrypted `refund_status`, its merchant with ours, its number, order and
//!   amount with our row; then it is applied through the state machine in one
//!   transaction. A duplicate changes nothing. Answered 204 — also when it
//!   cannot be applied (logged for a person; the polling query settles the
//!   row), because resending would not help. Only our own failure (the
//!   database) asks for a resend.

use crate::db::WriteTransaction;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use shared::refunds::reported;

use super::service::{RefundError, Said, apply, lock_by_number};
use crate::integrations::wechat_pay::{
    CallbackError, CallbackKind, DEFAULT_MAX_SKEW_SECS, RefundNotice, open_callback,
};
use crate::payments::gateway;
use crate::state::AppState;

/// Where WeChat Pay posts refund notifications (sent as `notify_url` with every refund).
pub const NOTIFY_PATH: &str = "/webhooks/wechatpay/refunds";

fn fail(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "code": "FAIL", "message": message })),
    )
        .into_response()
}

/// The refund notification webhook; see the module documentation.
pub async fn refund_notification(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let gateway = match gateway::current(&state).await {
        Ok(gateway) => gateway,
        Err(_) => return fail(StatusCode::SERVICE_UNAVAILABLE, "payment not configured"),
    };
    let opened = open_callback::<RefundNotice>(
        &gateway.platform,
        &gateway.api_v3_key,
        &headers,
        &body,
        Utc::now().timestamp(),
        DEFAULT_MAX_SKEW_SECS,
        CallbackKind::REFUND,
    );
    let callback = match opened {
        Err(CallbackError::Unverified(e)) => {
            tracing::warn!(error = %e, "rejected an unverified refund notification");
            return fail(StatusCode::UNAUTHORIZED, "signature verification failed");
        }
        Err(CallbackError::Unusable(why)) => {
            tracing::error!(error = %why, "a verified refund notification could not be read");
            return StatusCode::NO_CONTENT.into_response();
        }
        Ok(callback) => callback,
    };
    let notice = &callback.resource;
    if !notice.agrees_with(&callback.event_type) || notice.mchid != gateway.mch_id {
        tracing::error!(id = %callback.id, event = %callback.event_type, status = %notice.refund_status, mchid = %notice.mchid, "refund notification contradicts itself or names another merchant");
        return StatusCode::NO_CONTENT.into_response();
    }
    match record(&state, notice).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            // Our own failure: WeChat Pay sends it again later.
            tracing::error!(error = %e, refund = %notice.out_refund_no, "could not record a refund notification");
            fail(StatusCode::INTERNAL_SERVER_ERROR, "temporary failure")
        }
    }
}

/// Applies a verified notice to its refund row, in one transaction.
async fn record(state: &AppState, notice: &RefundNotice) -> Result<(), RefundError> {
    let txn = state.db.begin_write().await?;
    let row = match lock_by_number(&txn, &notice.out_refund_no).await {
        Ok(row) => row,
        Err(RefundError::NotFound(no)) => {
            tracing::error!(refund = %no, "refund notification for a number we never issued");
            return Ok(());
        }
        Err(other) => return Err(other),
    };
    if row.out_trade_no != notice.out_trade_no || row.amount_fen != notice.amount.refund {
        tracing::error!(refund = %row.out_refund_no, notice = ?notice, "refund notification disagrees with our refund");
        return Ok(());
    }
    let Some(event) = reported(&notice.refund_status) else {
        tracing::error!(refund = %row.out_refund_no, status = %notice.refund_status, "unknown refund status notified");
        return Ok(());
    };
    let said = Said {
        refund_id: Some(notice.refund_id.clone()),
        user_received_account: notice.user_received_account.clone(),
        failure: None,
    };
    match apply(&txn, row, event, said).await {
        Ok((stored, changed)) => {
            tracing::info!(refund = %stored.out_refund_no, status = %stored.status, changed, "refund notification applied");
        }
        Err(RefundError::Forbidden(forbidden)) => {
            tracing::warn!(refund = %notice.out_refund_no, %forbidden, "refund notification not applied");
        }
        Err(other) => return Err(other),
    }
    txn.commit().await?;
    Ok(())
}
