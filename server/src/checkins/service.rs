//! The admin's check-in reads (PRD §4.2.3.1, §4.2.2.2): the records list and
//! its Excel export, the camp's planet accounts for the manual match chooser,
//! and the member detail's check-ins and match panel. Coaches and volunteers
//! see their own camps only (§2.2).

use std::collections::HashMap;

use rust_xlsxwriter::{Format, Workbook};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
};
use shared::api::{Page, Paging};
use shared::checkin_api::{
    CheckinQuery, CheckinRecordDto, EnrollmentCheckins, MAX_QUERY_CHARS, MatchPanel,
    PlanetAccountDto,
};
use shared::error::ErrorCode;
use shared::matching::MatchStatus;
use shared::roles::Area;

use super::matching::camp_accounts;
use crate::auth::Staff;
use crate::camps::service::{find_visible, visible_camp_ids};
use crate::entity::{camps, checkin_records, enrollments};
use crate::error::{AppError, AppResult};
use crate::search;

/// Far more than a camp's month (1000 members × 30 days); beyond it, filter first.
const EXPORT_MAX_ROWS: u64 = 100_000;
/// The member detail shows at most this many posts.
const DETAIL_RECORDS: u64 = 200;
const IN_LIST_MAX: usize = 500;

async fn filtered(
    db: &impl ConnectionTrait,
    staff: &Staff,
    query: &CheckinQuery,
) -> AppResult<Select<checkin_records::Entity>> {
    let mut select = checkin_records::Entity::find();
    if let Some(ids) = visible_camp_ids(db, staff, Area::Checkins).await? {
        select = select.filter(checkin_records::Column::CampId.is_in(ids));
    }
    if let Some(camp_id) = query.camp_id {
        select = select.filter(checkin_records::Column::CampId.eq(camp_id));
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(AppError::field("to", "结束日期不能早于开始日期"));
    }
    if let Some(from) = query.from {
        select = select.filter(checkin_records::Column::CheckinDate.gte(from));
    }
    if let Some(to) = query.to {
        select = select.filter(checkin_records::Column::CheckinDate.lte(to));
    }
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::field(
                "q",
                format!("搜索内容不能超过{MAX_QUERY_CHARS}个字"),
            ));
        }
        let backend = db.get_database_backend();
        let members = Query::select()
            .column(enrollments::Column::MatchedUserId)
            .from(enrollments::Entity)
            .and_where(Expr::col(enrollments::Column::MatchedUserId).is_not_null())
            .and_where(search::contains(
                backend,
                enrollments::Column::PlanetNickname,
                q,
            ))
            .to_owned();
        let mut any = Condition::any()
            .add(search::contains(backend, checkin_records::Column::Name, q))
            .add(checkin_records::Column::UserId.in_subquery(members));
        if let Some(user_id) = shared::normalize::planet_id(q).and_then(|id| id.parse::<i64>().ok())
        {
            any = any.add(checkin_records::Column::UserId.eq(user_id));
        }
        select = select.filter(any);
    }
    Ok(select
        .order_by_desc(checkin_records::Column::CreatedAt)
        .order_by_desc(checkin_records::Column::Id))
}

