use sea_orm::entity::prelude::*;

/// One check-in post of a camp, synced or imported.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkin_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub camp_id: i64,
    pub topic_id: Option<i64>,
    pub user_id: i64,
    pub name: String,
    pub created_at: DateTimeUtc,
    pub created_minute: i64,
    pub checkin_date: Date,
    pub text_len: i32,
    pub images_count: i32,
    pub excerpt: String,
    pub source: String,
    pub gone_at: Option<DateTimeUtc>,
    pub inserted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
