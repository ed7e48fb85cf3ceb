//! Background work (ARCHITECTURE §5): the [`Job`] trait, the one queue every
//! job goes through ([`JobQueue`], SQLite or Redis), the registry that knows
//! every job by name, the schedules, and the history of runs (`job_runs`).
//!
//! Invariants:
//! - A job carries ids, reloads what it needs, and is idempotent: delivery is
//!   at least once (a crash mid-run, the outbox relaying twice, two instances).
//! - Every run is recorded in `job_runs` (job, trigger, instance, start, end,
//!   outcome, message) before and after it runs ([`runs`]).
//! - A scheduled tick is enqueued under the key `<job>@<tick>`: with several
//!   instances every scheduler fires, but the queue stores one job per tick
//!   (SQLite: a unique index on the key; Redis: a key set kept two days).
//! - Work that must follow a business change is not pushed here directly: it is
//!   written to the outbox in that change's transaction (`crate::outbox`), and
//!   the relay pushes it.
//!
//! Adding a job: implement [`Job`] beside the code it drives, add one line to
//! [`registry`]; to run it on a schedule, one line in `registry::schedules`.

mod backup;
pub mod handlers;
mod poll_payments;
mod queue;
mod registry;
pub mod runs;

use std::future::Future;
use std::sync::Arc;

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use backup::BackupDatabase;
pub use poll_payments::PollPayments;
pub use queue::{JobQueue, QueuedJob, Trigger};
pub use registry::{Registry, enqueue_tick, registry, start};

use crate::config::Config;
use crate::keys::Keys;
use crate::payments::gateway::PayState;

/// One kind of background work. The value is the payload: ids, never loaded
/// rows (the job reloads them, so a late or repeated run sees the truth).
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stable name: the registry's key, stored in the queue, the outbox and
    /// `job_runs`. Never rename a job that may still be queued.
    const NAME: &'static str;

    /// Two jobs with the same key are stored once (per job name): `None` for
    /// work that may well be asked for twice (a manual backup).
    fn dedupe_key(&self) -> Option<String> {
        None
    }

    /// Does the work; idempotent. The `Ok` text is the run's message in
    /// `job_runs` (Chinese, for the operations page); an `Err` marks the run
    /// failed with the error chain as its message.
    fn run(self, ctx: &JobContext) -> impl Future<Output = anyhow::Result<String>> + Send;
}

/// What a job reaches: narrower than the app's state (no HTTP, no UI), so jobs
/// and the services they call stay free of the web layer.
#[derive(Clone)]
pub struct JobContext {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub keys: Arc<Keys>,
    pub pay: PayState,
    /// This process's id: names its workers and is recorded with each run.
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
