use sea_orm::entity::prelude::*;

/// One refund under one `out_refund_no` (issue 10): written before WeChat Pay
/// is called and resent only under the same number. `status` holds
/// `shared::refunds::RefundStatus::as_str`; change it only through
/// `crate::refunds::service`, which runs the state machine. The database
/// refuses refunds of an order that add up to more than it paid, and any
/// change to the number, order or amounts once written (see the migration).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enrollment_id: i64,
    pub payment_order_id: i64,
    pub out_trade_no: String,
    #[sea_orm(unique)]
    pub out_refund_no: String,
    /// Fen refunded under this number (> 0, ≤ `total_fen`).
    pub amount_fen: i64,
    /// Fen the order paid: `amount.total` in the call.
    pub total_fen: i64,
    pub status: String,
    /// Sent to WeChat Pay as `reason` (≤ 80 bytes); the member sees it.
    pub reason: Option<String>,
    /// WeChat Pay's `refund_id`, once it answered.
    pub refund_id: Option<String>,
    /// Where the money went, e.g. "支付用户零钱".
    pub user_received_account: Option<String>,
    /// WeChat Pay's last error code (`NOT_ENOUGH`, …) or ours (`unknown_outcome`).
    pub failure_code: Option<String>,
    pub failure_reason: Option<String>,
    /// Create calls sent under this number.
    pub attempts: i32,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub succeeded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
