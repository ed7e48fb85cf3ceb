//! What an order must remember to be settled on its own terms (issue 6 items 2,
//! 5, 8): the AppID and merchant it was created under (an admin may change the
//! settings while orders are open), the names typed on its sign-up form (the
//! enrollment keeps the names of the order that was paid), why a paid order
//! needs review instead of counting (PRD §9.1), and when WeChat Pay was last
//! asked about it (member polling is throttled per order). And for the
//! notification log (item 3): an unverified request leaves only its digest,
//! size and source address, which also throttle that address.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for column in [
            string_len_null(PaymentOrders::AppId, 32),
            string_len_null(PaymentOrders::MchId, 32),
            string_len_null(PaymentOrders::PlanetNickname, 64),
            string_len_null(PaymentOrders::WechatNickname, 64),
            text_null(PaymentOrders::ReviewReason),
            timestamp_with_time_zone_null(PaymentOrders::QueriedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PaymentOrders::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            string_len_null(PaymentNotifications::SourceAddress, 64),
            string_len_null(PaymentNotifications::BodySha256, 64),
            big_integer_null(PaymentNotifications::BodySize),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PaymentNotifications::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // The per-address throttle counts an address's recent rejections.
        manager
            .create_index(
                Index::create()
                    .name("idx_payment_notifications_source")
                    .table(PaymentNotifications::Table)
                    .col(PaymentNotifications::SourceAddress)
                    .col(PaymentNotifications::ReceivedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_payment_notifications_source")
                    .table(PaymentNotifications::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            PaymentNotifications::BodySize,
            PaymentNotifications::BodySha256,
            PaymentNotifications::SourceAddress,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PaymentNotifications::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            PaymentOrders::QueriedAt,
            PaymentOrders::ReviewReason,
            PaymentOrders::WechatNickname,
            PaymentOrders::PlanetNickname,
            PaymentOrders::MchId,
            PaymentOrders::AppId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(PaymentOrders::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum PaymentOrders {
    Table,
    AppId,
    MchId,
    PlanetNickname,
    WechatNickname,
    ReviewReason,
    QueriedAt,
}

#[derive(DeriveIden)]
enum PaymentNotifications {
    Table,
    ReceivedAt,
    SourceAddress,
    BodySha256,
    BodySize,
}
