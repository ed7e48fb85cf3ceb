//! The operations seams: `job_runs` (every run of every job, for the operations
//! page), `outbox` (work that must follow a business change, written in that
//! change's transaction and relayed to the job queue), and `alerts` (what an
//! admin must look at, raised once per dedupe key).

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
                    .table(JobRuns::Table)
                    .col(big_pk_auto(JobRuns::Id))
                    .col(string_len(JobRuns::Job, 64))
                    // schedule | manual | outbox
                    .col(string_len(JobRuns::Trigger, 16))
                    .col(string_len_null(JobRuns::DedupeKey, 200))
                    .col(string_len(JobRuns::Instance, 64))
                    .col(timestamp_with_time_zone(JobRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(JobRuns::FinishedAt))
                    // running | succeeded | failed
                    .col(string_len(JobRuns::Outcome, 16))
                    .col(text(JobRuns::Message))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_job_runs_started_at", JobRuns::StartedAt),
            ("idx_job_runs_job", JobRuns::Job),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(JobRuns::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string_len(Outbox::Job, 64))
                    .col(text(Outbox::Payload))
                    .col(string_len(Outbox::DedupeKey, 200))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::RelayedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_outbox_dedupe_key")
                    .table(Outbox::Table)
                    .col(Outbox::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_relayed_at")
                    .table(Outbox::Table)
                    .col(Outbox::RelayedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(big_pk_auto(Alerts::Id))
                    .col(string_len(Alerts::Kind, 32))
                    .col(string_len(Alerts::DedupeKey, 200))
                    .col(string_len(Alerts::Target, 200))
                    .col(text(Alerts::Message))
                    .col(timestamp_with_time_zone(Alerts::CreatedAt))
                    .col(timestamp_with_time_zone_null(Alerts::ResolvedAt))
                    .col(big_integer_null(Alerts::ResolvedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_alerts_dedupe_key")
                    .table(Alerts::Table)
                    .col(Alerts::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alerts_created_at")
                    .table(Alerts::Table)
                    .col(Alerts::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Alerts::Table.into_iden(),
            Outbox::Table.into_iden(),
            JobRuns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    Trigger,
    DedupeKey,
    Instance,
    StartedAt,
    FinishedAt,
    Outcome,
    Message,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Job,
    Payload,
    DedupeKey,
    CreatedAt,
    RelayedAt,
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    Kind,
    DedupeKey,
    Target,
    Message,
    CreatedAt,
    ResolvedAt,
    ResolvedBy,
}
