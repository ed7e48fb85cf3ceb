//! The schema, one migration per change, run at start on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_foundation;
mod m20261126_000002_create_payments;
mod m20261129_100000_add_order_merchant_and_review;
mod m20261129_100001_create_open_order_index;
mod m20261129_200000_create_login_throttles;
mod m20261129_400001_create_operations;
mod m20261130_100000_harden_schema;
mod m20261130_100001_upload_public_ids;
mod m20261130_300000_create_sync_runs;
mod m20261130_400000_create_checkins;
mod m20261130_510000_create_refunds;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_foundation::Migration),
            Box::new(m20261126_000002_create_payments::Migration),
            Box::new(m20261129_100000_add_order_merchant_and_review::Migration),
            Box::new(m20261129_100001_create_open_order_index::Migration),
            Box::new(m20261129_200000_create_login_throttles::Migration),
            Box::new(m20261129_400001_create_operations::Migration),
            Box::new(m20261130_100000_harden_schema::Migration),
            Box::new(m20261130_100001_upload_public_ids::Migration),
            Box::new(m20261130_300000_create_sync_runs::Migration),
            Box::new(m20261130_400000_create_checkins::Migration),
            Box::new(m20261130_510000_create_refunds::Migration),
        ]
    }
}
