//! A camp's progress statistics (PRD §4.2.3.2): the cards (总人数, 平均打卡率,
//! 满足退款条件人数) and the per-member calendar (✅/❌ per camp day), and
//! their Excel export. Coaches and volunteers: their own camps only.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_xlsxwriter::{Format, Workbook};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shared::checkin_api::{CampCheckinStats, MemberCalendar};
use shared::dates::business_date;
use shared::roles::Area;

use super::service::status_of;
use crate::auth::Staff;
use crate::camps::service::find_visible;
use crate::entity::{checkin_records, enrollments};
use crate::error::AppResult;

/// The camp's statistics as of now.
///
/// # Errors
/// Not found for a camp the person may not see.
pub async fn camp_stats(
    db: &DatabaseConnection,
    staff: &Staff,
    camp_id: i64,
) -> AppResult<CampCheckinStats> {
    let camp = find_visible(db, staff, Area::Checkins, camp_id).await?;
    let today = business_date(Utc::now());
    let days: Vec<NaiveDate> = camp
        .start_date
        .iter_days()
        .take_while(|d| *d <= camp.end_date)
        .collect();
    let paid = enrollments::Entity::find()
        .filter(enrollments::Column::CampId.eq(camp_id))
        .filter(enrollments::Column::Status.eq(enrollments::PAID))
        .order_by_asc(enrollments::Column::Id)
        .all(db)
        .await?;
    let rows: Vec<(i64, DateTime<Utc>)> = checkin_records::Entity::find()
        .select_only()
        .column(checkin_records::Column::UserId)
        .column(checkin_records::Column::CreatedAt)
        .filter(checkin_records::Column::CampId.eq(camp_id))
        .filter(checkin_records::Column::GoneAt.is_null())
        .filter(checkin_records::Column::CheckinDate.between(camp.start_date, camp.end_date))
        .into_tuple()
        .all(db)
        .await?;
    let mut times: HashMap<i64, Vec<DateTime<Utc>>> = HashMap::new();
    for (user_id, at) in rows {
        times.entry(user_id).or_default().push(at);
    }
    let required = i64::from(camp.required_days);
    let elapsed =
        shared::checkins::progress(0, camp.start_date, camp.end_date, required, today).elapsed_days;
    let members: Vec<MemberCalendar> = paid
        .into_iter()
        .map(|e| {
            let counted: BTreeSet<NaiveDate> = e
                .matched_user_id
                .and_then(|u| times.get(&u))
                .map(|t| {
                    shared::checkins::counted_days(
                        t.iter().copied(),
                        camp.start_date,
                        camp.end_date,
                    )
                })
                .unwrap_or_default();
            let checked_days = counted.len() as i64;
            MemberCalendar {
                enrollment_id: e.id,
                match_status: status_of(&e),
                planet_nickname: e.planet_nickname,
                planet_id: e.planet_id,
                checked_days,
                eligible: checked_days >= required,
                checked: days.iter().map(|d| counted.contains(d)).collect(),
            }
        })
        .collect();
    let total_members = members.len() as i64;
    let average_rate_percent = if elapsed == 0 || members.is_empty() {
        0.0
    } else {
        let sum: f64 = members
            .iter()
            .map(|m| m.checked_days.min(elapsed) as f64 / elapsed as f64)
            .sum();
        (sum / members.len() as f64 * 1000.0).round() / 10.0
    };
    Ok(CampCheckinStats {
        camp_id,
        camp_name: camp.name,
        start_date: camp.start_date,
        end_date: camp.end_date,
        required_days: required,
        elapsed_days: elapsed,
        days,
        total_members,
        average_rate_percent,
        eligible_members: members.iter().filter(|m| m.eligible).count() as i64,
        members,
    })
}

/// The statistics as an .xlsx workbook: one row per member, one column per camp day.
///
/// # Errors
/// As [`camp_stats`].
pub async fn export(db: &DatabaseConnection, staff: &Staff, camp_id: i64) -> AppResult<Vec<u8>> {
    let stats = camp_stats(db, staff, camp_id).await?;
    let bytes = tokio::task::spawn_blocking(move || stats_workbook(&stats))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(anyhow::Error::from)?;
    Ok(bytes)
}

fn stats_workbook(stats: &CampCheckinStats) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("打卡统计")?;
    let bold = Format::new().set_bold();
    sheet.write_with_format(0, 0, "训练营", &bold)?;
    sheet.write_string(0, 1, &stats.camp_name)?;
    sheet.write_with_format(1, 0, "总人数", &bold)?;
    sheet.write_number(1, 1, stats.total_members as f64)?;
    sheet.write_with_format(2, 0, "平均打卡率", &bold)?;
    sheet.write_string(2, 1, format!("{:.1}%", stats.average_rate_percent))?;
    sheet.write_with_format(3, 0, "满足退款条件人数", &bold)?;
    sheet.write_number(3, 1, stats.eligible_members as f64)?;
    let header_row = 5;
    let fixed = ["星球昵称", "星球ID", "匹配状态", "已打卡天数", "满足条件"];
    for (col, title) in fixed.iter().enumerate() {
        sheet.write_with_format(header_row, col as u16, *title, &bold)?;
    }
    for (i, day) in stats.days.iter().enumerate() {
        sheet.write_with_format(
            header_row,
            (fixed.len() + i) as u16,
            shared::dates::format_month_day(*day),
            &bold,
        )?;
    }
    for (i, member) in stats.members.iter().enumerate() {
        let r = header_row + 1 + i as u32;
        sheet.write_string(r, 0, &member.planet_nickname)?;
        sheet.write_string(r, 1, &member.planet_id)?;
        sheet.write_string(r, 2, member.match_status.label())?;
        sheet.write_number(r, 3, member.checked_days as f64)?;
        sheet.write_string(r, 4, if member.eligible { "是" } else { "否" })?;
        for (d, checked) in member.checked.iter().enumerate() {
            // A day still to come is neither kept nor missed.
            let mark = match (*checked, (d as i64) < stats.elapsed_days) {
                (true, _) => "✅",
                (false, true) => "❌",
                (false, false) => "",
            };
            sheet.write_string(r, (fixed.len() + d) as u16, mark)?;
        }
    }
    sheet.set_column_width(0, 18)?;
    sheet.set_column_width(1, 18)?;
    workbook.save_to_buffer()
}
