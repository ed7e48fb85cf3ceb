//! TEMPORARY stand-in for h4's `crate::checkins` (records + MatchCamp), with
//! its exact signatures, so the sync compiles before h4 lands. Delete this file
//! and switch `sync.rs`'s `use super::h4_shim as checkins` to `crate::checkins`.

pub mod records {
    use std::collections::HashSet;

    use chrono::{DateTime, Utc};
    use sea_orm::{ConnectionTrait, DbErr};

    #[allow(dead_code)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Source {
        Sync,
        Import,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct IncomingCheckin {
        pub topic_id: Option<i64>,
        pub user_id: i64,
        pub name: String,
        pub alias: Option<String>,
        pub created_at: DateTime<Utc>,
        pub text_len: i32,
        pub images_count: i32,
        pub excerpt: String,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct StoreOutcome {
        pub inserted: u64,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RankingRow {
        pub user_id: i64,
        pub name: String,
        pub alias: Option<String>,
        pub checkined_days: i64,
    }

    pub async fn store(
        _db: &impl ConnectionTrait,
        _camp_id: i64,
        _source: Source,
        items: &[IncomingCheckin],
    ) -> Result<StoreOutcome, DbErr> {
        Ok(StoreOutcome {
            inserted: items.len() as u64,
        })
    }

    pub async fn mark_gone(
        _db: &impl ConnectionTrait,
        _camp_id: i64,
        _seen_topic_ids: &HashSet<i64>,
        _since: DateTime<Utc>,
    ) -> Result<u64, DbErr> {
        Ok(0)
    }

    pub async fn record_ranking(
        _db: &impl ConnectionTrait,
        _camp_id: i64,
        _rows: &[RankingRow],
    ) -> Result<(), DbErr> {
        Ok(())
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MatchCamp {
    pub camp_id: i64,
}

impl crate::jobs::Job for MatchCamp {
    const NAME: &'static str = "match_camp";

    async fn run(self, _ctx: &crate::jobs::JobContext) -> anyhow::Result<String> {
        Ok(String::new())
    }
}