/// Records as the API shows them: with the camp's name and the member matched
/// to the poster's account in that camp.
async fn to_dtos(
    db: &impl ConnectionTrait,
    records: Vec<checkin_records::Model>,
) -> AppResult<Vec<CheckinRecordDto>> {
    let mut camp_ids: Vec<i64> = records.iter().map(|r| r.camp_id).collect();
    camp_ids.sort_unstable();
    camp_ids.dedup();
    let mut user_ids: Vec<i64> = records.iter().map(|r| r.user_id).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let mut names = HashMap::new();
    let mut members: HashMap<(i64, i64), (i64, String)> = HashMap::new();
    for camps_chunk in camp_ids.chunks(IN_LIST_MAX) {
        for camp in camps::Entity::find()
            .filter(camps::Column::Id.is_in(camps_chunk.to_vec()))
            .all(db)
            .await?
        {
            names.insert(camp.id, camp.name);
        }
        for users_chunk in user_ids.chunks(IN_LIST_MAX) {
            for e in enrollments::Entity::find()
                .filter(enrollments::Column::CampId.is_in(camps_chunk.to_vec()))
                .filter(enrollments::Column::MatchedUserId.is_in(users_chunk.to_vec()))
                .filter(enrollments::Column::Status.eq(enrollments::PAID))
                .all(db)
                .await?
            {
                if let Some(user_id) = e.matched_user_id {
                    members.insert((e.camp_id, user_id), (e.id, e.planet_nickname));
                }
            }
        }
    }
    Ok(records
        .into_iter()
        .map(|r| {
            let member = members.get(&(r.camp_id, r.user_id));
            CheckinRecordDto {
                id: r.id,
                camp_id: r.camp_id,
                camp_name: names.get(&r.camp_id).cloned().unwrap_or_default(),
                topic_id: r.topic_id.map(|t| t.to_string()),
                user_id: r.user_id,
                name: r.name,
                enrollment_id: member.map(|(id, _)| *id),
                planet_nickname: member.map(|(_, n)| n.clone()),
                created_at: r.created_at,
                checkin_date: r.checkin_date,
                text_len: r.text_len,
                images_count: r.images_count,
                excerpt: r.excerpt,
                source: r.source,
                gone: r.gone_at.is_some(),
            }
        })
        .collect())
}

/// The check-in records list, newest first.
///
/// # Errors
/// Forbidden without the check-ins area; validation on `q`, `to`, `page`, `page_size`.
pub async fn list(
    db: &DatabaseConnection,
    staff: &Staff,
    query: &CheckinQuery,
) -> AppResult<Page<CheckinRecordDto>> {
    let paging = Paging::parse(query.page, query.page_size)?;
    let paginator = filtered(db, staff, query)
        .await?
        .paginate(db, paging.page_size);
    let total = paginator.num_items().await?;
    let items = to_dtos(db, paginator.fetch_page(paging.index()).await?).await?;
    Ok(paging.page_of(items, total))
}

/// The filtered records as an .xlsx workbook.
///
/// # Errors
/// As [`list`]; `bad_request` beyond [`EXPORT_MAX_ROWS`] rows.
pub async fn export(
    db: &DatabaseConnection,
    staff: &Staff,
    query: &CheckinQuery,
) -> AppResult<Vec<u8>> {
    let select = filtered(db, staff, query).await?;
    if select.clone().count(db).await? > EXPORT_MAX_ROWS {
        return Err(AppError::message(
            ErrorCode::BadRequest,
            "导出数据过多，请先筛选训练营或日期",
        ));
    }
    let rows = to_dtos(db, select.all(db).await?).await?;
    let bytes = tokio::task::spawn_blocking(move || records_workbook(&rows))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(anyhow::Error::from)?;
    Ok(bytes)
}

fn records_workbook(rows: &[CheckinRecordDto]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("打卡记录")?;
    let bold = Format::new().set_bold();
    let headers = [
        "训练营名称",
        "星球ID",
        "星球昵称",
        "会员",
        "打卡时间",
        "打卡日期",
        "字数",
        "图片数",
        "内容摘要",
        "来源",
        "状态",
    ];
    for (col, title) in headers.iter().enumerate() {
        sheet.write_with_format(0, col as u16, *title, &bold)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        let cells: [String; 11] = [
            row.camp_name.clone(),
            row.user_id.to_string(),
            row.name.clone(),
            row.planet_nickname.clone().unwrap_or_default(),
            shared::dates::format_beijing(row.created_at),
            row.checkin_date.to_string(),
            row.text_len.to_string(),
            row.images_count.to_string(),
            row.excerpt.clone(),
            if row.source == "import" {
                "导入"
            } else {
                "同步"
            }
            .to_owned(),
            if row.gone { "已删除" } else { "有效" }.to_owned(),
        ];
        for (col, value) in cells.iter().enumerate() {
            // 星球ID stays text: Excel would round a long number.
            sheet.write_string(r, col as u16, value)?;
        }
    }
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(4, 18)?;
    sheet.set_column_width(8, 40)?;
    workbook.save_to_buffer()
}

