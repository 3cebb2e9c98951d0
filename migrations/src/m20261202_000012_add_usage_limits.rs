//! Rate limits and credits on keys and on service accounts. The limits are a
//! JSON list (read with every credential, never queried); the credit balance
//! is a plain integer so that one conditional UPDATE can spend it exactly.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250101_000002_create_api_keys::ApiKeys;
use crate::m20250101_000005_create_service_accounts::ServiceAccounts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UsageLimits {
    RateLimits,
    CreditsRemaining,
    CreditsRefillAmount,
    CreditsRefillInterval,
    CreditsRefillDay,
    /// Unix seconds of the last refill boundary applied.
    CreditsRefilledAt,
}

fn columns() -> Vec<ColumnDef> {
    vec![
        text(UsageLimits::RateLimits).default("[]").to_owned(),
        big_integer_null(UsageLimits::CreditsRemaining),
        big_integer_null(UsageLimits::CreditsRefillAmount),
        string_len_null(UsageLimits::CreditsRefillInterval, 16),
        integer_null(UsageLimits::CreditsRefillDay),
        big_integer_null(UsageLimits::CreditsRefilledAt),
    ]
}

const DROPPED: [UsageLimits; 6] = [
    UsageLimits::RateLimits,
    UsageLimits::CreditsRemaining,
    UsageLimits::CreditsRefillAmount,
    UsageLimits::CreditsRefillInterval,
    UsageLimits::CreditsRefillDay,
    UsageLimits::CreditsRefilledAt,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for table in [ApiKeys::Table.into_iden(), ServiceAccounts::Table.into_iden()] {
            for mut column in columns() {
                manager.alter_table(Table::alter().table(table.clone()).add_column(&mut column).to_owned()).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [ApiKeys::Table.into_iden(), ServiceAccounts::Table.into_iden()] {
            for column in DROPPED {
                manager.alter_table(Table::alter().table(table.clone()).drop_column(column).to_owned()).await?;
            }
        }
        Ok(())
    }
}
