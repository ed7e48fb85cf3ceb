//! Alerts: what an admin must look at — today a duplicate payment to decide a
//! refund for; next the check-ins issue's "知识星球Cookie已失效", delivered over
//! WeCom by the notifications issue. Raised by jobs (usually fed by the
//! outbox), listed and resolved by admins (`Area::Operations`).
//!
//! Invariants: one alert per dedupe key, ever (`uq_alerts_dedupe_key`), so a
//! job that runs twice raises it once; raising and resolving are audited in
//! the same transaction; a resolved alert stays resolved.

pub mod handlers;
pub mod service;

use anyhow::Context;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use shared::error::ErrorCode;

use crate::entity::{enrollments, payment_orders};
use crate::error::DomainError;
use crate::jobs::{Job, JobContext};

/// The kinds of alert (`alerts.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// A second paid order for an enrollment already paid (ARCHITECTURE §4): a refund decision.
    DuplicatePayment,
    /// A payment WeChat Pay reports that could not count (issue 6 item 2): a
    /// person checks it and decides a refund.
    PaymentNeedsReview,
    /// Knowledge Planet refused the cookie during a sync (issue 9): a super
    /// admin pastes a new one, or check-ins stop arriving.
    PlanetCookieExpired,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DuplicatePayment => "duplicate_payment",
            Self::PaymentNeedsReview => "payment_needs_review",
            Self::PlanetCookieExpired => "planet_cookie_expired",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("提醒不存在")]
    NotFound,
    #[error("该提醒已处理")]
    AlreadyResolved,
}

impl DomainError for AlertError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::NotFound => ErrorCode::NotFound,
            Self::AlreadyResolved => ErrorCode::AlertResolved,
        }
    }
}

/// Raises the admin alert for a duplicate payment (enqueued through the outbox
/// by the settlement that flagged the order). Idempotent: the alert's key is
/// the order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DuplicatePaymentAlert {
    pub order_id: i64,
}

impl Job for DuplicatePaymentAlert {
    const NAME: &'static str = "alert_duplicate_payment";

    fn dedupe_key(&self) -> Option<String> {
        Some(self.order_id.to_string())
    }

    async fn run(self, ctx: &JobContext) -> anyhow::Result<String> {
        let order = payment_orders::Entity::find_by_id(self.order_id)
            .one(&ctx.db)
            .await?
            .with_context(|| format!("order {} does not exist", self.order_id))?;
        let enrollment = enrollments::Entity::find_by_id(order.enrollment_id)
            .one(&ctx.db)
            .await?;
        let who = enrollment
            .map(|e| format!("{}（星球ID {}）", e.planet_nickname, e.planet_id))
            .unwrap_or_else(|| "会员".to_owned());
        let raised = service::raise(
            &ctx.db,
            service::NewAlert {
                kind: AlertKind::DuplicatePayment,
                dedupe_key: format!("duplicate_payment:{}", order.id),
                target: format!("订单 {}", order.out_trade_no),
                message: format!(
                    "{who} 已报名后再次支付 {}，订单号 {}，请决定是否退款",
                    shared::money::format_fen(order.amount_fen),
                    order.out_trade_no
                ),
            },
        )
        .await?;
        Ok(if raised {
            "已生成重复支付提醒".to_owned()
        } else {
            "重复支付提醒已存在".to_owned()
        })
    }
}

/// Raises the admin alert for a paid-needs-review payment (enqueued through
/// the outbox by the settlement that recorded it). The order may be unknown,
/// so the job carries its number and the reason. Idempotent per out_trade_no.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentReviewAlert {
    pub out_trade_no: String,
    pub reason: String,
}

impl Job for PaymentReviewAlert {
    const NAME: &'static str = "alert_payment_needs_review";

    fn dedupe_key(&self) -> Option<String> {
        Some(self.out_trade_no.clone())
    }

    async fn run(self, ctx: &JobContext) -> anyhow::Result<String> {
        let raised = service::raise(
            &ctx.db,
            service::NewAlert {
                kind: AlertKind::PaymentNeedsReview,
                dedupe_key: format!("payment_needs_review:{}", self.out_trade_no),
                target: format!("订单 {}", self.out_trade_no),
                message: format!("已收款但未计入报名，请核对后决定是否退款：{}", self.reason),
            },
        )
        .await?;
        Ok(if raised {
            "已生成支付待核对提醒".to_owned()
        } else {
            "支付待核对提醒已存在".to_owned()
        })
    }
}
