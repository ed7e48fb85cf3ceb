use chrono::{Days, NaiveTime, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use shared::api::{AuditActionOption, AuditLogDto, AuditLogQuery, Page, Paging};
use shared::dates::BUSINESS_TZ;

use crate::entity::audit_logs;

/// Who acted: a staff member, or an anonymous visitor (failed sign-in with an unknown name).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
    pub ip: String,
}

impl Actor {
    /// Work the system does by itself (scheduled jobs).
    pub fn system() -> Self {
        Self {
            id: None,
            name: "系统".into(),
            ip: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Login,
    LoginFailed,
    Logout,
    CreateUser,
    UpdateUser,
    DeleteUser,
    ResetPassword,
    CreateCamp,
    UpdateCamp,
    DeleteCamp,
    RunBackup,
    DuplicatePayment,
    PaymentReceived,
    PaymentNeedsReview,
    PaymentRejected,
    PollPayments,
    MarkJoinedGroup,
    UpdatePaySettings,
    WechatOAuthFailed,
    RaiseAlert,
    ResolveAlert,
    UpdatePlanetSettings,
    PublishPlanet,
    SyncCheckins,
    ManualMatch,
    UndoManualMatch,
    ImportCheckins,
}

impl Action {
    pub const ALL: [Action; 27] = [
        Action::Login,
        Action::LoginFailed,
        Action::Logout,
        Action::CreateUser,
        Action::UpdateUser,
        Action::DeleteUser,
        Action::ResetPassword,
        Action::CreateCamp,
        Action::UpdateCamp,
        Action::DeleteCamp,
        Action::RunBackup,
        Action::DuplicatePayment,
        Action::PaymentReceived,
        Action::PaymentNeedsReview,
        Action::PaymentRejected,
        Action::PollPayments,
        Action::MarkJoinedGroup,
        Action::UpdatePaySettings,
        Action::WechatOAuthFailed,
        Action::RaiseAlert,
        Action::ResolveAlert,
        Action::UpdatePlanetSettings,
        Action::PublishPlanet,
        Action::SyncCheckins,
        Action::ManualMatch,
        Action::UndoManualMatch,
        Action::ImportCheckins,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::Logout => "logout",
            Action::CreateUser => "create_user",
            Action::UpdateUser => "update_user",
            Action::DeleteUser => "delete_user",
            Action::ResetPassword => "reset_password",
            Action::CreateCamp => "create_camp",
            Action::UpdateCamp => "update_camp",
            Action::DeleteCamp => "delete_camp",
            Action::RunBackup => "run_backup",
            Action::DuplicatePayment => "duplicate_payment",
            Action::PaymentReceived => "payment_received",
            Action::PaymentNeedsReview => "payment_needs_review",
            Action::PaymentRejected => "payment_rejected",
            Action::PollPayments => "poll_payments",
            Action::MarkJoinedGroup => "mark_joined_group",
            Action::UpdatePaySettings => "update_pay_settings",
            Action::WechatOAuthFailed => "wechat_oauth_failed",
            Action::RaiseAlert => "raise_alert",
            Action::ResolveAlert => "resolve_alert",
            Action::UpdatePlanetSettings => "update_planet_settings",
            Action::PublishPlanet => "publish_planet",
            Action::SyncCheckins => "sync_checkins",
            Action::ManualMatch => "manual_match",
            Action::UndoManualMatch => "undo_manual_match",
            Action::ImportCheckins => "import_checkins",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Login => "登录",
            Action::LoginFailed => "登录失败",
            Action::Logout => "退出登录",
            Action::CreateUser => "创建用户",
            Action::UpdateUser => "修改用户",
            Action::DeleteUser => "删除用户",
            Action::ResetPassword => "重置密码",
            Action::CreateCamp => "创建训练营",
            Action::UpdateCamp => "编辑训练营",
            Action::DeleteCamp => "删除训练营",
            Action::RunBackup => "备份数据库",
            Action::DuplicatePayment => "重复支付",
            Action::PaymentReceived => "收到押金",
            Action::PaymentNeedsReview => "支付待核对",
            Action::PaymentRejected => "支付通知被拒绝",
            Action::PollPayments => "查询支付状态",
            Action::MarkJoinedGroup => "标记进群",
            Action::UpdatePaySettings => "修改支付配置",
            Action::WechatOAuthFailed => "微信授权失败",
            Action::RaiseAlert => "生成提醒",
            Action::ResolveAlert => "处理提醒",
            Action::UpdatePlanetSettings => "修改知识星球配置",
            Action::PublishPlanet => "发布到知识星球",
            Action::SyncCheckins => "同步打卡",
            Action::ManualMatch => "手动匹配",
            Action::UndoManualMatch => "撤销手动匹配",
            Action::ImportCheckins => "导入打卡记录",
        }
    }

    fn label_of(action: &str) -> String {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == action)
            .map_or_else(|| action.to_owned(), |a| a.label().to_owned())
    }
}

