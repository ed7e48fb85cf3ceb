use sea_orm::entity::prelude::*;

pub const RUNNING: &str = "running";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

pub const INCREMENTAL: &str = "incremental";
pub const FULL: &str = "full";
pub const RANKING: &str = "ranking";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub camp_id: i64,
    pub trigger: String,
    pub kind: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub status: String,
    pub pages: i32,
    pub requests: i32,
    pub new_records: i32,
    pub error: String,
    pub newest_create_time: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
