//! Reading, saving and testing the Knowledge Planet settings (super admin).

use crate::db::WriteTransaction;
use sea_orm::{ConnectionTrait, TransactionSession, TransactionTrait};
use shared::error::{ApiError, FieldErrors};
use shared::planet::{
    MAX_SPACING_MS, PlanetConnectionTest, PlanetSettingsUpdate, PlanetSettingsView,
};

use crate::audit::{self, Action, Actor, Target};
use crate::error::AppResult;
use crate::integrations::zsxq::{ZsxqClient, ZsxqError};
use crate::secrets;
use crate::settings::zsxq::{KEY, StoredZsxq};

pub async fn load(db: &impl ConnectionTrait) -> AppResult<StoredZsxq> {
    Ok(crate::settings::load::<StoredZsxq>(db, KEY)
        .await?
        .map(|(s, _)| s)
        .unwrap_or_default())
}

pub fn view(stored: &StoredZsxq) -> PlanetSettingsView {
    PlanetSettingsView {
        base_url: stored.base_url.clone(),
        group_id: stored.group_id.clone(),
        access_token_set: !stored.access_token_sealed.is_empty(),
        spacing_ms: stored.spacing_ms,
        sandbox: stored.sandbox,
    }
}

/// Validates the whole update, then saves and audits it in one transaction.
/// A blank token keeps the stored one; the token is never echoed or audited.
pub async fn update(
    db: &impl TransactionTrait,
    secrets_key: &[u8; 32],
    actor: &Actor,
    update: &PlanetSettingsUpdate,
) -> AppResult<PlanetSettingsView> {
    let txn = db.begin_write().await?;
    crate::settings::lock_for_update(&txn, KEY).await?;
    let mut stored = load(&txn).await?;
    let mut errors = FieldErrors::new();
    let group_id = update.group_id.trim();
    if group_id.is_empty() {
        errors.insert("group_id".into(), "请填写星球ID".into());
    } else if group_id.parse::<i64>().map_or(true, |id| id <= 0) {
        errors.insert("group_id".into(), "星球ID应为数字".into());
    }
    let token = update.access_token.trim();
    if token.is_empty() && stored.access_token_sealed.is_empty() {
        errors.insert(
            "access_token".into(),
            "请填写知识星球Cookie（zsxq_access_token）".into(),
        );
    }
    if token
        .chars()
        .any(|c| c.is_whitespace() || c == ';' || c.is_control())
        || token.len() > 512
    {
        errors.insert(
            "access_token".into(),
            "Cookie 只填 zsxq_access_token 的值，不含空格、分号".into(),
        );
    }
    let base_url = update.base_url.trim().trim_end_matches('/');
    let is_url = base_url.starts_with("https://") || base_url.starts_with("http://");
    if !base_url.is_empty() && !is_url {
        errors.insert("base_url".into(), "接口地址应以 https:// 开头".into());
    }
    if update.spacing_ms > MAX_SPACING_MS {
        errors.insert(
            "spacing_ms".into(),
            format!("调用间隔应在 0–{MAX_SPACING_MS} 毫秒之间"),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors).into());
    }
    stored.group_id = group_id.to_owned();
    stored.base_url = base_url.to_owned();
    stored.spacing_ms = update.spacing_ms;
    if !token.is_empty() {
        stored.access_token_sealed = secrets::seal(secrets_key, token.as_bytes())?;
        stored.sandbox = false;
    }
    crate::settings::save(&txn, KEY, &stored, actor.id).await?;
    let details = format!(
        "星球ID {}，调用间隔 {} 毫秒{}",
        stored.group_id,
        stored.spacing_ms,
        if token.is_empty() {
            ""
        } else {
            "，更新了Cookie"
        }
    );
    audit::record(
        &txn,
        actor,
        Action::UpdatePlanetSettings,
        Target::system("知识星球配置"),
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(view(&stored))
}

/// "测试连接": whose cookie it is (`self_user`) and whether it reads the
/// planet (`group`). A refused cookie is a result, not an error.
pub async fn test(client: Result<ZsxqClient, ZsxqError>) -> PlanetConnectionTest {
    let failed = |error: &ZsxqError| PlanetConnectionTest {
        ok: false,
        cookie_expired: *error == ZsxqError::CookieExpired,
        message: match error {
            ZsxqError::CookieExpired => {
                "知识星球Cookie已失效，请重新登录知识星球网页版并复制 zsxq_access_token".to_owned()
            }
            other => other.to_string(),
        },
        user_id: None,
        user_name: None,
        group_name: None,
    };
    let client = match client {
        Ok(client) => client,
        Err(e) => return failed(&e),
    };
    let user = match client.self_user().await {
        Ok(user) => user,
        Err(e) => return failed(&e),
    };
    let shown_name = if user.name.trim().is_empty() {
        user.alias.clone().unwrap_or_default()
    } else {
        user.name.clone()
    };
    let mut result = PlanetConnectionTest {
        ok: false,
        cookie_expired: false,
        message: String::new(),
        user_id: Some(user.user_id.to_string()),
        user_name: Some(shown_name.clone()),
        group_name: None,
    };
    match client.group().await {
        Ok(group) => {
            result.ok = true;
            result.message = format!(
                "连接正常：Cookie 属于「{shown_name}」（星球ID {}），可读取星球「{}」",
                user.user_id, group.name
            );
            result.group_name = Some(group.name);
        }
        Err(e) => {
            let failure = failed(&e);
            result.cookie_expired = failure.cookie_expired;
            result.message = format!(
                "Cookie 属于「{shown_name}」，但无法读取星球 {}：{}",
                client.config().group_id,
                failure.message
            );
        }
    }
    result
}
