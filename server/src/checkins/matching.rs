//! Matching applied (PRD §7, §9.2): which planet account each paid enrollment
//! of a camp is, written on the enrollment with how sure that is, and the
//! cached count of qualifying days that follows from it.
//!
//! Invariants:
//! - The rule is `shared::matching::match_enrollments`; this module only
//!   loads its inputs and writes its results, in one transaction.
//! - A manual match (`match_manual`) is never written by automatic matching:
//!   every automatic write is guarded by `match_manual = false`, so a manual
//!   match made while a run is in flight survives it.
//! - `checkin_days` is `shared::checkins::counted_days` over the matched
//!   account's records that are not gone, camp start..=end.

use crate::db::WriteTransaction;
use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use shared::matching::{EnrollmentForMatch, PlanetAccount, match_enrollments};

use crate::entity::{camps, checkin_records, enrollments, planet_accounts, planet_rankings};
use crate::jobs::{Job, JobContext};

/// Re-matches a camp's paid enrollments and recounts their days. Enqueued
/// through the outbox after a payment settles, a sync stores posts, an import
/// applies, or a ranking is read. Idempotent.
///
/// No dedupe key: outbox keys are unique forever, and a camp needs a fresh run
/// after every change; two runs in a row compute the same result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatchCamp {
    pub camp_id: i64,
}

impl Job for MatchCamp {
    const NAME: &'static str = "match_camp";

