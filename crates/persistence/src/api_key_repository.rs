use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, CaseStatement, Expr, Func, Query, SimpleExpr};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, Iterable, QueryFilter,
    TransactionTrait,
};
use sesame_domain::ports::{ApiKeyQuery, ApiKeyRepository, RepositoryError, StatusFilter};
use sesame_domain::{
    ApiKey, ApiKeyId, AuditEvent, Credential, LookupId, NewSecret, OrganizationId, OrganizationStatus, SecretHash,
    UsageRecord,
};

use crate::audit_log;
use crate::conversions::{api_key_from_row, api_key_to_row};
use crate::entities::{api_key, api_key_secret, organization, service_account};
use crate::error::from_db;
use crate::rows;
use crate::usage_limit_columns::{limits_from, LimitColumns};

/// Keys per usage UPDATE: four CASE arms and an IN entry each stay far
/// below SQLite's and PostgreSQL's bound-parameter limits.
const USAGE_KEYS_PER_STATEMENT: usize = 500;

/// Aliases of the joined columns that `find_credential` reads beside the key's.
const SECRET_HASH: &str = "secret_hash";
const SECRET_EXPIRES_AT: &str = "secret_expires_at";
const ORGANIZATION_DEACTIVATED_AT: &str = "organization_deactivated_at";
/// The key's service account's limit columns, under these aliases.
const ACCOUNT_LIMIT_COLUMNS: [(service_account::Column, &str); 5] = [
    (service_account::Column::RateLimits, "account_rate_limits"),
    (service_account::Column::CreditsRemaining, "account_credits_remaining"),
    (service_account::Column::CreditsRefillAmount, "account_credits_refill_amount"),
    (service_account::Column::CreditsRefillInterval, "account_credits_refill_interval"),
    (service_account::Column::CreditsRefillDay, "account_credits_refill_day"),
];

/// API keys and their secrets in SQLite or PostgreSQL.
#[derive(Clone)]
pub struct SeaOrmApiKeyRepository {
    db: DatabaseConnection,
}

impl SeaOrmApiKeyRepository {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Runs a conditional `update` and, only when it changed a row, appends
    /// `audit` in the same transaction: a change that lost a race writes no
    /// event. Whether a row changed.
    async fn changed_then_audited(
        &self,
        update: sea_orm::UpdateMany<api_key::Entity>,
        audit: &AuditEvent,
    ) -> Result<bool, RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        let changed = update.exec(&txn).await.map_err(from_db)?.rows_affected;
        if changed == 0 {
            txn.rollback().await.map_err(from_db)?;
            return Ok(false);
        }
        audit_log::append(&txn, std::slice::from_ref(audit)).await?;
        txn.commit().await.map_err(from_db)?;
        Ok(true)
    }

    /// The credential of the secret row `condition` picks. One round trip,
    /// primary-key seeks only: an unknown lookup id costs what a known one
    /// costs, and neither grows with the number of keys.
    async fn credential_where(&self, condition: SimpleExpr) -> Result<Option<Credential>, RepositoryError> {
        let mut query = Query::select();
        query
            .columns(api_key::Column::iter().map(|c| (api_key::Entity, c)))
            .expr_as(Expr::col((api_key_secret::Entity, api_key_secret::Column::SecretHash)), Alias::new(SECRET_HASH))
            .expr_as(
                Expr::col((api_key_secret::Entity, api_key_secret::Column::ExpiresAt)),
                Alias::new(SECRET_EXPIRES_AT),
            )
            .expr_as(
                Expr::col((organization::Entity, organization::Column::DeactivatedAt)),
                Alias::new(ORGANIZATION_DEACTIVATED_AT),
            )
            .from(api_key_secret::Entity)
            .inner_join(
                api_key::Entity,
                Expr::col((api_key::Entity, api_key::Column::Id))
                    .equals((api_key_secret::Entity, api_key_secret::Column::ApiKeyId)),
            )
            .inner_join(
                organization::Entity,
                Expr::col((organization::Entity, organization::Column::Id))
                    .equals((api_key::Entity, api_key::Column::OrganizationId)),
            )
            .left_join(
                service_account::Entity,
                Expr::col((service_account::Entity, service_account::Column::Id))
                    .equals((api_key::Entity, api_key::Column::ServiceAccountId)),
            )
            .cond_where(condition);
        for (column, alias) in ACCOUNT_LIMIT_COLUMNS {
            query.expr_as(Expr::col((service_account::Entity, column)), Alias::new(alias));
        }
        let statement = self.db.get_database_backend().build(&query);
        let Some(row) = self.db.query_one(statement).await.map_err(from_db)? else {
            return Ok(None);
        };
        let key = api_key::Model::from_query_result(&row, "").map_err(from_db)?;
        let secret_hash: String = row.try_get("", SECRET_HASH).map_err(from_db)?;
        let secret_expires_at: Option<DateTime<Utc>> = row.try_get("", SECRET_EXPIRES_AT).map_err(from_db)?;
        let deactivated_at: Option<DateTime<Utc>> = row.try_get("", ORGANIZATION_DEACTIVATED_AT).map_err(from_db)?;
        let [rate_limits, remaining, amount, interval, day] = ACCOUNT_LIMIT_COLUMNS.map(|(_, alias)| alias);
        let account_rate_limits: Option<String> = row.try_get("", rate_limits).map_err(from_db)?;
        let account_limits = match account_rate_limits {
            None => sesame_domain::UsageLimits::default(),
            Some(rate_limits) => limits_from(
                "service_accounts",
                LimitColumns {
                    rate_limits,
                    credits_remaining: row.try_get("", remaining).map_err(from_db)?,
                    credits_refill_amount: row.try_get("", amount).map_err(from_db)?,
                    credits_refill_interval: row.try_get("", interval).map_err(from_db)?,
                    credits_refill_day: row.try_get("", day).map_err(from_db)?,
                },
            )?,
        };
        Ok(Some(Credential {
            key: api_key_from_row(key)?,
            secret_hash: SecretHash::new(secret_hash),
            secret_expires_at,
            organization_status: if deactivated_at.is_some() {
                OrganizationStatus::Deactivated
            } else {
                OrganizationStatus::Active
            },
            account_limits,
        }))
    }
}

