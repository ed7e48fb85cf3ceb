//! A Knowledge Planet simulator at `/sandbox/zsxq`, with the real paths under
//! it, so the sandbox is just another base URL. It answers the shapes of the
//! captured samples and is as strict as we can tell the real service is: the
//! `zsxq_access_token` cookie must be the sandbox owner's (else HTTP 401 with
//! the auth envelope), the group must exist, and every query parameter is
//! checked (`count` ranges, `scope`/`type` values, the `end_time` format).
//!
//! State lives in the database (`sandbox_zsxq_projects`, `sandbox_zsxq_topics`),
//! so it survives restarts; the ranking and statistics are computed from the
//! topics (distinct Beijing days per account). Faults are set through
//! `POST /sandbox/zsxq/control`: the next N calls answer 1059, the next N answer
//! HTTP 429, or every call answers "cookie expired" until reset.

// Early returns carry the finished error response, as axum handlers do.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::extract::{FromRef, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use rand::Rng;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::SandboxState;
use crate::entity::{sandbox_zsxq_projects as projects, sandbox_zsxq_topics as topics};
use crate::integrations::zsxq::{NewCheckin, THROTTLED_CODE, ZsxqTime};
use crate::secrets;
use crate::settings::{self, zsxq::SANDBOX_KEY, zsxq::StoredSandboxZsxq};

/// What the next calls do; set with `POST /sandbox/zsxq/control`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ZsxqFaults {
    /// The next N calls answer `{"succeeded":false,"code":1059}`.
    #[serde(default)]
    pub throttle_1059: u32,
    /// The next N calls answer HTTP 429.
    #[serde(default)]
    pub http_429: u32,
    /// Every call answers HTTP 401 + the auth envelope until set back to false.
    #[serde(default)]
    pub cookie_expired: bool,
    /// Calls served so far (read-only; ignored when set).
    #[serde(default)]
    pub calls: u64,
}

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    SandboxState: FromRef<S>,
{
    Router::new()
        .route("/sandbox/zsxq/v2/users/self", get(self_user))
        .route("/sandbox/zsxq/v2/groups/{gid}", get(group))
        .route(
            "/sandbox/zsxq/v2/groups/{gid}/checkins",
            get(list_projects).post(create_project),
        )
        .route("/sandbox/zsxq/v2/groups/{gid}/checkins/{cid}", get(project))
        .route(
            "/sandbox/zsxq/v2/groups/{gid}/checkins/{cid}/topics",
            get(list_topics),
        )
        .route(
            "/sandbox/zsxq/v2/groups/{gid}/checkins/{cid}/ranking_list",
            get(ranking_list),
        )
        .route(
            "/sandbox/zsxq/v2/groups/{gid}/checkins/{cid}/statistics",
            get(statistics),
        )
        .route("/sandbox/zsxq/control", get(get_faults).post(set_faults))
}

fn ok(data: Value) -> Response {
    Json(json!({ "succeeded": true, "resp_data": data })).into_response()
}

fn failure(status: StatusCode, code: i64, error: &str) -> Response {
    let body =
        json!({ "succeeded": false, "code": code, "info": "", "resp_data": {}, "error": error });
    (status, Json(body)).into_response()
}

/// A bad parameter, as the service answers it (HTTP 200, `succeeded:false`).
fn bad_param(name: &str) -> Response {
    failure(StatusCode::OK, 1001, &format!("参数错误：{name}"))
}

fn auth_error() -> Response {
    failure(StatusCode::UNAUTHORIZED, 401, "请先登录")
}

fn internal() -> Response {
    failure(StatusCode::INTERNAL_SERVER_ERROR, 500, "服务器内部错误")
}

fn faults_of(state: &SandboxState) -> std::sync::MutexGuard<'_, ZsxqFaults> {
    state
        .zsxq_faults
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn planet(state: &SandboxState) -> Result<(StoredSandboxZsxq, String), Response> {
    let loaded = settings::load::<StoredSandboxZsxq>(&state.db, SANDBOX_KEY)
        .await
        .ok()
        .flatten();
    let Some((planet, _)) = loaded else {
        return Err(failure(
            StatusCode::SERVICE_UNAVAILABLE,
            500,
            "sandbox not initialised",
        ));
    };
    let token = secrets::open_string(&state.keys.secrets, &planet.access_token_sealed)
        .map_err(|_| internal())?;
    Ok((planet, token))
}

