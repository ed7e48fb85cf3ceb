use crate::db::WriteTransaction;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use shared::api::{
    CreateUserRequest, ResetPasswordResponse, StaffOption, UpdateUserRequest, UserDto,
};
use shared::error::{ApiError, ErrorCode, FieldErrors};
use shared::roles::Role;
use shared::rules::{validate_password, validate_username};

use crate::audit::{self, Action, Actor, Target};
use crate::auth::password;
use crate::entity::{camp_staff, camps, login_throttles, users};
use crate::error::{AppError, AppResult};

pub fn to_dto(user: users::Model) -> UserDto {
    UserDto {
        id: user.id,
        role: Role::parse(&user.role).unwrap_or(Role::Volunteer),
        username: user.username,
        enabled: user.enabled,
        created_at: user.created_at,
        last_login_at: user.last_login_at,
    }
}

pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<UserDto>> {
    let users = users::Entity::find()
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?;
    Ok(users.into_iter().map(to_dto).collect())
}

/// Enabled coaches and volunteers, the people a camp can be assigned to.
pub async fn staff_options(db: &impl ConnectionTrait) -> AppResult<Vec<StaffOption>> {
    let users = users::Entity::find()
        .filter(users::Column::Enabled.eq(true))
        .filter(users::Column::Role.is_in([Role::Coach.as_str(), Role::Volunteer.as_str()]))
        .order_by_asc(users::Column::Username)
        .all(db)
        .await?;
    Ok(users
        .into_iter()
        .map(|u| StaffOption {
            id: u.id,
            role: Role::parse(&u.role).unwrap_or(Role::Volunteer),
            username: u.username,
        })
        .collect())
}

async fn username_taken(
    db: &impl ConnectionTrait,
    username: &str,
    except: Option<i64>,
) -> AppResult<bool> {
    let mut query = users::Entity::find().filter(users::Column::Username.eq(username));
    if let Some(id) = except {
        query = query.filter(users::Column::Id.ne(id));
    }
    Ok(query.count(db).await? > 0)
}

