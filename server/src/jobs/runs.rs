//! The history of job runs (`job_runs`): a row is written when a run starts
//! (outcome `running`) and completed when it ends (`succeeded` / `failed`, with
//! the job's message or the error chain). A row left `running` means the
//! process died mid-run; the queue delivers the job again, which is a new row.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use shared::ops::{JobRunDto, JobRunQuery};

use super::{JobContext, QueuedJob, registry};
use crate::entity::job_runs;
use crate::error::AppResult;

/// Runs a queued job through the registry, recording the run.
pub(super) async fn execute(ctx: &JobContext, queued: QueuedJob) -> anyhow::Result<()> {
    let run = job_runs::ActiveModel {
        job: Set(queued.job.clone()),
        trigger: Set(queued.trigger.as_str().to_owned()),
        dedupe_key: Set(queued.dedupe_key.clone()),
        instance: Set(ctx.instance.to_string()),
        started_at: Set(Utc::now()),
        finished_at: Set(None),
        outcome: Set(job_runs::RUNNING.to_owned()),
        message: Set(String::new()),
        ..Default::default()
    }
    .insert(&ctx.db)
    .await?;
    let result = registry().run(&queued.job, queued.payload, ctx).await;
    let (outcome, message) = match &result {
        Ok(message) => (job_runs::SUCCEEDED, message.clone()),
        Err(e) => {
            tracing::error!(job = %queued.job, error = ?e, "job failed");
            (job_runs::FAILED, format!("{e:#}"))
        }
    };
    job_runs::Entity::update_many()
        .col_expr(job_runs::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(job_runs::Column::Outcome, Expr::value(outcome))
        .col_expr(job_runs::Column::Message, Expr::value(message))
        .filter(job_runs::Column::Id.eq(run.id))
        .exec(&ctx.db)
        .await?;
    result.map(|_| ())
}

/// Runs newest first, at most `query.limit` (bounded to 1..=200, default 50).
pub async fn list(db: &impl ConnectionTrait, query: &JobRunQuery) -> AppResult<Vec<JobRunDto>> {
    let mut select = job_runs::Entity::find().order_by_desc(job_runs::Column::Id);
    if let Some(job) = query.job.as_deref().filter(|j| !j.is_empty()) {
        select = select.filter(job_runs::Column::Job.eq(job));
    }
    Ok(select
        .limit(query.bounded_limit())
        .all(db)
        .await?
        .into_iter()
        .map(|run| JobRunDto {
            id: run.id,
            job: run.job,
            trigger: run.trigger,
            dedupe_key: run.dedupe_key,
            instance: run.instance,
            started_at: run.started_at,
            finished_at: run.finished_at,
            outcome: run.outcome,
            message: run.message,
        })
        .collect())
}
