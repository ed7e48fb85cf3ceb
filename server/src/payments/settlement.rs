//! Settlement (PRD §6.1, ARCHITECTURE §4 "Payment order"): an order becomes
//! paid exactly once — by the signed notification or by a query, whichever is
//! first — and the lost-notification poll that queries and closes open orders.

use crate::db::WriteTransaction;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
};
use serde::Serialize;

use super::access::bind_token;
use super::gateway::Gateway;
use super::signup::upstream;
use crate::audit::{self, Action, Actor, Target};
use crate::entity::{camps, enrollments, payment_orders};
use crate::error::AppResult;
use crate::integrations::wechat_pay::{TradeState, Transaction, WechatPayError};

/// What applying a verified transaction did. Every outcome is final for WeChat
/// Pay (the notification is answered 204): money it says was paid is never
/// bounced, only recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaidOutcome {
    Paid,
    /// The order was paid before (a resent notification, or the poll came first).
    AlreadyPaid,
    /// The enrollment was already paid by another order: flagged for a refund decision.
    Duplicate,
    /// Paid, but it cannot count (another merchant or AppID, another amount, an
    /// old price, a refunded state, an unknown order): the order is paid with
    /// this reason for an admin, the enrollment untouched.
    NeedsReview(String),
    /// A state in which no money moved (NOTPAY, CLOSED, …): nothing to apply.
    NotPaid,
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

/// The one place a paid-needs-review payment is announced, in the
/// transaction that records it: the audit row, and through the outbox the
/// admin alert (a refund decision) — nothing is announced if the transaction
/// rolls back. Duplicates announce themselves the same way (their own alert).
async fn announce_for_review(
    txn: &impl ConnectionTrait,
    target: Target,
    out_trade_no: &str,
    reason: &str,
) -> AppResult<()> {
    audit::record(
        txn,
        &Actor::system(),
        Action::PaymentNeedsReview,
        target,
        format!("已收款但未计入报名，请核对后决定是否退款：{reason}"),
    )
    .await?;
    crate::outbox::enqueue(
        txn,
        &crate::alerts::PaymentReviewAlert {
            out_trade_no: out_trade_no.chars().take(64).collect(),
            reason: reason.to_owned(),
        },
    )
    .await?;
    Ok(())
}

/// Why a verified payment cannot count for its order, if it cannot (PRD §9.1:
/// the amount must equal the camp's deposit; the merchant and AppID must be the
/// order's own). `deposit_fen` is the camp's deposit now.
fn review_reason(
    order: &payment_orders::Model,
    gateway: &Gateway,
    tx: &Transaction,
    deposit_fen: Option<i64>,
) -> Option<String> {
    let mut reasons = Vec::new();
    let app_id = order.app_id.as_deref().unwrap_or(&gateway.app_id);
    let mch_id = order.mch_id.as_deref().unwrap_or(&gateway.mch_id);
    if tx.appid != app_id || tx.mchid != mch_id {
        reasons.push(format!(
            "商户号或应用ID与订单不符：通知 {} / {}，订单 {mch_id} / {app_id}",
            tx.mchid, tx.appid
        ));
    }
    if tx.state() != TradeState::Success {
        reasons.push(format!("交易状态为 {}", tx.trade_state));
    }
    let paid = tx.amount.as_ref().map(|a| a.total);
    if paid != Some(order.amount_fen) || tx.amount.as_ref().is_some_and(|a| a.currency != "CNY") {
        reasons.push(format!(
            "金额不符：实付 {}，订单 {}",
            paid.map_or_else(|| "未知".to_owned(), shared::money::format_fen),
            shared::money::format_fen(order.amount_fen)
        ));
    } else if let Some(deposit) = deposit_fen
        && deposit != order.amount_fen
    {
        reasons.push(format!(
            "按旧押金 {} 支付，训练营押金现为 {}",
            shared::money::format_fen(order.amount_fen),
            shared::money::format_fen(deposit)
        ));
    }
    (!reasons.is_empty()).then(|| reasons.join("；"))
}

