//! The member's progress page (PRD §4.1.4), reached only with the member's own
//! token (`payments::access`): camp card, counted days against the
//! requirement, the days with their post times, the last sync, and the refund
//! status as far as it exists today.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shared::checkin_api::{CheckinDay, MemberProgress, RefundStatus};
use shared::dates::business_date;

use crate::camps;
use crate::entity::{checkin_records, enrollments, sync_runs};
use crate::error::{AppError, AppResult};
use crate::payments::access::enrollment_for_member;

/// The member's progress in the enrollment's camp.
///
/// # Errors
/// Not found unless this browser's token is bound to the enrollment, and
/// before payment.
pub async fn my_progress(
    db: &impl ConnectionTrait,
    id: i64,
    token: Option<&str>,
) -> AppResult<MemberProgress> {
    let enrollment = enrollment_for_member(db, id, token).await?;
    if enrollment.status != enrollments::PAID {
        return Err(AppError::not_found("打卡进度"));
    }
    let today = business_date(Utc::now());
    let camp = camps::service::get_public(db, enrollment.camp_id, today).await?;
    let mut by_day: BTreeMap<NaiveDate, Vec<DateTime<Utc>>> = BTreeMap::new();
    if let Some(user_id) = enrollment.matched_user_id {
        let times: Vec<DateTime<Utc>> = checkin_records::Entity::find()
            .select_only()
            .column(checkin_records::Column::CreatedAt)
            .filter(checkin_records::Column::CampId.eq(enrollment.camp_id))
            .filter(checkin_records::Column::UserId.eq(user_id))
            .filter(checkin_records::Column::GoneAt.is_null())
            .filter(checkin_records::Column::CheckinDate.between(camp.start_date, camp.end_date))
            .order_by_asc(checkin_records::Column::CreatedAt)
            .into_tuple()
            .all(db)
            .await?;
        let counted =
            shared::checkins::counted_days(times.iter().copied(), camp.start_date, camp.end_date);
        for at in times {
            let day = business_date(at);
            if counted.contains(&day) {
                by_day.entry(day).or_default().push(at);
            }
        }
    }
    let progress = shared::checkins::progress(
        by_day.len() as i64,
        camp.start_date,
        camp.end_date,
        i64::from(camp.required_days),
        today,
    );
    let refund_status = (today > camp.end_date).then_some(if progress.eligible {
        RefundStatus::PendingReview
    } else {
        RefundStatus::NotEligible
    });
    Ok(MemberProgress {
        enrollment_id: id,
        planet_nickname: enrollment.planet_nickname,
        matched: enrollment.matched_user_id.is_some(),
        last_sync_at: last_sync_at(db, enrollment.camp_id).await?,
        days: by_day
            .into_iter()
            .map(|(date, times)| CheckinDay { date, times })
            .collect(),
        camp,
        progress,
        refund_status,
        today,
    })
}

/// When the camp's check-ins were last brought up to date (PRD §4.1.4 "数据每天
/// 01:00后更新"): the end of its latest successful sync run, or the latest
/// import if that came later. A failed or running sync does not count.
async fn last_sync_at(db: &impl ConnectionTrait, camp_id: i64) -> AppResult<Option<DateTime<Utc>>> {
    let synced = sync_runs::Entity::find()
        .select_only()
        .column(sync_runs::Column::FinishedAt)
        .filter(sync_runs::Column::CampId.eq(camp_id))
        .filter(sync_runs::Column::Status.eq(sync_runs::SUCCEEDED))
        .filter(sync_runs::Column::FinishedAt.is_not_null())
        .order_by_desc(sync_runs::Column::FinishedAt)
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten();
    let imported = checkin_records::Entity::find()
        .select_only()
        .column(checkin_records::Column::InsertedAt)
        .filter(checkin_records::Column::CampId.eq(camp_id))
        .filter(checkin_records::Column::Source.eq("import"))
        .order_by_desc(checkin_records::Column::InsertedAt)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?;
    Ok(synced.max(imported))
}
