//! The database holds its own invariants (issue 6 item 14), so a bug or a hand
//! edit cannot store what the application would never write:
//!
//! - a WeChat Pay `transaction_id` belongs to one order (unique where set);
//! - orders point at a real enrollment and camp, member tokens at a real
//!   enrollment, an enrollment's paid order at a real order (foreign keys);
//! - every status column holds one of its known values (CHECK constraints);
//! - `users.failed_logins` / `locked_until` go: lock-out is per account and
//!   address in `login_throttles`;
//! - the audit-log list (filtered by actor or action, newest first) and the
//!   webhook's per-address throttle (rejections of one address in the last
//!   minute) read through indexes made for them.
//!
//! PostgreSQL adds constraints with `ALTER TABLE`. SQLite cannot add a foreign
//! key or a CHECK to an existing table: each table is rebuilt (SQLite's
//! documented twelve steps) on one connection with foreign-key enforcement off,
//! inside one transaction, and `PRAGMA foreign_key_check` must come back empty
//! before it commits. Every other SQLite connection enforces foreign keys
//! (sqlx turns `foreign_keys` on for each connection it opens).
//!
//! A new status value (a refund state, an alert kind...) needs a migration
//! that widens its CHECK.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::sea_orm::sqlx::{self, Row};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `IN (…)` over a list of string literals.
fn one_of(column: &str, values: &[&str]) -> String {
    let list = values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("CHECK (\"{column}\" IN ({list}))")
}

/// (table, named constraints to add) — the same SQL on both databases.
fn constraints() -> Vec<(&'static str, Vec<String>)> {
    vec![
        (
            "users",
            vec![format!(
                "CONSTRAINT ck_users_role {}",
                one_of("role", &["super_admin", "admin", "coach", "volunteer"])
            )],
        ),
        (
            "camp_staff",
            vec![format!(
                "CONSTRAINT ck_camp_staff_role {}",
                one_of("role", &["coach", "volunteer"])
            )],
        ),
        (
            "uploads",
            vec![format!(
                "CONSTRAINT ck_uploads_kind {}",
                one_of("kind", &["poster", "group_qr"])
            )],
        ),
        (
            "enrollments",
            vec![
                format!(
                    "CONSTRAINT ck_enrollments_status {}",
                    one_of("status", &["awaiting_payment", "paid"])
                ),
                "CONSTRAINT fk_enrollments_paid_order FOREIGN KEY (paid_order_id) \
                 REFERENCES payment_orders (id)"
                    .into(),
            ],
        ),
        (
            "payment_orders",
            vec![
                format!(
                    "CONSTRAINT ck_payment_orders_status {}",
                    one_of("status", &["created", "paid", "closed"])
                ),
                format!(
                    "CONSTRAINT ck_payment_orders_trade_type {}",
                    one_of("trade_type", &["jsapi", "native", "h5"])
                ),
                "CONSTRAINT ck_payment_orders_amount CHECK (amount_fen > 0)".into(),
                "CONSTRAINT fk_payment_orders_enrollment FOREIGN KEY (enrollment_id) \
                 REFERENCES enrollments (id)"
                    .into(),
                "CONSTRAINT fk_payment_orders_camp FOREIGN KEY (camp_id) REFERENCES camps (id)"
                    .into(),
            ],
        ),
        (
            "member_tokens",
            vec![
                "CONSTRAINT fk_member_tokens_enrollment FOREIGN KEY (enrollment_id) \
                 REFERENCES enrollments (id)"
                    .into(),
            ],
        ),
        (
            "payment_notifications",
            vec![format!(
                "CONSTRAINT ck_payment_notifications_outcome {}",
                // `rejected_payload` and `rejected_mismatch` were written by
                // earlier releases and stay readable evidence.
                one_of(
                    "outcome",
                    &[
                        "paid",
                        "already_paid",
                        "duplicate",
                        "needs_review",
                        "not_paid",
                        "unusable",
                        "rejected_signature",
                        "rejected_payload",
                        "rejected_mismatch",
                    ]
                )
            )],
        ),
        (
            "job_runs",
            vec![
                format!(
                    "CONSTRAINT ck_job_runs_outcome {}",
                    one_of("outcome", &["running", "succeeded", "failed"])
                ),
                format!(
                    "CONSTRAINT ck_job_runs_trigger {}",
                    one_of("trigger", &["schedule", "manual", "outbox"])
                ),
            ],
        ),
        (
            "alerts",
            vec![
                "CONSTRAINT ck_alerts_resolved CHECK (resolved_by IS NULL OR resolved_at IS NOT NULL)"
                    .into(),
            ],
        ),
    ]
}

/// Indexes dropped (replaced by the ones below) and created, on both databases.
const DROP_INDEXES: &[&str] = &[
    "idx_audit_logs_actor",
    "idx_audit_logs_action",
    "idx_payment_notifications_source",
];
const CREATE_INDEXES: &[&str] = &[
    "CREATE UNIQUE INDEX ux_payment_orders_transaction_id ON payment_orders (transaction_id) \
     WHERE transaction_id IS NOT NULL",
    // The audit list filters by actor or action and pages newest first (by id).
    "CREATE INDEX idx_audit_logs_actor ON audit_logs (actor_id, id)",
    "CREATE INDEX idx_audit_logs_action ON audit_logs (action, id)",
    // The webhook throttle counts one address's rejections in the last minute.
    "CREATE INDEX idx_payment_notifications_source ON payment_notifications \
     (source_address, outcome, received_at)",
    // What WeChat Pay said about one order (support, review).
    "CREATE INDEX idx_payment_notifications_out_trade_no ON payment_notifications (out_trade_no)",
    "CREATE INDEX idx_member_tokens_enrollment ON member_tokens (enrollment_id)",
    "CREATE INDEX idx_enrollments_paid_order ON enrollments (paid_order_id)",
];