/// The gate every call passes: faults, then the cookie, then the group.
async fn admit(
    state: &SandboxState,
    headers: &HeaderMap,
    gid: Option<i64>,
) -> Result<StoredSandboxZsxq, Response> {
    {
        let mut faults = faults_of(state);
        faults.calls += 1;
        if faults.cookie_expired {
            return Err(auth_error());
        }
    }
    let (planet, token) = planet(state).await?;
    let presented = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == "zsxq_access_token")
        .map(|(_, value)| value.to_owned());
    if presented.as_deref() != Some(token.as_str()) {
        return Err(auth_error());
    }
    {
        let mut faults = faults_of(state);
        if faults.http_429 > 0 {
            faults.http_429 -= 1;
            return Err(failure(StatusCode::TOO_MANY_REQUESTS, 429, "操作过于频繁"));
        }
        if faults.throttle_1059 > 0 {
            faults.throttle_1059 -= 1;
            return Err(failure(StatusCode::OK, THROTTLED_CODE, ""));
        }
    }
    if gid.is_some_and(|gid| gid != planet.group_id) {
        return Err(failure(StatusCode::OK, 14210, "星球不存在"));
    }
    Ok(planet)
}

fn user_json(user_id: i64, name: &str, alias: &str) -> Value {
    json!({
        "user_id": user_id,
        "name": name,
        "alias": alias,
        "avatar_url": format!("https://images.example.invalid/{user_id:x}"),
    })
}

async fn self_user(State(state): State<SandboxState>, headers: HeaderMap) -> Response {
    match admit(&state, &headers, None).await {
        Ok(planet) => {
            ok(json!({ "user": user_json(planet.owner_user_id, &planet.owner_name, "") }))
        }
        Err(response) => response,
    }
}

async fn group(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Path(gid): Path<i64>,
) -> Response {
    match admit(&state, &headers, Some(gid)).await {
        Ok(planet) => ok(json!({ "group": {
            "group_id": planet.group_id, "name": planet.group_name, "type": "pay",
        }})),
        Err(response) => response,
    }
}

