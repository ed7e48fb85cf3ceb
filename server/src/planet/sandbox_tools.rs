//! The sandbox's check-in tools for staff (issue 9): add posts for a member on
//! chosen dates, or generate a realistic month for a camp's paid members, in
//! the Knowledge Planet simulator. They exist only in sandbox mode.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::error::{ApiError, FieldErrors};
use shared::planet::SandboxCheckinsRequest;

use super::PlanetError;
use crate::entity::{camps, enrollments};
use crate::error::AppResult;
use crate::sandbox::zsxq::{SeedTopic, add_project, add_topics};
use crate::settings::zsxq::{SANDBOX_KEY, StoredSandboxZsxq};

/// At most this many dates per request.
const MAX_DATES: usize = 62;

const TEXTS: [&str; 4] = [
    "今天完成了学习任务并做了笔记复盘。",
    "打卡：读完两章，整理了思维导图。",
    "今日练习30分钟，记录心得如下。",
    "坚持第N天，今天的收获是专注。",
];

fn beijing(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    shared::dates::BUSINESS_TZ
        .from_local_datetime(&date.and_time(time))
        .single()
        .map_or_else(|| date.and_time(time).and_utc(), |t| t.with_timezone(&Utc))
}

async fn planet(db: &impl ConnectionTrait) -> AppResult<StoredSandboxZsxq> {
    crate::settings::load::<StoredSandboxZsxq>(db, SANDBOX_KEY)
        .await?
        .map(|(p, _)| p)
        .ok_or_else(|| PlanetError::SandboxOnly.into())
}

fn digits(field: &str, value: &str, errors: &mut FieldErrors) -> i64 {
    match value.trim().parse::<i64>() {
        Ok(id) if id > 0 => id,
        _ => {
            errors.insert(field.into(), "应为数字ID".into());
            0
        }
    }
}

/// Posts for one member, one on each date at `time` (default 20:00 Beijing).
/// The project is created in the simulator if it does not exist yet.
pub async fn add_checkins(
    db: &impl ConnectionTrait,
    request: &SandboxCheckinsRequest,
) -> AppResult<u64> {
    let mut errors = FieldErrors::new();
    let checkin_id = digits("checkin_id", &request.checkin_id, &mut errors);
    let user_id = digits("user_id", &request.user_id, &mut errors);
    if request.name.chars().count() > 200 {
        errors.insert("name".into(), "昵称最多200字".into());
    }
    if request.dates.is_empty() || request.dates.len() > MAX_DATES {
        errors.insert("dates".into(), format!("请选择 1–{MAX_DATES} 个日期"));
    }
    let time = match request
        .time
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => NaiveTime::from_hms_opt(20, 0, 0).unwrap_or_default(),
        Some(text) => NaiveTime::parse_from_str(text, "%H:%M").unwrap_or_else(|_| {
            errors.insert("time".into(), "时间格式应为 HH:MM".into());
            NaiveTime::default()
        }),
    };
    if !errors.is_empty() {
        return Err(ApiError::fields(errors).into());
    }
    let planet = planet(db).await?;
    add_project(db, planet.group_id, checkin_id, "沙箱打卡项目", 1).await?;
    let seeds: Vec<SeedTopic> = request
        .dates
        .iter()
        .enumerate()
        .map(|(i, date)| SeedTopic {
            checkin_id,
            user_id,
            name: request.name.clone(),
            alias: request.alias.clone(),
            text: TEXTS[i % TEXTS.len()].to_owned(),
            images_count: 0,
            created_at: beijing(*date, time)
                + Duration::milliseconds(i64::try_from(i).unwrap_or(0)),
        })
        .collect();
    Ok(add_topics(db, &seeds).await?)
}

/// How one generated member behaves.
fn habit(rng: &mut StdRng) -> (f64, Option<u32>) {
    match rng.random_range(0..100) {
        // Most post on most days.
        0..70 => (0.95, None),
        70..88 => (0.7, None),
        // A few lapse for good after some days.
        _ => (0.9, Some(rng.random_range(2..8))),
    }
}

/// A time of day: mostly daytime and evening, some at 23:5x, a few just past
/// midnight (which count for the next day).
fn time_of_day(rng: &mut StdRng) -> (i64, NaiveTime) {
    let roll = rng.random_range(0..100);
    let (day_shift, hour, minute) = match roll {
        0..8 => (0, 23, rng.random_range(50..60)),
        8..12 => (1, 0, rng.random_range(0..10)),
        _ => (0, rng.random_range(7..23), rng.random_range(0..60)),
    };
    let second = rng.random_range(0..60);
    (
        day_shift,
        NaiveTime::from_hms_opt(hour, minute, second).unwrap_or_default(),
    )
}

/// A realistic month for the camp's paid members, from its start date to its
/// end date or now, whichever is first. Deterministic for a seed.
pub async fn generate(db: &impl ConnectionTrait, camp_id: i64, seed: u64) -> AppResult<u64> {
    let camp = camps::Entity::find_by_id(camp_id)
        .one(db)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("训练营"))?;
    let Ok(checkin_id) = camp.planet_project_id.trim().parse::<i64>() else {
        return Err(PlanetError::NoProject.into());
    };
    let planet = planet(db).await?;
    add_project(
        db,
        planet.group_id,
        checkin_id,
        &camp.name,
        camp.required_days,
    )
    .await?;
    let members = enrollments::Entity::find()
        .filter(enrollments::Column::CampId.eq(camp_id))
        .filter(enrollments::Column::Status.eq(enrollments::PAID))
        .all(db)
        .await?;
    let now = Utc::now();
    let mut rng = StdRng::seed_from_u64(seed ^ u64::try_from(camp_id).unwrap_or(0));
    let mut seeds = Vec::new();
    for member in members {
        let Ok(user_id) = member.planet_id.trim().parse::<i64>() else {
            continue;
        };
        let (rate, lapse_after) = habit(&mut rng);
        let mut date = camp.start_date;
        let mut day = 0;
        while date <= camp.end_date {
            if lapse_after.is_some_and(|n| day >= n) {
                break;
            }
            if rng.random_bool(rate) {
                let (shift, time) = time_of_day(&mut rng);
                let at = beijing(date + Duration::days(shift), time);
                if at <= now {
                    seeds.push(SeedTopic {
                        checkin_id,
                        user_id,
                        name: member.planet_nickname.clone(),
                        alias: String::new(),
                        text: TEXTS[rng.random_range(0..TEXTS.len())].to_owned(),
                        images_count: rng.random_range(0..3),
                        created_at: at,
                    });
                }
            }
            day += 1;
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
    }
    Ok(add_topics(db, &seeds).await?)
}
