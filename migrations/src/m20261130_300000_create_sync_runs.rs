//! Knowledge Planet sync: `sync_runs` (one row per sync of a camp: trigger,
//! kind, progress, outcome; the newest post seen is where the next incremental
//! run starts), and the sandbox simulator's planet (`sandbox_zsxq_projects`,
//! `sandbox_zsxq_topics`), kept in the database so it survives restarts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SyncRuns::Table)
                    .col(big_pk_auto(SyncRuns::Id))
                    .col(big_integer(SyncRuns::CampId))
                    // schedule | manual | outbox
                    .col(string_len(SyncRuns::Trigger, 16))
                    .col(
                        string_len(SyncRuns::Kind, 16).check(Expr::col(SyncRuns::Kind).is_in([
                            "incremental",
                            "full",
                            "ranking",
                        ])),
                    )
                    .col(timestamp_with_time_zone(SyncRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(SyncRuns::FinishedAt))
                    .col(string_len(SyncRuns::Status, 16).check(
                        Expr::col(SyncRuns::Status).is_in(["running", "succeeded", "failed"]),
                    ))
                    .col(integer(SyncRuns::Pages).default(0))
                    .col(integer(SyncRuns::Requests).default(0))
                    .col(integer(SyncRuns::NewRecords).default(0))
                    .col(text(SyncRuns::Error))
                    .col(timestamp_with_time_zone_null(SyncRuns::NewestCreateTime))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sync_runs_camp")
                    .table(SyncRuns::Table)
                    .col(SyncRuns::CampId)
                    .col(SyncRuns::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SandboxZsxqProjects::Table)
                    .col(big_integer(SandboxZsxqProjects::CheckinId).primary_key())
                    .col(big_integer(SandboxZsxqProjects::GroupId))
                    .col(string_len(SandboxZsxqProjects::Title, 200))
                    .col(text(SandboxZsxqProjects::Text))
                    .col(integer(SandboxZsxqProjects::CheckinDays))
                    .col(string_len(SandboxZsxqProjects::Kind, 16))
                    .col(boolean(SandboxZsxqProjects::LongPeriod))
                    .col(string_len(SandboxZsxqProjects::ExpirationTime, 40))
                    .col(timestamp_with_time_zone(SandboxZsxqProjects::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SandboxZsxqTopics::Table)
                    .col(big_integer(SandboxZsxqTopics::TopicId).primary_key())
                    .col(big_integer(SandboxZsxqTopics::CheckinId))
                    .col(big_integer(SandboxZsxqTopics::UserId))
                    .col(string_len(SandboxZsxqTopics::Name, 200))
                    .col(string_len(SandboxZsxqTopics::Alias, 200))
                    .col(text(SandboxZsxqTopics::Text))
                    .col(integer(SandboxZsxqTopics::ImagesCount))
                    .col(timestamp_with_time_zone(SandboxZsxqTopics::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sandbox_zsxq_topics_checkin_time")
                    .table(SandboxZsxqTopics::Table)
                    .col(SandboxZsxqTopics::CheckinId)
                    .col(SandboxZsxqTopics::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SandboxZsxqTopics::Table.into_iden(),
            SandboxZsxqProjects::Table.into_iden(),
            SyncRuns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SyncRuns {
    Table,
    Id,
    CampId,
    Trigger,
    Kind,
    StartedAt,
    FinishedAt,
    Status,
    Pages,
    Requests,
    NewRecords,
    Error,
    NewestCreateTime,
}

#[derive(DeriveIden)]
enum SandboxZsxqProjects {
    Table,
    CheckinId,
    GroupId,
    Title,
    Text,
    CheckinDays,
    Kind,
    LongPeriod,
    ExpirationTime,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SandboxZsxqTopics {
    Table,
    TopicId,
    CheckinId,
    UserId,
    Name,
    Alias,
    Text,
    ImagesCount,
    CreatedAt,
}
