//! The payment poll as a job: hourly, and on demand.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext};

/// Query every order still open with WeChat Pay (PRD §6.1.4). Idempotent: an
/// order already paid or closed is left alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PollPayments {}

impl Job for PollPayments {
    const NAME: &'static str = "poll_payments";

    async fn run(self, ctx: &JobContext) -> anyhow::Result<String> {
        let gateway = crate::payments::gateway::current(ctx).await?;
        let report = crate::payments::settlement::poll_pending(&ctx.db, &gateway).await?;
        Ok(format!(
            "查询 {} 笔，支付 {} 笔，重复支付 {} 笔，关闭 {} 笔，失败 {} 笔",
            report.checked, report.paid, report.duplicates, report.closed, report.errors
        ))
    }
}
