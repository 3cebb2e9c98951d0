use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250101_000001_create_organizations::Organizations;
use crate::m20250101_000002_create_api_keys::ApiKeys;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceAccounts::Table)
                    .if_not_exists()
                    .col(string_len(ServiceAccounts::Id, 64).primary_key())
                    .col(string_len(ServiceAccounts::OrganizationId, 64))
                    .col(string_len(ServiceAccounts::Name, 255))
                    .col(text(ServiceAccounts::Description))
                    .col(string_len(ServiceAccounts::CreatedBy, 128))
                    .col(timestamp_with_time_zone(ServiceAccounts::CreatedAt))
                    .col(timestamp_with_time_zone_null(ServiceAccounts::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_accounts_organization")
                            .from(ServiceAccounts::Table, ServiceAccounts::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_service_accounts_org_id")
                    .table(ServiceAccounts::Table)
                    .col(ServiceAccounts::OrganizationId)
                    .col(ServiceAccounts::Id)
                    .to_owned(),
            )
            .await?;
        // SQLite cannot add a foreign key to an existing table, so the column
        // is plain on both backends; the application only ever sets it to a
        // service account of the key's own organization.
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .add_column(string_len_null(ApiKeys::ServiceAccountId, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_keys_service_account")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::ServiceAccountId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_api_keys_service_account").table(ApiKeys::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(ApiKeys::Table).drop_column(ApiKeys::ServiceAccountId).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(ServiceAccounts::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum ServiceAccounts {
    Table,
    Id,
    OrganizationId,
    Name,
    Description,
    CreatedBy,
    CreatedAt,
    DeletedAt,
}
