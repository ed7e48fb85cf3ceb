//! Refund rows: creating one for a paid order under the order's lock, and
//! changing one's status through the state machine (`shared::refunds`).
//! Functions take a connection or transaction so callers compose them: the
//! approval writes its refund rows in its own transaction.

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
};
use shared::error::{ApiError, ErrorCode};
use shared::refunds::{ForbiddenTransition, RefundEvent, RefundStatus};

use crate::entity::{payment_orders, refunds};
use crate::error::AppError;

/// WeChat Pay refunds orders paid within the last year only (wechatpay.md §2.6).
pub const REFUND_WINDOW_DAYS: i64 = 365;

/// Create calls per number before a retryable error becomes 需人工处理: the
/// first call and one automatic retry (issue 10, PRD).
pub const MAX_AUTOMATIC_ATTEMPTS: i32 = 2;

/// What a new refund is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    /// `payment_orders.id` of a paid order.
    pub payment_order_id: i64,
    /// Fen, > 0; with the order's other refunds that hold money, ≤ what it paid.
    pub amount_fen: i64,
    /// Sent as WeChat Pay's `reason` (the member sees it), ≤ 80 bytes.
    pub reason: Option<String>,
    /// The staff member who approved it (`users.id`), `None` for the system.
    pub created_by: Option<i64>,
}

/// Why a refund could not be created or changed. `Display` is for the log;
/// people see [`RefundError::message`].
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("payment order {0} not found")]
    OrderNotFound(i64),
    #[error("payment order {0} is not paid")]
    OrderNotPaid(i64),
    #[error("payment order {0} was paid more than a year ago")]
    OrderTooOld(i64),
    #[error("refund amount must be positive, got {0}")]
    InvalidAmount(i64),
    /// The order's refunds would exceed what it paid (found by us or by the
    /// database trigger).
    #[error("refund of {requested} fen exceeds the {refundable} fen still refundable")]
    ExceedsPaid { requested: i64, refundable: i64 },
    #[error("refund {0} not found")]
    NotFound(String),
    #[error(transparent)]
    Forbidden(#[from] ForbiddenTransition),
    #[error("refund status {0:?} is not a known status")]
    CorruptStatus(String),
    /// The row's status changed since it was read (another writer got there
    /// first); nothing was written. Read it again, under its lock.
    #[error("refund {0} changed since it was read")]
    Stale(String),
    /// WeChat Pay could not be asked (a query failed); nothing was changed.
    #[error(transparent)]
    Upstream(crate::integrations::wechat_pay::RefundCallError),
    #[error(transparent)]
    Db(DbErr),
}

impl From<DbErr> for RefundError {
    fn from(err: DbErr) -> Self {
        // The trigger's words (see the migration): the database refused a sum over the paid amount.
        if err.to_string().contains("refunds_exceed_paid") {
            return Self::ExceedsPaid {
                requested: 0,
                refundable: 0,
            };
        }
        Self::Db(err)
    }
}

impl RefundError {
    /// The stable code clients match on (`None` for a database failure,
    /// which is internal).
    pub fn code(&self) -> Option<ErrorCode> {
        Some(match self {
            Self::OrderNotFound(_) | Self::NotFound(_) => ErrorCode::NotFound,
            Self::OrderNotPaid(_) | Self::OrderTooOld(_) => ErrorCode::RefundNotAllowed,
            Self::InvalidAmount(_) => ErrorCode::Validation,
            Self::ExceedsPaid { .. } => ErrorCode::RefundExceedsPaid,
            Self::Forbidden(_) | Self::Stale(_) => ErrorCode::RefundStateConflict,
            Self::Upstream(_) => ErrorCode::Upstream,
            Self::CorruptStatus(_) | Self::Db(_) => return None,
        })
    }

    /// What people read (Simplified Chinese).
    pub fn message(&self) -> String {
        match self {
            Self::OrderNotFound(_) => "支付订单不存在".into(),
            Self::NotFound(_) => "退款记录不存在".into(),
            Self::OrderNotPaid(_) => "该订单未支付，不能退款".into(),
            Self::OrderTooOld(_) => "该订单支付已超过一年，微信支付不再受理退款，请线下处理".into(),
            Self::InvalidAmount(_) => "退款金额必须大于0".into(),
            Self::ExceedsPaid {
                requested,
                refundable,
            } if *requested > 0 => format!(
                "退款金额{}超过订单可退金额{}",
                shared::money::format_fen(*requested),
                shared::money::format_fen(*refundable)
            ),
            Self::ExceedsPaid { .. } => ErrorCode::RefundExceedsPaid.default_message().into(),
            Self::Forbidden(f) => format!("退款状态为“{}”，不能执行此操作", f.from.label()),
            Self::Stale(_) => "退款状态刚刚已被更新，请刷新后重试".into(),
            Self::Upstream(e) => format!("查询微信支付失败：{}", e.message()),
            Self::CorruptStatus(_) | Self::Db(_) => ErrorCode::Internal.default_message().into(),
        }
    }
}

