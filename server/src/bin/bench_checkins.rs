//! Check-in benchmark (a program, not a test): prints figures for
//! docs/benchmarks.md. Starts the real server in-process on the embedded default
//! (SQLite, sandbox) in a temporary directory, sets the Knowledge Planet spacing
//! to 0 through the settings API, creates the camps over the API and seeds, in
//! the database, their paid members and, in the simulator, their posts. Then
//!   1. "立即同步" for every camp (its default kind, incremental, which with no
//!      earlier run reads back to the camp start; `BENCH_SYNC_KIND=full` for a
//!      full run): the real client reads every page from
//!      the simulator over HTTP; timed until every run is done (a run matches
//!      and counts its camp before it ends), with pages, requests, new records
//!      and peak memory;
//!   2. one more day of posts, then the nightly tick's incremental runs: the
//!      requests each camp needs, and what they cost at 1 s spacing;
//!   3. `shared::matching::match_enrollments` alone, 10 000 × 10 000.
//!
//! cargo run --release -p server --bin bench-checkins [-- CAMPS MEMBERS DAYS NIGHTLY]

#![allow(clippy::print_stdout)] // printing figures is this program's job

use server::db::WriteTransaction;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::FromRef;
use chrono::{DateTime, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use server::Application;
use server::audit::service::beijing_midnight;
use server::config::Config;
use server::entity::{camps, checkin_records, enrollments, sync_runs};
use server::jobs::{Job, JobContext};
use server::planet::sync::{SyncTick, TOPICS_PAGE};
use server::sandbox::zsxq::{SeedTopic, add_project, add_topics};
use server::settings::zsxq::{KEY, SANDBOX_KEY, StoredSandboxZsxq, StoredZsxq};
use server::state::AppState;
use shared::api::{CampDto, CampRequest, LoginRequest, Me, UploadDto, UserDto};
use shared::matching::{EnrollmentForMatch, MatchStatus, PlanetAccount, match_enrollments};
use shared::planet::{PlanetSettingsUpdate, PlanetSettingsView, SyncStarted};

const PASSWORD: &str = "Bench-pass-123";
/// Camp `c` reads the simulator's check-in project `FIRST_PROJECT + c`.
const FIRST_PROJECT: i64 = 9_100_000_000;
/// Rows per INSERT when seeding members (well under SQLite's parameter limit).
const CHUNK: usize = 200;
/// Runs of the matching-alone timing; the median is reported.
const MATCH_ITERATIONS: usize = 21;
/// Enrollments and accounts for the matching-alone timing.
const MATCH_SIZE: i64 = 10_000;
/// Longest any phase may take before the benchmark gives up.
const PHASE_LIMIT: Duration = Duration::from_secs(30 * 60);
const TEXTS: [&str; 3] = [
    "今天完成了学习任务并做了笔记复盘。",
    "打卡：读完两章，整理了思维导图。",
    "今日练习30分钟，记录心得如下。",
];

/// The benchmark's size.
#[derive(Clone, Copy)]
struct Size {
    camps: i64,
    members: i64,
    days: i64,
    /// Posts per camp on the night after the first sync.
    nightly: i64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<i64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let arg = |i: usize, default: i64| args.get(i).copied().unwrap_or(default);
    let size = Size {
        camps: arg(0, 10),
        members: arg(1, 1000),
        days: arg(2, 30),
        nightly: arg(3, 500),
    };

    let dir = std::env::temp_dir().join(format!("camp-bench-{}", uuid::Uuid::new_v4().simple()));
    let mut config = Config {
        data_dir: dir.clone(),
        ..Config::default()
    };
    config.server.bind = "127.0.0.1:0".into();
    config.server.rate_limit_per_minute = 0;
    config.bootstrap.admin_password = Some(PASSWORD.into());
    if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
        config.database.url = Some(url);
    }
    let app = Application::build(config).await?;
    let base = format!("http://{}", app.addr);
    let state = app.state.clone();
    tokio::spawn(app.run(std::future::pending()));
    println!(
        "server {base} on {}",
        if state.config.is_sqlite() {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    );

    let admin = Admin::login(&base).await?;
    no_spacing(&admin).await?;
    let today = shared::dates::business_date(Utc::now());
    let camp_list = create_camps(&admin, &state.db, size, today).await?;
    let seeding = Instant::now();
    let expected = seed_members(&state.db, &camp_list, size.members).await?;
    let posts = seed_posts(&state.db, &camp_list, size).await?;
    println!(
        "seeded {} paid members and {posts} simulator posts in {:.1}s",
        expected.len(),
        seeding.elapsed().as_secs_f64()
    );

    full_sync(&admin, &state, &camp_list, &expected, size).await?;
    nightly_sync(&state, &camp_list, &expected, size, today).await?;
    matching_alone();
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// The super admin's session over the JSON API.
struct Admin {
    http: reqwest::Client,
    base: String,
    csrf: String,
}

impl Admin {
    async fn login(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().cookie_store(true).build()?;
        let me: Me = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&LoginRequest {
                username: "admin".into(),
                password: PASSWORD.into(),
            })
            .send()
            .await?
            .json()
            .await?;
        Ok(Self {
            http,
            base: base.to_owned(),
            csrf: me.csrf_token,
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<T> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        anyhow::ensure!(status.is_success(), "{path} answered {status}: {text}");
        serde_json::from_str(&text).with_context(|| format!("{path}: {text}"))
    }

    async fn upload(&self, kind: &str) -> anyhow::Result<UploadDto> {
        let response = self
            .http
            .post(format!("{}/api/v1/uploads?kind={kind}", self.base))
            .header("x-csrf-token", &self.csrf)
            .header("content-type", "image/png")
            .body(server::camps::qr::png("bench")?)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "upload {}",
            response.status()
        );
        Ok(response.json().await?)
    }
}

/// Spacing 0, as a super admin sets it on the settings page (the token and
/// the sandbox planet stay as seeded).
async fn no_spacing(admin: &Admin) -> anyhow::Result<()> {
    let path = "/api/v1/admin/settings/zsxq";
    let view: PlanetSettingsView = admin.call(Method::GET, path, None).await?;
    let update = PlanetSettingsUpdate {
        base_url: String::new(),
        group_id: view.group_id,
        access_token: String::new(),
        spacing_ms: 0,
    };
    let saved: PlanetSettingsView = admin
        .call(Method::PUT, path, Some(serde_json::to_value(&update)?))
        .await?;
    anyhow::ensure!(saved.spacing_ms == 0 && saved.sandbox, "settings not saved");
    Ok(())
}

/// The camps, over the API (which only takes a future start), then moved back
/// in the database so that `days` days have passed before yesterday: posts on
/// `start .. start + days`, the nightly run's day is yesterday, the camp still
/// runs, so the 01:00 tick gives it an incremental run. Each camp gets its
/// own project in the simulator.
async fn create_camps(
    admin: &Admin,
    db: &DatabaseConnection,
    size: Size,
    today: NaiveDate,
) -> anyhow::Result<Vec<camps::Model>> {
    let coach: UserDto = admin
        .call(
            Method::POST,
            "/api/v1/users",
            Some(json!({ "username": "bench_coach", "password": PASSWORD, "role": "coach", "enabled": true })),
        )
        .await?;
    let poster = admin.upload("poster").await?;
    let qr = admin.upload("group_qr").await?;
    let total_days = i32::try_from(size.days)?;
    let mut ids = Vec::new();
    for c in 0..size.camps {
        let request = CampRequest {
            name: format!("打卡压测营{c}"),
            poster_upload_id: Some(poster.id.clone()),
            group_qr_upload_id: Some(qr.id.clone()),
            deposit_fen: 5000,
            start_date: today.succ_opt(),
            end_date: today.checked_add_days(chrono::Days::new(size.days.unsigned_abs() + 5)),
            total_days,
            required_days: (total_days * 4 / 5).max(1),
            intro_html: String::new(),
            coach_ids: vec![coach.id],
            volunteer_ids: vec![],
            planet_project_id: (FIRST_PROJECT + c).to_string(),
            wecom_payee_id: "bench".into(),
        };
        let camp: CampDto = admin
            .call(
                Method::POST,
                "/api/v1/admin/camps",
                Some(serde_json::to_value(&request)?),
            )
            .await?;
        ids.push(camp.id);
    }
    let start = today - chrono::Duration::days(size.days + 1);
    camps::Entity::update_many()
        .col_expr(camps::Column::StartDate, Expr::value(start))
        .col_expr(
            camps::Column::EndDate,
            Expr::value(today + chrono::Duration::days(4)),
        )
        .filter(camps::Column::Id.is_in(ids.clone()))
        .exec(db)
        .await?;
    let camp_list = camps::Entity::find()
        .filter(camps::Column::Id.is_in(ids))
        .order_by_asc(camps::Column::Id)
        .all(db)
        .await?;
    let (planet, _) = server::settings::load::<StoredSandboxZsxq>(db, SANDBOX_KEY)
        .await?
        .context("sandbox planet")?;
    for camp in &camp_list {
        add_project(
            db,
            planet.group_id,
            camp.planet_project_id.parse()?,
            &camp.name,
            camp.required_days,
        )
        .await?;
    }
    Ok(camp_list)
}

/// Member `j` of camp `c`: their account on Knowledge Planet and what they
/// typed when signing up.
struct Member {
    user_id: i64,
    name: String,
    alias: String,
    planet_id: String,
    planet_nickname: String,
    wechat_nickname: String,
}

/// Most members typed their 星球ID right; one in ten typed a wrong one but
/// their 星球昵称; one in fifty a wrong one and an old nickname, and are found
/// by their 微信昵称 (the alias they post under). So matching works every tier.
fn member(c: i64, j: i64) -> Member {
    let n = c * 100_000 + j;
    let user_id = 400_000_000_000 + n;
    let name = format!("星友{c}-{j}");
    let wrong_id = (900_000_000_000 + n).to_string();
    let wechat = format!("微信{c}-{j}");
    match j % 50 {
        7 => Member {
            user_id,
            alias: format!("wx{c}-{j}"),
            planet_id: wrong_id,
            planet_nickname: format!("旧名{c}-{j}"),
            wechat_nickname: format!("wx{c}-{j}"),
            name,
        },
        k if k % 10 == 3 => Member {
            user_id,
            alias: String::new(),
            planet_id: wrong_id,
            planet_nickname: name.clone(),
            wechat_nickname: wechat,
            name,
        },
        _ => Member {
            user_id,
            alias: String::new(),
            planet_id: user_id.to_string(),
            planet_nickname: name.clone(),
            wechat_nickname: wechat,
            name,
        },
    }
}

/// What an enrollment should come out as: its member's account and index.
type Expected = HashMap<(i64, String), (i64, i64)>;

/// The paid members, written to the database directly: 10 000 sign-ups and
/// payments through the cashier are the payment benchmark's subject, not this one's.
async fn seed_members(
    db: &DatabaseConnection,
    camp_list: &[camps::Model],
    members: i64,
) -> anyhow::Result<Expected> {
    let now = Utc::now();
    let mut expected = Expected::new();
    let txn = db.begin_write().await?;
    for (c, camp) in (0..).zip(camp_list) {
        let rows: Vec<enrollments::ActiveModel> = (0..members)
            .map(|j| {
                let m = member(c, j);
                expected.insert((camp.id, m.planet_id.clone()), (m.user_id, j));
                enrollments::ActiveModel {
                    camp_id: Set(camp.id),
                    planet_id: Set(m.planet_id),
                    planet_nickname: Set(m.planet_nickname),
                    wechat_nickname: Set(m.wechat_nickname),
                    status: Set(enrollments::PAID.to_owned()),
                    amount_fen: Set(camp.deposit_fen),
                    paid_order_id: Set(None),
                    paid_at: Set(Some(now)),
                    joined_group: Set(false),
                    joined_group_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
            })
            .collect();
        for chunk in rows.chunks(CHUNK) {
            enrollments::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(expected)
}

/// Milliseconds after Beijing midnight: mostly 07:00–23:00, one post in
/// twelve in the day's last ten minutes (the late rush the overlap window
/// re-reads).
fn time_of_day(rng: &mut StdRng) -> i64 {
    const MINUTE: i64 = 60_000;
    if rng.random_range(0..12) == 0 {
        rng.random_range(1430 * MINUTE..1440 * MINUTE)
    } else {
        rng.random_range(420 * MINUTE..1380 * MINUTE)
    }
}

/// Posts of the first `members` members of camp `c` on `date`.
fn day_of_posts(
    rng: &mut StdRng,
    c: i64,
    camp: &camps::Model,
    members: i64,
    date: NaiveDate,
) -> anyhow::Result<Vec<SeedTopic>> {
    let checkin_id: i64 = camp.planet_project_id.parse()?;
    let midnight = beijing_midnight(date);
    Ok((0..members)
        .map(|j| {
            let m = member(c, j);
            SeedTopic {
                checkin_id,
                user_id: m.user_id,
                name: m.name,
                alias: m.alias,
                text: TEXTS[rng.random_range(0..TEXTS.len())].to_owned(),
                images_count: rng.random_range(0..3),
                created_at: midnight + chrono::Duration::milliseconds(time_of_day(rng)),
            }
        })
        .collect())
}

/// Every member posts every day of the first `days` (inserted straight into
/// the simulator's store, one transaction per camp).
async fn seed_posts(
    db: &DatabaseConnection,
    camp_list: &[camps::Model],
    size: Size,
) -> anyhow::Result<u64> {
    let mut rng = StdRng::seed_from_u64(20_261_130);
    let mut added = 0;
    for (c, camp) in (0..).zip(camp_list) {
        let mut seeds = Vec::new();
        for day in 0..size.days {
            let date = camp.start_date + chrono::Duration::days(day);
            seeds.extend(day_of_posts(&mut rng, c, camp, size.members, date)?);
        }
        let txn = db.begin_write().await?;
        added += add_topics(&txn, &seeds).await?;
        txn.commit().await?;
    }
    Ok(added)
}

/// Requests the simulator has answered so far.
fn simulator_calls(state: &AppState) -> u64 {
    state
        .sandbox
        .zsxq_faults
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .calls
}

/// (peak, current) resident memory of this process in MiB, from
/// /proc/self/status (`VmHWM`, `VmRSS`).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Resets the kernel's peak-RSS mark (`clear_refs` 5), so the next reading is
/// the peak of what follows, not of the seeding before it.
fn reset_peak() {
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        println!("(could not reset the peak-memory mark: peaks include everything before)");
    }
}

/// Waits until `expected` runs match `which` and none is running.
async fn wait_runs(
    db: &DatabaseConnection,
    which: Condition,
    expected: usize,
) -> anyhow::Result<Vec<sync_runs::Model>> {
    let started = Instant::now();
    loop {
        let runs = sync_runs::Entity::find()
            .filter(which.clone())
            .order_by_asc(sync_runs::Column::CampId)
            .all(db)
            .await?;
        if runs.len() >= expected && runs.iter().all(|r| r.status != sync_runs::RUNNING) {
            return Ok(runs);
        }
        anyhow::ensure!(started.elapsed() < PHASE_LIMIT, "sync runs did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn ms_between(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> i64 {
    to.map_or(0, |to| (to - from).num_milliseconds())
}

/// Median and max wall time of the runs, ms.
fn run_ms(runs: &[sync_runs::Model]) -> (i64, i64) {
    let mut ms: Vec<i64> = runs
        .iter()
        .map(|r| ms_between(r.started_at, r.finished_at))
        .collect();
    ms.sort_unstable();
    (
        ms.get(ms.len() / 2).copied().unwrap_or(0),
        ms.last().copied().unwrap_or(0),
    )
}

/// Successful runs (each has matched and counted its camp before it ended).
fn succeeded(runs: &[sync_runs::Model]) -> usize {
    runs.iter()
        .filter(|r| r.status == sync_runs::SUCCEEDED)
        .count()
}

/// Totals over runs: (pages, requests, new records), and failures printed.
fn totals(runs: &[sync_runs::Model]) -> (i64, i64, i64) {
    for run in runs.iter().filter(|r| r.status != sync_runs::SUCCEEDED) {
        println!(
            "  run #{} of camp {} failed: {}",
            run.id, run.camp_id, run.error
        );
    }
    runs.iter().fold((0, 0, 0), |(p, r, n), run| {
        (
            p + i64::from(run.pages),
            r + i64::from(run.requests),
            n + i64::from(run.new_records),
        )
    })
}

/// The camps' enrollments as matching left them, checked against the
/// members they were made from: statuses, right accounts, right day counts
/// (`days_of(j)` for member `j`).
async fn check_matches(
    db: &DatabaseConnection,
    camp_list: &[camps::Model],
    expected: &Expected,
    days_of: impl Fn(i64) -> i64,
) -> anyhow::Result<()> {
    let rows = enrollments::Entity::find()
        .filter(enrollments::Column::CampId.is_in(camp_list.iter().map(|c| c.id)))
        .all(db)
        .await?;
    let mut by_status: HashMap<String, usize> = HashMap::new();
    let (mut right_account, mut right_days) = (0, 0);
    for row in &rows {
        *by_status.entry(row.match_status.clone()).or_default() += 1;
        if let Some((user_id, j)) = expected.get(&(row.camp_id, row.planet_id.clone())) {
            right_account += usize::from(row.matched_user_id == Some(*user_id));
            right_days += usize::from(row.checkin_days == days_of(*j));
        }
    }
    let count = |s: MatchStatus| by_status.get(s.as_str()).copied().unwrap_or(0);
    println!(
        "  {} paid enrollments: {} matched (星球ID), {} by 星球昵称, {} by 微信昵称, {} ambiguous, {} failed; \
         right account {right_account}, right day count {right_days}",
        rows.len(),
        count(MatchStatus::Matched),
        count(MatchStatus::NeedsConfirmation),
        count(MatchStatus::PendingConfirmation),
        count(MatchStatus::Ambiguous),
        count(MatchStatus::Failed),
    );
    Ok(())
}

/// Phase 1: "立即同步" for every camp, then the matching it enqueues.
async fn full_sync(
    admin: &Admin,
    state: &AppState,
    camp_list: &[camps::Model],
    expected: &Expected,
    size: Size,
) -> anyhow::Result<()> {
    let db = &state.db;
    let camp_count = camp_list.len();
    // "立即同步"'s default: with no earlier run it reads back to the camp start.
    let kind = std::env::var("BENCH_SYNC_KIND").unwrap_or_else(|_| "incremental".into());
    let calls = simulator_calls(state);
    reset_peak();
    let started = Instant::now();
    let mut run_ids = Vec::new();
    for camp in camp_list {
        let path = format!("/api/v1/admin/camps/{}/sync?kind={kind}", camp.id);
        let run: SyncStarted = admin.call(Method::POST, &path, None).await?;
        run_ids.push(run.run_id);
    }
    let which = Condition::all().add(sync_runs::Column::Id.is_in(run_ids));
    let runs = wait_runs(db, which, camp_count).await?;
    let synced = started.elapsed();
    let (peak, rss) = memory_mib();
    let (pages, requests, new_records) = totals(&runs);
    let match_ms = run_ms(&runs);
    let stored = checkin_records::Entity::find()
        .filter(checkin_records::Column::CampId.is_in(camp_list.iter().map(|c| c.id)))
        .count(db)
        .await?;
    println!(
        "1. first sync ({kind}), {camp_count} camps × {} members × {} days, spacing 0:",
        size.members, size.days
    );
    println!(
        "  sync + matching {:.1}s; {} of {camp_count} runs succeeded",
        synced.as_secs_f64(),
        succeeded(&runs)
    );
    println!(
        "  pages {pages}, requests {requests} (simulator answered {}), new records {new_records}, records stored {stored}",
        simulator_calls(state) - calls
    );
    println!(
        "  {:.2} ms a request; a run (its pages, then matching), median {} ms, max {} ms",
        synced.as_secs_f64() * 1000.0 / requests.max(1) as f64,
        match_ms.0,
        match_ms.1
    );
    println!("  peak RSS {peak:.0} MiB during the phase (RSS at its end {rss:.0} MiB)");
    check_matches(db, camp_list, expected, |_| size.days).await
}

/// Phase 2: one more day of posts (yesterday), then the 01:00 tick's
/// incremental runs.
async fn nightly_sync(
    state: &AppState,
    camp_list: &[camps::Model],
    expected: &Expected,
    size: Size,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let db = &state.db;
    let camp_count = camp_list.len();
    let yesterday = today - chrono::Duration::days(1);
    let mut rng = StdRng::seed_from_u64(20_261_201);
    let txn = db.begin_write().await?;
    for (c, camp) in (0..).zip(camp_list) {
        let posts = day_of_posts(&mut rng, c, camp, size.nightly, yesterday)?;
        add_topics(&txn, &posts).await?;
    }
    txn.commit().await?;
    // What each camp's run will re-read: its stored posts inside the overlap window.
    let (stored, _) = server::settings::load::<StoredZsxq>(db, KEY)
        .await?
        .context("planet settings")?;
    let mut overlap = HashMap::new();
    for camp in camp_list {
        let newest = checkin_records::Entity::find()
            .filter(checkin_records::Column::CampId.eq(camp.id))
            .order_by_desc(checkin_records::Column::CreatedAt)
            .one(db)
            .await?
            .context("no records")?
            .created_at;
        let window = newest - chrono::Duration::minutes(stored.overlap_minutes);
        let count = checkin_records::Entity::find()
            .filter(checkin_records::Column::CampId.eq(camp.id))
            .filter(checkin_records::Column::CreatedAt.gte(window))
            .count(db)
            .await?;
        overlap.insert(camp.id, count);
    }

    let calls = simulator_calls(state);
    let since = Utc::now();
    reset_peak();
    let started = Instant::now();
    let tick = SyncTick {}.run(&JobContext::from_ref(state)).await?;
    let which = Condition::all()
        .add(sync_runs::Column::Trigger.eq("schedule"))
        .add(sync_runs::Column::StartedAt.gte(since));
    let runs = wait_runs(db, which, camp_count).await?;
    let synced = started.elapsed();
    let (peak, _) = memory_mib();
    let (pages, requests, new_records) = totals(&runs);
    let page = i64::from(TOPICS_PAGE);
    let target_per_camp = (size.nightly + page - 1) / page + 1;
    println!(
        "2. nightly incremental sync ({tick}), {} new posts a camp, overlap window {} min:",
        size.nightly, stored.overlap_minutes
    );
    for run in &runs {
        println!(
            "  camp {}: {} requests, {} pages, {} new records, {} stored posts re-read in the overlap window (target ≤ {target_per_camp} requests)",
            run.camp_id,
            run.requests,
            run.pages,
            run.new_records,
            overlap.get(&run.camp_id).copied().unwrap_or(0)
        );
    }
    let at_one_second = Duration::from_secs(requests.unsigned_abs());
    println!(
        "  total: {requests} requests (simulator answered {}), {pages} pages, {new_records} new records; target ≤ {}",
        simulator_calls(state) - calls,
        target_per_camp * i64::try_from(camp_count)?
    );
    println!(
        "  at spacing 0: sync + matching {:.1}s; at 1 s spacing the requests alone take {}m{:02}s (limit 5m); peak RSS {peak:.0} MiB",
        synced.as_secs_f64(),
        at_one_second.as_secs() / 60,
        at_one_second.as_secs() % 60
    );
    check_matches(db, camp_list, expected, |j| {
        size.days + i64::from(j < size.nightly)
    })
    .await
}

/// Phase 3: the matching rule alone on one large camp.
fn matching_alone() {
    let members: Vec<Member> = (0..MATCH_SIZE).map(|j| member(0, j)).collect();
    let enrollments: Vec<EnrollmentForMatch> = (0..)
        .zip(&members)
        .map(|(id, m)| EnrollmentForMatch {
            enrollment_id: id,
            planet_id: m.planet_id.clone(),
            planet_nickname: m.planet_nickname.clone(),
            wechat_nickname: m.wechat_nickname.clone(),
            manual_user_id: None,
        })
        .collect();
    let accounts: Vec<PlanetAccount> = members
        .iter()
        .map(|m| PlanetAccount {
            user_id: m.user_id,
            name: m.name.clone(),
            alias: Some(m.alias.clone()).filter(|a| !a.is_empty()),
        })
        .collect();
    let mut times = Vec::with_capacity(MATCH_ITERATIONS);
    let mut matched = 0;
    for _ in 0..MATCH_ITERATIONS {
        let started = Instant::now();
        let results = std::hint::black_box(match_enrollments(
            std::hint::black_box(&enrollments),
            std::hint::black_box(&accounts),
        ));
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        matched = results.iter().filter(|r| r.user_id.is_some()).count();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "3. matching alone, {MATCH_SIZE} enrollments × {MATCH_SIZE} accounts, {MATCH_ITERATIONS} runs: \
         median {:.1} ms, min {:.1} ms, max {:.1} ms ({matched} matched)",
        times[MATCH_ITERATIONS / 2],
        times[0],
        times[MATCH_ITERATIONS - 1]
    );
}
