//! Who may see which enrollment and order (ARCHITECTURE §3 "Member access"): a
//! browser's member token bound to the enrollment, checked on every member read.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::member::token_hash;
use crate::entity::{enrollments, member_tokens, payment_orders};
use crate::error::{AppError, AppResult};

/// Lets the browser with this token hash see the enrollment; binding twice is a no-op.
pub async fn bind_token(
    db: &impl ConnectionTrait,
    hash: &str,
    enrollment_id: i64,
) -> AppResult<()> {
    member_tokens::Entity::insert(member_tokens::ActiveModel {
        token_hash: Set(hash.to_owned()),
        enrollment_id: Set(enrollment_id),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            member_tokens::Column::TokenHash,
            member_tokens::Column::EnrollmentId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Whether the browser's token is bound to the enrollment.
pub async fn is_bound(
    db: &impl ConnectionTrait,
    token: Option<&str>,
    enrollment_id: i64,
) -> AppResult<bool> {
    let Some(token) = token else { return Ok(false) };
    let found = member_tokens::Entity::find()
        .filter(member_tokens::Column::TokenHash.eq(token_hash(token)))
        .filter(member_tokens::Column::EnrollmentId.eq(enrollment_id))
        .count(db)
        .await?;
    Ok(found > 0)
}

/// The order, if it is this browser's; otherwise "not found" (no hint that it exists).
pub async fn order_for_member(
    db: &impl ConnectionTrait,
    out_trade_no: &str,
    token: Option<&str>,
) -> AppResult<payment_orders::Model> {
    let order = payment_orders::Entity::find()
        .filter(payment_orders::Column::OutTradeNo.eq(out_trade_no))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("订单"))?;
    // An order is its browser's own: before payment no one else, not even
    // another browser that typed the same 星球ID, sees it.
    if token.map(token_hash).as_deref() != Some(order.member_token_hash.as_str()) {
        return Err(AppError::not_found("订单"));
    }
    Ok(order)
}

/// The enrollment, if this browser may see it; otherwise "not found".
pub async fn enrollment_for_member(
    db: &impl ConnectionTrait,
    id: i64,
    token: Option<&str>,
) -> AppResult<enrollments::Model> {
    let enrollment = enrollments::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("报名记录"))?;
    if !is_bound(db, token, id).await? {
        return Err(AppError::not_found("报名记录"));
    }
    Ok(enrollment)
}

/// The enrollments a member token is bound to, newest first (the personal link).
pub async fn enrollments_of_token(db: &impl ConnectionTrait, token: &str) -> AppResult<Vec<i64>> {
    Ok(member_tokens::Entity::find()
        .filter(member_tokens::Column::TokenHash.eq(token_hash(token)))
        .order_by_desc(member_tokens::Column::EnrollmentId)
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.enrollment_id)
        .collect())
}

/// The newest enrollment a member token is bound to, for the personal link.
pub async fn enrollment_of_token(db: &impl ConnectionTrait, token: &str) -> AppResult<Option<i64>> {
    Ok(member_tokens::Entity::find()
        .filter(member_tokens::Column::TokenHash.eq(token_hash(token)))
        .order_by_desc(member_tokens::Column::EnrollmentId)
        .one(db)
        .await?
        .map(|t| t.enrollment_id))
}