/// Applies a verified transaction (notification or query) to its order, with
/// its audit row, in the caller's transaction. Exactly once: the order lock and
/// the conditional updates make a second delivery, a racing query or a second
/// instance a no-op. What cannot count is recorded as paid-needs-review, never
/// refused (issue 6 item 2).
///
/// # Errors
/// Database errors only.
pub async fn mark_paid(
    txn: &impl ConnectionTrait,
    gateway: &Gateway,
    tx: &Transaction,
) -> AppResult<PaidOutcome> {
    if !matches!(tx.state(), TradeState::Success | TradeState::Refund) {
        return Ok(PaidOutcome::NotPaid);
    }
    lock_order(txn, &tx.out_trade_no).await?;
    let Some(order) = payment_orders::Entity::find()
        .filter(payment_orders::Column::OutTradeNo.eq(tx.out_trade_no.as_str()))
        .one(txn)
        .await?
    else {
        let reason = format!(
            "未知订单号 {}：微信支付交易号 {}，金额 {}，商户号 {}",
            tx.out_trade_no,
            tx.transaction_id.as_deref().unwrap_or("-"),
            tx.amount
                .as_ref()
                .map_or_else(|| "未知".to_owned(), |a| shared::money::format_fen(a.total)),
            tx.mchid
        );
        announce_for_review(
            txn,
            Target::system(&tx.out_trade_no),
            &tx.out_trade_no,
            &reason,
        )
        .await?;
        return Ok(PaidOutcome::NeedsReview(reason));
    };
    if order.status == payment_orders::PAID {
        return Ok(PaidOutcome::AlreadyPaid);
    }
    let deposit_fen = camps::Entity::find_by_id(order.camp_id)
        .one(txn)
        .await?
        .map(|c| c.deposit_fen);
    let review = review_reason(&order, gateway, tx, deposit_fen);

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
        .col_expr(
            payment_orders::Column::ReviewReason,
            Expr::value(review.clone()),
        )
        .col_expr(payment_orders::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment_orders::Column::Id.eq(order.id))
        .filter(payment_orders::Column::Status.ne(payment_orders::PAID))
        .exec(txn)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(PaidOutcome::AlreadyPaid);
    }
    if let Some(reason) = review {
        announce_for_review(
            txn,
            Target::order(order.id, &order.out_trade_no),
            &order.out_trade_no,
            &reason,
        )
        .await?;
        return Ok(PaidOutcome::NeedsReview(reason));
    }

    let mut enrolled = enrollments::Entity::update_many()
        .col_expr(enrollments::Column::Status, Expr::value(enrollments::PAID))
        .col_expr(enrollments::Column::PaidOrderId, Expr::value(order.id))
        .col_expr(enrollments::Column::PaidAt, Expr::value(paid_at))
        .col_expr(
            enrollments::Column::AmountFen,
            Expr::value(order.amount_fen),
        )
        .col_expr(enrollments::Column::UpdatedAt, Expr::value(Utc::now()));
    // The record keeps the names of the order that was paid (issue 6 item 5).
    if let (Some(planet), Some(wechat)) = (&order.planet_nickname, &order.wechat_nickname) {
        enrolled = enrolled
            .col_expr(
                enrollments::Column::PlanetNickname,
                Expr::value(planet.clone()),
            )
            .col_expr(
                enrollments::Column::WechatNickname,
                Expr::value(wechat.clone()),
            );
    }
    let enrolled = enrolled
        .filter(enrollments::Column::Id.eq(order.enrollment_id))
        .filter(enrollments::Column::Status.ne(enrollments::PAID))
        .exec(txn)
        .await?;
    let enrollment = enrollments::Entity::find_by_id(order.enrollment_id)
        .one(txn)
        .await?;
    let who = enrollment
        .as_ref()
        .map(|e| format!("{}（星球ID {}）", e.planet_nickname, e.planet_id))
        .unwrap_or_default();
    // The browser that paid may see the enrollment (also a duplicate payer: it paid too).
    bind_token(txn, &order.member_token_hash, order.enrollment_id).await?;
    if enrolled.rows_affected == 1 {
        audit::record(
            txn,
            &Actor::system(),
            Action::PaymentReceived,
            Target::enrollment(order.enrollment_id, &who),
            format!(
                "收到押金 {}，订单号 {}",
                shared::money::format_fen(order.amount_fen),
                order.out_trade_no
            ),
        )
        .await?;
        // The new member is matched to a planet account (and counted) through the outbox.
        if let Some(enrollment) = &enrollment {
            crate::outbox::enqueue(
                txn,
                &crate::checkins::MatchCamp {
                    camp_id: enrollment.camp_id,
                },
            )
            .await?;
        }
        return Ok(PaidOutcome::Paid);
    }
    payment_orders::Entity::update_many()
        .col_expr(payment_orders::Column::Duplicate, Expr::value(true))
        .filter(payment_orders::Column::Id.eq(order.id))
        .exec(txn)
        .await?;
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
    // The admin alert follows through the outbox: written in this transaction, relayed after commit.
    crate::outbox::enqueue(
        txn,
        &crate::alerts::DuplicatePaymentAlert { order_id: order.id },
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
    let txn = db.begin_write().await?;
    let outcome = mark_paid(&txn, gateway, tx).await?;
    txn.commit().await?;
    Ok(outcome)
}

