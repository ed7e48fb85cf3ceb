//! The member's order page: its status (checked with WeChat Pay while open) and
//! how to pay it.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use shared::api::{OrderStatus, OrderView, PayAction};

use super::access::order_for_member;
use super::gateway::Gateway;
use super::settlement::reconcile;
use super::signup::pay_action;
use crate::entity::{camps, payment_orders};
use crate::error::{AppError, AppResult};

/// The order's status as the API shows it.
pub fn status_of(order: &payment_orders::Model) -> OrderStatus {
    match order.status.as_str() {
        payment_orders::PAID if order.review_reason.is_some() => OrderStatus::NeedsReview,
        payment_orders::PAID => OrderStatus::Paid,
        payment_orders::CLOSED => OrderStatus::Closed,
        _ => OrderStatus::Created,
    }
}

/// How often the member's page may make WeChat Pay query one order (issue 6
/// item 8): the page polls every few seconds, a signed query each time would not do.
pub const QUERY_INTERVAL_SECS: i64 = 5;

/// Claims this order's next WeChat Pay query: true at most once per
/// [`QUERY_INTERVAL_SECS`], also across instances (a conditional update).
async fn claim_query(db: &impl ConnectionTrait, order_id: i64) -> AppResult<bool> {
    let now = Utc::now();
    let claimed = payment_orders::Entity::update_many()
        .col_expr(payment_orders::Column::QueriedAt, Expr::value(now))
        .filter(payment_orders::Column::Id.eq(order_id))
        .filter(
            Condition::any()
                .add(payment_orders::Column::QueriedAt.is_null())
                .add(
                    payment_orders::Column::QueriedAt
                        .lt(now - Duration::seconds(QUERY_INTERVAL_SECS)),
                ),
        )
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// The member's order; an open one is checked with WeChat Pay (at most every
/// few seconds) so the page moves on even when the notification is late.
///
/// # Errors
/// Not found unless this browser's token is bound to the order's enrollment.
pub async fn order_view(
    db: &(impl ConnectionTrait + TransactionTrait),
    gateway: &Gateway,
    out_trade_no: &str,
    token: Option<&str>,
) -> AppResult<OrderView> {
    let mut order = order_for_member(db, out_trade_no, token).await?;
    let camp = camps::Entity::find_by_id(order.camp_id).one(db).await?;
    if order.status == payment_orders::CREATED
        && order.pay_data.is_some()
        && claim_query(db, order.id).await?
    {
        // An order at a price that is no longer the deposit is not payable (PRD §9.1).
        let old_price = camp
            .as_ref()
            .is_some_and(|c| c.deposit_fen != order.amount_fen);
        match reconcile(db, gateway, &order, old_price).await {
            Ok(_) => order = order_for_member(db, out_trade_no, token).await?,
            Err(e) => tracing::debug!(error = %e, "order query failed; showing the stored state"),
        }
    }
    let status = status_of(&order);
    let pay = if status == OrderStatus::Created {
        pay_action(gateway, &order)?
    } else {
        None
    };
    Ok(OrderView {
        out_trade_no: order.out_trade_no,
        status,
        enrollment_id: order.enrollment_id,
        camp_id: order.camp_id,
        camp_name: camp.map(|c| c.name).unwrap_or_default(),
        amount_fen: order.amount_fen,
        pay,
    })
}

/// The `code_url` of an open Native order, for its QR code.
pub async fn order_qr_text(
    db: &impl ConnectionTrait,
    gateway: &Gateway,
    out_trade_no: &str,
    token: Option<&str>,
) -> AppResult<String> {
    let order = order_for_member(db, out_trade_no, token).await?;
    match pay_action(gateway, &order)? {
        Some(PayAction::Native { code_url }) if order.status == payment_orders::CREATED => {
            Ok(code_url)
        }
        _ => Err(AppError::not_found("支付二维码")),
    }
}
