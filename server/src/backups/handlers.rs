use axum::Json;
use axum::extract::State;
use shared::api::{BackupDto, BackupQueued};
use shared::roles::Area;

use crate::audit::{self, Action, Target};
use crate::auth::Staff;
use crate::error::AppResult;
use crate::jobs::{BackupDatabase, Trigger};
use crate::state::AppState;

/// Queues a database backup now (super admin).
#[utoipa::path(post, path = "/api/v1/system/backups", tag = "system", responses((status = 200, body = BackupQueued)))]
pub async fn run_backup(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Json<BackupQueued>> {
    staff.require(Area::SystemConfig)?;
    state
        .jobs
        .push(
            &BackupDatabase {
                requested_by: Some(staff.user.id),
            },
            Trigger::Manual,
        )
        .await?;
    audit::record(
        &state.db,
        &staff.actor(),
        Action::RunBackup,
        Target::system("数据库"),
        "手动发起备份",
    )
    .await?;
    Ok(Json(BackupQueued {
        message: "备份任务已加入队列，稍后刷新查看".into(),
    }))
}

/// Backup files kept in the data directory, newest first.
#[utoipa::path(get, path = "/api/v1/system/backups", tag = "system", responses((status = 200, body = Vec<BackupDto>)))]
pub async fn list_backups(
    State(state): State<AppState>,
    staff: Staff,
) -> AppResult<Json<Vec<BackupDto>>> {
    staff.require(Area::SystemConfig)?;
    Ok(Json(super::list(&state.config).await?))
}
