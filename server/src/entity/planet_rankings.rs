use sea_orm::entity::prelude::*;

/// A camp's accumulated ranking as last read from Knowledge Planet.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "planet_rankings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub camp_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub checkined_days: i64,
    pub checked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
