//! Refunds (issue 10 "Execution", ARCHITECTURE §4): one row per
//! `out_refund_no`, written before WeChat Pay is called and reused on every
//! retry; and the built-in WeChat Pay sandbox's own refunds.
//!
//! The database itself keeps the money rule "the refunds of an order never
//! add up to more than it paid" (issue 10: "enforced in the database
//! transaction, not only in code paths"): a trigger on `refunds` refuses an
//! insert or update after which the order's refunds that hold money (every
//! status but `closed`, `shared::refunds::RefundStatus::holds_amount`)
//! exceed the paid order's amount, or that refunds an order not paid. It
//! serialises writers per order first — SQLite has one writer at a time; on
//! PostgreSQL the trigger updates the order row, a row lock that concurrent
//! inserts for the same order queue on (and that a REPEATABLE READ writer
//! fails on rather than miss a sibling's refund). The same trigger keeps a
//! row's identity (number, order, amounts) from changing once written, so a
//! retry can only ever resend what was first stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `shared::refunds::RefundStatus::as_str` values (the CHECK keeps them honest).
const STATUSES: [&str; 10] = [
    "pending",
    "submitting",
    "unknown",
    "retrying",
    "processing",
    "succeeded",
    "closed",
    "abnormal",
    "needs_manual",
    "cancelled",
];

/// The statuses whose amount no longer counts against the order: only a
/// number WeChat Pay closed. A cancelled number keeps its amount, because a
/// number that was sent may still be paid (a "not found" can be stale).
const FREED: &str = "('closed')";

fn sqlite_triggers() -> Vec<String> {
    let over = |exclude_self: &str| {
        format!(
            "NEW.status NOT IN {FREED} AND \
             (SELECT COALESCE(SUM(amount_fen), 0) FROM refunds \
               WHERE payment_order_id = NEW.payment_order_id {exclude_self} \
                 AND status NOT IN {FREED}) + NEW.amount_fen \
             > COALESCE((SELECT amount_fen FROM payment_orders \
                          WHERE id = NEW.payment_order_id AND status = 'paid'), 0)"
        )
    };
    vec![
        format!(
            "CREATE TRIGGER trg_refunds_within_paid_insert BEFORE INSERT ON refunds \
             WHEN {} BEGIN SELECT RAISE(ABORT, 'refunds_exceed_paid'); END",
            over("")
        ),
        format!(
            "CREATE TRIGGER trg_refunds_within_paid_update BEFORE UPDATE ON refunds \
             WHEN {} BEGIN SELECT RAISE(ABORT, 'refunds_exceed_paid'); END",
            over("AND id <> NEW.id")
        ),
        "CREATE TRIGGER trg_refunds_identity BEFORE UPDATE ON refunds \
         WHEN NEW.out_refund_no IS NOT OLD.out_refund_no \
           OR NEW.payment_order_id IS NOT OLD.payment_order_id \
           OR NEW.out_trade_no IS NOT OLD.out_trade_no \
           OR NEW.amount_fen IS NOT OLD.amount_fen \
           OR NEW.total_fen IS NOT OLD.total_fen \
         BEGIN SELECT RAISE(ABORT, 'refund_identity_immutable'); END"
            .into(),
    ]
}

fn postgres_triggers() -> Vec<String> {
    vec![
        format!(
            "CREATE FUNCTION refunds_within_paid() RETURNS trigger AS $$
DECLARE
    paid bigint;
    held bigint;
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.out_refund_no, NEW.payment_order_id, NEW.out_trade_no,
            NEW.amount_fen, NEW.total_fen)
        IS DISTINCT FROM (OLD.out_refund_no, OLD.payment_order_id, OLD.out_trade_no,
            OLD.amount_fen, OLD.total_fen) THEN
        RAISE EXCEPTION 'refund_identity_immutable' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status IN {FREED} THEN
        RETURN NEW;
    END IF;
    -- The order row's lock serialises refunds of one order; each statement
    -- below then reads what the writers before it committed.
    UPDATE payment_orders SET updated_at = updated_at WHERE id = NEW.payment_order_id;
    SELECT amount_fen INTO paid FROM payment_orders
        WHERE id = NEW.payment_order_id AND status = 'paid';
    SELECT COALESCE(SUM(amount_fen), 0) INTO held FROM refunds
        WHERE payment_order_id = NEW.payment_order_id AND id <> NEW.id
          AND status NOT IN {FREED};
    IF paid IS NULL OR held + NEW.amount_fen > paid THEN
        RAISE EXCEPTION 'refunds_exceed_paid' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql"
        ),
        "CREATE TRIGGER trg_refunds_within_paid BEFORE INSERT OR UPDATE ON refunds \
         FOR EACH ROW EXECUTE FUNCTION refunds_within_paid()"
            .into(),
    ]
}