/// A query parameter: absent, or present and parsed.
fn param<T: std::str::FromStr>(
    query: &HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, Response> {
    query
        .get(name)
        .map(|v| v.parse::<T>().map_err(|_| bad_param(name)))
        .transpose()
}

fn count_in(
    query: &HashMap<String, String>,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, Response> {
    match param::<u64>(query, "count")? {
        Some(count) if range.contains(&count) => Ok(count),
        _ => Err(bad_param("count")),
    }
}

fn status_of(project: &projects::Model) -> &'static str {
    let expired = !project.long_period
        && ZsxqTime::parse(&project.expiration_time).is_ok_and(|t| t.at < Utc::now());
    if expired { "over" } else { "ongoing" }
}

fn project_json(planet: &StoredSandboxZsxq, project: &projects::Model, joined: i64) -> Value {
    json!({
        "checkin_id": project.checkin_id,
        "group": { "group_id": planet.group_id, "name": planet.group_name },
        "owner": user_json(planet.owner_user_id, &planet.owner_name, ""),
        "title": project.title,
        "text": project.text,
        "checkin_days": project.checkin_days,
        "validity": { "long_period": project.long_period, "expiration_time": project.expiration_time },
        "show_topics_on_timeline": false,
        "create_time": ZsxqTime::format(project.created_at).raw,
        "status": status_of(project),
        "type": project.kind,
        "joined_count": joined,
        "statistics": { "joined_count": joined, "completed_count": 0, "today_checkined_count": 0 },
        "joined_users": [],
        "user_specific": { "joined": false },
        "min_words_count": 0,
    })
}

async fn list_projects(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Path(gid): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let planet = match admit(&state, &headers, Some(gid)).await {
        Ok(planet) => planet,
        Err(response) => return response,
    };
    let scope = query.get("scope").map(String::as_str);
    if !matches!(scope, Some("ongoing" | "closed" | "over")) {
        return bad_param("scope");
    }
    if let Err(response) = count_in(&query, 1..=100) {
        return response;
    }
    let Ok(rows) = projects::Entity::find()
        .filter(projects::Column::GroupId.eq(planet.group_id))
        .order_by_desc(projects::Column::CreatedAt)
        .all(&state.db)
        .await
    else {
        return internal();
    };
    let checkins: Vec<Value> = rows
        .iter()
        .filter(|p| Some(status_of(p)) == scope)
        .map(|p| project_json(&planet, p, 0))
        .collect();
    ok(json!({ "checkins": checkins }))
}

async fn find_project(
    state: &SandboxState,
    planet: &StoredSandboxZsxq,
    cid: i64,
) -> Result<projects::Model, Response> {
    match projects::Entity::find_by_id(cid).one(&state.db).await {
        Ok(Some(project)) if project.group_id == planet.group_id => Ok(project),
        Ok(_) => Err(failure(StatusCode::OK, 52001, "打卡任务不存在")),
        Err(_) => Err(internal()),
    }
}

async fn project(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Path((gid, cid)): Path<(i64, i64)>,
) -> Response {
    let planet = match admit(&state, &headers, Some(gid)).await {
        Ok(planet) => planet,
        Err(response) => return response,
    };
    let project = match find_project(&state, &planet, cid).await {
        Ok(project) => project,
        Err(response) => return response,
    };
    let joined = days_by_user(&state.db, cid)
        .await
        .map_or(0, |d| i64::try_from(d.len()).unwrap_or(i64::MAX));
    ok(json!({
        "is_valid_member": true,
        "checkin": project_json(&planet, &project, joined),
        "group": { "name": planet.group_name },
    }))
}

#[derive(Deserialize)]
struct CreateBody {
    req_data: NewCheckin,
}

async fn create_project(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Path(gid): Path<i64>,
    body: axum::body::Bytes,
) -> Response {
    let planet = match admit(&state, &headers, Some(gid)).await {
        Ok(planet) => planet,
        Err(response) => return response,
    };
    let Ok(CreateBody { req_data: new }) = serde_json::from_slice::<CreateBody>(&body) else {
        return bad_param("req_data");
    };
    let title_len = new.title.trim().chars().count();
    if title_len == 0 || title_len > 50 {
        return bad_param("title");
    }
    if new.text.chars().count() > 10_000 {
        return bad_param("text");
    }
    if !(1..=365).contains(&new.checkin_days) {
        return bad_param("checkin_days");
    }
    if !matches!(new.kind.as_str(), "accumulated" | "continuous") {
        return bad_param("type");
    }
    if !new.validity.long_period {
        match ZsxqTime::parse(&new.validity.expiration_time) {
            Ok(at) if at.at > Utc::now() => {}
            _ => return bad_param("validity.expiration_time"),
        }
    }
    let row = projects::Model {
        checkin_id: rand::rng().random_range(1_000_000_000..10_000_000_000),
        group_id: planet.group_id,
        title: new.title.trim().to_owned(),
        text: new.text,
        checkin_days: new.checkin_days,
        kind: new.kind,
        long_period: new.validity.long_period,
        expiration_time: new.validity.expiration_time,
        created_at: Utc::now(),
    };
    let active: projects::ActiveModel = row.clone().into();
    if projects::Entity::insert(active)
        .exec_without_returning(&state.db)
        .await
        .is_err()
    {
        return internal();
    }
    ok(json!({ "checkin": project_json(&planet, &row, 0) }))
}

fn topic_json(
    planet: &StoredSandboxZsxq,
    project: &projects::Model,
    topic: &topics::Model,
) -> Value {
    let mut owner = user_json(topic.user_id, &topic.name, &topic.alias);
    owner["location"] = json!("某地");
    if topic.alias.is_empty()
        && let Some(map) = owner.as_object_mut()
    {
        map.remove("alias");
    }
    let images: Vec<Value> = (0..topic.images_count)
        .map(|i| json!({ "image_id": topic.topic_id % 1_000_000 + i64::from(i), "type": "jpg" }))
        .collect();
    let mut talk = json!({ "owner": owner, "text": topic.text });
    if !images.is_empty() {
        talk["images"] = json!(images);
    }
    let title: String = topic.text.chars().take(18).collect();
    json!({
        "topic_id": topic.topic_id,
        "topic_uid": topic.topic_id.to_string(),
        "group": { "group_id": planet.group_id, "name": planet.group_name, "type": "pay" },
        "type": "talk",
        "talk": talk,
        "likes_count": 0, "tourist_likes_count": 0, "rewards_count": 0,
        "comments_count": 0, "reading_count": 1, "readers_count": 1,
        "digested": false, "sticky": false,
        "create_time": ZsxqTime::format(topic.created_at).raw,
        "user_specific": { "liked": false, "liked_emojis": [], "subscribed": false },
        "checkin": { "title": project.title, "checkin_id": project.checkin_id, "min_words_count": 0 },
        "title": title,
    })
}

/// Newest first; `end_time` (inclusive) pages back, as the real cursor does.
async fn list_topics(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Path((gid, cid)): Path<(i64, i64)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let planet = match admit(&state, &headers, Some(gid)).await {
        Ok(planet) => planet,
        Err(response) => return response,
    };
    if query.get("scope").map(String::as_str) != Some("all") {
        return bad_param("scope");
    }
    let count = match count_in(&query, 1..=30) {
        Ok(count) => count,
        Err(response) => return response,
    };
    let end_time = match query.get("end_time").map(|t| ZsxqTime::parse(t)) {
        None => None,
        Some(Ok(time)) => Some(time.at),
        Some(Err(_)) => return bad_param("end_time"),
    };
    let project = match find_project(&state, &planet, cid).await {
        Ok(project) => project,
        Err(response) => return response,
    };
    let mut select = topics::Entity::find().filter(topics::Column::CheckinId.eq(cid));
    if let Some(end) = end_time {
        select = select.filter(topics::Column::CreatedAt.lte(end));
    }
    let Ok(rows) = select
        .order_by_desc(topics::Column::CreatedAt)
        .order_by_desc(topics::Column::TopicId)
        .limit(count)
        .all(&state.db)
        .await
    else {
        return internal();
    };
    let topics: Vec<Value> = rows
        .iter()
        .map(|t| topic_json(&planet, &project, t))
        .collect();
    ok(json!({ "topics": topics }))
}

/// Per account: the latest name and alias, and the Beijing dates posted on.
type Days = BTreeMap<i64, (String, String, BTreeSet<NaiveDate>)>;

async fn days_by_user(db: &impl ConnectionTrait, cid: i64) -> Result<Days, DbErr> {
    let rows = topics::Entity::find()
        .filter(topics::Column::CheckinId.eq(cid))
        .order_by_asc(topics::Column::CreatedAt)
        .all(db)
        .await?;
    let mut days = Days::new();
    for row in rows {
        let entry = days.entry(row.user_id).or_default();
        entry.0 = row.name;
        entry.1 = row.alias;
        entry.2.insert(shared::dates::business_date(row.created_at));
    }
    Ok(days)
}

/// The longest run of consecutive dates.
fn longest_streak(dates: &BTreeSet<NaiveDate>) -> usize {
    let (mut best, mut run, mut previous) = (0, 0, None::<NaiveDate>);
    for date in dates {
        run = match previous {
            Some(p) if p.succ_opt() == Some(*date) => run + 1,
            _ => 1,
        };
        best = best.max(run);
        previous = Some(*date);
    }
    best
}

/// `(user_id, name, alias, days)`, ranked: most days first, then by account.
async fn ranked(
    db: &impl ConnectionTrait,
    cid: i64,
    continuous: bool,
) -> Result<Vec<(i64, String, String, usize)>, DbErr> {
    let mut rows: Vec<_> = days_by_user(db, cid)
        .await?
        .into_iter()
        .map(|(user_id, (name, alias, dates))| {
            let days = if continuous {
                longest_streak(&dates)
            } else {
                dates.len()
            };
            (user_id, name, alias, days)
        })
        .collect();
    rows.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
    Ok(rows)
}

async fn ranking_list(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Path((gid, cid)): Path<(i64, i64)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let planet = match admit(&state, &headers, Some(gid)).await {
        Ok(planet) => planet,
        Err(response) => return response,
    };
    let continuous = match query.get("type").map(String::as_str) {
        Some("accumulated") => false,
        Some("continuous") => true,
        _ => return bad_param("type"),
    };
    let index = match param::<usize>(&query, "index") {
        Ok(Some(index)) => index,
        _ => return bad_param("index"),
    };
    if let Err(response) = find_project(&state, &planet, cid).await {
        return response;
    }
    let Ok(rows) = ranked(&state.db, cid, continuous).await else {
        return internal();
    };
    let mut own = json!({
        "user": user_json(planet.owner_user_id, &planet.owner_name, ""),
        "rankings": 0, "checkined_days": 0,
    });
    let list: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (user_id, name, alias, days))| {
            let entry = json!({
                "user": user_json(*user_id, name, alias),
                "rankings": i + 1,
                "checkined_days": days,
            });
            if *user_id == planet.owner_user_id {
                own = entry.clone();
            }
            entry
        })
        .skip(index)
        .take(crate::integrations::zsxq::RANKING_PAGE_SIZE)
        .collect();
    ok(json!({ "ranking_list": list, "user_specific": own }))
}

