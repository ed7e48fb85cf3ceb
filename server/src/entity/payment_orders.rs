use sea_orm::entity::prelude::*;

/// One attempt to pay an enrollment's deposit. `out_trade_no` is stored before
/// WeChat Pay is called and reused on every retry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub out_trade_no: String,
    pub camp_id: i64,
    pub enrollment_id: i64,
    pub amount_fen: i64,
    pub trade_type: String,
    pub status: String,
    pub member_token_hash: String,
    /// The prepay answer (JSON of `PayAction`), so a returning member resumes the same order.
    pub pay_data: Option<String>,
    pub payer_openid: Option<String>,
    pub transaction_id: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub expires_at: DateTimeUtc,
    pub duplicate: bool,
    /// The AppID and merchant the order was created under: a notification is
    /// checked against these, not the settings of the moment. `None` on orders
    /// older than the columns (checked against the current settings).
    pub app_id: Option<String>,
    pub mch_id: Option<String>,
    /// The names typed on this order's sign-up form; the enrollment takes them
    /// when this order is the one paid.
    pub planet_nickname: Option<String>,
    pub wechat_nickname: Option<String>,
    /// Set on a paid order whose payment could not be applied (another merchant,
    /// another amount, an old price, a refunded state): the money is WeChat's
    /// word and was accepted, the enrollment was not counted; an admin decides
    /// (later a refund item).
    pub review_reason: Option<String>,
    /// When WeChat Pay was last asked about the order for the member's page.
    pub queried_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const CREATED: &str = "created";
pub const PAID: &str = "paid";
pub const CLOSED: &str = "closed";