    async fn run(self, ctx: &JobContext) -> anyhow::Result<String> {
        let txn = ctx.db.begin_write().await?;
        let summary = apply(&txn, self.camp_id)
            .await
            .with_context(|| format!("matching camp {}", self.camp_id))?;
        txn.commit().await?;
        Ok(format!(
            "已匹配 {}/{} 人，更新 {} 人",
            summary.matched, summary.enrollments, summary.changed
        ))
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchSummary {
    /// Paid enrollments of the camp.
    pub enrollments: usize,
    /// Of those, with an account (any tier or manual).
    pub matched: usize,
    /// Enrollments whose row changed.
    pub changed: usize,
}

/// The accounts that posted in the camp or appear in its ranking, by user id.
pub async fn camp_accounts(
    db: &impl ConnectionTrait,
    camp_id: i64,
) -> Result<HashMap<i64, planet_accounts::Model>, sea_orm::DbErr> {
    let posted = Query::select()
        .column(checkin_records::Column::UserId)
        .from(checkin_records::Entity)
        .and_where(checkin_records::Column::CampId.eq(camp_id))
        .to_owned();
    let ranked = Query::select()
        .column(planet_rankings::Column::UserId)
        .from(planet_rankings::Entity)
        .and_where(planet_rankings::Column::CampId.eq(camp_id))
        .to_owned();
    Ok(planet_accounts::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(planet_accounts::Column::UserId.in_subquery(posted))
                .add(planet_accounts::Column::UserId.in_subquery(ranked)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.user_id, a))
        .collect())
}

/// Post times of the camp's records that count (not gone, inside the camp),
/// by user id.
async fn post_times(
    db: &impl ConnectionTrait,
    camp: &camps::Model,
) -> Result<HashMap<i64, Vec<DateTime<Utc>>>, sea_orm::DbErr> {
    let rows: Vec<(i64, DateTime<Utc>)> = checkin_records::Entity::find()
        .select_only()
        .column(checkin_records::Column::UserId)
        .column(checkin_records::Column::CreatedAt)
        .filter(checkin_records::Column::CampId.eq(camp.id))
        .filter(checkin_records::Column::GoneAt.is_null())
        .filter(checkin_records::Column::CheckinDate.between(camp.start_date, camp.end_date))
        .into_tuple()
        .all(db)
        .await?;
    let mut by_user: HashMap<i64, Vec<DateTime<Utc>>> = HashMap::new();
    for (user_id, at) in rows {
        by_user.entry(user_id).or_default().push(at);
    }
    Ok(by_user)
}

/// Takes the camp's lock for the rest of the transaction: the first statement
/// of every transaction that changes a camp's matches. A write first: SQLite
/// takes its write lock now (a transaction that reads and then writes fails at
/// once with "database is locked" while another writer holds it), and
/// PostgreSQL locks the camp's row, so two runs for one camp (or a run and a
/// manual match) take turns instead of writing over each other.
pub async fn lock_camp(db: &impl ConnectionTrait, camp_id: i64) -> Result<(), sea_orm::DbErr> {
    camps::Entity::update_many()
        .col_expr(
            camps::Column::UpdatedAt,
            Expr::col(camps::Column::UpdatedAt),
        )
        .filter(camps::Column::Id.eq(camp_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Matches the camp's paid enrollments to the camp's accounts and recounts
/// their days, writing only rows that change. Call it in a transaction.
///
/// # Errors
/// Database errors; a camp that does not exist.
pub async fn apply(db: &impl ConnectionTrait, camp_id: i64) -> anyhow::Result<MatchSummary> {
    lock_camp(db, camp_id).await?;
    let camp = camps::Entity::find_by_id(camp_id)
        .one(db)
        .await?
        .with_context(|| format!("camp {camp_id} does not exist"))?;
    let paid = enrollments::Entity::find()
        .filter(enrollments::Column::CampId.eq(camp_id))
        .filter(enrollments::Column::Status.eq(enrollments::PAID))
        .all(db)
        .await?;
    let accounts = camp_accounts(db, camp_id).await?;
    let input: Vec<EnrollmentForMatch> = paid
        .iter()
        .map(|e| EnrollmentForMatch {
            enrollment_id: e.id,
            planet_id: e.planet_id.clone(),
            planet_nickname: e.planet_nickname.clone(),
            wechat_nickname: e.wechat_nickname.clone(),
            manual_user_id: e.match_manual.then_some(e.matched_user_id).flatten(),
        })
        .collect();
    let account_list: Vec<PlanetAccount> = accounts
        .values()
        .map(|a| PlanetAccount {
            user_id: a.user_id,
            name: a.name.clone(),
            alias: a.alias.clone(),
        })
        .collect();
    let results = match_enrollments(&input, &account_list);
    let times = post_times(db, &camp).await?;
    let rankings: HashMap<i64, (i64, DateTime<Utc>)> = planet_rankings::Entity::find()
        .filter(planet_rankings::Column::CampId.eq(camp_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.user_id, (r.checkined_days, r.checked_at)))
        .collect();
    let ranking_checked_at = rankings.values().map(|(_, at)| *at).max();

    let now = Utc::now();
    let mut summary = MatchSummary {
        enrollments: paid.len(),
        ..MatchSummary::default()
    };
    for (enrollment, result) in paid.iter().zip(&results) {
        debug_assert_eq!(enrollment.id, result.enrollment_id);
        let user_id = result.user_id;
        if user_id.is_some() {
            summary.matched += 1;
        }
        let days = user_id
            .and_then(|u| times.get(&u))
            .map(|t| {
                shared::checkins::counted_days(t.iter().copied(), camp.start_date, camp.end_date)
                    .len() as i64
            })
            .unwrap_or(0);
        let ranking_days = ranking_checked_at.map(|_| {
            user_id
                .and_then(|u| rankings.get(&u))
                .map_or(0, |(d, _)| *d)
        });
        let status = result.status.as_str();
        let candidates = serde_json::to_string(&result.candidates)?;
        let same_account = enrollment.matched_user_id == user_id;
        let matched_name = if same_account && enrollment.matched_name.is_some() {
            enrollment.matched_name.clone()
        } else {
            user_id
                .and_then(|u| accounts.get(&u))
                .map(|a| a.name.clone())
        };
        let unchanged = enrollment.match_status == status
            && enrollment.match_confidence == i16::from(result.confidence)
            && same_account
            && enrollment.matched_name == matched_name
            && enrollment.match_candidates == candidates
            && enrollment.checkin_days == days
            && enrollment.ranking_days == ranking_days
            && enrollment.ranking_checked_at == ranking_checked_at;
        if unchanged {
            continue;
        }
        let mut update = enrollments::Entity::update_many()
            .col_expr(enrollments::Column::CheckinDays, Expr::value(days))
            .col_expr(enrollments::Column::RankingDays, Expr::value(ranking_days))
            .col_expr(
                enrollments::Column::RankingCheckedAt,
                Expr::value(ranking_checked_at),
            )
            .filter(enrollments::Column::Id.eq(enrollment.id));
        if enrollment.match_manual {
            // The manual choice stands; only the count follows it.
            update = update.filter(enrollments::Column::MatchManual.eq(true));
        } else {
            update = update
                .col_expr(enrollments::Column::MatchStatus, Expr::value(status))
                .col_expr(
                    enrollments::Column::MatchConfidence,
                    Expr::value(i16::from(result.confidence)),
                )
                .col_expr(enrollments::Column::MatchedUserId, Expr::value(user_id))
                .col_expr(enrollments::Column::MatchedName, Expr::value(matched_name))
                .col_expr(
                    enrollments::Column::MatchCandidates,
                    Expr::value(candidates),
                )
                .col_expr(
                    enrollments::Column::MatchedAt,
                    Expr::value(if same_account {
                        enrollment.matched_at
                    } else {
                        user_id.map(|_| now)
                    }),
                )
                .filter(enrollments::Column::MatchManual.eq(false));
        }
        summary.changed += update.exec(db).await?.rows_affected as usize;
    }
    Ok(summary)
}
