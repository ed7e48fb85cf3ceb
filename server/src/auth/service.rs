use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set, TransactionTrait,
};
use shared::error::ErrorCode;

use super::password;
use crate::audit::{self, Action, Actor, Target};
use crate::config::AuthConfig;
use crate::entity::users;
use crate::error::{AppError, AppResult};

/// Checks a sign-in. Repeated failures lock the account for a while; a locked
/// account is refused before its password is even looked at. Every attempt is
/// logged.
pub async fn sign_in(
    db: &DatabaseConnection,
    config: &AuthConfig,
    username: &str,
    password_text: &str,
    ip: &str,
) -> AppResult<users::Model> {
    let now = Utc::now();
    let username = username.trim();
    let attempt = Actor {
        id: None,
        name: username.to_owned(),
        ip: ip.to_owned(),
    };
    let Some(user) = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(db)
        .await?
    else {
        // Hash anyway so an unknown name takes as long as a wrong password.
        let _ = password::hash(password_text);
        audit::record(
            db,
            &attempt,
            Action::LoginFailed,
            Target::system(username),
            "用户名不存在",
        )
        .await?;
        return Err(AppError::code(ErrorCode::InvalidCredentials));
    };
    let attempt = Actor {
        id: Some(user.id),
        ..attempt
    };
    let target = Target::user(user.id, &user.username);

    if user.locked_until.is_some_and(|until| until > now) {
        audit::record(db, &attempt, Action::LoginFailed, target, "账号已锁定").await?;
        return Err(AppError::code(ErrorCode::AccountLocked));
    }

    if !password::verify(password_text, &user.password_hash) {
        let failures = user.failed_logins + 1;
        let locks = failures >= config.max_failed_logins;
        let txn = db.begin().await?;
        let mut row = user.into_active_model();
        if locks {
            row.failed_logins = Set(0);
            row.locked_until = Set(Some(now + Duration::minutes(config.lockout_minutes)));
        } else {
            row.failed_logins = Set(failures);
        }
        row.update(&txn).await?;
        let details = if locks {
            format!(
                "密码错误，连续{failures}次，账号锁定{}分钟",
                config.lockout_minutes
            )
        } else {
            format!("密码错误（第{failures}次）")
        };
        audit::record(&txn, &attempt, Action::LoginFailed, target, details).await?;
        txn.commit().await?;
        return Err(AppError::code(if locks {
            ErrorCode::AccountLocked
        } else {
            ErrorCode::InvalidCredentials
        }));
    }

    if !user.enabled {
        audit::record(db, &attempt, Action::LoginFailed, target, "账号已禁用").await?;
        return Err(AppError::code(ErrorCode::AccountDisabled));
    }

    let txn = db.begin().await?;
    let mut row = user.into_active_model();
    row.failed_logins = Set(0);
    row.locked_until = Set(None);
    row.last_login_at = Set(Some(now));
    let user = row.update(&txn).await?;
    audit::record(&txn, &attempt, Action::Login, target, "登录成功").await?;
    txn.commit().await?;
    Ok(user)
}
