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
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DuplicatePayment => "duplicate_payment",
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
