use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrollments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub camp_id: i64,
    pub planet_id: String,
    pub planet_nickname: String,
    pub wechat_nickname: String,
    pub status: String,
    pub amount_fen: i64,
    pub paid_order_id: Option<i64>,
    pub paid_at: Option<DateTimeUtc>,
    pub joined_group: bool,
    pub joined_group_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const AWAITING_PAYMENT: &str = "awaiting_payment";
pub const PAID: &str = "paid";
