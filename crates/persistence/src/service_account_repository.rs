use async_trait::async_trait;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use sesame_domain::ports::{RepositoryError, ServiceAccountRepository};
use sesame_domain::{ApiKey, AuditEvent, Cursor, OrganizationId, PageLimit, ServiceAccount, ServiceAccountId};

use crate::audit_log;
use crate::conversions::{api_key_from_row, service_account_from_row, service_account_to_row};
use crate::entities::{api_key, service_account};
use crate::error::from_db;
use crate::rows;

/// Service accounts in SQLite or PostgreSQL.
#[derive(Clone)]
pub struct SeaOrmServiceAccountRepository {
    db: DatabaseConnection,
}

impl SeaOrmServiceAccountRepository {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ServiceAccountRepository for SeaOrmServiceAccountRepository {
    async fn insert(&self, account: &ServiceAccount, audit: &AuditEvent) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        service_account::Entity::insert(service_account_to_row(account)).exec(&txn).await.map_err(from_db)?;
        audit_log::append(&txn, std::slice::from_ref(audit)).await?;
        txn.commit().await.map_err(from_db)
    }

    async fn get(
        &self,
        organization_id: &OrganizationId,
        id: &ServiceAccountId,
    ) -> Result<Option<ServiceAccount>, RepositoryError> {
        let select = service_account::Entity::find_by_id(id.to_string())
            .filter(service_account::Column::OrganizationId.eq(organization_id.to_string()));
        rows::one(select, &self.db, service_account_from_row).await
    }

    async fn active_keys(
        &self,
        organization_id: &OrganizationId,
        id: &ServiceAccountId,
    ) -> Result<Vec<ApiKey>, RepositoryError> {
        let select = api_key::Entity::find()
            .filter(api_key::Column::OrganizationId.eq(organization_id.to_string()))
            .filter(api_key::Column::ServiceAccountId.eq(id.to_string()))
            .filter(api_key::Column::RevokedAt.is_null())
            .order_by_asc(api_key::Column::Id);
        rows::all(select, &self.db, api_key_from_row).await
    }

    async fn update_limits(&self, account: &ServiceAccount, audit: &AuditEvent) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        let row = service_account_to_row(account);
        let mut changed = service_account::ActiveModel {
            id: Set(account.id.to_string()),
            rate_limits: row.rate_limits,
            credits_refill_amount: row.credits_refill_amount,
            credits_refill_interval: row.credits_refill_interval,
            credits_refill_day: row.credits_refill_day,
            ..Default::default()
        };
        // The balance is the ledger's (`CreditLedger::change` sets it); only
        // removing the credits clears it here.
        if account.limits.credits.is_none() {
            changed.credits_remaining = Set(None);
            changed.credits_refilled_at = Set(None);
        }
        service_account::Entity::update(changed).exec(&txn).await.map_err(from_db)?;
        audit_log::append(&txn, std::slice::from_ref(audit)).await?;
        txn.commit().await.map_err(from_db)
    }

    async fn delete(
        &self,
        account: &ServiceAccount,
        revoked_keys: &[ApiKey],
        audit: &[AuditEvent],
    ) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        let mut row = service_account_to_row(account);
        // The balance is the ledger's: a copy read before would undo spends.
        row.credits_remaining = sea_orm::ActiveValue::NotSet;
        row.credits_refilled_at = sea_orm::ActiveValue::NotSet;
        service_account::Entity::update(row).exec(&txn).await.map_err(from_db)?;
        for key in revoked_keys {
            let row = api_key::ActiveModel {
                id: Set(key.id.to_string()),
                revoked_at: Set(key.revoked_at),
                updated_at: Set(key.updated_at),
                ..Default::default()
            };
            api_key::Entity::update(row).exec(&txn).await.map_err(from_db)?;
        }
        audit_log::append(&txn, audit).await?;
        txn.commit().await.map_err(from_db)
    }

    async fn list(
        &self,
        organization_id: &OrganizationId,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Vec<ServiceAccount>, RepositoryError> {
        let select = service_account::Entity::find()
            .filter(service_account::Column::OrganizationId.eq(organization_id.to_string()))
            .filter(service_account::Column::DeletedAt.is_null());
        let after = after.map(|cursor| ServiceAccountId::from_uuid(cursor.uuid()).to_string());
        let limit = u64::from(limit.get());
        rows::page(select, service_account::Column::Id, after, limit, &self.db, service_account_from_row).await
    }
}
