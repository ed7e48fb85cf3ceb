//! Sign-in lock-out per account *and* client address (issue 6 item 12): one
//! attacker failing sign-ins locks only their own address out of that account,
//! never the account for everyone (the super admin included). A row per
//! (user, address); an empty address is the address-less case, which is slowed
//! down instead of locked.

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
                    .table(LoginThrottles::Table)
                    .if_not_exists()
                    .col(big_integer(LoginThrottles::UserId))
                    .col(string_len(LoginThrottles::Address, 64))
                    .col(integer(LoginThrottles::Failures))
                    .col(timestamp_with_time_zone_null(LoginThrottles::LockedUntil))
                    .col(timestamp_with_time_zone(LoginThrottles::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(LoginThrottles::UserId)
                            .col(LoginThrottles::Address),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_login_throttles_user")
                            .from(LoginThrottles::Table, LoginThrottles::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginThrottles::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LoginThrottles {
    Table,
    UserId,
    Address,
    Failures,
    LockedUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
