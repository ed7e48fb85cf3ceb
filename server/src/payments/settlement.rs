//! Settlement (PRD §6.1, ARCHITECTURE §4 "Payment order"): an order becomes
//! paid exactly once — by the signed notification or by a query, whichever is
//! first — and the lost-notification poll that queries and closes open orders.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
};
use serde::Serialize;

use super::gateway::Gateway;
use super::signup::upstream;
use crate::audit::{self, Action, Actor, Target};
use crate::entity::{enrollments, payment_orders};
use crate::error::{AppError, AppResult};
use crate::integrations::wechat_pay::{TradeState, Transaction, WechatPayError};

/// What applying a verified transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaidOutcome {
    Paid,
    /// The order was paid before (a resent notification, or the poll came first).
    AlreadyPaid,
    /// The enrollment was already paid by another order: flagged for a refund decision.
    Duplicate,
    /// The transaction does not fit the order (merchant, state, amount): nothing applied, reason audited.
    Rejected(String),
}

/// Takes the order's row lock for the rest of the transaction, so that a
/// notification, a poll and a second instance settling the same order queue up
/// instead of interleaving. A write as the first statement also makes SQLite
/// take its write lock up front, where a read-then-write transaction could fail
/// with a stale snapshot.
async fn lock_order(txn: &impl ConnectionTrait, out_trade_no: &str) -> AppResult<()> {
    payment_orders::Entity::update_many()
        .col_expr(
            payment_orders::Column::UpdatedAt,
            Expr::col(payment_orders::Column::UpdatedAt),
        )
        .filter(payment_orders::Column::OutTradeNo.eq(out_trade_no))
        .exec(txn)
        .await?;
    Ok(())
}

/// Marks an order paid from a verified transaction (notification or query),
/// with its audit row, in the caller's transaction. Exactly once: the order
/// lock and the conditional updates make a second delivery, a racing query or
/// a second instance a no-op.
///
/// # Errors
/// Not found for an unknown `out_trade_no`; database errors.
pub async fn mark_paid(
    txn: &impl ConnectionTrait,
    gateway: &Gateway,
    tx: &Transaction,
) -> AppResult<PaidOutcome> {
    lock_order(txn, &tx.out_trade_no).await?;
    let order = payment_orders::Entity::find()
        .filter(payment_orders::Column::OutTradeNo.eq(tx.out_trade_no.as_str()))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("订单"))?;
    if order.status == payment_orders::PAID {
        return Ok(PaidOutcome::AlreadyPaid);
    }
    let amount = tx.amount.as_ref().map(|a| a.total);
    let mismatch = if tx.mchid != gateway.mch_id || tx.appid != gateway.app_id {
        Some(format!("商户号或应用ID不符：{} / {}", tx.mchid, tx.appid))
    } else if tx.state() != TradeState::Success {
        Some(format!("交易状态为 {}", tx.trade_state))
    } else if amount != Some(order.amount_fen)
        || tx.amount.as_ref().is_some_and(|a| a.currency != "CNY")
    {
        Some(format!(
            "金额不符：通知 {:?} 分，订单 {} 分",
            amount, order.amount_fen
        ))
    } else {
        None
    };
    if let Some(reason) = mismatch {
        audit::record(
            txn,
            &Actor::system(),
            Action::PaymentRejected,
            Target::order(order.id, &order.out_trade_no),
            reason.clone(),
        )
        .await?;
        return Ok(PaidOutcome::Rejected(reason));
    }

    let paid_at = tx
        .success_time
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let openid = tx.payer.as_ref().map(|p| p.openid.clone());
    let updated = payment_orders::Entity::update_many()
        .col_expr(
            payment_orders::Column::Status,
            Expr::value(payment_orders::PAID),
        )
        .col_expr(
            payment_orders::Column::TransactionId,
            Expr::value(tx.transaction_id.clone()),
        )
        .col_expr(payment_orders::Column::PaidAt, Expr::value(paid_at))
        .col_expr(payment_orders::Column::PayerOpenid, Expr::value(openid))
        .col_expr(payment_orders::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment_orders::Column::Id.eq(order.id))
        .filter(payment_orders::Column::Status.ne(payment_orders::PAID))
        .exec(txn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(PaidOutcome::AlreadyPaid);
    }
    let enrolled = enrollments::Entity::update_many()
        .col_expr(enrollments::Column::Status, Expr::value(enrollments::PAID))
        .col_expr(enrollments::Column::PaidOrderId, Expr::value(order.id))
        .col_expr(enrollments::Column::PaidAt, Expr::value(paid_at))
        .col_expr(
            enrollments::Column::AmountFen,
            Expr::value(order.amount_fen),
        )
        .col_expr(enrollments::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(enrollments::Column::Id.eq(order.enrollment_id))
        .filter(enrollments::Column::Status.ne(enrollments::PAID))
        .exec(txn)
        .await?;
    if enrolled.rows_affected == 1 {
        return Ok(PaidOutcome::Paid);
    }
    payment_orders::Entity::update_many()
        .col_expr(payment_orders::Column::Duplicate, Expr::value(true))
        .filter(payment_orders::Column::Id.eq(order.id))
        .exec(txn)
        .await?;
    let enrollment = enrollments::Entity::find_by_id(order.enrollment_id)
        .one(txn)
        .await?;
    let who = enrollment
        .map(|e| format!("{}（星球ID {}）", e.planet_nickname, e.planet_id))
        .unwrap_or_default();
    let details = format!(
        "{who} 已报名后再次支付 {}，订单号 {}，请决定是否退款",
        shared::money::format_fen(order.amount_fen),
        order.out_trade_no
    );
    audit::record(
        txn,
        &Actor::system(),
        Action::DuplicatePayment,
        Target::enrollment(order.enrollment_id, &who),
        details,
    )
    .await?;
    Ok(PaidOutcome::Duplicate)
}

