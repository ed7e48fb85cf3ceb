//! Storing check-in posts (issue 9, PRD §13.1): what the sync and the import
//! write, and the accounts and ranking they bring along.
//!
//! Invariants:
//! - A post is stored once per camp: by its topic id (a re-run of a sync), and
//!   by account + minute (an imported row and the synced post of the same
//!   account and minute are one record). Both are unique indexes and every
//!   insert is `ON CONFLICT DO NOTHING`, so two runs racing on SQLite or
//!   PostgreSQL store each post once.
//! - A post deleted on Knowledge Planet stays recorded; it is marked `gone_at`
//!   ([`mark_gone`]) and no longer counts.
//! - `planet_accounts` holds the newest name seen for each account: an older
//!   post never overwrites a newer name.
//!
//! Counting and matching follow in the caller's transaction: a sync run
//! applies them itself (`matching::apply`, it is already a job), an import
//! enqueues `MatchCamp` through the outbox.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::entity::{checkin_records, planet_accounts, planet_rankings};

/// Rows per INSERT: well under SQLite's bound-parameter limit.
const CHUNK: usize = 200;
/// Longest name and alias kept (the columns' width).
const NAME_CHARS: usize = 200;
/// Longest excerpt kept, in characters.
pub const EXCERPT_CHARS: usize = 100;

/// Where a record came from (`checkin_records.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The Knowledge Planet API.
    Sync,
    /// An admin's spreadsheet (PRD §13.1).
    Import,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Import => "import",
        }
    }
}

/// One check-in post as read from Knowledge Planet or a spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCheckin {
    /// Knowledge Planet's topic id (64-bit); `None` for an imported row.
    pub topic_id: Option<i64>,
    /// The poster's Knowledge Planet user_id (星球ID).
    pub user_id: i64,
    /// The poster's name at post time (may be blank: the alias then names them).
    pub name: String,
    pub alias: Option<String>,
    /// The post's create_time.
    pub created_at: DateTime<Utc>,
    /// Characters of text.
    pub text_len: i32,
    pub images_count: i32,
    /// The start of the text, for the records list (cut to [`EXCERPT_CHARS`]).
    pub excerpt: String,
}

/// What [`store`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreOutcome {
    /// New records (posts already stored are not counted).
    pub inserted: u64,
}

/// One row of the accumulated ranking (`ranking_list?type=accumulated`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankingRow {
    pub user_id: i64,
    pub name: String,
    pub alias: Option<String>,
    pub checkined_days: i64,
}

