//! Manual matching (PRD §7 "手动匹配" / "手动修正匹配"): staff choose the planet
//! account of an enrollment from the camp's accounts, or undo their choice.
//! Admins and super admins only (§2.2: coaches and volunteers only view
//! members). Audited in the same transaction; the camp is re-matched and
//! recounted in that transaction too, so the answer shows the result.

use crate::db::WriteTransaction;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use shared::error::ErrorCode;
use shared::matching::MatchStatus;
use shared::roles::{Area, Scope};

use super::CheckinError;
use super::matching::{apply, camp_accounts, lock_camp};
use crate::audit::{self, Action, Target};
use crate::auth::Staff;
use crate::entity::enrollments;
use crate::error::{AppError, AppResult};

fn require_admin(staff: &Staff) -> AppResult<()> {
    if staff.require(Area::Members)? != Scope::All {
        return Err(AppError::code(ErrorCode::Forbidden));
    }
    Ok(())
}

fn label(e: &enrollments::Model) -> String {
    format!("{}（星球ID {}）", e.planet_nickname, e.planet_id)
}

/// Opens the transaction with the camp's lock taken (before any read, see
/// [`lock_camp`]) and loads the enrollment.
async fn begin_locked(
    db: &DatabaseConnection,
    id: i64,
) -> AppResult<(sea_orm::DatabaseTransaction, enrollments::Model)> {
    let camp_id = enrollments::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("报名记录"))?
        .camp_id;
    let txn = db.begin_write().await?;
    lock_camp(&txn, camp_id).await?;
    let enrollment = enrollments::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("报名记录"))?;
    Ok((txn, enrollment))
}

/// Sets the enrollment's account to `user_id` (one of the camp's accounts),
/// marked manual so automatic matching never changes it.
///
/// # Errors
/// Forbidden below admin; not found; `conflict` for an unpaid enrollment or an
/// account another member of the camp was manually matched to; validation on
/// `user_id` for an account that never posted in the camp.
pub async fn set(
    db: &DatabaseConnection,
    staff: &Staff,
    enrollment_id: i64,
    user_id: i64,
) -> AppResult<()> {
    require_admin(staff)?;
    let (txn, enrollment) = begin_locked(db, enrollment_id).await?;
    if enrollment.status != enrollments::PAID {
        return Err(CheckinError::NotPaid.into());
    }
    let accounts = camp_accounts(&txn, enrollment.camp_id).await?;
    let account = accounts
        .get(&user_id)
        .ok_or(CheckinError::AccountNotInCamp)?;
    let taken = enrollments::Entity::find()
        .filter(enrollments::Column::CampId.eq(enrollment.camp_id))
        .filter(enrollments::Column::Id.ne(enrollment_id))
        .filter(enrollments::Column::MatchManual.eq(true))
        .filter(enrollments::Column::MatchedUserId.eq(user_id))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(CheckinError::AccountTaken.into());
    }
    enrollments::Entity::update_many()
        .col_expr(
            enrollments::Column::MatchStatus,
            Expr::value(MatchStatus::Manual.as_str()),
        )
        .col_expr(enrollments::Column::MatchConfidence, Expr::value(100i16))
        .col_expr(enrollments::Column::MatchedUserId, Expr::value(user_id))
        .col_expr(
            enrollments::Column::MatchedName,
            Expr::value(account.name.clone()),
        )
        .col_expr(enrollments::Column::MatchCandidates, Expr::value("[]"))
        .col_expr(enrollments::Column::MatchManual, Expr::value(true))
        .col_expr(enrollments::Column::MatchedAt, Expr::value(Utc::now()))
        .col_expr(enrollments::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(enrollments::Column::Id.eq(enrollment_id))
        .exec(&txn)
        .await?;
    let before = enrollment
        .matched_user_id
        .map_or_else(|| "未匹配".to_owned(), |u| u.to_string());
    audit::record(
        &txn,
        &staff.actor(),
        Action::ManualMatch,
        Target::enrollment(enrollment_id, &label(&enrollment)),
        format!(
            "手动匹配星球账号 {}（{}），原为 {before}",
            user_id,
            account.alias.as_deref().unwrap_or(&account.name)
        ),
    )
    .await?;
    apply(&txn, enrollment.camp_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Undoes a manual match: the enrollment goes back to automatic matching
/// (re-run at once for the camp).
///
/// # Errors
/// Forbidden below admin; not found; `conflict` when the match is not manual.
pub async fn clear(db: &DatabaseConnection, staff: &Staff, enrollment_id: i64) -> AppResult<()> {
    require_admin(staff)?;
    let (txn, enrollment) = begin_locked(db, enrollment_id).await?;
    if !enrollment.match_manual {
        return Err(CheckinError::NotManual.into());
    }
    enrollments::Entity::update_many()
        .col_expr(
            enrollments::Column::MatchStatus,
            Expr::value(MatchStatus::Failed.as_str()),
        )
        .col_expr(enrollments::Column::MatchConfidence, Expr::value(0i16))
        .col_expr(enrollments::Column::MatchedUserId, Expr::value(None::<i64>))
        .col_expr(
            enrollments::Column::MatchedName,
            Expr::value(None::<String>),
        )
        .col_expr(enrollments::Column::MatchManual, Expr::value(false))
        .col_expr(
            enrollments::Column::MatchedAt,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .col_expr(enrollments::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(enrollments::Column::Id.eq(enrollment_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &staff.actor(),
        Action::UndoManualMatch,
        Target::enrollment(enrollment_id, &label(&enrollment)),
        format!(
            "撤销手动匹配（原为星球账号 {}），恢复自动匹配",
            enrollment.matched_user_id.unwrap_or_default()
        ),
    )
    .await?;
    apply(&txn, enrollment.camp_id).await?;
    txn.commit().await?;
    Ok(())
}
