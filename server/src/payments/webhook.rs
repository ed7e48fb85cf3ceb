//! WeChat Pay's payment notification (`POST /webhooks/wechatpay/transactions`).
//!
//! - The body is capped at [`BODY_LIMIT`] (a real notification is about 1 KB).
//! - An unverified request (bad or missing signature, stale timestamp) is
//!   anyone's: it is answered 401 and leaves only its digest, size and source
//!   address; more than [`UNVERIFIED_PER_MINUTE`] from one address in a minute
//!   are answered 429 and leave nothing.
//! - A verified one is WeChat Pay's word: never throttled, always answered 204
//!   (money WeChat says was paid is never bounced, issue 6 item 2), applied
//!   once, and logged with its sealed body in the same database transaction.
//!   Only our own failure (the database) asks for a resend.

use crate::db::WriteTransaction;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};

use super::gateway::{self, Gateway};
use super::settlement::{self, PaidOutcome};
use crate::audit::{self, Action, Actor, Target};
use crate::entity::payment_notifications;
use crate::error::AppResult;
use crate::extract::ClientIp;
use crate::integrations::wechat_pay::{
    CallbackError, CallbackKind, DEFAULT_MAX_SKEW_SECS, Transaction, open_callback,
};
use crate::secrets;
use crate::state::AppState;

/// Bytes; larger bodies are refused (413) before anything is read into the handler.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Unverified requests one address may leave a trace of per minute.
pub const UNVERIFIED_PER_MINUTE: u64 = 10;

fn fail(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "code": "FAIL", "message": message })),
    )
        .into_response()
}

/// One line in the notification log. `sealed` is the body sealed under the
/// master key, or empty when the body must not be kept.
struct LogLine<'a> {
    notification_id: Option<String>,
    out_trade_no: Option<String>,
    outcome: &'a str,
    detail: String,
    sealed: String,
}

async fn log(
    db: &impl ConnectionTrait,
    line: LogLine<'_>,
    body: &[u8],
    source: &str,
) -> AppResult<()> {
    payment_notifications::ActiveModel {
        received_at: Set(Utc::now()),
        notification_id: Set(line.notification_id),
        out_trade_no: Set(line.out_trade_no),
        outcome: Set(line.outcome.to_owned()),
        detail: Set(line.detail),
        body_sealed: Set(line.sealed),
        source_address: Set(Some(source.chars().take(64).collect())),
        body_sha256: Set(Some(format!("{:x}", Sha256::digest(body)))),
        body_size: Set(Some(i64::try_from(body.len()).unwrap_or(i64::MAX))),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The payment notification webhook; see the module documentation.
pub async fn transaction_notification(
    State(state): State<AppState>,
    ClientIp(source): ClientIp,
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
    let result = match opened {
        Err(CallbackError::Unverified(e)) => {
            return unverified(&state, &source, &body, &e.to_string()).await;
        }
        Err(CallbackError::Unusable(why)) => unusable(&state, &source, &body, why).await,
        Ok(callback) => {
            apply(
                &state,
                &gateway,
                &source,
                &callback.id,
                &callback.resource,
                &body,
            )
            .await
        }
    };
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            // Our own failure: WeChat Pay sends it again later.
            tracing::error!(error = %e, "could not record a payment notification");
            fail(StatusCode::INTERNAL_SERVER_ERROR, "temporary failure")
        }
    }
}

/// Not WeChat Pay: a digest, the size and the address, within the address's budget.
async fn unverified(state: &AppState, source: &str, body: &[u8], why: &str) -> Response {
    tracing::warn!(%source, error = %why, "rejected an unverified payment notification");
    let recent = payment_notifications::Entity::find()
        .filter(payment_notifications::Column::SourceAddress.eq(source))
        .filter(payment_notifications::Column::Outcome.eq(REJECTED_SIGNATURE))
        .filter(payment_notifications::Column::ReceivedAt.gt(Utc::now() - Duration::minutes(1)))
        .count(&state.db)
        .await;
    match recent {
        Ok(n) if n < UNVERIFIED_PER_MINUTE => {
            let line = LogLine {
                notification_id: None,
                out_trade_no: None,
                outcome: REJECTED_SIGNATURE,
                detail: why.chars().take(200).collect(),
                sealed: String::new(),
            };
            if let Err(e) = log(&state.db, line, body, source).await {
                tracing::error!(error = %e, "could not log a rejected notification");
            }
            fail(StatusCode::UNAUTHORIZED, "signature verification failed")
        }
        Ok(_) => fail(
            StatusCode::TOO_MANY_REQUESTS,
            "too many unverified requests",
        ),
        Err(e) => {
            tracing::error!(error = %e, "could not count rejected notifications");
            fail(StatusCode::UNAUTHORIZED, "signature verification failed")
        }
    }
}

const REJECTED_SIGNATURE: &str = "rejected_signature";

/// WeChat Pay's, but not a payment we can read (another event type, a resource
/// that does not decrypt — e.g. after an APIv3 key change): kept for an admin;
/// the poll finds the payment itself by querying.
async fn unusable(state: &AppState, source: &str, body: &[u8], why: String) -> AppResult<()> {
    tracing::warn!(error = %why, "a verified payment notification could not be read");
    let txn = state.db.begin_write().await?;
    let line = LogLine {
        notification_id: None,
        out_trade_no: None,
        outcome: "unusable",
        detail: why.clone(),
        sealed: secrets::seal(&state.keys.secrets, body)?,
    };
    log(&txn, line, body, source).await?;
    audit::record(
        &txn,
        &Actor::system(),
        Action::PaymentNeedsReview,
        Target::system("支付通知"),
        format!("无法解读的支付通知：{why}"),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Applies a verified transaction and logs it, in one database transaction.
async fn apply(
    state: &AppState,
    gateway: &Gateway,
    source: &str,
    id: &str,
    tx: &Transaction,
    body: &[u8],
) -> AppResult<()> {
    let txn = state.db.begin_write().await?;
    let outcome = settlement::mark_paid(&txn, gateway, tx).await?;
    let (label, detail) = match &outcome {
        PaidOutcome::Paid => ("paid", String::new()),
        PaidOutcome::AlreadyPaid => ("already_paid", String::new()),
        PaidOutcome::Duplicate => ("duplicate", String::new()),
        PaidOutcome::NeedsReview(reason) => ("needs_review", reason.clone()),
        PaidOutcome::NotPaid => ("not_paid", String::new()),
    };
    let line = LogLine {
        notification_id: Some(id.chars().take(64).collect()),
        out_trade_no: Some(tx.out_trade_no.chars().take(32).collect()),
        outcome: label,
        detail: format!(
            "{} {} {detail}",
            tx.trade_state,
            tx.amount.as_ref().map(|a| a.total).unwrap_or_default()
        ),
        sealed: secrets::seal(&state.keys.secrets, body)?,
    };
    log(&txn, line, body, source).await?;
    txn.commit().await?;
    Ok(())
}
