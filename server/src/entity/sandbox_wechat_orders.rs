use sea_orm::entity::prelude::*;

/// An order as the built-in WeChat Pay sandbox knows it (its side of the world).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sandbox_wechat_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub out_trade_no: String,
    pub trade_type: String,
    pub description: String,
    pub amount_fen: i64,
    pub notify_url: String,
    pub openid: Option<String>,
    pub trade_state: String,
    pub transaction_id: Option<String>,
    pub success_time: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