async fn statistics(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Path((gid, cid)): Path<(i64, i64)>,
) -> Response {
    let planet = match admit(&state, &headers, Some(gid)).await {
        Ok(planet) => planet,
        Err(response) => return response,
    };
    let project = match find_project(&state, &planet, cid).await {
        Ok(project) => project,
        Err(response) => return response,
    };
    let Ok(rows) = ranked(&state.db, cid, false).await else {
        return internal();
    };
    let required = usize::try_from(project.checkin_days).unwrap_or(usize::MAX);
    let completed = rows.iter().filter(|r| r.3 >= required).count();
    let avatars: Vec<Value> = rows
        .iter()
        .take(6)
        .map(|r| json!({ "avatar_url": format!("https://images.example.invalid/{:x}", r.0) }))
        .collect();
    ok(json!({ "statistics": {
        "joined_count": rows.len(),
        "completed_count": completed,
        "checkined_count": rows.len(),
        "ranking_list": avatars,
    }}))
}

async fn get_faults(State(state): State<SandboxState>) -> Json<ZsxqFaults> {
    Json(*faults_of(&state))
}

async fn set_faults(
    State(state): State<SandboxState>,
    Json(new): Json<ZsxqFaults>,
) -> Json<ZsxqFaults> {
    let mut faults = faults_of(&state);
    *faults = ZsxqFaults {
        calls: faults.calls,
        ..new
    };
    Json(*faults)
}