pub(crate) fn secret_row(key_id: &ApiKeyId, secret: &NewSecret) -> api_key_secret::ActiveModel {
    api_key_secret::ActiveModel {
        lookup_id: Set(secret.lookup.to_hex()),
        api_key_id: Set(key_id.to_string()),
        secret_hash: Set(secret.hash.as_str().to_owned()),
        created_at: Set(secret.created_at),
        expires_at: Set(None),
    }
}

fn status_condition(status: StatusFilter, now: DateTime<Utc>) -> Condition {
    use api_key::Column;
    match status {
        StatusFilter::Revoked => Condition::all().add(Column::RevokedAt.is_not_null()),
        StatusFilter::Expired => Condition::all().add(Column::RevokedAt.is_null()).add(Column::ExpiresAt.lte(now)),
        StatusFilter::Active => Condition::all()
            .add(Column::RevokedAt.is_null())
            .add(Condition::any().add(Column::ExpiresAt.is_null()).add(Column::ExpiresAt.gt(now))),
    }
}

#[async_trait]
impl ApiKeyRepository for SeaOrmApiKeyRepository {
    async fn insert(&self, key: &ApiKey, secret: &NewSecret, audit: &AuditEvent) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        api_key::Entity::insert(api_key_to_row(key)).exec(&txn).await.map_err(from_db)?;
        api_key_secret::Entity::insert(secret_row(&key.id, secret)).exec(&txn).await.map_err(from_db)?;
        audit_log::append(&txn, std::slice::from_ref(audit)).await?;
        txn.commit().await.map_err(from_db)
    }

    async fn find_credential(&self, lookup: &LookupId) -> Result<Option<Credential>, RepositoryError> {
        self.credential_where(api_key_secret::Column::LookupId.eq(lookup.to_hex())).await
    }

    async fn find_credential_at_any(&self, lookups: &[LookupId]) -> Result<Option<Credential>, RepositoryError> {
        self.credential_where(api_key_secret::Column::LookupId.is_in(lookups.iter().map(LookupId::to_hex))).await
    }

    async fn insert_imported(&self, batch: &[(ApiKey, NewSecret, AuditEvent)]) -> Result<Vec<bool>, RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        let mut stored = Vec::with_capacity(batch.len());
        for (key, secret, audit) in batch {
            // A savepoint per key: a taken lookup id undoes that key alone.
            let item = txn.begin().await.map_err(from_db)?;
            let outcome = async {
                api_key::Entity::insert(api_key_to_row(key)).exec(&item).await.map_err(from_db)?;
                api_key_secret::Entity::insert(secret_row(&key.id, secret)).exec(&item).await.map_err(from_db)?;
                audit_log::append(&item, std::slice::from_ref(audit)).await
            }
            .await;
            match outcome {
                Ok(()) => {
                    item.commit().await.map_err(from_db)?;
                    stored.push(true);
                }
                Err(RepositoryError::Conflict(_)) => {
                    item.rollback().await.map_err(from_db)?;
                    stored.push(false);
                }
                Err(other) => return Err(other),
            }
        }
        txn.commit().await.map_err(from_db)?;
        Ok(stored)
    }

    async fn get(&self, organization_id: &OrganizationId, id: &ApiKeyId) -> Result<Option<ApiKey>, RepositoryError> {
        let select = api_key::Entity::find_by_id(id.to_string())
            .filter(api_key::Column::OrganizationId.eq(organization_id.to_string()));
        rows::one(select, &self.db, api_key_from_row).await
    }

    async fn list(&self, query: &ApiKeyQuery) -> Result<Vec<ApiKey>, RepositoryError> {
        let mut select = api_key::Entity::find()
            .filter(api_key::Column::OrganizationId.eq(query.organization_id.to_string()))
            .filter(api_key::Column::Environment.eq(query.environment.as_str()));
        if let Some(status) = query.status {
            select = select.filter(status_condition(status, query.now));
        }
        if let Some(account) = &query.service_account_id {
            select = select.filter(api_key::Column::ServiceAccountId.eq(account.to_string()));
        }
        let after = query.after.as_ref().map(|cursor| ApiKeyId::from_uuid(cursor.uuid()).to_string());
        rows::page(select, api_key::Column::Id, after, u64::from(query.limit.get()), &self.db, api_key_from_row).await
    }

    async fn update(&self, key: &ApiKey, audit: &AuditEvent) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        let mut row = api_key_to_row(key);
        // Usage counters are owned by `record_usage`; never overwrite them
        // with a possibly stale copy.
        row.total_requests = sea_orm::ActiveValue::NotSet;
        row.last_used_at = sea_orm::ActiveValue::NotSet;
        row.last_used_ip = sea_orm::ActiveValue::NotSet;
        row.last_used_user_agent = sea_orm::ActiveValue::NotSet;
        // A leak is recorded by `mark_leaked` alone: an update racing a
        // report must not clear it.
        row.leaked_at = sea_orm::ActiveValue::NotSet;
        // So is the credit balance, by the ledger (`CreditLedger::change`
        // sets it); only removing the credits clears it here.
        if key.limits.credits.is_some() {
            row.credits_remaining = sea_orm::ActiveValue::NotSet;
            row.credits_refilled_at = sea_orm::ActiveValue::NotSet;
        }
        api_key::Entity::update(row).exec(&txn).await.map_err(from_db)?;
        audit_log::append(&txn, std::slice::from_ref(audit)).await?;
        txn.commit().await.map_err(from_db)
    }

    async fn revoke(&self, key: &ApiKey, audit: &AuditEvent) -> Result<bool, RepositoryError> {
        // Conditional: a concurrent revocation that committed first leaves no
        // row to change, and then no event to write.
        let update = api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, Expr::value(key.revoked_at))
            .col_expr(api_key::Column::UpdatedAt, Expr::value(key.updated_at))
            .filter(api_key::Column::Id.eq(key.id.to_string()))
            .filter(api_key::Column::RevokedAt.is_null());
        self.changed_then_audited(update, audit).await
    }

    async fn mark_leaked(&self, key: &ApiKey, audit: &AuditEvent) -> Result<bool, RepositoryError> {
        // Conditional on `leaked_at`: a replayed or concurrent report finds
        // no row to change and writes no second event. A revocation that
        // came first keeps its time.
        let revoked_at: SimpleExpr =
            Func::coalesce([Expr::col(api_key::Column::RevokedAt).into(), Expr::value(key.revoked_at)]).into();
        let update = api_key::Entity::update_many()
            .col_expr(api_key::Column::LeakedAt, Expr::value(key.leaked_at))
            .col_expr(api_key::Column::RevokedAt, revoked_at)
            .col_expr(api_key::Column::UpdatedAt, Expr::value(key.updated_at))
            .filter(api_key::Column::Id.eq(key.id.to_string()))
            .filter(api_key::Column::LeakedAt.is_null());
        self.changed_then_audited(update, audit).await
    }

    async fn rotate(
        &self,
        key: &ApiKey,
        secret: &NewSecret,
        old_secrets_expire_at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<(), RepositoryError> {
        let txn = self.db.begin().await.map_err(from_db)?;
        let key_id = key.id.to_string();
        // Only shorten lives: a secret already due to stop sooner keeps its date.
        api_key_secret::Entity::update_many()
            .col_expr(api_key_secret::Column::ExpiresAt, Expr::value(old_secrets_expire_at))
            .filter(api_key_secret::Column::ApiKeyId.eq(key_id.clone()))
            .filter(
                Condition::any()
                    .add(api_key_secret::Column::ExpiresAt.is_null())
                    .add(api_key_secret::Column::ExpiresAt.gt(old_secrets_expire_at)),
            )
            .exec(&txn)
            .await
            .map_err(from_db)?;
        api_key_secret::Entity::insert(secret_row(&key.id, secret)).exec(&txn).await.map_err(from_db)?;
        api_key::Entity::update_many()
            .col_expr(api_key::Column::KeyPrefix, Expr::value(key.key_prefix.clone()))
            .col_expr(api_key::Column::UpdatedAt, Expr::value(key.updated_at))
            .filter(api_key::Column::Id.eq(key_id))
            .exec(&txn)
            .await
            .map_err(from_db)?;
        audit_log::append(&txn, std::slice::from_ref(audit)).await?;
        txn.commit().await.map_err(from_db)
    }

    async fn replace_hash(
        &self,
        lookup: &LookupId,
        old: &SecretHash,
        new_lookup: &LookupId,
        new: &SecretHash,
    ) -> Result<bool, RepositoryError> {
        // One conditional UPDATE: of concurrent replacements of one hash,
        // exactly one finds `old` still stored.
        let changed = api_key_secret::Entity::update_many()
            .col_expr(api_key_secret::Column::SecretHash, Expr::value(new.as_str()))
            .col_expr(api_key_secret::Column::LookupId, Expr::value(new_lookup.to_hex()))
            .filter(api_key_secret::Column::LookupId.eq(lookup.to_hex()))
            .filter(api_key_secret::Column::SecretHash.eq(old.as_str()))
            .exec(&self.db)
            .await
            .map_err(from_db)?
            .rows_affected;
        Ok(changed == 1)
    }

    async fn record_usage(&self, batch: &[UsageRecord]) -> Result<(), RepositoryError> {
        if batch.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin().await.map_err(from_db)?;
        // One UPDATE per chunk of keys: each column is a CASE over the ids.
        for chunk in batch.chunks(USAGE_KEYS_PER_STATEMENT) {
            let mut added = CaseStatement::new();
            let mut last_at = CaseStatement::new();
            let mut last_ip = CaseStatement::new();
            let mut last_ua = CaseStatement::new();
            for record in chunk {
                let is_key = || api_key::Column::Id.eq(record.key_id.to_string());
                // Flushes of several instances land in any order: the last use
                // (and its IP and user agent) only ever moves forward. Every
                // SET expression sees the row as it was, so the three agree.
                let is_newer = || {
                    is_key().and(
                        api_key::Column::LastUsedAt.is_null().or(api_key::Column::LastUsedAt.lt(record.last_used_at)),
                    )
                };
                added = added.case(is_key(), Expr::val(i64::try_from(record.requests).unwrap_or(i64::MAX)));
                last_at = last_at.case(is_newer(), Expr::val(record.last_used_at));
                last_ip = last_ip.case(is_newer(), Expr::val(record.last_used_ip.map(|ip| ip.to_string())));
                last_ua = last_ua.case(is_newer(), Expr::val(record.last_used_user_agent.clone()));
            }
            let added: SimpleExpr = added.finally(Expr::val(0i64)).into();
            let ids: Vec<String> = chunk.iter().map(|r| r.key_id.to_string()).collect();
            api_key::Entity::update_many()
                .col_expr(api_key::Column::TotalRequests, Expr::col(api_key::Column::TotalRequests).add(added))
                .col_expr(api_key::Column::LastUsedAt, last_at.finally(Expr::col(api_key::Column::LastUsedAt)).into())
                .col_expr(api_key::Column::LastUsedIp, last_ip.finally(Expr::col(api_key::Column::LastUsedIp)).into())
                .col_expr(
                    api_key::Column::LastUsedUserAgent,
                    last_ua.finally(Expr::col(api_key::Column::LastUsedUserAgent)).into(),
                )
                .filter(api_key::Column::Id.is_in(ids))
                .exec(&txn)
                .await
                .map_err(from_db)?;
        }
        txn.commit().await.map_err(from_db)
    }
}
