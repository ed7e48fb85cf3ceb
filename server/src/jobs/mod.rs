//! The apalis job queue: SQLite storage (a `jobs.db` beside the data) in the
//! embedded default, Redis when `CAMP__REDIS__URL` is set. The handlers are the
//! same for both; only the storage differs. Jobs carry ids, reload state and are
//! idempotent, since delivery is at least once.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use apalis::prelude::*;
use apalis_cron::{CronScheduler, Tick};
use apalis_redis::RedisStorage;
use apalis_sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteStorage};
use axum::extract::FromRef;
use chrono_tz::Tz;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::keys::Keys;
use crate::payments::gateway::PayState;

const BACKUP_QUEUE: &str = "backup_database";
const POLL_QUEUE: &str = "poll_payments";
/// Hourly, on the hour (Beijing time): the safety net for lost payment notifications.
const POLL_SCHEDULE: &str = "0 0 * * * *";
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Copy the database into the data directory and prune old copies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupDatabase {
    /// The staff member who asked for it; `None` for the schedule.
    pub requested_by: Option<i64>,
}

/// Query every order still open with WeChat Pay (PRD §6.1.4). Idempotent: an
/// order already paid or closed is left alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PollPayments {}

/// What a job reaches: narrower than the app's state (no HTTP, no UI), so jobs
/// and the services they call stay free of the web layer.
#[derive(Clone)]
pub struct JobContext {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    pub pay: PayState,
    /// This process's id: names its workers.
    pub instance: Arc<str>,
}

impl FromRef<JobContext> for PayState {
    fn from_ref(ctx: &JobContext) -> Self {
        ctx.pay.clone()
    }
}

impl FromRef<JobContext> for DatabaseConnection {
    fn from_ref(ctx: &JobContext) -> Self {
        ctx.db.clone()
    }
}

#[derive(Clone)]
pub enum JobQueue {
    Sqlite {
        backups: SqliteStorage<BackupDatabase>,
        polls: SqliteStorage<PollPayments>,
        pool: SqlitePool,
    },
    Redis {
        backups: RedisStorage<BackupDatabase>,
        polls: RedisStorage<PollPayments>,
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
                let queue = |name: &str| {
                    apalis_redis::Config::default()
                        .queue(format!("{prefix}:{name}"))
                        // Without a TTL the idempotency key expires at once and the schedule's dedup is lost.
                        .idempotency_ttl(Some(Duration::from_secs(2 * 86_400)))
                };
                Ok(Self::Redis {
                    backups: RedisStorage::new(connection.clone()).with_config(queue(BACKUP_QUEUE)),
                    polls: RedisStorage::new(connection.clone()).with_config(queue(POLL_QUEUE)),
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
                let queue = |name: &str| apalis_sqlite::Config::default().queue(name);
                Ok(Self::Sqlite {
                    backups: SqliteStorage::new(&pool).with_config(queue(BACKUP_QUEUE)),
                    polls: SqliteStorage::new(&pool).with_config(queue(POLL_QUEUE)),
                    pool,
                })
            }
        }
    }

    pub async fn push_backup(&self, job: BackupDatabase) -> anyhow::Result<()> {
        match self.clone() {
            Self::Sqlite { mut backups, .. } => {
                backups.push(job).await.context("queueing a backup")?
            }
            Self::Redis { mut backups, .. } => {
                backups.push(job).await.context("queueing a backup")?
            }
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

/// A schedule's tick becomes one deduplicated job: with several server instances
/// every scheduler fires, but only one job per tick is stored.
async fn enqueue_scheduled_backup(
    tick: Tick<Tz>,
    queue: Data<JobQueue>,
) -> Result<(), BoxDynError> {
    let task = TaskBuilder::new(BackupDatabase { requested_by: None })
        .idempotency_key(format!("backup-{}", tick.get_timestamp()))
        .build();
    match (*queue).clone() {
        JobQueue::Sqlite { mut backups, .. } => backups.push_task(task).await?,
        JobQueue::Redis { mut backups, .. } => backups.push_task(task).await?,
    }
    Ok(())
}

async fn enqueue_scheduled_poll(tick: Tick<Tz>, queue: Data<JobQueue>) -> Result<(), BoxDynError> {
    let task = TaskBuilder::new(PollPayments {})
        .idempotency_key(format!("poll-{}", tick.get_timestamp()))
        .build();
    match (*queue).clone() {
        JobQueue::Sqlite { mut polls, .. } => polls.push_task(task).await?,
        JobQueue::Redis { mut polls, .. } => polls.push_task(task).await?,
    }
    Ok(())
}

async fn run_backup(job: BackupDatabase, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    crate::backups::run(&ctx.db, &ctx.config, job.requested_by)
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "database backup failed");
            BoxDynError::from(format!("{e:#}"))
        })?;
    Ok(())
}