/// One simulated post, for the staff tools and tests.
#[derive(Debug, Clone)]
pub struct SeedTopic {
    pub checkin_id: i64,
    pub user_id: i64,
    pub name: String,
    pub alias: String,
    pub text: String,
    pub images_count: i32,
    pub created_at: chrono::DateTime<Utc>,
}

/// Stores posts in the simulator under fresh topic ids above 2^53 (as the real
/// ones are); returns how many.
pub async fn add_topics(db: &impl ConnectionTrait, seeds: &[SeedTopic]) -> Result<u64, DbErr> {
    // `ThreadRng` is not `Send`: draw every id before the first await.
    let ids: Vec<i64> = {
        let mut rng = rand::rng();
        seeds
            .iter()
            .map(|_| rng.random_range((1_i64 << 54)..(1_i64 << 56)))
            .collect()
    };
    let rows: Vec<topics::ActiveModel> = seeds
        .iter()
        .zip(ids)
        .map(|(seed, topic_id)| topics::ActiveModel {
            topic_id: Set(topic_id),
            checkin_id: Set(seed.checkin_id),
            user_id: Set(seed.user_id),
            name: Set(seed.name.clone()),
            alias: Set(seed.alias.clone()),
            text: Set(seed.text.clone()),
            images_count: Set(seed.images_count),
            created_at: Set(seed.created_at),
        })
        .collect();
    let count = rows.len() as u64;
    for chunk in rows.chunks(200) {
        topics::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(topics::Column::TopicId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(count)
}

/// Creates a project in the simulator directly (tests, the staff tools).
pub async fn add_project(
    db: &impl ConnectionTrait,
    group_id: i64,
    checkin_id: i64,
    title: &str,
    checkin_days: i32,
) -> Result<(), DbErr> {
    projects::Entity::insert(projects::ActiveModel {
        checkin_id: Set(checkin_id),
        group_id: Set(group_id),
        title: Set(title.to_owned()),
        text: Set(String::new()),
        checkin_days: Set(checkin_days),
        kind: Set("accumulated".into()),
        long_period: Set(true),
        expiration_time: Set(String::new()),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(projects::Column::CheckinId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Deletes one post (a member deleting a check-in on Knowledge Planet).
pub async fn delete_topic(db: &impl ConnectionTrait, topic_id: i64) -> Result<(), DbErr> {
    topics::Entity::delete_by_id(topic_id).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaks_count_consecutive_dates() {
        let date = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let dates: BTreeSet<_> = [1, 2, 3, 5, 6].into_iter().map(date).collect();
        assert_eq!(longest_streak(&dates), 3);
        assert_eq!(longest_streak(&BTreeSet::new()), 0);
    }
}
