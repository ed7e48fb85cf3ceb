//! The check-in sync (PRD §6.2.4, §8.2): a [`SyncCamp`] job reads a camp's
//! check-in posts from Knowledge Planet, newest first, and stores them through
//! `checkins::records::store` (unique by topic id, so a re-run never
//! duplicates); or reads the accumulated ranking for the cross-check. Every run
//! is a `sync_runs` row whose pages, requests and new records grow as it goes.
//!
//! - Incremental: pages back through the new posts and one overlap page — the
//!   page that reaches past the last successful run's newest post — never
//!   before the overlap window (default 1 h) or the camp start. Posts at a page
//!   boundary land in the overlap page; a post that appears later with an
//!   older time is found by the full run after the end.
//! - Full (the day after the end, and on demand): pages back to the camp start
//!   and marks stored posts that are gone from Knowledge Planet.
//! - Ranking (after the end, and on demand): every page of the ranking.
//!
//! A refused cookie fails the run with "知识星球Cookie已失效" and raises the
//! admin alert; a run never succeeds empty because the service said no. A
//! run's last transaction applies matching and recounts the days
//! (`checkins::matching::apply`), so a succeeded run's figures are current.
//! [`SyncTick`] (01:00 Beijing) enqueues the night's runs through the outbox.

use crate::db::WriteTransaction;
use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use shared::planet::{SyncRunDto, SyncRunQuery};

use super::PlanetError;
use crate::alerts::AlertKind;
use crate::alerts::service::{NewAlert, raise};
use crate::checkins;
use crate::entity::{camps, sync_runs};
use crate::error::{AppError, AppResult};
use crate::integrations::zsxq::{RANKING_PAGE_SIZE, Topic, ZsxqClient, ZsxqError, ZsxqTime};
use crate::jobs::{Job, JobContext};
use checkins::records::{IncomingCheckin, RankingRow, Source};

/// Posts asked for per page (the captured requests use 20).
pub const TOPICS_PAGE: u32 = 20;
/// A guard against a service that never stops paging.
const MAX_PAGES: i32 = 5000;
/// Characters of a post kept as its excerpt.
const EXCERPT_CHARS: usize = 100;

/// What a run reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncKind {
    Incremental,
    Full,
    Ranking,
}

impl SyncKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incremental => sync_runs::INCREMENTAL,
            Self::Full => sync_runs::FULL,
            Self::Ranking => sync_runs::RANKING,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Incremental, Self::Full, Self::Ranking]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// Syncs one camp. `run_id`: the run row made when staff asked ("立即同步"),
/// so they can watch it; `None` (the nightly tick) makes its own. `night`:
/// the Beijing date of the tick, so each night enqueues a camp's run once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncCamp {
    pub camp_id: i64,
    /// `schedule` or `manual`.
    pub trigger: String,
    pub kind: SyncKind,
    #[serde(default)]
    pub run_id: Option<i64>,
    #[serde(default)]
    pub night: Option<NaiveDate>,
}

impl Job for SyncCamp {
    const NAME: &'static str = "sync_camp";

    fn dedupe_key(&self) -> Option<String> {
        match (self.run_id, self.night) {
            (Some(run), _) => Some(format!("run:{run}")),
            (None, Some(night)) => Some(format!("{}:{night}:{}", self.camp_id, self.kind.as_str())),
            (None, None) => None,
        }
    }

    async fn run(self, ctx: &JobContext) -> anyhow::Result<String> {
        let run = match self.run_id {
            Some(id) => {
                let run = sync_runs::Entity::find_by_id(id)
                    .one(&ctx.db)
                    .await?
                    .with_context(|| format!("sync run {id} does not exist"))?;
                if run.status != sync_runs::RUNNING {
                    return Ok(format!("同步 #{id} 已结束"));
                }
                run
            }
            None => start_run(&ctx.db, self.camp_id, &self.trigger, self.kind).await?,
        };
        execute(ctx, run).await
    }
}

/// Enqueues the night's runs (01:00 Beijing): incremental for every camp
/// that has started and not ended; full + ranking on the day after its end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncTick {}

impl Job for SyncTick {
    const NAME: &'static str = "sync_tick";

    async fn run(self, ctx: &JobContext) -> anyhow::Result<String> {
        let today = shared::dates::business_date(Utc::now());
        let enqueued = enqueue_night(&ctx.db, today).await?;
        Ok(format!("已安排 {enqueued} 个同步"))
    }
}

