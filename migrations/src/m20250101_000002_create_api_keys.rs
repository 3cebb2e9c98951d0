use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250101_000001_create_organizations::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .if_not_exists()
                    .col(string_len(ApiKeys::Id, 64).primary_key())
                    .col(string_len(ApiKeys::OrganizationId, 64))
                    .col(string_len(ApiKeys::Label, 255))
                    .col(text(ApiKeys::Description))
                    // JSON arrays and objects as text: portable across SQLite
                    // and PostgreSQL, and never queried inside.
                    .col(text(ApiKeys::Scopes))
                    .col(text(ApiKeys::IpAllowList))
                    .col(text(ApiKeys::Metadata))
                    .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                    .col(string_len(ApiKeys::Environment, 16))
                    .col(string_len(ApiKeys::Kind, 16))
                    .col(string_len(ApiKeys::CreatedBy, 128))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::UpdatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .col(string_len(ApiKeys::KeyPrefix, 32))
                    .col(big_integer(ApiKeys::TotalRequests).default(0))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(string_len_null(ApiKeys::LastUsedIp, 64))
                    .col(string_len_null(ApiKeys::LastUsedUserAgent, 512))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_organization")
                            .from(ApiKeys::Table, ApiKeys::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // Listing is always "one organization, one environment, newest first":
        // this index serves it as a seek, whatever the page.
        manager
            .create_index(
                Index::create()
                    .name("idx_api_keys_org_env_id")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::OrganizationId)
                    .col(ApiKeys::Environment)
                    .col(ApiKeys::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiKeys::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum ApiKeys {
    Table,
    Id,
    OrganizationId,
    Label,
    Description,
    Scopes,
    IpAllowList,
    Metadata,
    ExpiresAt,
    Environment,
    Kind,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    RevokedAt,
    KeyPrefix,
    TotalRequests,
    LastUsedAt,
    LastUsedIp,
    LastUsedUserAgent,
    /// Added by m20250101_000005.
    ServiceAccountId,
}
