//! Uploads get an unguessable public id (issue 6 item 9): browsers see only
//! this (32 random hex characters), never the sequential primary key, so a
//! group QR code cannot be found by counting. Existing uploads get one here;
//! the server gives every new upload its own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Uploads::Table)
                    .add_column(string_len_null(Uploads::PublicId, 32))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let random = match db.get_database_backend() {
            DbBackend::Sqlite => "lower(hex(randomblob(16)))",
            _ => "replace(gen_random_uuid()::text, '-', '')",
        };
        db.execute_unprepared(&format!(
            "UPDATE uploads SET public_id = {random} WHERE public_id IS NULL"
        ))
        .await?;
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("ALTER TABLE uploads ALTER COLUMN public_id SET NOT NULL")
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("uq_uploads_public_id")
                    .table(Uploads::Table)
                    .col(Uploads::PublicId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("uq_uploads_public_id")
                    .table(Uploads::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Uploads::Table)
                    .drop_column(Uploads::PublicId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Uploads {
    Table,
    PublicId,
}
