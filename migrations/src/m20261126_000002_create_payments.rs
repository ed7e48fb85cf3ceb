//! Payment orders, the log of payment notifications, member tokens (which
//! browser may see which enrollment), settings with sealed secrets, and the
//! built-in WeChat Pay sandbox's own orders.

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
                    .table(PaymentOrders::Table)
                    .col(big_pk_auto(PaymentOrders::Id))
                    .col(string_len_uniq(PaymentOrders::OutTradeNo, 32))
                    .col(big_integer(PaymentOrders::CampId))
                    .col(big_integer(PaymentOrders::EnrollmentId))
                    .col(big_integer(PaymentOrders::AmountFen))
                    .col(string_len(PaymentOrders::TradeType, 16))
                    .col(string_len(PaymentOrders::Status, 16))
                    // Each browser pays its own order; this says whose.
                    .col(string_len(PaymentOrders::MemberTokenHash, 64))
                    .col(text_null(PaymentOrders::PayData))
                    .col(string_len_null(PaymentOrders::PayerOpenid, 64))
                    .col(string_len_null(PaymentOrders::TransactionId, 64))
                    .col(timestamp_with_time_zone_null(PaymentOrders::PaidAt))
                    .col(timestamp_with_time_zone(PaymentOrders::ExpiresAt))
                    // A second paid order for an enrollment that was already paid: kept for a refund decision.
                    .col(boolean(PaymentOrders::Duplicate).default(false))
                    .col(timestamp_with_time_zone(PaymentOrders::CreatedAt))
                    .col(timestamp_with_time_zone(PaymentOrders::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_payment_orders_enrollment", PaymentOrders::EnrollmentId),
            ("idx_payment_orders_status", PaymentOrders::Status),
            ("idx_payment_orders_camp", PaymentOrders::CampId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(PaymentOrders::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PaymentNotifications::Table)
                    .col(big_pk_auto(PaymentNotifications::Id))
                    .col(timestamp_with_time_zone(PaymentNotifications::ReceivedAt))
                    .col(string_len_null(PaymentNotifications::NotificationId, 64))
                    .col(string_len_null(PaymentNotifications::OutTradeNo, 32))
                    .col(string_len(PaymentNotifications::Outcome, 32))
                    .col(text(PaymentNotifications::Detail))
                    // The raw body, sealed under the master key: evidence without plaintext payment data at rest.
                    .col(text(PaymentNotifications::BodySealed))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MemberTokens::Table)
                    .col(string_len(MemberTokens::TokenHash, 64))
                    .col(big_integer(MemberTokens::EnrollmentId))
                    .col(timestamp_with_time_zone(MemberTokens::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MemberTokens::TokenHash)
                            .col(MemberTokens::EnrollmentId),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string_len(Settings::Key, 64).primary_key())
                    .col(text(Settings::Value))
                    .col(big_integer_null(Settings::UpdatedBy))
                    .col(timestamp_with_time_zone(Settings::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SandboxWechatOrders::Table)
                    .col(string_len(SandboxWechatOrders::OutTradeNo, 32).primary_key())
                    .col(string_len(SandboxWechatOrders::TradeType, 16))
                    .col(string_len(SandboxWechatOrders::Description, 128))
                    .col(big_integer(SandboxWechatOrders::AmountFen))
                    .col(text(SandboxWechatOrders::NotifyUrl))
                    .col(string_len_null(SandboxWechatOrders::Openid, 64))
                    .col(string_len(SandboxWechatOrders::TradeState, 16))
                    .col(string_len_null(SandboxWechatOrders::TransactionId, 64))
                    .col(timestamp_with_time_zone_null(
                        SandboxWechatOrders::SuccessTime,
                    ))
                    .col(timestamp_with_time_zone(SandboxWechatOrders::CreatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SandboxWechatOrders::Table.into_iden(),
            Settings::Table.into_iden(),
            MemberTokens::Table.into_iden(),
            PaymentNotifications::Table.into_iden(),
            PaymentOrders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum PaymentOrders {
    Table,
    Id,
    OutTradeNo,
    CampId,
    EnrollmentId,
    AmountFen,
    TradeType,
    Status,
    MemberTokenHash,
    PayData,
    PayerOpenid,
    TransactionId,
    PaidAt,
    ExpiresAt,
    Duplicate,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PaymentNotifications {
    Table,
    Id,
    ReceivedAt,
    NotificationId,
    OutTradeNo,
    Outcome,
    Detail,
    BodySealed,
}

#[derive(DeriveIden)]
enum MemberTokens {
    Table,
    TokenHash,
    EnrollmentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SandboxWechatOrders {
    Table,
    OutTradeNo,
    TradeType,
    Description,
    AmountFen,
    NotifyUrl,
    Openid,
    TradeState,
    TransactionId,
    SuccessTime,
    CreatedAt,
}
