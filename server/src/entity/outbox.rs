use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The registered job's name (`Job::NAME`).
    pub job: String,
    /// The job's JSON.
    pub payload: String,
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub created_at: DateTimeUtc,
    pub relayed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
