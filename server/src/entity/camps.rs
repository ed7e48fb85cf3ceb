use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "camps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub poster_upload_id: i64,
    pub group_qr_upload_id: i64,
    pub deposit_fen: i64,
    pub start_date: Date,
    pub end_date: Date,
    pub total_days: i32,
    pub required_days: i32,
    pub intro_html: String,
    pub planet_project_id: String,
    pub wecom_payee_id: String,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