/// The object acted on.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: &'static str,
    pub id: Option<i64>,
    pub label: String,
}

impl Target {
    pub fn user(id: i64, username: &str) -> Self {
        Self {
            kind: "user",
            id: Some(id),
            label: username.to_owned(),
        }
    }

    pub fn camp(id: i64, name: &str) -> Self {
        Self {
            kind: "camp",
            id: Some(id),
            label: name.to_owned(),
        }
    }

    pub fn enrollment(id: i64, label: &str) -> Self {
        Self {
            kind: "enrollment",
            id: Some(id),
            label: label.to_owned(),
        }
    }

    pub fn order(id: i64, out_trade_no: &str) -> Self {
        Self {
            kind: "order",
            id: Some(id),
            label: out_trade_no.to_owned(),
        }
    }

    pub fn system(label: &str) -> Self {
        Self {
            kind: "system",
            id: None,
            label: label.to_owned(),
        }
    }
}

pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: Action,
    target: Target,
    details: impl Into<String>,
) -> Result<(), DbErr> {
    audit_logs::ActiveModel {
        created_at: Set(Utc::now()),
        actor_id: Set(actor.id),
        actor_name: Set(truncate(&actor.name, 64)),
        action: Set(action.as_str().to_owned()),
        target_type: Set(target.kind.to_owned()),
        target_id: Set(target.id),
        target_label: Set(truncate(&target.label, 200)),
        details: Set(details.into()),
        ip: Set(truncate(&actor.ip, 64)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

pub async fn list(
    db: &impl ConnectionTrait,
    query: &AuditLogQuery,
) -> crate::error::AppResult<Page<AuditLogDto>> {
    let paging = Paging::parse(query.page, query.page_size)?;
    let mut select = audit_logs::Entity::find();
    if let Some(actor_id) = query.actor_id {
        select = select.filter(audit_logs::Column::ActorId.eq(actor_id));
    }
    if let Some(action) = query.action.as_deref().filter(|a| !a.is_empty()) {
        select = select.filter(audit_logs::Column::Action.eq(action));
    }
    // Dates are Beijing calendar days, both ends included.
    if let Some(from) = query.from {
        select = select.filter(audit_logs::Column::CreatedAt.gte(beijing_midnight(from)));
    }
    if let Some(to) = query.to.and_then(|to| to.checked_add_days(Days::new(1))) {
        select = select.filter(audit_logs::Column::CreatedAt.lt(beijing_midnight(to)));
    }
    let paginator = select
        .order_by_desc(audit_logs::Column::Id)
        .paginate(db, paging.page_size);
    let total = paginator.num_items().await?;
    let items = paginator
        .fetch_page(paging.index())
        .await?
        .into_iter()
        .map(|row| AuditLogDto {
            id: row.id,
            created_at: row.created_at,
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            action_label: Action::label_of(&row.action),
            action: row.action,
            target: row.target_label,
            details: row.details,
            ip: row.ip,
        })
        .collect();
    Ok(paging.page_of(items, total))
}

pub fn beijing_midnight(date: chrono::NaiveDate) -> chrono::DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN);
    BUSINESS_TZ
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

pub fn action_options() -> Vec<AuditActionOption> {
    Action::ALL
        .into_iter()
        .map(|a| AuditActionOption {
            action: a.as_str().into(),
            label: a.label().into(),
        })
        .collect()
}
