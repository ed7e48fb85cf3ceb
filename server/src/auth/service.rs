use crate::db::WriteTransaction;
use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use shared::error::ErrorCode;

use super::password;
use crate::audit::{self, Action, Actor, Target};
use crate::config::AuthConfig;
use crate::entity::{login_throttles, users};
use crate::error::{AppError, AppResult};

/// Checks a sign-in (PRD §5.2). Repeated failures lock the account *for that
/// client address* for a while (issue 6 item 12): an attacker locks out only
/// themselves, never the account for everyone. Without an address the attempts
/// are slowed down, never locked, for the same reason. A locked pair is
/// refused before its password is looked at. Every attempt is logged.
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
        let _ = password::hash(password_text).await;
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
    let address = ip.trim().to_owned();
    let throttle = login_throttles::Entity::find_by_id((user.id, address.clone()))
        .one(db)
        .await?;
    let failures = throttle.as_ref().map_or(0, |t| t.failures);

    if throttle
        .as_ref()
        .and_then(|t| t.locked_until)
        .is_some_and(|until| until > now)
    {
        audit::record(db, &attempt, Action::LoginFailed, target, "该地址已被锁定").await?;
        return Err(AppError::code(ErrorCode::AccountLocked));
    }
    if address.is_empty() && failures >= config.max_failed_logins {
        tokio::time::sleep(slow_down(failures - config.max_failed_logins)).await;
    }

    if !password::verify(password_text, &user.password_hash).await {
        let failures = failures + 1;
        let locks = !address.is_empty() && failures >= config.max_failed_logins;
        let txn = db.begin_write().await?;
        let row = login_throttles::ActiveModel {
            user_id: Set(user.id),
            address: Set(address.clone()),
            // A lock starts a fresh count for when it ends.
            failures: Set(if locks { 0 } else { failures }),
            locked_until: Set(locks.then(|| now + Duration::minutes(config.lockout_minutes))),
            updated_at: Set(now),
        };
        if throttle.is_some() {
            row.update(&txn).await?;
        } else {
            row.insert(&txn).await?;
        }
        let details = if locks {
            format!(
                "密码错误，连续{failures}次，该地址锁定{}分钟",
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

    let txn = db.begin_write().await?;
    login_throttles::Entity::delete_by_id((user.id, address))
        .exec(&txn)
        .await?;
    let mut row = user.into_active_model();
    row.last_login_at = Set(Some(now));
    let user = row.update(&txn).await?;
    audit::record(&txn, &attempt, Action::Login, target, "登录成功").await?;
    txn.commit().await?;
    Ok(user)
}

/// The wait before an address-less attempt past the limit: 1 s, doubling, at most 8 s.
fn slow_down(over_limit: i32) -> std::time::Duration {
    std::time::Duration::from_secs(1 << over_limit.clamp(0, 3))
}

/// Ends every session of `user_id` on the server (logout): the session token
/// names the user's `token_version`, which no longer matches.
pub async fn end_sessions(db: &impl ConnectionTrait, user_id: i64) -> AppResult<()> {
    users::Entity::update_many()
        .col_expr(
            users::Column::TokenVersion,
            Expr::col(users::Column::TokenVersion).add(1),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