/// The camp's planet accounts with their post counts, for "手动匹配".
///
/// # Errors
/// Not found for a camp the person may not see.
pub async fn planet_accounts(
    db: &DatabaseConnection,
    staff: &Staff,
    camp_id: i64,
) -> AppResult<Vec<PlanetAccountDto>> {
    find_visible(db, staff, Area::Members, camp_id).await?;
    accounts_of_camp(db, camp_id, None).await
}

async fn accounts_of_camp(
    db: &impl ConnectionTrait,
    camp_id: i64,
    only: Option<&[i64]>,
) -> AppResult<Vec<PlanetAccountDto>> {
    let accounts = camp_accounts(db, camp_id).await?;
    let posts: HashMap<i64, i64> = checkin_records::Entity::find()
        .select_only()
        .column(checkin_records::Column::UserId)
        .column_as(Expr::col(checkin_records::Column::Id).count(), "posts")
        .filter(checkin_records::Column::CampId.eq(camp_id))
        .group_by(checkin_records::Column::UserId)
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let matched: HashMap<i64, i64> = enrollments::Entity::find()
        .filter(enrollments::Column::CampId.eq(camp_id))
        .filter(enrollments::Column::Status.eq(enrollments::PAID))
        .filter(enrollments::Column::MatchedUserId.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|e| e.matched_user_id.map(|u| (u, e.id)))
        .collect();
    let mut list: Vec<PlanetAccountDto> = accounts
        .into_values()
        .filter(|a| only.is_none_or(|ids| ids.contains(&a.user_id)))
        .map(|a| PlanetAccountDto {
            posts: posts.get(&a.user_id).copied().unwrap_or(0),
            matched_enrollment_id: matched.get(&a.user_id).copied(),
            user_id: a.user_id,
            name: a.name,
            alias: a.alias,
        })
        .collect();
    list.sort_by(|a, b| b.posts.cmp(&a.posts).then(a.user_id.cmp(&b.user_id)));
    Ok(list)
}

/// The member detail's check-ins: the match panel and the matched account's
/// posts in the camp. The caller has checked the person may see the enrollment.
pub async fn of_enrollment(
    db: &impl ConnectionTrait,
    enrollment: &enrollments::Model,
) -> AppResult<EnrollmentCheckins> {
    let candidates: Vec<i64> =
        serde_json::from_str(&enrollment.match_candidates).unwrap_or_default();
    let candidates = if candidates.is_empty() {
        Vec::new()
    } else {
        accounts_of_camp(db, enrollment.camp_id, Some(&candidates)).await?
    };
    let current = match enrollment.matched_user_id {
        Some(user_id) => {
            crate::entity::planet_accounts::Entity::find_by_id(user_id)
                .one(db)
                .await?
        }
        None => None,
    };
    let records = match enrollment.matched_user_id {
        Some(user_id) => {
            checkin_records::Entity::find()
                .filter(checkin_records::Column::CampId.eq(enrollment.camp_id))
                .filter(checkin_records::Column::UserId.eq(user_id))
                .order_by_desc(checkin_records::Column::CreatedAt)
                .limit(DETAIL_RECORDS)
                .all(db)
                .await?
        }
        None => Vec::new(),
    };
    Ok(EnrollmentCheckins {
        panel: MatchPanel {
            status: status_of(enrollment),
            confidence: u8::try_from(enrollment.match_confidence).unwrap_or(0),
            user_id: enrollment.matched_user_id,
            matched_name: enrollment.matched_name.clone(),
            current_name: current.as_ref().map(|a| a.name.clone()),
            current_alias: current.and_then(|a| a.alias),
            manual: enrollment.match_manual,
            matched_at: enrollment.matched_at,
            candidates,
            checkin_days: enrollment.checkin_days,
            ranking_days: enrollment.ranking_days,
            ranking_checked_at: enrollment.ranking_checked_at,
        },
        records: to_dtos(db, records).await?,
    })
}

/// The stored match status (the migration's CHECK keeps it one of these).
pub fn status_of(enrollment: &enrollments::Model) -> MatchStatus {
    MatchStatus::parse(&enrollment.match_status).unwrap_or(MatchStatus::Failed)
}
