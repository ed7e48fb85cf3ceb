//! Check-ins (issue 9, PRD §7, §9.2, §13.1): the Knowledge Planet accounts we
//! have seen (`planet_accounts`), every check-in post of a camp, synced or
//! imported (`checkin_records`), the accumulated ranking read as a cross-check
//! (`planet_rankings`), and on `enrollments` the match to an account and the
//! cached count of qualifying days.
//!
//! The match lives on `enrollments`, not in a table of its own: it is one
//! value per enrollment (one-to-one), the member list filters and sorts by it,
//! and the refund review reads it beside the payment — a join would buy
//! nothing and cost every list query.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `shared::matching::MatchStatus::as_str` values (the CHECK below keeps them honest).
const MATCH_STATUSES: [&str; 6] = [
    "matched",
    "needs_confirmation",
    "pending_confirmation",
    "ambiguous",
    "manual",
    "failed",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlanetAccounts::Table)
                    // Knowledge Planet's user_id: a 64-bit integer, never through f64.
                    .col(big_integer(PlanetAccounts::UserId).primary_key())
                    .col(string_len(PlanetAccounts::Name, 200))
                    .col(string_len_null(PlanetAccounts::Alias, 200))
                    // create_time of the post (or ranking read) the name came from:
                    // an older import never overwrites a newer name.
                    .col(timestamp_with_time_zone(PlanetAccounts::SeenAt))
                    .col(timestamp_with_time_zone(PlanetAccounts::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CheckinRecords::Table)
                    .col(big_pk_auto(CheckinRecords::Id))
                    .col(big_integer(CheckinRecords::CampId))
                    .col(big_integer_null(CheckinRecords::TopicId))
                    .col(big_integer(CheckinRecords::UserId))
                    .col(string_len(CheckinRecords::Name, 200))
                    .col(timestamp_with_time_zone(CheckinRecords::CreatedAt))
                    // Minutes since the epoch: same account + same minute = same post (PRD §13.1).
                    .col(big_integer(CheckinRecords::CreatedMinute))
                    // Beijing date of created_at (shared::dates::business_date).
                    .col(date(CheckinRecords::CheckinDate))
                    .col(integer(CheckinRecords::TextLen))
                    .col(integer(CheckinRecords::ImagesCount))
                    .col(string_len(CheckinRecords::Excerpt, 200))
                    .col(
                        string_len(CheckinRecords::Source, 16)
                            .check(Expr::col(CheckinRecords::Source).is_in(["sync", "import"])),
                    )
                    .col(timestamp_with_time_zone_null(CheckinRecords::GoneAt))
                    .col(timestamp_with_time_zone(CheckinRecords::InsertedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_checkin_records_camp")
                            .from(CheckinRecords::Table, CheckinRecords::CampId)
                            .to(Camps::Table, Camps::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // NULL topic ids (imports) are distinct in a unique index on both databases.
        for (name, columns) in [
            (
                "uq_checkin_records_topic",
                vec![CheckinRecords::CampId, CheckinRecords::TopicId],
            ),
            (
                "uq_checkin_records_minute",
                vec![
                    CheckinRecords::CampId,
                    CheckinRecords::UserId,
                    CheckinRecords::CreatedMinute,
                ],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(CheckinRecords::Table).unique();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        for (name, columns) in [
            (
                "idx_checkin_records_camp_date",
                vec![CheckinRecords::CampId, CheckinRecords::CheckinDate],
            ),
            (
                "idx_checkin_records_user",
                vec![CheckinRecords::UserId, CheckinRecords::CampId],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(CheckinRecords::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PlanetRankings::Table)
                    .col(big_integer(PlanetRankings::CampId))
                    .col(big_integer(PlanetRankings::UserId))
                    .col(big_integer(PlanetRankings::CheckinedDays))
                    .col(timestamp_with_time_zone(PlanetRankings::CheckedAt))
                    .primary_key(
                        Index::create()
                            .col(PlanetRankings::CampId)
                            .col(PlanetRankings::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_planet_rankings_camp")
                            .from(PlanetRankings::Table, PlanetRankings::CampId)
                            .to(Camps::Table, Camps::Id),
                    )
                    .to_owned(),
            )
            .await?;

        // SQLite takes one column per ALTER TABLE.
        for column in [
            string_len(Enrollments::MatchStatus, 32)
                .default("failed")
                .check(Expr::col(Enrollments::MatchStatus).is_in(MATCH_STATUSES))
                .to_owned(),
            small_integer(Enrollments::MatchConfidence)
                .default(0)
                .to_owned(),
            big_integer_null(Enrollments::MatchedUserId),
            string_len_null(Enrollments::MatchedName, 200),
            // JSON array of user ids that fitted at the best tier (同名待确认).
            text(Enrollments::MatchCandidates).default("[]").to_owned(),
            boolean(Enrollments::MatchManual).default(false).to_owned(),
            timestamp_with_time_zone_null(Enrollments::MatchedAt),
            big_integer(Enrollments::CheckinDays).default(0).to_owned(),
            big_integer_null(Enrollments::RankingDays),
            timestamp_with_time_zone_null(Enrollments::RankingCheckedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Enrollments::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_enrollments_camp_match")
                    .table(Enrollments::Table)
                    .col(Enrollments::CampId)
                    .col(Enrollments::MatchStatus)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_enrollments_camp_match")
                    .table(Enrollments::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Enrollments::RankingCheckedAt,
            Enrollments::RankingDays,
            Enrollments::CheckinDays,
            Enrollments::MatchedAt,
            Enrollments::MatchManual,
            Enrollments::MatchCandidates,
            Enrollments::MatchedName,
            Enrollments::MatchedUserId,
            Enrollments::MatchConfidence,
            Enrollments::MatchStatus,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Enrollments::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            PlanetRankings::Table.into_iden(),
            CheckinRecords::Table.into_iden(),
            PlanetAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Camps {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PlanetAccounts {
    Table,
    UserId,
    Name,
    Alias,
    SeenAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CheckinRecords {
    Table,
    Id,
    CampId,
    TopicId,
    UserId,
    Name,
    CreatedAt,
    CreatedMinute,
    CheckinDate,
    TextLen,
    ImagesCount,
    Excerpt,
    Source,
    GoneAt,
    InsertedAt,
}

#[derive(DeriveIden)]
enum PlanetRankings {
    Table,
    CampId,
    UserId,
    CheckinedDays,
    CheckedAt,
}

#[derive(DeriveIden)]
enum Enrollments {
    Table,
    CampId,
    MatchStatus,
    MatchConfidence,
    MatchedUserId,
    MatchedName,
    MatchCandidates,
    MatchManual,
    MatchedAt,
    CheckinDays,
    RankingDays,
    RankingCheckedAt,
}