/// Minutes since the epoch: the "same minute" of "same account + same minute".
pub fn created_minute(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

fn cut(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// Stores the posts of a camp, skipping every post already stored (by topic
/// id, or by account + minute), and keeps `planet_accounts` current. A synced
/// post that meets an imported record of the same minute gives that record
/// its topic id, so a later deletion on Knowledge Planet is noticed. A post
/// seen again after being marked gone is no longer gone.
///
/// Idempotent; safe under concurrent runs. Pass a transaction to compose it
/// with the caller's other writes (and its `MatchCamp` enqueue).
pub async fn store(
    db: &impl ConnectionTrait,
    camp_id: i64,
    source: Source,
    items: &[IncomingCheckin],
) -> Result<StoreOutcome, DbErr> {
    if items.is_empty() {
        return Ok(StoreOutcome::default());
    }
    let now = Utc::now();
    let mut inserted = 0;
    for chunk in items.chunks(CHUNK) {
        let rows = chunk.iter().map(|item| checkin_records::ActiveModel {
            camp_id: Set(camp_id),
            topic_id: Set(item.topic_id),
            user_id: Set(item.user_id),
            name: Set(cut(&item.name, NAME_CHARS)),
            created_at: Set(item.created_at),
            created_minute: Set(created_minute(item.created_at)),
            checkin_date: Set(shared::dates::business_date(item.created_at)),
            text_len: Set(item.text_len.max(0)),
            images_count: Set(item.images_count.max(0)),
            excerpt: Set(cut(&item.excerpt, EXCERPT_CHARS)),
            source: Set(source.as_str().to_owned()),
            gone_at: Set(None),
            inserted_at: Set(now),
            ..Default::default()
        });
        // No conflict target: either unique index (topic, or account + minute) makes it a no-op.
        inserted += checkin_records::Entity::insert_many(rows)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
    }
    let topics: Vec<&IncomingCheckin> = items.iter().filter(|i| i.topic_id.is_some()).collect();
    if inserted < items.len() as u64 {
        for item in &topics {
            checkin_records::Entity::update_many()
                .col_expr(checkin_records::Column::TopicId, Expr::value(item.topic_id))
                .filter(checkin_records::Column::CampId.eq(camp_id))
                .filter(checkin_records::Column::UserId.eq(item.user_id))
                .filter(checkin_records::Column::CreatedMinute.eq(created_minute(item.created_at)))
                .filter(checkin_records::Column::TopicId.is_null())
                .exec(db)
                .await?;
        }
        for chunk in topics.chunks(CHUNK) {
            checkin_records::Entity::update_many()
                .col_expr(
                    checkin_records::Column::GoneAt,
                    Expr::value(None::<DateTime<Utc>>),
                )
                .filter(checkin_records::Column::CampId.eq(camp_id))
                .filter(checkin_records::Column::TopicId.is_in(chunk.iter().map(|i| i.topic_id)))
                .filter(checkin_records::Column::GoneAt.is_not_null())
                .exec(db)
                .await?;
        }
    }
    let mut newest: HashMap<i64, &IncomingCheckin> = HashMap::new();
    for item in items {
        let entry = newest.entry(item.user_id).or_insert(item);
        if item.created_at > entry.created_at {
            *entry = item;
        }
    }
    let accounts: Vec<_> = newest
        .values()
        .map(|item| {
            (
                item.user_id,
                item.name.as_str(),
                item.alias.as_deref(),
                item.created_at,
            )
        })
        .collect();
    upsert_accounts(db, &accounts).await?;
    Ok(StoreOutcome { inserted })
}

/// Upserts (user_id, name, alias, seen_at): a row is replaced only by a name
/// seen at the same time or later.
async fn upsert_accounts(
    db: &impl ConnectionTrait,
    accounts: &[(i64, &str, Option<&str>, DateTime<Utc>)],
) -> Result<(), DbErr> {
    let now = Utc::now();
    for chunk in accounts.chunks(CHUNK) {
        let rows =
            chunk.iter().map(
                |(user_id, name, alias, seen_at)| planet_accounts::ActiveModel {
                    user_id: Set(*user_id),
                    name: Set(cut(name, NAME_CHARS)),
                    alias: Set(alias.map(|a| cut(a, NAME_CHARS))),
                    seen_at: Set(*seen_at),
                    updated_at: Set(now),
                },
            );
        planet_accounts::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(planet_accounts::Column::UserId)
                    .update_columns([
                        planet_accounts::Column::Name,
                        planet_accounts::Column::Alias,
                        planet_accounts::Column::SeenAt,
                        planet_accounts::Column::UpdatedAt,
                    ])
                    .action_and_where(sea_orm::sea_query::ExprTrait::lte(
                        Expr::col((planet_accounts::Entity, planet_accounts::Column::SeenAt)),
                        Expr::cust("excluded.seen_at"),
                    ))
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Marks as gone the camp's synced records created at or after `since` whose
/// topic is not in `seen_topic_ids` (a full read of the camp's topics from
/// `since` on). Records stay; gone ones no longer count. Returns how many were
/// newly marked.
pub async fn mark_gone(
    db: &impl ConnectionTrait,
    camp_id: i64,
    seen_topic_ids: &HashSet<i64>,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let stored: Vec<(i64, Option<i64>)> = checkin_records::Entity::find()
        .select_only()
        .column(checkin_records::Column::Id)
        .column(checkin_records::Column::TopicId)
        .filter(checkin_records::Column::CampId.eq(camp_id))
        .filter(checkin_records::Column::TopicId.is_not_null())
        .filter(checkin_records::Column::GoneAt.is_null())
        .filter(checkin_records::Column::CreatedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    let gone: Vec<i64> = stored
        .into_iter()
        .filter(|(_, topic)| topic.is_some_and(|t| !seen_topic_ids.contains(&t)))
        .map(|(id, _)| id)
        .collect();
    let now = Utc::now();
    let mut marked = 0;
    for chunk in gone.chunks(CHUNK) {
        marked += checkin_records::Entity::update_many()
            .col_expr(checkin_records::Column::GoneAt, Expr::value(now))
            .filter(checkin_records::Column::Id.is_in(chunk.iter().copied()))
            .filter(checkin_records::Column::GoneAt.is_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(marked)
}

/// Replaces the camp's stored accumulated ranking with `rows` (a complete
/// read: an account absent from it has 0 days) and keeps `planet_accounts`
/// current. `MatchCamp` copies each matched account's days onto its
/// enrollment (`ranking_days`) for the refund reviewer's cross-check.
pub async fn record_ranking(
    db: &impl ConnectionTrait,
    camp_id: i64,
    rows: &[RankingRow],
) -> Result<(), DbErr> {
    let now = Utc::now();
    planet_rankings::Entity::delete_many()
        .filter(planet_rankings::Column::CampId.eq(camp_id))
        .exec(db)
        .await?;
    let mut by_user: HashMap<i64, &RankingRow> = HashMap::new();
    for row in rows {
        by_user.insert(row.user_id, row);
    }
    let unique: Vec<&RankingRow> = by_user.into_values().collect();
    for chunk in unique.chunks(CHUNK) {
        let models = chunk.iter().map(|row| planet_rankings::ActiveModel {
            camp_id: Set(camp_id),
            user_id: Set(row.user_id),
            checkined_days: Set(row.checkined_days.max(0)),
            checked_at: Set(now),
        });
        planet_rankings::Entity::insert_many(models)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
    }
    let accounts: Vec<_> = unique
        .iter()
        .map(|row| (row.user_id, row.name.as_str(), row.alias.as_deref(), now))
        .collect();
    upsert_accounts(db, &accounts).await
}
