//! Sending one refund and learning its fate, the way that never pays twice:
//!
//! 1. [`send`] commits `submitting` (attempts + 1) *before* the call, sends the
//!    stored number and amounts, then records the answer in a second
//!    transaction — unless a notification already moved the row on, in which
//!    case the (older) answer is dropped.
//! 2. A timeout or connection error leaves `unknown`; [`refresh`] queries the
//!    number: "not found" (signed) makes it `pending` again (sendable under
//!    the same number), any status WeChat Pay reports is applied.
//!
//! Jobs (polling, batches, the one automatic retry) drive these; they carry
//! the `out_refund_no` and reload the row, so a repeated job is harmless.

use crate::db::WriteTransaction;
use sea_orm::DatabaseConnection;
use shared::refunds::{RefundEvent, RefundStatus, reported};

use super::service::{RefundError, Said, apply, lock_by_number, retryable_error};
use crate::entity::refunds;
use crate::integrations::wechat_pay::{Refund, RefundCallError, RefundRequest, WechatPayClient};

/// What WeChat Pay's refund object tells the row.
fn said_of(refund: &Refund) -> Said {
    Said {
        refund_id: Some(refund.refund_id.clone()),
        user_received_account: refund.user_received_account.clone(),
        failure: None,
    }
}

fn failure(error: &RefundCallError) -> Said {
    Said {
        failure: Some((error.code().to_owned(), error.message())),
        ..Said::default()
    }
}

/// Whether WeChat Pay's refund object is about this row (number, order, amount).
fn matches_row(refund: &Refund, row: &refunds::Model) -> bool {
    refund.out_refund_no == row.out_refund_no
        && refund.amount.refund == row.amount_fen
        && refund
            .out_trade_no
            .as_deref()
            .is_none_or(|no| no == row.out_trade_no)
}

/// The event a refund object stands for, and what to keep of it.
fn report_of(refund: &Refund) -> (RefundEvent, Said) {
    match reported(&refund.status) {
        Some(event) => (event, said_of(refund)),
        None => (
            RefundEvent::OutcomeUnknown,
            Said {
                failure: Some((
                    "unknown_status".into(),
                    format!("微信支付返回了未知的退款状态 {}", refund.status),
                )),
                ..said_of(refund)
            },
        ),
    }
}

/// Sends the refund `out_refund_no` (which must be `pending` or `retrying`)
/// and records the answer. Returns the row as it then stands.
///
/// # Errors
/// [`RefundError::Forbidden`] when the row may not be sent now (nothing is
/// sent), [`RefundError::NotFound`], [`RefundError::Db`]. WeChat Pay's
/// errors are not errors here: they are recorded on the row.
pub async fn send(
    db: &DatabaseConnection,
    client: &WechatPayClient,
    notify_url: &str,
    out_refund_no: &str,
) -> Result<refunds::Model, RefundError> {
    let txn = db.begin_write().await?;
    let row = lock_by_number(&txn, out_refund_no).await?;
    let (row, _) = apply(&txn, row, RefundEvent::Send, Said::default()).await?;
    txn.commit().await?;

    let request = RefundRequest {
        out_trade_no: row.out_trade_no.clone(),
        out_refund_no: row.out_refund_no.clone(),
        reason: row.reason.clone(),
        notify_url: notify_url.to_owned(),
        refund_fen: row.amount_fen,
        total_fen: row.total_fen,
    };
    let answer = client.create_refund(&request).await;

    let txn = db.begin_write().await?;
    let current = lock_by_number(&txn, out_refund_no).await?;
    if current.status != RefundStatus::Submitting.as_str() {
        // A notification (or a query) overtook the answer: it is newer.
        tracing::info!(refund = %out_refund_no, status = %current.status, "refund answer arrived after the refund moved on");
        txn.commit().await?;
        return Ok(current);
    }
    let (event, said) = match &answer {
        Ok(refund) if matches_row(refund, &current) => report_of(refund),
        Ok(refund) => (
            RefundEvent::OutcomeUnknown,
            Said {
                failure: Some((
                    "answer_mismatch".into(),
                    format!(
                        "微信支付的应答与退款单不符（{} / {}分）",
                        refund.out_refund_no, refund.amount.refund
                    ),
                )),
                ..Said::default()
            },
        ),
        Err(error @ RefundCallError::Unknown(_)) => (RefundEvent::OutcomeUnknown, failure(error)),
        Err(error @ RefundCallError::Retryable { .. }) => {
            (retryable_error(current.attempts), failure(error))
        }
        Err(error @ RefundCallError::Final { .. }) => (RefundEvent::FinalError, failure(error)),
    };
    let (row, _) = apply(&txn, current, event, said).await?;
    txn.commit().await?;
    Ok(row)
}

