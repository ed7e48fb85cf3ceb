//! The database backup as a job (scheduled by `CAMP__BACKUP__SCHEDULE`, or on
//! demand from the system page).

use serde::{Deserialize, Serialize};

use super::{Job, JobContext};

/// Copy the database into the data directory and prune old copies. Running it
/// twice makes two copies and prunes, so a redelivered job does no harm.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupDatabase {
    /// The staff member who asked for it; `None` for the schedule.
    pub requested_by: Option<i64>,
}

impl Job for BackupDatabase {
    const NAME: &'static str = "backup_database";

    async fn run(self, ctx: &JobContext) -> anyhow::Result<String> {
        let path = crate::backups::run(&ctx.db, &ctx.config, self.requested_by).await?;
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(format!("备份完成：{file}"))
    }
}
