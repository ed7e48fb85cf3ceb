//! Operations bodies of the JSON API: job runs and admin alerts (for the
//! operations page; the notifications issue will also deliver alerts).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// Lists here return the newest rows, at most this many.
pub const MAX_LIMIT: u64 = 200;
pub const DEFAULT_LIMIT: u64 = 50;

fn bounded(limit: Option<u64>) -> u64 {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// One run of a background job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JobRunDto {
    pub id: i64,
    /// The job's stable name, e.g. `backup_database`, `poll_payments`.
    pub job: String,
    /// `schedule`, `manual` or `outbox`.
    pub trigger: String,
    pub dedupe_key: Option<String>,
    /// The server instance that ran it.
    pub instance: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `succeeded` or `failed`.
    pub outcome: String,
    /// What the job reported (Chinese), or the error.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(IntoParams), into_params(parameter_in = Query))]
pub struct JobRunQuery {
    /// Only runs of this job.
    pub job: Option<String>,
    /// At most this many (1–200, default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u64>,
}

impl JobRunQuery {
    pub fn bounded_limit(&self) -> u64 {
        bounded(self.limit)
    }
}

/// Something an admin must look at, raised once per dedupe key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlertDto {
    pub id: i64,
    /// `duplicate_payment`, later e.g. `planet_cookie_expired`.
    pub kind: String,
    /// What it is about, e.g. `订单 CP…`.
    pub target: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(IntoParams), into_params(parameter_in = Query))]
pub struct AlertQuery {
    /// `false`: open alerts only; `true`: resolved only; absent: all.
    pub resolved: Option<bool>,
    /// At most this many (1–200, default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u64>,
}

impl AlertQuery {
    pub fn bounded_limit(&self) -> u64 {
        bounded(self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded() {
        let query = |limit| JobRunQuery { job: None, limit };
        assert_eq!(query(None).bounded_limit(), DEFAULT_LIMIT);
        assert_eq!(query(Some(0)).bounded_limit(), 1);
        assert_eq!(query(Some(u64::MAX)).bounded_limit(), MAX_LIMIT);
    }
}
