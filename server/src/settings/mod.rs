//! Settings documents stored in the database (so several instances share them):
//! JSON under a key, secret fields sealed with `crate::secrets`.

pub mod handlers;
pub mod wechat_pay;
pub mod zsxq;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::entity::settings;

pub async fn load<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    key: &str,
) -> anyhow::Result<Option<(T, DateTime<Utc>)>> {
    let Some(row) = settings::Entity::find_by_id(key.to_owned()).one(db).await? else {
        return Ok(None);
    };
    Ok(Some((serde_json::from_str(&row.value)?, row.updated_at)))
}

/// Takes the write lock for the rest of the transaction before it reads the
/// document it will rewrite: on SQLite a transaction that reads and then writes
/// fails at once ("database is locked") when another writer — a background job,
/// another request — holds the lock, while one that writes first waits its turn
/// (busy timeout); on PostgreSQL it locks the row, so two saves take turns.
pub async fn lock_for_update(db: &impl ConnectionTrait, key: &str) -> anyhow::Result<()> {
    settings::Entity::update_many()
        .col_expr(
            settings::Column::UpdatedAt,
            sea_orm::sea_query::Expr::col(settings::Column::UpdatedAt),
        )
        .filter(settings::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn save<T: Serialize>(
    db: &impl ConnectionTrait,
    key: &str,
    value: &T,
    updated_by: Option<i64>,
) -> anyhow::Result<()> {
    let row = settings::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(serde_json::to_string(value)?),
        updated_by: Set(updated_by),
        updated_at: Set(Utc::now()),
    };
    settings::Entity::insert(row)
        .on_conflict(
            OnConflict::column(settings::Column::Key)
                .update_columns([
                    settings::Column::Value,
                    settings::Column::UpdatedBy,
                    settings::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}