async fn run_poll(_job: PollPayments, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let gateway = crate::payments::gateway::current(&*ctx)
        .await
        .map_err(|e| BoxDynError::from(e.to_string()))?;
    let report = crate::payments::settlement::poll_pending(&ctx.db, &gateway)
        .await
        .map_err(|e| BoxDynError::from(e.to_string()))?;
    if report.paid + report.duplicates + report.closed + report.errors > 0 {
        tracing::info!(?report, "payment poll");
    }
    Ok(())
}

fn schedule(expression: &str, what: &str) -> anyhow::Result<cron::Schedule> {
    cron::Schedule::from_str(expression)
        .with_context(|| format!("{what} is not a 6-field cron expression: {expression}"))
}

/// Starts the workers and the schedules; they stop when `shutdown` resolves.
pub fn start(
    state: JobContext,
    queue: JobQueue,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let backup_schedule = schedule(&state.config.backup.schedule, "CAMP__BACKUP__SCHEDULE")?;
    let poll_schedule = schedule(POLL_SCHEDULE, "the payment poll schedule")?;
    // Worker names must be unique among live workers, also across restarts within the heartbeat window.
    let instance = state.instance.clone();
    let monitor = Monitor::new();

    // A cron worker per schedule, each pushing one deduplicated job per tick.
    macro_rules! schedule_worker {
        ($monitor:expr, $name:expr, $schedule:expr, $enqueue:expr) => {{
            let (name, schedule, queue) = ($name, $schedule, queue.clone());
            $monitor.register(move |_| {
                WorkerBuilder::new(name.as_str())
                    .backend(
                        CronScheduler::new(schedule.clone())
                            .with_timezone(shared::dates::BUSINESS_TZ),
                    )
                    .data(queue.clone())
                    .build($enqueue)
            })
        }};
    }
    // One worker per job type; the storages differ by backend, the handlers do not.
    macro_rules! job_worker {
        ($monitor:expr, $name:expr, $storage:expr, $handler:expr) => {{
            let (name, storage, state) = ($name, $storage, state.clone());
            $monitor.register(move |_| {
                WorkerBuilder::new(name.as_str())
                    .backend(storage.clone().poll_with_interval(POLL_INTERVAL))
                    .data(state.clone())
                    .concurrency(1)
                    .build($handler)
            })
        }};
    }
    let monitor = schedule_worker!(
        monitor,
        format!("backup-schedule-{instance}"),
        backup_schedule,
        enqueue_scheduled_backup
    );
    let monitor = schedule_worker!(
        monitor,
        format!("poll-schedule-{instance}"),
        poll_schedule,
        enqueue_scheduled_poll
    );
    let (backup_name, poll_name) = (format!("backup-{instance}"), format!("poll-{instance}"));
    let monitor = match queue.clone() {
        JobQueue::Sqlite { backups, polls, .. } => {
            let monitor = job_worker!(monitor, backup_name, backups, run_backup);
            job_worker!(monitor, poll_name, polls, run_poll)
        }
        JobQueue::Redis { backups, polls, .. } => {
            let monitor = job_worker!(monitor, backup_name, backups, run_backup);
            job_worker!(monitor, poll_name, polls, run_poll)
        }
    };
    let monitor = monitor
        .should_restart(|_, _| true)
        .shutdown_timeout(Duration::from_secs(30));
    Ok(tokio::spawn(async move {
        let signal = async move {
            shutdown.await;
            Ok(())
        };
        if let Err(e) = monitor.run_with_signal(signal).await {
            tracing::error!(error = ?e, "job workers stopped");
        }
    }))
}