async fn find(db: &impl ConnectionTrait, id: i64) -> AppResult<users::Model> {
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("用户"))
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    request: CreateUserRequest,
) -> AppResult<UserDto> {
    let username = request.username.trim().to_owned();
    let mut errors = FieldErrors::new();
    if let Some(message) = validate_username(&username) {
        errors.insert("username".into(), message.into());
    }
    if let Some(message) = validate_password(&request.password) {
        errors.insert("password".into(), message.into());
    }
    if !errors.is_empty() {
        return Err(shared::error::ApiError::fields(errors).into());
    }
    if username_taken(db, &username, None).await? {
        return Err(AppError::field("username", "用户名已存在"));
    }
    let hash = password::hash(&request.password).await?;
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let user = users::ActiveModel {
        username: Set(username),
        password_hash: Set(hash),
        role: Set(request.role.as_str().to_owned()),
        enabled: Set(request.enabled),
        token_version: Set(0),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let details = format!(
        "角色：{}，状态：{}",
        request.role.label(),
        if request.enabled { "启用" } else { "禁用" }
    );
    audit::record(
        &txn,
        actor,
        Action::CreateUser,
        Target::user(user.id, &user.username),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(user))
}

/// Refuses a change that would leave no enabled super admin.
async fn keep_a_super_admin(db: &impl ConnectionTrait, user: &users::Model) -> AppResult<()> {
    let is_active_super = user.enabled && user.role == Role::SuperAdmin.as_str();
    if !is_active_super {
        return Ok(());
    }
    let others = users::Entity::find()
        .filter(users::Column::Role.eq(Role::SuperAdmin.as_str()))
        .filter(users::Column::Enabled.eq(true))
        .filter(users::Column::Id.ne(user.id))
        .count(db)
        .await?;
    if others == 0 {
        return Err(AppError::message(
            ErrorCode::Conflict,
            "系统至少需要一位启用的超级管理员",
        ));
    }
    Ok(())
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    request: UpdateUserRequest,
) -> AppResult<UserDto> {
    let username = request.username.trim().to_owned();
    if let Some(message) = validate_username(&username) {
        return Err(AppError::field("username", message));
    }
    let txn = db.begin_write().await?;
    let user = find(&txn, id).await?;
    let role_changes = user.role != request.role.as_str();
    let disables = user.enabled && !request.enabled;
    if actor.id == Some(id) && (role_changes || disables) {
        return Err(AppError::message(
            ErrorCode::Conflict,
            "不能修改自己的角色或禁用自己",
        ));
    }
    if role_changes || disables {
        keep_a_super_admin(&txn, &user).await?;
    }
    if username_taken(&txn, &username, Some(id)).await? {
        return Err(AppError::field("username", "用户名已存在"));
    }
    if role_changes {
        still_has_coaches_without(&txn, id).await?;
    }

    let mut changes = Vec::new();
    if user.username != username {
        changes.push(format!("用户名：{} → {}", user.username, username));
    }
    if role_changes {
        let old =
            Role::parse(&user.role).map_or_else(|| user.role.clone(), |r| r.label().to_owned());
        changes.push(format!("角色：{} → {}", old, request.role.label()));
    }
    if user.enabled != request.enabled {
        changes.push(format!(
            "状态：{}",
            if request.enabled { "启用" } else { "禁用" }
        ));
    }
    let token_version = user.token_version + i32::from(disables);
    let mut row = user.into_active_model();
    row.username = Set(username);
    row.role = Set(request.role.as_str().to_owned());
    row.enabled = Set(request.enabled);
    row.token_version = Set(token_version);
    row.updated_at = Set(Utc::now());
    let user = row.update(&txn).await?;
    if role_changes {
        // A person's camp assignments follow their role; a changed role drops them.
        camp_staff::Entity::delete_many()
            .filter(camp_staff::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        actor,
        Action::UpdateUser,
        Target::user(user.id, &user.username),
        changes.join("；"),
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(user))
}

/// Refuses removing a person who is the only coach of some camp.
async fn still_has_coaches_without(db: &impl ConnectionTrait, user_id: i64) -> AppResult<()> {
    let coached = camp_staff::Entity::find()
        .filter(camp_staff::Column::UserId.eq(user_id))
        .filter(camp_staff::Column::Role.eq(camp_staff::COACH))
        .all(db)
        .await?;
    for assignment in coached {
        let coaches = camp_staff::Entity::find()
            .filter(camp_staff::Column::CampId.eq(assignment.camp_id))
            .filter(camp_staff::Column::Role.eq(camp_staff::COACH))
            .count(db)
            .await?;
        if coaches <= 1 {
            let name = camps::Entity::find_by_id(assignment.camp_id)
                .one(db)
                .await?
                .map(|c| c.name)
                .unwrap_or_default();
            return Err(AppError::message(
                ErrorCode::SoleCoach,
                format!("该用户是训练营「{name}」的唯一教练，请先为该训练营更换教练"),
            ));
        }
    }
    Ok(())
}

pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i64) -> AppResult<()> {
    if actor.id == Some(id) {
        return Err(AppError::Api(ApiError::new(ErrorCode::CannotDeleteSelf)));
    }
    let txn = db.begin_write().await?;
    let user = find(&txn, id).await?;
    keep_a_super_admin(&txn, &user).await?;
    still_has_coaches_without(&txn, id).await?;
    camp_staff::Entity::delete_many()
        .filter(camp_staff::Column::UserId.eq(id))
        .exec(&txn)
        .await?;
    users::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        Action::DeleteUser,
        Target::user(id, &user.username),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn reset_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<ResetPasswordResponse> {
    let new_password = password::random();
    let hash = password::hash(&new_password).await?;
    let txn = db.begin_write().await?;
    let user = find(&txn, id).await?;
    let target = Target::user(user.id, &user.username);
    let token_version = user.token_version + 1;
    let mut row = user.into_active_model();
    row.password_hash = Set(hash);
    row.token_version = Set(token_version);
    row.updated_at = Set(Utc::now());
    row.update(&txn).await?;
    // The new password starts with a clean slate: no address stays locked out of it.
    login_throttles::Entity::delete_many()
        .filter(login_throttles::Column::UserId.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        Action::ResetPassword,
        target,
        "生成新的随机密码，原有登录已失效",
    )
    .await?;
    txn.commit().await?;
    Ok(ResetPasswordResponse {
        password: new_password,
    })
}

/// Creates the first super admin when there are no users at all. Returns the
/// password when it was generated (to print once).
pub async fn bootstrap(
    db: &impl ConnectionTrait,
    username: &str,
    configured: Option<&str>,
) -> AppResult<Option<(String, String)>> {
    if users::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    if let Some(message) = validate_username(username) {
        return Err(anyhow::anyhow!("CAMP__BOOTSTRAP__ADMIN_USERNAME: {message}").into());
    }
    let password_text = match configured {
        Some(p) => {
            if let Some(message) = validate_password(p) {
                return Err(anyhow::anyhow!("CAMP__BOOTSTRAP__ADMIN_PASSWORD: {message}").into());
            }
            p.to_owned()
        }
        None => password::random(),
    };
    let now = Utc::now();
    users::ActiveModel {
        username: Set(username.to_owned()),
        password_hash: Set(password::hash(&password_text).await?),
        role: Set(Role::SuperAdmin.as_str().to_owned()),
        enabled: Set(true),
        token_version: Set(0),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some((username.to_owned(), password_text)))
}
