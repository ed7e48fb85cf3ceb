use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrollments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub camp_id: i64,
    pub planet_id: String,
    pub planet_nickname: String,
    pub wechat_nickname: String,
    pub status: String,
    pub amount_fen: i64,
    pub paid_order_id: Option<i64>,
    pub paid_at: Option<DateTimeUtc>,
    pub joined_group: bool,
    pub joined_group_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `shared::matching::MatchStatus::as_str`.
    pub match_status: String,
    /// 100 / 66 / 33 / 0 (PRD §7).
    pub match_confidence: i16,
    pub matched_user_id: Option<i64>,
    /// The account's name when it was matched (a later rename is shown beside it).
    pub matched_name: Option<String>,
    /// JSON array of the user ids that fitted at the best tier (同名待确认).
    pub match_candidates: String,
    /// Staff chose `matched_user_id`; automatic matching never overwrites it.
    pub match_manual: bool,
    pub matched_at: Option<DateTimeUtc>,
    /// Qualifying days (PRD §9.2), recomputed after every store and match.
    pub checkin_days: i64,
    /// Knowledge Planet's accumulated `checkined_days` at the last ranking read.
    pub ranking_days: Option<i64>,
    pub ranking_checked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const AWAITING_PAYMENT: &str = "awaiting_payment";
pub const PAID: &str = "paid";
