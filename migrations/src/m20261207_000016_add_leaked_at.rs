//! When a secret-scanning partner first reported one of a key's tokens as
//! published: null for most keys, set once (docs/decisions/0010).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250101_000002_create_api_keys::ApiKeys;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Leak {
    LeakedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .add_column(timestamp_with_time_zone_null(Leak::LeakedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(ApiKeys::Table).drop_column(Leak::LeakedAt).to_owned()).await
    }
}
