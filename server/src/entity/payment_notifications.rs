use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub received_at: DateTimeUtc,
    pub notification_id: Option<String>,
    pub out_trade_no: Option<String>,
    pub outcome: String,
    pub detail: String,
    /// The raw body sealed under the master key; empty for an unverified
    /// request, of which only the digest, size and source are kept.
    pub body_sealed: String,
    pub source_address: Option<String>,
    /// Hex SHA-256 of the body.
    pub body_sha256: Option<String>,
    /// Bytes.
    pub body_size: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