/// The night's runs for `today` (Beijing), through the outbox in one
/// transaction; a second tick the same night adds nothing.
pub async fn enqueue_night(db: &DatabaseConnection, today: NaiveDate) -> anyhow::Result<usize> {
    let yesterday = today.pred_opt().unwrap_or(today);
    let camps = camps::Entity::find()
        .filter(camps::Column::PlanetProjectId.ne(""))
        .filter(camps::Column::StartDate.lte(today))
        .filter(camps::Column::EndDate.gte(yesterday))
        .all(db)
        .await?;
    let txn = db.begin_write().await?;
    let mut enqueued = 0;
    for camp in camps {
        let kinds: &[SyncKind] = if camp.end_date < today {
            &[SyncKind::Full, SyncKind::Ranking]
        } else {
            &[SyncKind::Incremental]
        };
        for kind in kinds {
            let job = SyncCamp {
                camp_id: camp.id,
                trigger: "schedule".into(),
                kind: *kind,
                run_id: None,
                night: Some(today),
            };
            crate::outbox::enqueue(&txn, &job).await?;
            enqueued += 1;
        }
    }
    txn.commit().await?;
    Ok(enqueued)
}

/// A new `running` row.
pub async fn start_run(
    db: &impl ConnectionTrait,
    camp_id: i64,
    trigger: &str,
    kind: SyncKind,
) -> Result<sync_runs::Model, sea_orm::DbErr> {
    sync_runs::ActiveModel {
        camp_id: Set(camp_id),
        trigger: Set(trigger.to_owned()),
        kind: Set(kind.as_str().to_owned()),
        started_at: Set(Utc::now()),
        finished_at: Set(None),
        status: Set(sync_runs::RUNNING.to_owned()),
        pages: Set(0),
        requests: Set(0),
        new_records: Set(0),
        error: Set(String::new()),
        newest_create_time: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Why a run failed: the service's answer (shown as is), or our own fault.
enum Failure {
    Planet(ZsxqError),
    Internal(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(err: E) -> Self {
        Self::Internal(err.into())
    }
}

/// What a run has done so far (mirrored to its row).
#[derive(Default)]
struct Progress {
    pages: i32,
    new_records: i32,
    newest: Option<DateTime<Utc>>,
}

async fn execute(ctx: &JobContext, run: sync_runs::Model) -> anyhow::Result<String> {
    let Some(kind) = SyncKind::parse(&run.kind) else {
        anyhow::bail!("unknown sync kind {}", run.kind);
    };
    let mut progress = Progress::default();
    let client =
        crate::settings::zsxq::client(&ctx.db, &ctx.config, &ctx.keys, &ctx.pay.self_url).await?;
    let (result, requests) = match client {
        Err(e) => (Err(Failure::Planet(e)), 0),
        Ok(client) => {
            let outcome = read(ctx, &client, &run, kind, &mut progress).await;
            (outcome, client.requests_sent())
        }
    };
    finish(&ctx.db, &run, &progress, requests, result.as_ref().err()).await?;
    match result {
        Ok(()) => Ok(format!(
            "训练营 {} {}同步完成：{} 页，新增 {} 条",
            run.camp_id,
            kind_label(kind),
            progress.pages,
            progress.new_records
        )),
        Err(Failure::Planet(e)) => {
            if e == ZsxqError::CookieExpired {
                alert_cookie_expired(&ctx.db, run.camp_id).await?;
            }
            Err(anyhow::Error::new(e).context(format!("同步 #{} 失败", run.id)))
        }
        Err(Failure::Internal(e)) => Err(e.context(format!("同步 #{} 失败", run.id))),
    }
}

fn kind_label(kind: SyncKind) -> &'static str {
    match kind {
        SyncKind::Incremental => "增量",
        SyncKind::Full => "全量",
        SyncKind::Ranking => "排行榜",
    }
}

/// Completes the row: succeeded, or failed with the reason people read.
async fn finish(
    db: &DatabaseConnection,
    run: &sync_runs::Model,
    progress: &Progress,
    requests: u32,
    failure: Option<&Failure>,
) -> anyhow::Result<()> {
    let (status, error) = match failure {
        None => (sync_runs::SUCCEEDED, String::new()),
        Some(Failure::Planet(e)) => (sync_runs::FAILED, e.to_string()),
        Some(Failure::Internal(e)) => (sync_runs::FAILED, format!("内部错误：{e:#}")),
    };
    sync_runs::Entity::update_many()
        .col_expr(sync_runs::Column::Status, Expr::value(status))
        .col_expr(sync_runs::Column::Error, Expr::value(error))
        .col_expr(sync_runs::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(sync_runs::Column::Pages, Expr::value(progress.pages))
        .col_expr(
            sync_runs::Column::Requests,
            Expr::value(i32::try_from(requests).unwrap_or(i32::MAX)),
        )
        .col_expr(
            sync_runs::Column::NewRecords,
            Expr::value(progress.new_records),
        )
        .col_expr(
            sync_runs::Column::NewestCreateTime,
            Expr::value(progress.newest),
        )
        .filter(sync_runs::Column::Id.eq(run.id))
        .exec(db)
        .await?;
    Ok(())
}

/// One alert a day, whichever camp's run met the expired cookie first.
async fn alert_cookie_expired(db: &DatabaseConnection, camp_id: i64) -> anyhow::Result<()> {
    let today = shared::dates::business_date(Utc::now());
    raise(
        db,
        NewAlert {
            kind: AlertKind::PlanetCookieExpired,
            dedupe_key: format!("planet_cookie_expired:{today}"),
            target: "知识星球Cookie".into(),
            message: format!(
                "知识星球Cookie已失效：训练营 {camp_id} 的打卡同步失败。请超级管理员在系统设置中更新 zsxq_access_token，然后重新同步"
            ),
        },
    )
    .await?;
    Ok(())
}

fn project_id(camp: &camps::Model) -> Result<i64, Failure> {
    camp.planet_project_id
        .trim()
        .parse::<i64>()
        .map_err(|_| Failure::Internal(anyhow::Error::new(PlanetError::NoProject)))
}

/// The camp's first instant: its start date's midnight, Beijing.
fn camp_start(camp: &camps::Model) -> DateTime<Utc> {
    crate::audit::service::beijing_midnight(camp.start_date)
}

async fn read(
    ctx: &JobContext,
    client: &ZsxqClient,
    run: &sync_runs::Model,
    kind: SyncKind,
    progress: &mut Progress,
) -> Result<(), Failure> {
    let camp = camps::Entity::find_by_id(run.camp_id)
        .one(&ctx.db)
        .await?
        .with_context(|| format!("camp {} does not exist", run.camp_id))?;
    let checkin_id = project_id(&camp)?;
    match kind {
        SyncKind::Ranking => read_ranking(&ctx.db, client, run, checkin_id, progress).await,
        SyncKind::Incremental | SyncKind::Full => {
            let start = camp_start(&camp);
            let reach = if kind == SyncKind::Full {
                Reach {
                    since: start,
                    known_newest: None,
                }
            } else {
                let stored = super::settings::load(&ctx.db).await.map_err(app_error)?;
                let known_newest = last_newest(&ctx.db, camp.id).await?;
                Reach {
                    since: known_newest.map_or(start, |newest| {
                        (newest - Duration::minutes(stored.overlap_minutes)).max(start)
                    }),
                    known_newest,
                }
            };
            let seen = read_topics(&ctx.db, client, run, checkin_id, reach, progress).await?;
            let txn = ctx.db.begin_write().await?;
            // The camp's lock first: `mark_gone` reads before it writes, which
            // SQLite refuses at once while another camp's sync is writing.
            checkins::matching::lock_camp(&txn, camp.id).await?;
            if kind == SyncKind::Full {
                checkins::records::mark_gone(&txn, camp.id, &seen, start).await?;
            }
            // Matched and counted before the run is marked succeeded, so a
            // finished run's numbers are the ones staff and members see.
            checkins::matching::apply(&txn, camp.id).await?;
            txn.commit().await?;
            Ok(())
        }
    }
}

fn app_error(e: AppError) -> Failure {
    Failure::Internal(anyhow::anyhow!("{e}"))
}

/// The newest post of the camp's last successful post-reading run.
async fn last_newest(
    db: &impl ConnectionTrait,
    camp_id: i64,
) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    Ok(sync_runs::Entity::find()
        .filter(sync_runs::Column::CampId.eq(camp_id))
        .filter(sync_runs::Column::Status.eq(sync_runs::SUCCEEDED))
        .filter(sync_runs::Column::Kind.is_in([sync_runs::INCREMENTAL, sync_runs::FULL]))
        .filter(sync_runs::Column::NewestCreateTime.is_not_null())
        .order_by_desc(sync_runs::Column::NewestCreateTime)
        .limit(1)
        .one(db)
        .await?
        .and_then(|run| run.newest_create_time))
}

fn incoming(topic: &Topic) -> Option<IncomingCheckin> {
    let owner = topic.owner()?;
    let text = topic.text();
    Some(IncomingCheckin {
        topic_id: Some(topic.topic_id),
        user_id: owner.user_id,
        name: owner.name.clone(),
        alias: owner.alias.clone().filter(|a| !a.trim().is_empty()),
        created_at: topic.create_time.at,
        text_len: i32::try_from(text.chars().count()).unwrap_or(i32::MAX),
        images_count: i32::try_from(topic.images_count()).unwrap_or(i32::MAX),
        excerpt: text.chars().take(EXCERPT_CHARS).collect(),
    })
}

/// How far back a run pages.
#[derive(Debug, Clone, Copy)]
struct Reach {
    /// Never before this (the camp start; incremental: the overlap window
    /// before the known newest post).
    since: DateTime<Utc>,
    /// Incremental: the newest post a successful run has seen. The page that
    /// reaches past it is the overlap page and the last one read, so a night's
    /// requests are the pages of new posts plus one (issue 9 benchmark target);
    /// posts older than it that appear later are found by the full run after
    /// the camp's end.
    known_newest: Option<DateTime<Utc>>,
}

/// Pages back from the newest post until a page reaches before
/// `reach.since` or past `reach.known_newest`, comes back empty or brings
/// nothing new; stores each page as it comes. Returns every topic id seen (for
/// a full run's "gone" check).
async fn read_topics(
    db: &DatabaseConnection,
    client: &ZsxqClient,
    run: &sync_runs::Model,
    checkin_id: i64,
    reach: Reach,
    progress: &mut Progress,
) -> Result<HashSet<i64>, Failure> {
    let since = reach.since;
    let mut seen = HashSet::new();
    let mut cursor: Option<ZsxqTime> = None;
    while progress.pages < MAX_PAGES {
        let page = client
            .checkin_topics(checkin_id, cursor.as_ref(), TOPICS_PAGE)
            .await
            .map_err(Failure::Planet)?;
        progress.pages += 1;
        let fresh: Vec<&Topic> = page.iter().filter(|t| seen.insert(t.topic_id)).collect();
        if fresh.is_empty() {
            break;
        }
        let items: Vec<IncomingCheckin> = fresh
            .iter()
            .filter(|t| t.create_time.at >= since)
            .filter_map(|t| incoming(t))
            .collect();
        progress.newest = progress
            .newest
            .max(fresh.iter().map(|t| t.create_time.at).max());
        let txn = db.begin_write().await?;
        let stored = checkins::records::store(&txn, run.camp_id, Source::Sync, &items).await?;
        progress.new_records = progress
            .new_records
            .saturating_add(i32::try_from(stored.inserted).unwrap_or(i32::MAX));
        record_progress(&txn, run.id, progress, client.requests_sent()).await?;
        txn.commit().await?;
        let Some(oldest) = page.last() else { break };
        let past_known = reach
            .known_newest
            .is_some_and(|n| oldest.create_time.at < n);
        if oldest.create_time.at < since || past_known {
            break;
        }
        cursor = Some(oldest.create_time.clone());
    }
    Ok(seen)
}

async fn record_progress(
    db: &impl ConnectionTrait,
    run_id: i64,
    progress: &Progress,
    requests: u32,
) -> Result<(), sea_orm::DbErr> {
    sync_runs::Entity::update_many()
        .col_expr(sync_runs::Column::Pages, Expr::value(progress.pages))
        .col_expr(
            sync_runs::Column::Requests,
            Expr::value(i32::try_from(requests).unwrap_or(i32::MAX)),
        )
        .col_expr(
            sync_runs::Column::NewRecords,
            Expr::value(progress.new_records),
        )
        .filter(sync_runs::Column::Id.eq(run_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Every page of the accumulated ranking, then the camp's stored ranking
/// replaced with it (a complete read: absent means 0 days).
async fn read_ranking(
    db: &DatabaseConnection,
    client: &ZsxqClient,
    run: &sync_runs::Model,
    checkin_id: i64,
    progress: &mut Progress,
) -> Result<(), Failure> {
    let mut rows = Vec::new();
    let mut index = 0;
    while progress.pages < MAX_PAGES {
        let page = client
            .ranking_list(checkin_id, index)
            .await
            .map_err(Failure::Planet)?;
        progress.pages += 1;
        record_progress(db, run.id, progress, client.requests_sent()).await?;
        let count = page.ranking_list.len();
        rows.extend(page.ranking_list.into_iter().map(|entry| RankingRow {
            user_id: entry.user.user_id,
            name: entry.user.name,
            alias: entry.user.alias.filter(|a| !a.trim().is_empty()),
            checkined_days: entry.checkined_days,
        }));
        if count < RANKING_PAGE_SIZE {
            break;
        }
        index += count;
    }
    let txn = db.begin_write().await?;
    checkins::matching::lock_camp(&txn, run.camp_id).await?;
    checkins::records::record_ranking(&txn, run.camp_id, &rows).await?;
    checkins::matching::apply(&txn, run.camp_id).await?;
    txn.commit().await?;
    progress.new_records = i32::try_from(rows.len()).unwrap_or(i32::MAX);
    Ok(())
}

/// "立即同步": a run row and its job (through the outbox) in one transaction,
/// audited. Returns the run's id, which the page watches.
pub async fn request(
    db: &DatabaseConnection,
    actor: &crate::audit::Actor,
    camp: &camps::Model,
    kind: SyncKind,
) -> AppResult<i64> {
    if camp.planet_project_id.trim().parse::<i64>().is_err() {
        return Err(PlanetError::NoProject.into());
    }
    let txn = db.begin_write().await?;
    let run = start_run(&txn, camp.id, "manual", kind).await?;
    crate::outbox::enqueue(
        &txn,
        &SyncCamp {
            camp_id: camp.id,
            trigger: "manual".into(),
            kind,
            run_id: Some(run.id),
            night: None,
        },
    )
    .await?;
    crate::audit::record(
        &txn,
        actor,
        crate::audit::Action::SyncCheckins,
        crate::audit::Target::camp(camp.id, &camp.name),
        format!("{}同步 #{}", kind_label(kind), run.id),
    )
    .await?;
    txn.commit().await?;
    Ok(run.id)
}

fn dto(run: sync_runs::Model, camp_name: String) -> SyncRunDto {
    SyncRunDto {
        id: run.id,
        camp_id: run.camp_id,
        camp_name,
        trigger: run.trigger,
        kind: run.kind,
        started_at: run.started_at,
        finished_at: run.finished_at,
        status: run.status,
        pages: run.pages,
        requests: run.requests,
        new_records: run.new_records,
        error: run.error,
        newest_create_time: run.newest_create_time,
    }
}

/// Runs newest first; `camp_ids`: the camps the caller may see (`None`: all).
pub async fn list(
    db: &impl ConnectionTrait,
    camp_ids: Option<Vec<i64>>,
    query: &SyncRunQuery,
) -> AppResult<Vec<SyncRunDto>> {
    let mut select = sync_runs::Entity::find().order_by_desc(sync_runs::Column::Id);
    if let Some(camp_id) = query.camp_id {
        if camp_ids.as_ref().is_some_and(|ids| !ids.contains(&camp_id)) {
            return Err(AppError::not_found("训练营"));
        }
        select = select.filter(sync_runs::Column::CampId.eq(camp_id));
    } else if let Some(ids) = camp_ids {
        select = select.filter(sync_runs::Column::CampId.is_in(ids));
    }
    let runs = select.limit(query.bounded_limit()).all(db).await?;
    let mut camp_ids: Vec<i64> = runs.iter().map(|r| r.camp_id).collect();
    camp_ids.sort_unstable();
    camp_ids.dedup();
    let names: std::collections::HashMap<i64, String> = camps::Entity::find()
        .filter(camps::Column::Id.is_in(camp_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(runs
        .into_iter()
        .map(|run| {
            let name = names.get(&run.camp_id).cloned().unwrap_or_default();
            dto(run, name)
        })
        .collect())
}
