use crate::db::WriteTransaction;
use std::collections::HashMap;

use chrono::Utc;
use rust_xlsxwriter::{Format, Workbook};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Select,
};
use shared::api::{
    EnrollmentDetail, EnrollmentQuery, EnrollmentRow, JoinedFilter, Page, Paging, PaymentRecord,
};
use shared::roles::Area;

use crate::audit::{self, Action, Target};
use crate::auth::Staff;
use crate::camps::service::visible_camp_ids;
use crate::entity::{camps, enrollments, payment_orders};
use crate::error::{AppError, AppResult};
use crate::search;

/// Excel has a limit too; a camp has at most about a thousand members.
const EXPORT_MAX_ROWS: u64 = 50_000;

async fn filtered(
    db: &impl ConnectionTrait,
    staff: &Staff,
    query: &EnrollmentQuery,
) -> AppResult<Select<enrollments::Entity>> {
    let mut select = enrollments::Entity::find();
    if let Some(ids) = visible_camp_ids(db, staff, Area::Members).await? {
        select = select.filter(enrollments::Column::CampId.is_in(ids));
    }
    if let Some(camp_id) = query.camp_id {
        select = select.filter(enrollments::Column::CampId.eq(camp_id));
    }
    if !query.include_unpaid {
        select = select.filter(enrollments::Column::Status.eq(enrollments::PAID));
    }
    if let Some(status) = query.match_status {
        select = select.filter(enrollments::Column::MatchStatus.eq(status.as_str()));
    }
    select = match query.joined {
        JoinedFilter::All => select,
        JoinedFilter::Joined => select.filter(enrollments::Column::JoinedGroup.eq(true)),
        JoinedFilter::NotJoined => select.filter(enrollments::Column::JoinedGroup.eq(false)),
    };
    // Names and 星球IDs are stored cleaned (full-width made half-width,
    // invisibles dropped): the search text is cleaned the same way.
    if let Some(q) = query
        .q
        .as_deref()
        .map(shared::normalize::clean_text)
        .filter(|q| !q.is_empty())
    {
        select = select.filter(
            [
                enrollments::Column::PlanetNickname,
                enrollments::Column::PlanetId,
                enrollments::Column::WechatNickname,
            ]
            .into_iter()
            .fold(Condition::any(), |any, column| {
                any.add(search::contains(db.get_database_backend(), column, &q))
            }),
        );
    }
    Ok(select
        .order_by_desc(enrollments::Column::PaidAt)
        .order_by_desc(enrollments::Column::Id))
}

/// The most values one `IN (…)` list carries: far under SQLite's 32,766 bound
/// parameters (and PostgreSQL's 65,535), however long the export.
const IN_LIST_MAX: usize = 500;

async fn to_rows(
    db: &impl ConnectionTrait,
    list: Vec<enrollments::Model>,
) -> AppResult<Vec<EnrollmentRow>> {
    let mut camp_ids: Vec<i64> = list.iter().map(|e| e.camp_id).collect();
    camp_ids.sort_unstable();
    camp_ids.dedup();
    let mut names: HashMap<i64, String> = HashMap::new();
    for chunk in camp_ids.chunks(IN_LIST_MAX) {
        for camp in camps::Entity::find()
            .filter(camps::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            names.insert(camp.id, camp.name);
        }
    }
    let ids: Vec<i64> = list.iter().map(|e| e.id).collect();
    let mut duplicates: HashMap<i64, u32> = HashMap::new();
    for chunk in ids.chunks(IN_LIST_MAX) {
        for order in payment_orders::Entity::find()
            .filter(payment_orders::Column::EnrollmentId.is_in(chunk.to_vec()))
            .filter(payment_orders::Column::Duplicate.eq(true))
            .all(db)
            .await?
        {
            *duplicates.entry(order.enrollment_id).or_default() += 1;
        }
    }
    Ok(list
        .into_iter()
        .map(|e| EnrollmentRow {
            camp_name: names.get(&e.camp_id).cloned().unwrap_or_default(),
            paid: e.status == enrollments::PAID,
            match_status: crate::checkins::service::status_of(&e).label().to_owned(),
            match_state: crate::checkins::service::status_of(&e),
            match_confidence: (e.status == enrollments::PAID)
                .then(|| u8::try_from(e.match_confidence).unwrap_or(0)),
            matched_user_id: e.matched_user_id,
            checkin_days: e.checkin_days,
            duplicate_payments: duplicates.get(&e.id).copied().unwrap_or(0),
            id: e.id,
            camp_id: e.camp_id,
            planet_nickname: e.planet_nickname,
            planet_id: e.planet_id,
            wechat_nickname: e.wechat_nickname,
            amount_fen: e.amount_fen,
            paid_at: e.paid_at,
            joined_group: e.joined_group,
        })
        .collect())
}

pub async fn list(
    db: &DatabaseConnection,
    staff: &Staff,
    query: &EnrollmentQuery,
) -> AppResult<Page<EnrollmentRow>> {
    let paging = Paging::parse(query.page, query.page_size)?;
    let paginator = filtered(db, staff, query)
        .await?
        .paginate(db, paging.page_size);
    let total = paginator.num_items().await?;
    let items = to_rows(db, paginator.fetch_page(paging.index()).await?).await?;
    Ok(paging.page_of(items, total))
}