impl From<RefundError> for AppError {
    fn from(err: RefundError) -> Self {
        match (err.code(), err) {
            (_, RefundError::Db(db)) => AppError::from(db),
            (Some(code), err) => AppError::Api(ApiError::with_message(code, err.message())),
            (None, err) => AppError::Internal(anyhow::Error::new(err)),
        }
    }
}

/// A new `out_refund_no`: `RF`, the Beijing time to the second, 12 random
/// letters and digits — 28 of WeChat Pay's `[0-9A-Za-z_-|*@]`, ≤ 64.
pub fn new_out_refund_no(now: DateTime<Utc>) -> String {
    let stamp = now
        .with_timezone(&shared::dates::BUSINESS_TZ)
        .format("%Y%m%d%H%M%S");
    let tail: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(char::from)
        .collect();
    format!("RF{stamp}{tail}")
}

/// Takes the order row's write lock (a no-op update): on PostgreSQL a row
/// lock that concurrent refunds of the same order queue on; on SQLite the
/// database's write lock, taken before anything is read, so the read below
/// cannot go stale (and a reader-turned-writer is never refused as busy).
async fn lock_order(db: &impl ConnectionTrait, order_id: i64) -> Result<bool, RefundError> {
    let locked = payment_orders::Entity::update_many()
        .col_expr(
            payment_orders::Column::UpdatedAt,
            Expr::col(payment_orders::Column::UpdatedAt),
        )
        .filter(payment_orders::Column::Id.eq(order_id))
        .exec(db)
        .await?;
    Ok(locked.rows_affected == 1)
}

/// Fen of `order_id`'s refunds that hold money (every status but closed).
pub async fn held_fen(db: &impl ConnectionTrait, order_id: i64) -> Result<i64, RefundError> {
    let rows = refunds::Entity::find()
        .filter(refunds::Column::PaymentOrderId.eq(order_id))
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter(|r| RefundStatus::parse(&r.status).is_none_or(RefundStatus::holds_amount))
        .map(|r| r.amount_fen)
        .sum())
}

/// Writes a `pending` refund of a paid order with a fresh `out_refund_no`,
/// before anything is sent. Call it inside the transaction that decides the
/// refund (the approval): the order's lock is held until that commits, so
/// concurrent refunds of one order are decided one after another; the
/// database trigger refuses an excess even from code that skips this function.
///
/// # Errors
/// [`RefundError::OrderNotFound`], [`RefundError::OrderNotPaid`],
/// [`RefundError::OrderTooOld`] (refund outside WeChat Pay, PRD/issue 10),
/// [`RefundError::InvalidAmount`], [`RefundError::ExceedsPaid`],
/// [`RefundError::Db`].
pub async fn create_for_order(
    db: &impl ConnectionTrait,
    new: NewRefund,
) -> Result<refunds::Model, RefundError> {
    let order_id = new.payment_order_id;
    if new.amount_fen <= 0 {
        return Err(RefundError::InvalidAmount(new.amount_fen));
    }
    if !lock_order(db, order_id).await? {
        return Err(RefundError::OrderNotFound(order_id));
    }
    let order = payment_orders::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .ok_or(RefundError::OrderNotFound(order_id))?;
    if order.status != payment_orders::PAID {
        return Err(RefundError::OrderNotPaid(order_id));
    }
    let now = Utc::now();
    if order
        .paid_at
        .is_some_and(|paid| now - paid > chrono::Duration::days(REFUND_WINDOW_DAYS))
    {
        return Err(RefundError::OrderTooOld(order_id));
    }
    let refundable = order.amount_fen - held_fen(db, order_id).await?;
    if new.amount_fen > refundable {
        return Err(RefundError::ExceedsPaid {
            requested: new.amount_fen,
            refundable: refundable.max(0),
        });
    }
    let row = refunds::ActiveModel {
        enrollment_id: Set(order.enrollment_id),
        payment_order_id: Set(order.id),
        out_trade_no: Set(order.out_trade_no.clone()),
        out_refund_no: Set(new_out_refund_no(now)),
        amount_fen: Set(new.amount_fen),
        total_fen: Set(order.amount_fen),
        status: Set(RefundStatus::Pending.as_str().to_owned()),
        reason: Set(new.reason),
        refund_id: Set(None),
        user_received_account: Set(None),
        failure_code: Set(None),
        failure_reason: Set(None),
        attempts: Set(0),
        created_by: Set(new.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        succeeded_at: Set(None),
        ..Default::default()
    };
    let inserted = row
        .insert(db)
        .await
        .map_err(|e| match RefundError::from(e) {
            RefundError::ExceedsPaid { .. } => RefundError::ExceedsPaid {
                requested: new.amount_fen,
                refundable: refundable.max(0),
            },
            other => other,
        })?;
    Ok(inserted)
}

/// What WeChat Pay said with an event, kept on the row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Said {
    pub refund_id: Option<String>,
    pub user_received_account: Option<String>,
    /// (code, message) of an error or an unknown outcome.
    pub failure: Option<(String, String)>,
}

