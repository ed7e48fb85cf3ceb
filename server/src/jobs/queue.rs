//! The one job queue: apalis storage in SQLite (a `jobs.db` beside the data) in
//! the embedded default, in Redis when `CAMP__REDIS__URL` is set. Every job
//! travels as a [`QueuedJob`] (name + JSON payload) in one queue, so the
//! storage code does not grow with the number of jobs.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use apalis::prelude::*;
use apalis_redis::RedisStorage;
use apalis_sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteStorage};
use serde::{Deserialize, Serialize};

use super::Job;
use crate::config::Config;

const QUEUE: &str = "jobs";
/// How long Redis remembers a dedupe key: longer than any tick or retry window.
const REDIS_DEDUPE_TTL: Duration = Duration::from_secs(2 * 86_400);

/// What started a run, as recorded in `job_runs.trigger`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A cron schedule's tick.
    Schedule,
    /// A person (an admin's button) or a test.
    Manual,
    /// The outbox relay, after a business change committed.
    Outbox,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Manual => "manual",
            Self::Outbox => "outbox",
        }
    }
}

/// A job as stored in the queue: the registered name and its JSON payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedJob {
    pub job: String,
    pub payload: serde_json::Value,
    pub trigger: Trigger,
    /// The queue-level dedupe key, if any (also recorded with the run).
    pub dedupe_key: Option<String>,
}

#[derive(Clone)]
pub enum JobQueue {
    Sqlite {
        storage: SqliteStorage<QueuedJob>,
        pool: SqlitePool,
    },
    Redis {
        storage: RedisStorage<QueuedJob>,
        connection: apalis_redis::ConnectionManager,
    },
}

impl JobQueue {
    pub async fn connect(config: &Config) -> anyhow::Result<Self> {
        match &config.redis.url {
            Some(url) => {
                let prefix = config
                    .redis
                    .namespace
                    .clone()
                    .unwrap_or_else(|| "camp".into());
                let connection = apalis_redis::connect(url.as_str())
                    .await
                    .with_context(|| format!("connecting to Redis at {url}"))?;
                let queue = apalis_redis::Config::default()
                    .queue(format!("{prefix}:{QUEUE}"))
                    // Without a TTL the idempotency key expires at once and the schedule's dedup is lost.
                    .idempotency_ttl(Some(REDIS_DEDUPE_TTL));
                Ok(Self::Redis {
                    storage: RedisStorage::new(connection.clone()).with_config(queue),
                    connection,
                })
            }
            None => {
                let path = config.data_dir.join("jobs.db");
                let options =
                    SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
                        .create_if_missing(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await
                    .context("opening jobs.db")?;
                SqliteStorage::setup(&pool)
                    .await
                    .context("preparing the job tables")?;
                let queue = apalis_sqlite::Config::default().queue(QUEUE);
                Ok(Self::Sqlite {
                    storage: SqliteStorage::new(&pool).with_config(queue),
                    pool,
                })
            }
        }
    }

    /// Queues a job; with a dedupe key, a second push of the same key is dropped.
    pub async fn push<J: Job>(&self, job: &J, trigger: Trigger) -> anyhow::Result<()> {
        let payload = serde_json::to_value(job).context("serialising a job")?;
        let key = job.dedupe_key().map(|key| format!("{}:{key}", J::NAME));
        self.push_raw(J::NAME, payload, key, trigger).await
    }

    /// Queues a job by name, as the outbox relay and the schedules do.
    pub async fn push_raw(
        &self,
        job: &str,
        payload: serde_json::Value,
        dedupe_key: Option<String>,
        trigger: Trigger,
    ) -> anyhow::Result<()> {
        let queued = QueuedJob {
            job: job.to_owned(),
            payload,
            trigger,
            dedupe_key: dedupe_key.clone(),
        };
        let mut builder = TaskBuilder::new(queued);
        if let Some(key) = &dedupe_key {
            builder = builder.idempotency_key(key);
        }
        let task = builder.build();
        let what = || format!("queueing job {job}");
        match self.clone() {
            Self::Sqlite { mut storage, .. } => storage.push_task(task).await.with_context(what)?,
            Self::Redis { mut storage, .. } => storage.push_task(task).await.with_context(what)?,
        }
        Ok(())
    }

    /// Whether the queue's storage answers, for `/healthz`.
    pub async fn ping(&self) -> bool {
        match self {
            Self::Sqlite { pool, .. } => sqlx::query("SELECT 1").execute(pool).await.is_ok(),
            Self::Redis { connection, .. } => {
                let mut connection = connection.clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut connection)
                    .await
                    .is_ok()
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Redis { .. } => "redis",
        }
    }
}