async fn find_visible(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i64,
) -> AppResult<enrollments::Model> {
    let enrollment = enrollments::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("报名记录"))?;
    if let Some(ids) = visible_camp_ids(db, staff, Area::Members).await?
        && !ids.contains(&enrollment.camp_id)
    {
        return Err(AppError::not_found("报名记录"));
    }
    Ok(enrollment)
}

pub async fn detail(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: i64,
) -> AppResult<EnrollmentDetail> {
    let enrollment = find_visible(db, staff, id).await?;
    let joined_group_at = enrollment.joined_group_at;
    let checkins = crate::checkins::service::of_enrollment(db, &enrollment).await?;
    let row = to_rows(db, vec![enrollment])
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("报名记录"))?;
    let payments = payment_orders::Entity::find()
        .filter(payment_orders::Column::EnrollmentId.eq(id))
        .order_by_asc(payment_orders::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|o| PaymentRecord {
            camp_name: row.camp_name.clone(),
            status: crate::payments::orders::status_of(&o),
            out_trade_no: o.out_trade_no,
            amount_fen: o.amount_fen,
            trade_type: o.trade_type,
            created_at: o.created_at,
            paid_at: o.paid_at,
            transaction_id: o.transaction_id,
            duplicate: o.duplicate,
            review_reason: o.review_reason,
        })
        .collect();
    Ok(EnrollmentDetail {
        enrollment: row,
        joined_group_at,
        payments,
        checkins,
    })
}

/// "标记进群" (audited); a no-op when nothing changes.
pub async fn mark_joined(
    db: &DatabaseConnection,
    staff: &Staff,
    id: i64,
    joined: bool,
) -> AppResult<EnrollmentDetail> {
    if staff.require(Area::Members)? != shared::roles::Scope::All {
        return Err(AppError::code(shared::error::ErrorCode::Forbidden));
    }
    let txn = db.begin_write().await?;
    let enrollment = find_visible(&txn, staff, id).await?;
    if enrollment.joined_group != joined {
        enrollments::Entity::update_many()
            .col_expr(enrollments::Column::JoinedGroup, Expr::value(joined))
            .col_expr(
                enrollments::Column::JoinedGroupAt,
                Expr::value(joined.then(Utc::now)),
            )
            .col_expr(enrollments::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(enrollments::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        let label = format!(
            "{}（星球ID {}）",
            enrollment.planet_nickname, enrollment.planet_id
        );
        let details = if joined {
            "标记为已进群"
        } else {
            "标记为未进群"
        };
        audit::record(
            &txn,
            &staff.actor(),
            Action::MarkJoinedGroup,
            Target::enrollment(id, &label),
            details,
        )
        .await?;
    }
    txn.commit().await?;
    detail(db, staff, id).await
}

/// The filtered list as an .xlsx workbook.
pub async fn export(
    db: &DatabaseConnection,
    staff: &Staff,
    query: &EnrollmentQuery,
) -> AppResult<Vec<u8>> {
    let select = filtered(db, staff, query).await?;
    let count = select.clone().count(db).await?;
    if count > EXPORT_MAX_ROWS {
        return Err(AppError::message(
            shared::error::ErrorCode::BadRequest,
            "导出数据过多，请先筛选训练营",
        ));
    }
    let rows = to_rows(db, select.all(db).await?).await?;
    // Building the workbook is CPU work (and up to 50,000 rows): off the async runtime.
    let bytes = tokio::task::spawn_blocking(move || workbook(&rows))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(anyhow::Error::from)?;
    Ok(bytes)
}

/// The member list as an .xlsx file (PRD §4.2.2).
fn workbook(rows: &[EnrollmentRow]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("会员列表")?;
    let bold = Format::new().set_bold();
    let headers = [
        "星球昵称",
        "星球ID",
        "微信昵称",
        "训练营名称",
        "支付金额(元)",
        "支付时间",
        "匹配状态",
        "匹配置信度",
        "进群状态",
        "重复支付",
    ];
    for (col, title) in headers.iter().enumerate() {
        sheet.write_with_format(0, col as u16, *title, &bold)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        let cells: [String; 10] = [
            row.planet_nickname.clone(),
            row.planet_id.clone(),
            row.wechat_nickname.clone(),
            row.camp_name.clone(),
            shared::money::fen_to_yuan_input(row.amount_fen),
            row.paid_at
                .map(shared::dates::format_beijing)
                .unwrap_or_default(),
            row.match_status.clone(),
            row.match_confidence
                .map(|c| format!("{c}%"))
                .unwrap_or_default(),
            if row.joined_group {
                "已进群"
            } else {
                "未进群"
            }
            .to_owned(),
            if row.duplicate_payments > 0 {
                format!("{}笔", row.duplicate_payments)
            } else {
                String::new()
            },
        ];
        for (col, value) in cells.iter().enumerate() {
            // 星球ID stays text: Excel would round an 18-digit number.
            sheet.write_string(r, col as u16, value)?;
        }
    }
    sheet.set_column_width(3, 24)?;
    sheet.set_column_width(5, 18)?;
    workbook.save_to_buffer()
}
