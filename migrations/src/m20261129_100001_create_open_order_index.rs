//! One open order per (enrollment, browser), enforced by the database (issue 6
//! item 4): a partial unique index over `created` orders, the same SQL on SQLite
//! and PostgreSQL. Older extra open orders are closed first (the poll queries
//! and, when paid, applies them all the same). And member access is granted
//! only by payment (item 5): bindings of a browser to an enrollment that no
//! order of that browser paid are dropped.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE payment_orders SET status = 'closed' WHERE status = 'created' AND id NOT IN \
             (SELECT MAX(id) FROM payment_orders WHERE status = 'created' \
              GROUP BY enrollment_id, member_token_hash)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_payment_orders_open ON payment_orders \
             (enrollment_id, member_token_hash) WHERE status = 'created'",
        )
        .await?;
        db.execute_unprepared(
            "DELETE FROM member_tokens WHERE NOT EXISTS (SELECT 1 FROM payment_orders o \
             WHERE o.enrollment_id = member_tokens.enrollment_id \
             AND o.member_token_hash = member_tokens.token_hash AND o.status = 'paid')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ux_payment_orders_open")
            .await?;
        Ok(())
    }
}
