//! The Knowledge Planet settings (PRD §4.2.6.2): the planet's group id, the
//! owner's `zsxq_access_token` cookie (sealed at rest), the base URL and the
//! pause between calls. In sandbox mode first start seeds a sandbox planet and a
//! token the built-in simulator (`crate::sandbox::zsxq`) accepts.

use std::time::Duration;

use rand::Rng;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::integrations::zsxq::client::{
    DEFAULT_BACKOFF_MS, DEFAULT_SPACING_MS, PRODUCTION_BASE_URL,
};
use crate::integrations::zsxq::{ClientConfig, ZsxqClient, ZsxqError};
use crate::keys::Keys;
use crate::secrets;

pub const KEY: &str = "zsxq";
/// The simulator's side: the planet and the one token it accepts.
pub const SANDBOX_KEY: &str = "sandbox_zsxq";
/// Where the simulator is mounted on this server.
pub const SANDBOX_MOUNT: &str = "/sandbox/zsxq";

fn default_backoff_ms() -> u64 {
    DEFAULT_BACKOFF_MS
}

fn default_overlap_minutes() -> i64 {
    60
}

/// As stored: the token is sealed text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredZsxq {
    /// Empty: the real service (or, in sandbox mode, the built-in simulator).
    pub base_url: String,
    /// Digits (a 64-bit id).
    pub group_id: String,
    pub access_token_sealed: String,
    pub spacing_ms: u64,
    /// Back-off unit after 1059 / HTTP 429, ms (not on the settings page:
    /// tests shorten it).
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    /// An incremental sync re-reads this far before the newest post it has,
    /// so a post at a page boundary or shown late is not lost (minutes).
    #[serde(default = "default_overlap_minutes")]
    pub overlap_minutes: i64,
    /// Generated for the sandbox.
    pub sandbox: bool,
}

impl Default for StoredZsxq {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            group_id: String::new(),
            access_token_sealed: String::new(),
            spacing_ms: DEFAULT_SPACING_MS,
            backoff_ms: DEFAULT_BACKOFF_MS,
            overlap_minutes: default_overlap_minutes(),
            sandbox: false,
        }
    }
}

/// The simulated planet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSandboxZsxq {
    pub group_id: i64,
    pub group_name: String,
    /// The owner: the account the accepted token belongs to.
    pub owner_user_id: i64,
    pub owner_name: String,
    pub access_token_sealed: String,
}

/// A token shaped like the real ones (`UUID_16HEX`).
fn sandbox_token() -> String {
    let mut rng = rand::rng();
    let hex: String = (0..16)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect();
    format!(
        "{}_{}",
        uuid::Uuid::new_v4().to_string().to_uppercase(),
        hex.to_uppercase()
    )
}

/// Seeds the simulator's planet and our settings pointing at it, unless
/// settings exist.
pub async fn ensure_sandbox(
    db: &impl ConnectionTrait,
    secrets_key: &[u8; 32],
) -> anyhow::Result<()> {
    if super::load::<StoredZsxq>(db, KEY).await?.is_some() {
        return Ok(());
    }
    let token = sandbox_token();
    let group_id: i64 = 88_885_181_412_452;
    let sim = StoredSandboxZsxq {
        group_id,
        group_name: "沙箱星球".into(),
        owner_user_id: 188_188_218_811_112,
        owner_name: "星主（沙箱）".into(),
        access_token_sealed: secrets::seal(secrets_key, token.as_bytes())?,
    };
    let ours = StoredZsxq {
        group_id: group_id.to_string(),
        access_token_sealed: secrets::seal(secrets_key, token.as_bytes())?,
        sandbox: true,
        ..StoredZsxq::default()
    };
    super::save(db, SANDBOX_KEY, &sim, None).await?;
    super::save(db, KEY, &ours, None).await?;
    Ok(())
}

/// The base URL calls go to: the stored one, else the real service, else (in
/// sandbox mode) the simulator on this server.
pub fn base_url(stored: &StoredZsxq, config: &Config, self_url: &str) -> String {
    match (stored.base_url.trim(), config.sandbox) {
        ("", true) => format!("{}{SANDBOX_MOUNT}", self_url.trim_end_matches('/')),
        ("", false) => PRODUCTION_BASE_URL.to_owned(),
        (url, _) => url.trim_end_matches('/').to_owned(),
    }
}

/// A client from the stored settings; [`ZsxqError::NotConfigured`] without a
/// group id or token.
pub async fn client(
    db: &impl ConnectionTrait,
    config: &Config,
    keys: &Keys,
    self_url: &str,
) -> anyhow::Result<Result<ZsxqClient, ZsxqError>> {
    let stored = super::load::<StoredZsxq>(db, KEY)
        .await?
        .map(|(s, _)| s)
        .unwrap_or_default();
    let Ok(group_id) = stored.group_id.trim().parse::<i64>() else {
        return Ok(Err(ZsxqError::NotConfigured));
    };
    if stored.access_token_sealed.is_empty() {
        return Ok(Err(ZsxqError::NotConfigured));
    }
    let access_token = secrets::open_string(&keys.secrets, &stored.access_token_sealed)?;
    Ok(ZsxqClient::new(ClientConfig {
        base_url: base_url(&stored, config, self_url),
        access_token,
        group_id,
        spacing: Duration::from_millis(stored.spacing_ms),
        backoff: Duration::from_millis(stored.backoff_ms),
    }))
}
