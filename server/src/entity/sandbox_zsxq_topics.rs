use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sandbox_zsxq_topics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic_id: i64,
    pub checkin_id: i64,
    pub user_id: i64,
    pub name: String,
    pub alias: String,
    pub text: String,
    pub images_count: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
