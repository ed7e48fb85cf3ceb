use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sandbox_zsxq_projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub checkin_id: i64,
    pub group_id: i64,
    pub title: String,
    pub text: String,
    pub checkin_days: i32,
    pub kind: String,
    pub long_period: bool,
    pub expiration_time: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