/// [`mark_paid`] in a transaction of its own.
async fn mark_paid_now(
    db: &(impl ConnectionTrait + TransactionTrait),
    gateway: &Gateway,
    tx: &Transaction,
) -> AppResult<PaidOutcome> {
    let txn = db.begin().await?;
    let outcome = mark_paid(&txn, gateway, tx).await?;
    txn.commit().await?;
    Ok(outcome)
}

/// Asks WeChat Pay about an open order and applies the answer. `close_expired`
/// also closes an unpaid order past its lifetime.
pub async fn reconcile(
    db: &(impl ConnectionTrait + TransactionTrait),
    gateway: &Gateway,
    order: &payment_orders::Model,
    close_expired: bool,
) -> AppResult<Option<PaidOutcome>> {
    let expired = order.expires_at <= Utc::now();
    match gateway.client.query_order(&order.out_trade_no).await {
        Ok(tx) => match tx.state() {
            TradeState::Success => Ok(Some(mark_paid_now(db, gateway, &tx).await?)),
            TradeState::Closed | TradeState::Revoked => {
                set_closed(db, order.id).await?;
                Ok(None)
            }
            _ if expired && close_expired => {
                gateway
                    .client
                    .close_order(&order.out_trade_no)
                    .await
                    .map_err(upstream)?;
                set_closed(db, order.id).await?;
                Ok(None)
            }
            _ => Ok(None),
        },
        // Never reached WeChat Pay (the prepay failed): nothing to pay, close it once expired.
        Err(WechatPayError::Api { status: 404, .. }) if expired && close_expired => {
            set_closed(db, order.id).await?;
            Ok(None)
        }
        Err(e) => Err(upstream(e)),
    }
}

async fn set_closed(db: &impl ConnectionTrait, order_id: i64) -> AppResult<()> {
    payment_orders::Entity::update_many()
        .col_expr(
            payment_orders::Column::Status,
            Expr::value(payment_orders::CLOSED),
        )
        .col_expr(payment_orders::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment_orders::Column::Id.eq(order_id))
        .filter(payment_orders::Column::Status.eq(payment_orders::CREATED))
        .exec(db)
        .await?;
    Ok(())
}

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PollReport {
    pub checked: u32,
    pub paid: u32,
    pub duplicates: u32,
    pub closed: u32,
    pub errors: u32,
}

/// The safety net for lost notifications (PRD §6.1.4): every order still open
/// for a minute is queried; paid ones are recorded, expired ones closed.
pub async fn poll_pending(
    db: &(impl ConnectionTrait + TransactionTrait),
    gateway: &Gateway,
) -> AppResult<PollReport> {
    let orders = payment_orders::Entity::find()
        .filter(payment_orders::Column::Status.eq(payment_orders::CREATED))
        .filter(payment_orders::Column::CreatedAt.lt(Utc::now() - Duration::seconds(60)))
        .order_by_asc(payment_orders::Column::Id)
        .limit(1000)
        .all(db)
        .await?;
    let mut report = PollReport::default();
    for order in &orders {
        report.checked += 1;
        match reconcile(db, gateway, order, true).await {
            Ok(Some(PaidOutcome::Paid)) => report.paid += 1,
            Ok(Some(PaidOutcome::Duplicate)) => report.duplicates += 1,
            Ok(Some(PaidOutcome::AlreadyPaid)) => {}
            Ok(Some(PaidOutcome::Rejected(_))) => report.errors += 1,
            Ok(None) => {
                let now = payment_orders::Entity::find_by_id(order.id).one(db).await?;
                if now.is_some_and(|o| o.status == payment_orders::CLOSED) {
                    report.closed += 1;
                }
            }
            Err(e) => {
                tracing::warn!(order = %order.out_trade_no, error = %e, "could not reconcile an order");
                report.errors += 1;
            }
        }
    }
    Ok(report)
}
