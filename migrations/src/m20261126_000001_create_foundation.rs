//! Staff accounts, uploaded images, camps with their staff, the enrollment
//! table the camp list counts, and the audit log.

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
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string_len_uniq(Users::Username, 32))
                    .col(string(Users::PasswordHash))
                    .col(string_len(Users::Role, 16))
                    .col(boolean(Users::Enabled))
                    // Bumped on disable, password reset and delete: older session tokens stop working.
                    .col(integer(Users::TokenVersion).default(0))
                    .col(integer(Users::FailedLogins).default(0))
                    .col(timestamp_with_time_zone_null(Users::LockedUntil))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Uploads::Table)
                    .col(big_pk_auto(Uploads::Id))
                    .col(string_len(Uploads::Kind, 16))
                    .col(string_len(Uploads::ContentType, 32))
                    .col(big_integer(Uploads::Size))
                    .col(integer(Uploads::Width))
                    .col(integer(Uploads::Height))
                    // Stored in the database so several instances need no shared disk.
                    .col(blob(Uploads::Data))
                    .col(big_integer_null(Uploads::UploadedBy))
                    .col(timestamp_with_time_zone(Uploads::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Camps::Table)
                    .col(big_pk_auto(Camps::Id))
                    .col(string_len(Camps::Name, 200))
                    .col(big_integer(Camps::PosterUploadId))
                    .col(big_integer(Camps::GroupQrUploadId))
                    .col(big_integer(Camps::DepositFen))
                    .col(date(Camps::StartDate))
                    .col(date(Camps::EndDate))
                    .col(integer(Camps::TotalDays))
                    .col(integer(Camps::RequiredDays))
                    .col(text(Camps::IntroHtml))
                    .col(string_len(Camps::PlanetProjectId, 64))
                    .col(string_len(Camps::WecomPayeeId, 64))
                    .col(big_integer_null(Camps::CreatedBy))
                    .col(timestamp_with_time_zone(Camps::CreatedAt))
                    .col(timestamp_with_time_zone(Camps::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_camps_poster")
                            .from(Camps::Table, Camps::PosterUploadId)
                            .to(Uploads::Table, Uploads::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_camps_group_qr")
                            .from(Camps::Table, Camps::GroupQrUploadId)
                            .to(Uploads::Table, Uploads::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_camps_dates")
                    .table(Camps::Table)
                    .col(Camps::StartDate)
                    .col(Camps::EndDate)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CampStaff::Table)
                    .col(big_integer(CampStaff::CampId))
                    .col(big_integer(CampStaff::UserId))
                    .col(string_len(CampStaff::Role, 16))
                    .primary_key(
                        Index::create()
                            .col(CampStaff::CampId)
                            .col(CampStaff::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_camp_staff_camp")
                            .from(CampStaff::Table, CampStaff::CampId)
                            .to(Camps::Table, Camps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_camp_staff_user")
                            .from(CampStaff::Table, CampStaff::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_camp_staff_user")
                    .table(CampStaff::Table)
                    .col(CampStaff::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Enrollments::Table)
                    .col(big_pk_auto(Enrollments::Id))
                    .col(big_integer(Enrollments::CampId))
                    .col(string_len(Enrollments::PlanetId, 64))
                    .col(string_len(Enrollments::PlanetNickname, 64))
                    .col(string_len(Enrollments::WechatNickname, 64))
                    .col(string_len(Enrollments::Status, 32))
                    .col(big_integer(Enrollments::AmountFen).default(0))
                    .col(big_integer_null(Enrollments::PaidOrderId))
                    .col(timestamp_with_time_zone_null(Enrollments::PaidAt))
                    .col(boolean(Enrollments::JoinedGroup).default(false))
                    .col(timestamp_with_time_zone_null(Enrollments::JoinedGroupAt))
                    .col(timestamp_with_time_zone(Enrollments::CreatedAt))
                    .col(timestamp_with_time_zone(Enrollments::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_enrollments_camp")
                            .from(Enrollments::Table, Enrollments::CampId)
                            .to(Camps::Table, Camps::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_enrollments_camp_planet")
                    .table(Enrollments::Table)
                    .col(Enrollments::CampId)
                    .col(Enrollments::PlanetId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLogs::Table)
                    .col(big_pk_auto(AuditLogs::Id))
                    .col(timestamp_with_time_zone(AuditLogs::CreatedAt))
                    .col(big_integer_null(AuditLogs::ActorId))
                    .col(string_len(AuditLogs::ActorName, 64))
                    .col(string_len(AuditLogs::Action, 64))
                    .col(string_len(AuditLogs::TargetType, 32))
                    .col(big_integer_null(AuditLogs::TargetId))
                    .col(string_len(AuditLogs::TargetLabel, 200))
                    .col(text(AuditLogs::Details))
                    .col(string_len(AuditLogs::Ip, 64))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_audit_logs_created_at", AuditLogs::CreatedAt),
            ("idx_audit_logs_actor", AuditLogs::ActorId),
            ("idx_audit_logs_action", AuditLogs::Action),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditLogs::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLogs::Table.into_iden(),
            Enrollments::Table.into_iden(),
            CampStaff::Table.into_iden(),
            Camps::Table.into_iden(),
            Uploads::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    Enabled,
    TokenVersion,
    FailedLogins,
    LockedUntil,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Uploads {
    Table,
    Id,
    Kind,
    ContentType,
    Size,
    Width,
    Height,
    Data,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Camps {
    Table,
    Id,
    Name,
    PosterUploadId,
    GroupQrUploadId,
    DepositFen,
    StartDate,
    EndDate,
    TotalDays,
    RequiredDays,
    IntroHtml,
    PlanetProjectId,
    WecomPayeeId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CampStaff {
    Table,
    CampId,
    UserId,
    Role,
}

#[derive(DeriveIden)]
enum Enrollments {
    Table,
    Id,
    CampId,
    PlanetId,
    PlanetNickname,
    WechatNickname,
    Status,
    AmountFen,
    PaidOrderId,
    PaidAt,
    JoinedGroup,
    JoinedGroupAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditLogs {
    Table,
    Id,
    CreatedAt,
    ActorId,
    ActorName,
    Action,
    TargetType,
    TargetId,
    TargetLabel,
    Details,
    Ip,
}