/// What follows the constraints, the same SQL on both databases: dropped
/// columns and replaced indexes.
fn then() -> Vec<String> {
    // Sign-in lock-out lives in `login_throttles` (per account and address);
    // these per-account counters are no longer read or written.
    let columns = ["failed_logins", "locked_until"]
        .map(|column| format!("ALTER TABLE users DROP COLUMN {column}"));
    let dropped = DROP_INDEXES
        .iter()
        .map(|index| format!("DROP INDEX {index}"));
    columns
        .into_iter()
        .chain(dropped)
        .chain(CREATE_INDEXES.iter().map(|sql| (*sql).to_owned()))
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Sqlite {
            let SchemaManagerConnection::Connection(conn) = db else {
                return Err(DbErr::Migration(
                    "the SQLite rebuild needs its own connection, not a transaction".into(),
                ));
            };
            return sqlite_rebuild(conn.get_sqlite_connection_pool()).await;
        }
        for (table, added) in constraints() {
            for constraint in added {
                db.execute_unprepared(&format!("ALTER TABLE {table} ADD {constraint}"))
                    .await?;
            }
        }
        for statement in then() {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Loosening the schema again is never wanted; restore a backup instead.
        Err(DbErr::Migration(
            "m20261130_100000_harden_schema cannot be reverted".into(),
        ))
    }
}

fn sqlx_err(e: sqlx::Error) -> DbErr {
    DbErr::Migration(format!("rebuilding SQLite tables: {e}"))
}

/// Rebuilds each table of [`constraints`] with its new constraints, then runs
/// [`then`], on one connection with foreign keys off, in one transaction. The
/// connection is closed afterwards rather than returned to the pool, so no
/// later query runs on a connection that ever had foreign keys off.
async fn sqlite_rebuild(pool: &sqlx::SqlitePool) -> Result<(), DbErr> {
    let mut conn = pool.acquire().await.map_err(sqlx_err)?.detach();
    // Outside a transaction: SQLite ignores this pragma inside one.
    sqlx::raw_sql("PRAGMA foreign_keys = OFF")
        .execute(&mut conn)
        .await
        .map_err(sqlx_err)?;
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut conn)
        .await
        .map_err(sqlx_err)?;
    let rebuilt = rebuild_tables(&mut conn).await;
    let end = if rebuilt.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    };
    let ended = sqlx::raw_sql(end).execute(&mut conn).await;
    let _ = sqlx::Connection::close(conn).await;
    rebuilt?;
    ended.map_err(sqlx_err)?;
    Ok(())
}

async fn rebuild_tables(conn: &mut sqlx::SqliteConnection) -> Result<(), DbErr> {
    for (table, added) in constraints() {
        let create: String =
            sqlx::query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
                .bind(table)
                .fetch_one(&mut *conn)
                .await
                .map_err(sqlx_err)?
                .get(0);
        let indexes: Vec<String> = sqlx::query(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        )
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .map_err(sqlx_err)?
        .into_iter()
        .map(|row| row.get(0))
        .collect();
        let new_table = format!("{table}_hardened");
        let create = with_constraints(&create, table, &new_table, &added)?;
        for statement in [
            create,
            format!("INSERT INTO \"{new_table}\" SELECT * FROM \"{table}\""),
            format!("DROP TABLE \"{table}\""),
            format!("ALTER TABLE \"{new_table}\" RENAME TO \"{table}\""),
        ]
        .into_iter()
        .chain(indexes)
        {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                .execute(&mut *conn)
                .await
                .map_err(sqlx_err)?;
        }
    }
    for statement in then() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&mut *conn)
            .await
            .map_err(sqlx_err)?;
    }
    let violations = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(sqlx_err)?;
    if let Some(row) = violations.first() {
        let table: String = row.get(0);
        return Err(DbErr::Migration(format!(
            "{} row(s) break a foreign key (first in {table}); fix the data, then migrate",
            violations.len()
        )));
    }
    Ok(())
}

/// `CREATE TABLE "table" (…)` as `CREATE TABLE "new_table" (…, constraints)`.
fn with_constraints(
    create: &str,
    table: &str,
    new_table: &str,
    added: &[String],
) -> Result<String, DbErr> {
    let head = format!("CREATE TABLE \"{table}\"");
    let body = create
        .strip_prefix(&head)
        .and_then(|rest| rest.trim_end().strip_suffix(')'))
        .ok_or_else(|| DbErr::Migration(format!("unexpected schema of {table}: {create}")))?;
    Ok(format!(
        "CREATE TABLE \"{new_table}\"{body}, {})",
        added.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_go_inside_the_table_definition() -> Result<(), DbErr> {
        let sql = with_constraints(
            "CREATE TABLE \"t\" ( \"id\" integer NOT NULL PRIMARY KEY, \"s\" varchar(16) NOT NULL )",
            "t",
            "t_hardened",
            &["CONSTRAINT ck CHECK (s IN ('a'))".into()],
        )?;
        assert_eq!(
            sql,
            "CREATE TABLE \"t_hardened\" ( \"id\" integer NOT NULL PRIMARY KEY, \"s\" varchar(16) NOT NULL , CONSTRAINT ck CHECK (s IN ('a')))"
        );
        Ok(())
    }
}