/// The refund with this `out_refund_no`, its write lock taken (see [`lock_order`]).
pub async fn lock_by_number(
    db: &impl ConnectionTrait,
    out_refund_no: &str,
) -> Result<refunds::Model, RefundError> {
    refunds::Entity::update_many()
        .col_expr(
            refunds::Column::UpdatedAt,
            Expr::col(refunds::Column::UpdatedAt),
        )
        .filter(refunds::Column::OutRefundNo.eq(out_refund_no))
        .exec(db)
        .await?;
    refunds::Entity::find()
        .filter(refunds::Column::OutRefundNo.eq(out_refund_no))
        .one(db)
        .await?
        .ok_or_else(|| RefundError::NotFound(out_refund_no.to_owned()))
}

/// Applies `event` to the refund (locked by the caller, see [`lock_by_number`])
/// through the state machine and stores the result with what WeChat Pay said.
/// Returns the row as stored and whether its status changed (a repeated
/// report writes nothing).
///
/// # Errors
/// [`RefundError::Forbidden`] when the machine refuses (nothing is written),
/// [`RefundError::CorruptStatus`], [`RefundError::Db`].
pub async fn apply(
    db: &impl ConnectionTrait,
    refund: refunds::Model,
    event: RefundEvent,
    said: Said,
) -> Result<(refunds::Model, bool), RefundError> {
    let from = RefundStatus::parse(&refund.status)
        .ok_or_else(|| RefundError::CorruptStatus(refund.status.clone()))?;
    let to = from.apply(event)?;
    if to == from {
        // WeChat Pay repeating itself (a duplicate notification): nothing to write.
        return Ok((refund, false));
    }
    let now = Utc::now();
    let attempts = refund.attempts;
    let out_refund_no = refund.out_refund_no.clone();
    let mut row = refund.into_active_model();
    row.status = Set(to.as_str().to_owned());
    row.updated_at = Set(now);
    if event == RefundEvent::Send {
        row.attempts = Set(attempts.saturating_add(1));
        row.submitted_at = Set(Some(now));
    }
    if let Some(id) = said.refund_id {
        row.refund_id = Set(Some(id.chars().take(64).collect()));
    }
    if let Some(account) = said.user_received_account {
        row.user_received_account = Set(Some(account.chars().take(128).collect()));
    }
    if let Some((code, message)) = said.failure {
        row.failure_code = Set(Some(code.chars().take(64).collect()));
        row.failure_reason = Set(Some(message));
    } else if matches!(to, RefundStatus::Processing | RefundStatus::Succeeded) {
        row.failure_code = Set(None);
        row.failure_reason = Set(None);
    }
    if to == RefundStatus::Succeeded {
        row.succeeded_at = Set(Some(now));
    }
    // Compare and set: written only if the status is still the one the
    // machine decided from, so a row read without its lock (or before another
    // writer) can never overwrite a newer status (review D2).
    let stored = refunds::Entity::update(row)
        .validate()?
        .filter(refunds::Column::Status.eq(from.as_str()))
        .exec(db)
        .await
        .map_err(|e| match e {
            DbErr::RecordNotUpdated => RefundError::Stale(out_refund_no.clone()),
            e => e.into(),
        })?;
    Ok((stored, true))
}

/// The retryable-error event for a refund that has been sent `attempts` times.
pub fn retryable_error(attempts: i32) -> RefundEvent {
    RefundEvent::RetryableError {
        retry_left: attempts < MAX_AUTOMATIC_ATTEMPTS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refund_numbers_are_wechat_shaped_and_fresh() {
        let now = Utc::now();
        let a = new_out_refund_no(now);
        let b = new_out_refund_no(now);
        assert_ne!(a, b);
        assert_eq!(a.len(), 28);
        assert!(crate::integrations::wechat_pay::is_out_refund_no(&a), "{a}");
    }

    #[test]
    fn one_automatic_retry_then_a_person() {
        assert_eq!(
            retryable_error(1),
            RefundEvent::RetryableError { retry_left: true }
        );
        assert_eq!(
            retryable_error(2),
            RefundEvent::RetryableError { retry_left: false }
        );
    }
}