/// Asks WeChat Pay about an open order and applies the answer. With `close`,
/// an order still unpaid is closed (at WeChat Pay first): past its lifetime, or
/// at a price that is no longer the camp's deposit (PRD §9.1).
pub async fn reconcile(
    db: &(impl ConnectionTrait + TransactionTrait),
    gateway: &Gateway,
    order: &payment_orders::Model,
    close: bool,
) -> AppResult<Option<PaidOutcome>> {
    match gateway.client.query_order(&order.out_trade_no).await {
        Ok(tx) => match tx.state() {
            TradeState::Success | TradeState::Refund => {
                Ok(Some(mark_paid_now(db, gateway, &tx).await?))
            }
            TradeState::Closed | TradeState::Revoked => {
                set_closed(db, order.id).await?;
                Ok(None)
            }
            _ if close => close_open_order(db, gateway, order).await,
            _ => Ok(None),
        },
        // Never reached WeChat Pay (the prepay failed): nothing to pay.
        Err(WechatPayError::Api { status: 404, .. }) if close => {
            set_closed(db, order.id).await?;
            Ok(None)
        }
        Err(e) => Err(upstream(e)),
    }
}

/// Closes an open order at WeChat Pay, then here, so it can never be paid
/// (superseded by a new sign-up, expired, or at an old price). When WeChat Pay
/// refuses because it was paid meanwhile, the payment is applied instead and
/// its outcome returned.
///
/// # Errors
/// WeChat Pay unreachable (the order stays open and is retried later).
pub async fn close_open_order(
    db: &(impl ConnectionTrait + TransactionTrait),
    gateway: &Gateway,
    order: &payment_orders::Model,
) -> AppResult<Option<PaidOutcome>> {
    if order.pay_data.is_some()
        && let Err(e) = gateway.client.close_order(&order.out_trade_no).await
    {
        // Paid meanwhile, closed already, or never known there: the query says which.
        match gateway.client.query_order(&order.out_trade_no).await {
            Ok(tx) if matches!(tx.state(), TradeState::Success | TradeState::Refund) => {
                return Ok(Some(mark_paid_now(db, gateway, &tx).await?));
            }
            Ok(tx) if matches!(tx.state(), TradeState::Closed | TradeState::Revoked) => {}
            Err(WechatPayError::Api { status: 404, .. }) => {}
            _ => return Err(upstream(e)),
        }
    }
    set_closed(db, order.id).await?;
    Ok(None)
}

/// Marks an open order closed here (a no-op for any other state).
pub(super) async fn set_closed(db: &impl ConnectionTrait, order_id: i64) -> AppResult<()> {
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
    /// Paid, but not counted: see the order's review reason.
    pub needs_review: u32,
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
    let camp_ids: Vec<i64> = orders.iter().map(|o| o.camp_id).collect();
    let deposits: std::collections::HashMap<i64, i64> = camps::Entity::find()
        .filter(camps::Column::Id.is_in(camp_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.deposit_fen))
        .collect();
    let mut report = PollReport::default();
    for order in &orders {
        report.checked += 1;
        let old_price = deposits
            .get(&order.camp_id)
            .is_some_and(|d| *d != order.amount_fen);
        let close = old_price || order.expires_at <= Utc::now();
        match reconcile(db, gateway, order, close).await {
            Ok(Some(PaidOutcome::Paid)) => report.paid += 1,
            Ok(Some(PaidOutcome::Duplicate)) => report.duplicates += 1,
            Ok(Some(PaidOutcome::AlreadyPaid)) => {}
            Ok(Some(PaidOutcome::NeedsReview(_))) => report.needs_review += 1,
            Ok(Some(PaidOutcome::NotPaid)) => {}
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
