//! Raising, listing and resolving alerts; each change audited in its transaction.

use crate::db::WriteTransaction;
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use shared::ops::{AlertDto, AlertQuery};

use super::{AlertError, AlertKind};
use crate::audit::{self, Action, Actor, Target};
use crate::entity::alerts;
use crate::error::AppResult;

pub struct NewAlert {
    pub kind: AlertKind,
    /// One alert per key, ever: e.g. `duplicate_payment:<order id>`.
    pub dedupe_key: String,
    /// What it is about, for people (e.g. `订单 CP…`).
    pub target: String,
    /// Chinese, for the admin who must act.
    pub message: String,
}

fn target(id: Option<i64>, label: &str) -> Target {
    Target {
        kind: "alert",
        id,
        label: label.to_owned(),
    }
}

/// Raises an alert unless one with its key exists. Returns whether it is new.
pub async fn raise(db: &DatabaseConnection, alert: NewAlert) -> Result<bool, DbErr> {
    let txn = db.begin_write().await?;
    let inserted = alerts::Entity::insert(alerts::ActiveModel {
        kind: Set(alert.kind.as_str().to_owned()),
        dedupe_key: Set(alert.dedupe_key.clone()),
        target: Set(alert.target.clone()),
        message: Set(alert.message.clone()),
        created_at: Set(Utc::now()),
        resolved_at: Set(None),
        resolved_by: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(alerts::Column::DedupeKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        return Ok(false);
    }
    audit::record(
        &txn,
        &Actor::system(),
        Action::RaiseAlert,
        target(None, &alert.target),
        alert.message,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

fn dto(alert: alerts::Model) -> AlertDto {
    AlertDto {
        id: alert.id,
        kind: alert.kind,
        target: alert.target,
        message: alert.message,
        created_at: alert.created_at,
        resolved_at: alert.resolved_at,
        resolved_by: alert.resolved_by,
    }
}

/// Alerts newest first, filtered by resolved or not.
pub async fn list(db: &impl ConnectionTrait, query: &AlertQuery) -> AppResult<Vec<AlertDto>> {
    let mut select = alerts::Entity::find().order_by_desc(alerts::Column::Id);
    match query.resolved {
        Some(true) => select = select.filter(alerts::Column::ResolvedAt.is_not_null()),
        Some(false) => select = select.filter(alerts::Column::ResolvedAt.is_null()),
        None => {}
    }
    Ok(select
        .limit(query.bounded_limit())
        .all(db)
        .await?
        .into_iter()
        .map(dto)
        .collect())
}

/// Marks an open alert resolved by `actor`. Resolving twice is refused
/// (`alert_resolved`), so two admins cannot both think they handled it.
pub async fn resolve(db: &DatabaseConnection, actor: &Actor, id: i64) -> AppResult<AlertDto> {
    let txn = db.begin_write().await?;
    let updated = alerts::Entity::update_many()
        .col_expr(alerts::Column::ResolvedAt, Expr::value(Utc::now()))
        .col_expr(alerts::Column::ResolvedBy, Expr::value(actor.id))
        .filter(alerts::Column::Id.eq(id))
        .filter(alerts::Column::ResolvedAt.is_null())
        .exec(&txn)
        .await?;
    let alert = alerts::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AlertError::NotFound)?;
    if updated.rows_affected == 0 {
        return Err(AlertError::AlreadyResolved.into());
    }
    audit::record(
        &txn,
        actor,
        Action::ResolveAlert,
        target(Some(alert.id), &alert.target),
        format!("已处理：{}", alert.message),
    )
    .await?;
    txn.commit().await?;
    Ok(dto(alert))
}
