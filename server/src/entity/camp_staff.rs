use sea_orm::entity::prelude::*;

/// A coach or volunteer assigned to a camp; `role` is `coach` or `volunteer`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "camp_staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub camp_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub role: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const COACH: &str = "coach";
pub const VOLUNTEER: &str = "volunteer";
