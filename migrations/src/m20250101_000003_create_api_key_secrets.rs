use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250101_000002_create_api_keys::ApiKeys;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A key has one current secret, plus superseded ones that keep working
        // until `expires_at` during a rotation's grace period. The primary
        // key is the token's public lookup id: verification is one seek.
        manager
            .create_table(
                Table::create()
                    .table(ApiKeySecrets::Table)
                    .if_not_exists()
                    .col(string_len(ApiKeySecrets::LookupId, 32).primary_key())
                    .col(string_len(ApiKeySecrets::ApiKeyId, 64))
                    .col(string_len(ApiKeySecrets::SecretHash, 255))
                    .col(timestamp_with_time_zone(ApiKeySecrets::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeySecrets::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_secrets_api_key")
                            .from(ApiKeySecrets::Table, ApiKeySecrets::ApiKeyId)
                            .to(ApiKeys::Table, ApiKeys::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_key_secrets_api_key_id")
                    .table(ApiKeySecrets::Table)
                    .col(ApiKeySecrets::ApiKeyId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiKeySecrets::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum ApiKeySecrets {
    Table,
    LookupId,
    ApiKeyId,
    SecretHash,
    CreatedAt,
    ExpiresAt,
}
