//! Every job by name, the schedules, and the workers that run them: the one
//! place a new job is registered.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use anyhow::Context;
use apalis::prelude::*;
use apalis_cron::{CronScheduler, Tick};
use chrono_tz::Tz;

use super::{BackupDatabase, Job, JobContext, JobQueue, PollPayments, QueuedJob, Trigger, runs};
use crate::config::Config;

/// Hourly, on the hour (Beijing time): the safety net for lost payment notifications.
const POLL_SCHEDULE: &str = "0 0 * * * *";
/// 01:00 Beijing (PRD §6.2.4): the night's check-in syncs.
const SYNC_SCHEDULE: &str = "0 0 1 * * *";
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Jobs of different kinds run side by side (a backup does not hold up a poll).
const CONCURRENCY: usize = 2;

type RunFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<String>> + Send + 'a>>;
type RunFn = for<'a> fn(serde_json::Value, &'a JobContext) -> RunFuture<'a>;

/// The jobs this binary can run, by [`Job::NAME`].
#[derive(Default)]
pub struct Registry {
    jobs: Vec<(&'static str, RunFn)>,
}

/// The registry: one line per job.
pub fn registry() -> &'static Registry {
    static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
        Registry::default()
            .job::<BackupDatabase>()
            .job::<PollPayments>()
            .job::<crate::alerts::DuplicatePaymentAlert>()
            .job::<crate::alerts::PaymentReviewAlert>()
            .job::<crate::planet::sync::SyncCamp>()
            .job::<crate::planet::sync::SyncTick>()
            .job::<crate::checkins::MatchCamp>()
    });
    &REGISTRY
}

/// The schedules: one line per scheduled job. Each tick enqueues the job once
/// across instances ([`enqueue_tick`]).
fn schedules(config: &Config) -> anyhow::Result<Vec<Scheduled>> {
    Ok(vec![
        Scheduled::new(
            &config.backup.schedule,
            "CAMP__BACKUP__SCHEDULE",
            &BackupDatabase { requested_by: None },
        )?,
        Scheduled::new(POLL_SCHEDULE, "the payment poll schedule", &PollPayments {})?,
        Scheduled::new(
            SYNC_SCHEDULE,
            "the check-in sync schedule",
            &crate::planet::sync::SyncTick {},
        )?,
    ])
}

impl Registry {
    fn job<J: Job>(mut self) -> Self {
        assert!(
            !self.knows(J::NAME),
            "job name {} registered twice",
            J::NAME
        );
        self.jobs.push((J::NAME, run_erased::<J>));
        self
    }

    pub fn knows(&self, name: &str) -> bool {
        self.jobs.iter().any(|(known, _)| *known == name)
    }

    /// The registered names, for the operations page's filter.
    pub fn names(&self) -> Vec<&'static str> {
        self.jobs.iter().map(|(name, _)| *name).collect()
    }

    pub(super) async fn run(
        &self,
        name: &str,
        payload: serde_json::Value,
        ctx: &JobContext,
    ) -> anyhow::Result<String> {
        let (_, run) = self
            .jobs
            .iter()
            .find(|(known, _)| *known == name)
            .with_context(|| format!("未注册的任务：{name}"))?;
        run(payload, ctx).await
    }
}

fn run_erased<J: Job>(payload: serde_json::Value, ctx: &JobContext) -> RunFuture<'_> {
    Box::pin(async move {
        let job: J = serde_json::from_value(payload)
            .with_context(|| format!("the payload of {} does not parse", J::NAME))?;
        job.run(ctx).await
    })
}

/// A job to enqueue on every tick of a cron schedule.
#[derive(Clone)]
struct Scheduled {
    job: &'static str,
    schedule: cron::Schedule,
    payload: serde_json::Value,
}

