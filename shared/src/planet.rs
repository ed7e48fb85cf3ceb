//! Knowledge Planet (知识星球) bodies of the JSON API: the settings (PRD
//! §4.2.6.2), publishing a camp's check-in project (§4.2.1.2), the sync runs
//! (§6.2.4, §8.2), and the sandbox's check-in tools.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// Calls with one cookie are at least this far apart, at most this (ms).
pub const MAX_SPACING_MS: u64 = 60_000;

/// The stored settings; the cookie only as a "set" flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanetSettingsView {
    /// Empty: `https://api.zsxq.com` (the built-in simulator in sandbox mode).
    pub base_url: String,
    /// The planet's id (digits; a string because it may exceed 2^53).
    pub group_id: String,
    /// Whether a `zsxq_access_token` is stored (已设置).
    pub access_token_set: bool,
    /// Minimum pause between two calls, milliseconds.
    pub spacing_ms: u64,
    /// Generated for the sandbox simulator.
    pub sandbox: bool,
}

/// A blank `access_token` keeps the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanetSettingsUpdate {
    #[serde(default)]
    pub base_url: String,
    pub group_id: String,
    #[serde(default)]
    pub access_token: String,
    /// 0..=60000 ms.
    pub spacing_ms: u64,
}

/// "测试连接": whether the cookie works and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanetConnectionTest {
    pub ok: bool,
    /// True when Knowledge Planet refused the cookie (知识星球Cookie已失效).
    pub cookie_expired: bool,
    pub message: String,
    /// The cookie's account, as a string (64-bit id).
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub group_name: Option<String>,
}

/// The check-in project created for a camp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlanetPublished {
    /// The camp's 知识星球项目ID (the project's `checkin_id`).
    pub planet_project_id: String,
}

/// One sync of a camp's check-ins from Knowledge Planet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncRunDto {
    pub id: i64,
    pub camp_id: i64,
    pub camp_name: String,
    /// `schedule`, `manual` or `outbox`.
    pub trigger: String,
    /// `incremental`, `full` or `ranking`.
    pub kind: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `succeeded` or `failed`.
    pub status: String,
    pub pages: i32,
    pub requests: i32,
    pub new_records: i32,
    pub error: String,
    /// The newest post seen (the next incremental run starts from it).
    pub newest_create_time: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams), into_params(parameter_in = Query))]
pub struct SyncRunQuery {
    /// Only this camp's runs.
    pub camp_id: Option<i64>,
    /// At most this many (1–200, default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u64>,
}

impl SyncRunQuery {
    pub fn bounded_limit(&self) -> u64 {
        self.limit
            .unwrap_or(crate::ops::DEFAULT_LIMIT)
            .clamp(1, crate::ops::MAX_LIMIT)
    }
}

/// What "立即同步" started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncStarted {
    pub run_id: i64,
}

/// Sandbox: check-ins for one member on chosen Beijing dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SandboxCheckinsRequest {
    /// The check-in project (the camp's 知识星球项目ID), digits.
    pub checkin_id: String,
    /// The member's 星球ID, digits.
    pub user_id: String,
    pub name: String,
    #[serde(default)]
    pub alias: String,
    /// At most 62 dates; each gets one post.
    pub dates: Vec<NaiveDate>,
    /// Beijing time of day `HH:MM` for every post; default 20:00.
    #[serde(default)]
    pub time: Option<String>,
}

/// Sandbox: a realistic month for a camp's paid members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SandboxGenerateRequest {
    pub camp_id: i64,
    /// Same seed, same posts.
    #[serde(default)]
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SandboxCheckinsCreated {
    pub created: u64,
}
