use async_trait::async_trait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use sesame_domain::ports::{OrganizationRepository, RepositoryError};
use sesame_domain::{ApiKey, AuditEvent, NewSecret, Organization, OrganizationId};

use crate::api_key_repository::secret_row;
use crate::audit_log;
use crate::conversions::{api_key_to_row, organization_from_row, organization_to_row};
use crate::entities::{api_key, api_key_secret, organization};
use crate::error::from_db;
use crate::rows;

/// Organizations in SQLite or PostgreSQL.
#[derive(Clone)]
pub struct SeaOrmOrganizationRepository {
    db: DatabaseConnection,
}

impl SeaOrmOrganizationRepository {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl OrganizationRepository for SeaOrmOrganizationRepository {
    async fn insert_with_key(
        &self,
        org: &Organization,
        first_key: &ApiKey,
        secret: &NewSecret,
        audit: &[AuditEvent],
    ) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        organization::Entity::insert(organization_to_row(org)).exec(&txn).await.map_err(from_db)?;
        api_key::Entity::insert(api_key_to_row(first_key)).exec(&txn).await.map_err(from_db)?;
        api_key_secret::Entity::insert(secret_row(&first_key.id, secret)).exec(&txn).await.map_err(from_db)?;
        audit_log::append(&txn, audit).await?;
        txn.commit().await.map_err(from_db)
    }

    async fn get(&self, id: &OrganizationId) -> Result<Option<Organization>, RepositoryError> {
        rows::one(organization::Entity::find_by_id(id.to_string()), &self.db, organization_from_row).await
    }

    async fn update(&self, org: &Organization, audit: &AuditEvent) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        organization::Entity::update(organization_to_row(org)).exec(&txn).await.map_err(from_db)?;
        audit_log::append(&txn, std::slice::from_ref(audit)).await?;
        txn.commit().await.map_err(from_db)
    }

    async fn descendants(&self, id: &OrganizationId) -> Result<Vec<Organization>, RepositoryError> {
        // One query per generation, so both backends run it the same way;
        // `seen` ends the walk even if stored parent links formed a cycle.
        let mut seen = std::collections::HashSet::from([id.to_string()]);
        let mut generation = vec![id.to_string()];
        let mut found = Vec::new();
        while !generation.is_empty() {
            let children = organization::Entity::find()
                .filter(organization::Column::ParentId.is_in(generation))
                .all(&self.db)
                .await
                .map_err(from_db)?;
            generation = Vec::new();
            for child in children {
                if seen.insert(child.id.clone()) {
                    generation.push(child.id.clone());
                    found.push(organization_from_row(child)?);
                }
            }
        }
        Ok(found)
    }

    async fn update_all(&self, organizations: &[Organization], audit: &[AuditEvent]) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        for org in organizations {
            organization::Entity::update(organization_to_row(org)).exec(&txn).await.map_err(from_db)?;
        }
        audit_log::append(&txn, audit).await?;
        txn.commit().await.map_err(from_db)
    }

    async fn any_exists(&self) -> Result<bool, RepositoryError> {
        Ok(organization::Entity::find().count(&self.db).await.map_err(from_db)? > 0)
    }
}