impl Scheduled {
    fn new<J: Job>(expression: &str, what: &str, job: &J) -> anyhow::Result<Self> {
        let schedule = cron::Schedule::from_str(expression)
            .with_context(|| format!("{what} is not a 6-field cron expression: {expression}"))?;
        Ok(Self {
            job: J::NAME,
            schedule,
            payload: serde_json::to_value(job)?,
        })
    }
}

/// Enqueues a schedule's job for one tick (seconds since the epoch). Every
/// instance's scheduler calls this for the same tick; the queue keeps one.
pub async fn enqueue_tick(
    queue: &JobQueue,
    job: &str,
    payload: serde_json::Value,
    tick: u64,
) -> anyhow::Result<()> {
    queue
        .push_raw(
            job,
            payload,
            Some(format!("{job}@{tick}")),
            Trigger::Schedule,
        )
        .await
}

#[derive(Clone)]
struct TickTarget {
    queue: JobQueue,
    scheduled: Scheduled,
}

async fn on_tick(tick: Tick<Tz>, target: Data<TickTarget>) -> Result<(), BoxDynError> {
    enqueue_tick(
        &target.queue,
        target.scheduled.job,
        target.scheduled.payload.clone(),
        tick.get_timestamp(),
    )
    .await
    .map_err(|e| BoxDynError::from(format!("{e:#}")))
}

async fn on_job(job: QueuedJob, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    runs::execute(&ctx, job)
        .await
        .map_err(|e| BoxDynError::from(format!("{e:#}")))
}

/// Starts the worker, the schedules and the outbox relay; they stop when
/// `shutdown` resolves.
pub fn start(
    ctx: JobContext,
    queue: JobQueue,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let schedules = schedules(&ctx.config)?;
    // Worker names must be unique among live workers, also across restarts within the heartbeat window.
    let instance = ctx.instance.clone();
    let mut monitor = Monitor::new();
    for scheduled in schedules {
        let name = format!("{}-schedule-{instance}", scheduled.job);
        let target = TickTarget {
            queue: queue.clone(),
            scheduled,
        };
        monitor = monitor.register(move |_| {
            WorkerBuilder::new(name.as_str())
                .backend(
                    CronScheduler::new(target.scheduled.schedule.clone())
                        .with_timezone(shared::dates::BUSINESS_TZ),
                )
                .data(target.clone())
                .build(on_tick)
        });
    }
    let name = format!("jobs-{instance}");
    let worker_ctx = ctx.clone();
    monitor = match queue.clone() {
        JobQueue::Sqlite { storage, .. } => monitor.register(move |_| {
            WorkerBuilder::new(name.as_str())
                .backend(storage.clone().poll_with_interval(POLL_INTERVAL))
                .data(worker_ctx.clone())
                .concurrency(CONCURRENCY)
                .build(on_job)
        }),
        JobQueue::Redis { storage, .. } => monitor.register(move |_| {
            WorkerBuilder::new(name.as_str())
                .backend(storage.clone().poll_with_interval(POLL_INTERVAL))
                .data(worker_ctx.clone())
                .concurrency(CONCURRENCY)
                .build(on_job)
        }),
    };
    let monitor = monitor
        .should_restart(|_, _| true)
        .shutdown_timeout(Duration::from_secs(30));
    let (stop_relay, relay_stopped) = tokio::sync::watch::channel(false);
    let relay = tokio::spawn(crate::outbox::relay_loop(
        ctx.db.clone(),
        queue,
        relay_stopped,
    ));
    Ok(tokio::spawn(async move {
        let signal = async move {
            shutdown.await;
            let _ = stop_relay.send(true);
            Ok(())
        };
        if let Err(e) = monitor.run_with_signal(signal).await {
            tracing::error!(error = ?e, "job workers stopped");
        }
        let _ = relay.await;
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheduled_job_is_registered() -> anyhow::Result<()> {
        for scheduled in schedules(&Config::default())? {
            assert!(registry().knows(scheduled.job), "{}", scheduled.job);
        }
        assert!(registry().knows(crate::alerts::DuplicatePaymentAlert::NAME));
        Ok(())
    }
}
