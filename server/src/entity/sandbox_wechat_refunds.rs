use sea_orm::entity::prelude::*;

/// A refund as the built-in WeChat Pay sandbox knows it (its side of the world).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sandbox_wechat_refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub out_refund_no: String,
    pub out_trade_no: String,
    #[sea_orm(unique)]
    pub refund_id: String,
    pub refund_fen: i64,
    pub total_fen: i64,
    pub reason: Option<String>,
    pub notify_url: Option<String>,
    /// `PROCESSING` until `settle_at`, then `final_status`.
    pub status: String,
    /// `SUCCESS`, `ABNORMAL` or `CLOSED`.
    pub final_status: String,
    pub settle_at: DateTimeUtc,
    pub user_received_account: String,
    pub success_time: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
