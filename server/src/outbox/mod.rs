//! The outbox (ARCHITECTURE §5): work that must follow a business change is
//! written as a row *in that change's transaction* ([`enqueue`]) and relayed to
//! the job queue afterwards ([`relay_once`], run every second by each instance).
//!
//! Invariants:
//! - A rolled-back change leaves no row, so no job; a committed change leaves a
//!   row that stays until it is relayed, so a crash between commit and relay
//!   loses nothing.
//! - At least once: a row is marked `relayed_at` only after the push succeeded;
//!   a crash between push and mark relays it again. The queue drops the second
//!   push (its key is `outbox:<dedupe_key>`) and the job is idempotent anyway.
//! - One row per dedupe key (`uq_outbox_dedupe_key`): enqueueing the same event
//!   twice (a retried request, two racing deliveries) is a no-op.

use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entity::outbox;
use crate::jobs::{Job, JobQueue, Trigger, registry};

const RELAY_INTERVAL: Duration = Duration::from_secs(1);
const RELAY_BATCH: u64 = 100;

/// Writes `job` to the outbox on `db` — pass the business change's transaction.
/// The row's key is `<job name>:<job.dedupe_key()>` (a fresh id when the job
/// has none); a second enqueue with the same key is ignored.
pub async fn enqueue<J: Job>(db: &impl ConnectionTrait, job: &J) -> Result<(), DbErr> {
    let payload = serde_json::to_string(job).map_err(|e| DbErr::Custom(e.to_string()))?;
    let key = job
        .dedupe_key()
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    outbox::Entity::insert(outbox::ActiveModel {
        job: Set(J::NAME.to_owned()),
        payload: Set(payload),
        dedupe_key: Set(format!("{}:{key}", J::NAME)),
        created_at: Set(Utc::now()),
        relayed_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(outbox::Column::DedupeKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Pushes every unrelayed row to the queue, oldest first, and marks each
/// relayed once pushed. Returns how many were relayed. A row naming a job
/// this binary does not know is left for a binary that does.
pub async fn relay_once(db: &DatabaseConnection, queue: &JobQueue) -> anyhow::Result<usize> {
    let rows = outbox::Entity::find()
        .filter(outbox::Column::RelayedAt.is_null())
        .order_by_asc(outbox::Column::Id)
        .limit(RELAY_BATCH)
        .all(db)
        .await?;
    let mut relayed = 0;
    for row in rows {
        if !registry().knows(&row.job) {
            tracing::warn!(job = %row.job, id = row.id, "outbox row for an unknown job left unrelayed");
            continue;
        }
        let payload: serde_json::Value = serde_json::from_str(&row.payload)?;
        queue
            .push_raw(
                &row.job,
                payload,
                Some(format!("outbox:{}", row.dedupe_key)),
                Trigger::Outbox,
            )
            .await?;
        outbox::Entity::update_many()
            .col_expr(outbox::Column::RelayedAt, Expr::value(Utc::now()))
            .filter(outbox::Column::Id.eq(row.id))
            .exec(db)
            .await?;
        relayed += 1;
    }
    Ok(relayed)
}

/// Relays every [`RELAY_INTERVAL`] until `stop` turns true.
pub async fn relay_loop(
    db: DatabaseConnection,
    queue: JobQueue,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = relay_once(&db, &queue).await {
            tracing::warn!(error = ?e, "outbox relay failed; retrying");
        }
        tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => return,
            () = tokio::time::sleep(RELAY_INTERVAL) => {}
        }
    }
}