fn one_of(column: Refunds, values: &[&str]) -> Expr {
    Expr::col(column).is_in(values.iter().copied())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(big_pk_auto(Refunds::Id))
                    .col(big_integer(Refunds::EnrollmentId))
                    .col(big_integer(Refunds::PaymentOrderId))
                    .col(string_len(Refunds::OutTradeNo, 32))
                    // ≤ 64 of [0-9A-Za-z_-|*@] (wechatpay.md §2.6), unique for ever.
                    .col(string_len_uniq(Refunds::OutRefundNo, 64))
                    .col(big_integer(Refunds::AmountFen).check(Expr::col(Refunds::AmountFen).gt(0)))
                    // `amount.total` sent with the call: what the order paid.
                    .col(big_integer(Refunds::TotalFen).check(Expr::col(Refunds::TotalFen).gt(0)))
                    .col(string_len(Refunds::Status, 16).check(one_of(Refunds::Status, &STATUSES)))
                    // `reason`, ≤ 80 bytes, shown to the member by WeChat.
                    .col(string_len_null(Refunds::Reason, 80))
                    .col(string_len_null(Refunds::RefundId, 64))
                    .col(string_len_null(Refunds::UserReceivedAccount, 128))
                    // WeChat Pay's last error code, and its message or ours (Chinese).
                    .col(string_len_null(Refunds::FailureCode, 64))
                    .col(text_null(Refunds::FailureReason))
                    // Create calls sent under this number.
                    .col(integer(Refunds::Attempts).default(0))
                    .col(big_integer_null(Refunds::CreatedBy))
                    .col(timestamp_with_time_zone(Refunds::CreatedAt))
                    .col(timestamp_with_time_zone(Refunds::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Refunds::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Refunds::SucceededAt))
                    .check((
                        "ck_refunds_amount_within_total",
                        Expr::col(Refunds::AmountFen).lte(Expr::col(Refunds::TotalFen)),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refunds_enrollment")
                            .from(Refunds::Table, Refunds::EnrollmentId)
                            .to(Enrollments::Table, Enrollments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refunds_payment_order")
                            .from(Refunds::Table, Refunds::PaymentOrderId)
                            .to(PaymentOrders::Table, PaymentOrders::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refunds_out_trade_no")
                            .from(Refunds::Table, Refunds::OutTradeNo)
                            .to(PaymentOrders::Table, PaymentOrders::OutTradeNo),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refunds_created_by")
                            .from(Refunds::Table, Refunds::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_refunds_payment_order", vec![Refunds::PaymentOrderId]),
            ("idx_refunds_enrollment", vec![Refunds::EnrollmentId]),
            // The jobs find what to send, query or flag by status and age.
            (
                "idx_refunds_status",
                vec![Refunds::Status, Refunds::UpdatedAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Refunds::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        let db = manager.get_connection();
        // WeChat Pay's refund id names one refund.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_refunds_refund_id ON refunds (refund_id) \
             WHERE refund_id IS NOT NULL",
        )
        .await?;
        let triggers = match db.get_database_backend() {
            DbBackend::Sqlite => sqlite_triggers(),
            DbBackend::Postgres => postgres_triggers(),
            other => {
                return Err(DbErr::Migration(format!(
                    "refund guards are written for SQLite and PostgreSQL, not {other:?}"
                )));
            }
        };
        for statement in triggers {
            db.execute_unprepared(&statement).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(SandboxWechatRefunds::Table)
                    .col(string_len(SandboxWechatRefunds::OutRefundNo, 64).primary_key())
                    .col(string_len(SandboxWechatRefunds::OutTradeNo, 32))
                    .col(string_len_uniq(SandboxWechatRefunds::RefundId, 64))
                    .col(big_integer(SandboxWechatRefunds::RefundFen))
                    .col(big_integer(SandboxWechatRefunds::TotalFen))
                    .col(string_len_null(SandboxWechatRefunds::Reason, 80))
                    .col(text_null(SandboxWechatRefunds::NotifyUrl))
                    .col(string_len(SandboxWechatRefunds::Status, 16))
                    // Where PROCESSING ends (SUCCESS, ABNORMAL, CLOSED) and when.
                    .col(string_len(SandboxWechatRefunds::FinalStatus, 16))
                    .col(timestamp_with_time_zone(SandboxWechatRefunds::SettleAt))
                    .col(string_len(SandboxWechatRefunds::UserReceivedAccount, 64))
                    .col(timestamp_with_time_zone_null(
                        SandboxWechatRefunds::SuccessTime,
                    ))
                    .col(timestamp_with_time_zone(SandboxWechatRefunds::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sandbox_wechat_refunds_order")
                    .table(SandboxWechatRefunds::Table)
                    .col(SandboxWechatRefunds::OutTradeNo)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SandboxWechatRefunds::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Refunds::Table).to_owned())
            .await?;
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS refunds_within_paid()")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Refunds {
    Table,
    Id,
    EnrollmentId,
    PaymentOrderId,
    OutTradeNo,
    OutRefundNo,
    AmountFen,
    TotalFen,
    Status,
    Reason,
    RefundId,
    UserReceivedAccount,
    FailureCode,
    FailureReason,
    Attempts,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
    SucceededAt,
}

#[derive(DeriveIden)]
enum Enrollments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PaymentOrders {
    Table,
    Id,
    OutTradeNo,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SandboxWechatRefunds {
    Table,
    OutRefundNo,
    OutTradeNo,
    RefundId,
    RefundFen,
    TotalFen,
    Reason,
    NotifyUrl,
    Status,
    FinalStatus,
    SettleAt,
    UserReceivedAccount,
    SuccessTime,
    CreatedAt,
}