/// Asks WeChat Pay about `out_refund_no` and applies what it says. A row left
/// `submitting` (a crash mid-call) is first marked `unknown`. A stale or
/// contradicting report is logged and changes nothing.
///
/// # Errors
/// [`RefundError::Upstream`] when the query itself fails (the row is
/// unchanged: ask again later), [`RefundError::NotFound`], [`RefundError::Db`].
pub async fn refresh(
    db: &DatabaseConnection,
    client: &WechatPayClient,
    out_refund_no: &str,
) -> Result<refunds::Model, RefundError> {
    let txn = db.begin_write().await?;
    let row = lock_by_number(&txn, out_refund_no).await?;
    if row.status == RefundStatus::Submitting.as_str() {
        let said = Said {
            failure: Some(("unknown_outcome".into(), "提交后未得到应答，需查询".into())),
            ..Said::default()
        };
        apply(&txn, row, RefundEvent::OutcomeUnknown, said).await?;
    }
    txn.commit().await?;

    let answer = client
        .query_refund(out_refund_no)
        .await
        .map_err(RefundError::Upstream)?;

    let txn = db.begin_write().await?;
    let current = lock_by_number(&txn, out_refund_no).await?;
    let (event, said) = match &answer {
        None => (RefundEvent::NotFound, Said::default()),
        Some(refund) if matches_row(refund, &current) => report_of(refund),
        Some(refund) => {
            tracing::error!(refund = %out_refund_no, answer = ?refund, "refund query answered about another refund");
            txn.commit().await?;
            return Ok(current);
        }
    };
    let stored = match apply(&txn, current.clone(), event, said).await {
        Ok((stored, _)) => stored,
        Err(RefundError::Forbidden(forbidden)) => {
            // e.g. PROCESSING from a query that crossed a SUCCESS notification.
            tracing::warn!(refund = %out_refund_no, %forbidden, "refund query answer not applied");
            current
        }
        Err(other) => return Err(other),
    };
    txn.commit().await?;
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::wechat_pay::RefundAmount;

    fn refund(status: &str) -> Refund {
        Refund {
            refund_id: "50000000382019052709732678859".into(),
            out_refund_no: "RF1".into(),
            transaction_id: None,
            out_trade_no: Some("CAMP1".into()),
            channel: None,
            user_received_account: Some("支付用户零钱".into()),
            success_time: None,
            create_time: None,
            status: status.into(),
            funds_account: None,
            amount: RefundAmount {
                total: 9900,
                refund: 9900,
                payer_total: None,
                payer_refund: None,
                settlement_refund: None,
                settlement_total: None,
                discount_refund: None,
                currency: None,
            },
        }
    }

    #[test]
    fn an_unknown_wechat_status_is_an_unknown_outcome() {
        assert_eq!(
            report_of(&refund("SUCCESS")).0,
            RefundEvent::ReportedSuccess
        );
        let (event, said) = report_of(&refund("REVOKED"));
        assert_eq!(event, RefundEvent::OutcomeUnknown);
        assert_eq!(said.failure.map(|f| f.0).as_deref(), Some("unknown_status"));
    }
}
