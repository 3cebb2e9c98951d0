//! Rows ⇄ domain values. Stored values are parsed with the same rules as
//! input, so a corrupt row surfaces as an error instead of a wrong answer.

use sea_orm::ActiveValue::Set;
use sesame_domain::ports::RepositoryError;
use sesame_domain::{
    ApiKey, AuditAction, AuditEvent, ExpiresAt, IpAllowList, KeyDescription, KeyLabel, Metadata, Organization,
    OrganizationName, ScopeSet, ServiceAccount, ServiceAccountName, UsageMetrics,
};

use crate::entities::{api_key, audit_event, organization, service_account};
use crate::error::corrupt;
use crate::usage_limit_columns::{limits_from, limits_to, LimitColumns};

fn json_strings(table: &'static str, column: &'static str, raw: &str) -> Result<Vec<String>, RepositoryError> {
    serde_json::from_str(raw).map_err(|_| corrupt(table, column))
}

pub(crate) fn api_key_from_row(row: api_key::Model) -> Result<ApiKey, RepositoryError> {
    const T: &str = "api_keys";
    let scopes = ScopeSet::parse(json_strings(T, "scopes", &row.scopes)?).map_err(|_| corrupt(T, "scopes"))?;
    let ip_allow_list = IpAllowList::parse(json_strings(T, "ip_allow_list", &row.ip_allow_list)?)
        .map_err(|_| corrupt(T, "ip_allow_list"))?;
    let limits = limits_from(
        T,
        LimitColumns {
            rate_limits: row.rate_limits,
            credits_remaining: row.credits_remaining,
            credits_refill_amount: row.credits_refill_amount,
            credits_refill_interval: row.credits_refill_interval,
            credits_refill_day: row.credits_refill_day,
        },
    )?;
    let metadata = serde_json::from_str(&row.metadata)
        .ok()
        .and_then(|v| Metadata::parse(v).ok())
        .ok_or_else(|| corrupt(T, "metadata"))?;
    Ok(ApiKey {
        id: row.id.parse().map_err(|_| corrupt(T, "id"))?,
        organization_id: row.organization_id.parse().map_err(|_| corrupt(T, "organization_id"))?,
        label: KeyLabel::parse(&row.label).map_err(|_| corrupt(T, "label"))?,
        description: KeyDescription::parse(&row.description).map_err(|_| corrupt(T, "description"))?,
        scopes,
        ip_allow_list,
        expires_at: row.expires_at.map(ExpiresAt::from_stored),
        environment: row.environment.parse().map_err(|_| corrupt(T, "environment"))?,
        kind: row.kind.parse().map_err(|_| corrupt(T, "kind"))?,
        metadata,
        service_account_id: row
            .service_account_id
            .map(|id| id.parse())
            .transpose()
            .map_err(|_| corrupt(T, "service_account_id"))?,
        created_by: row.created_by.parse().map_err(|_| corrupt(T, "created_by"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
        revoked_at: row.revoked_at,
        leaked_at: row.leaked_at,
        key_prefix: row.key_prefix,
        usage: UsageMetrics {
            total_requests: u64::try_from(row.total_requests).map_err(|_| corrupt(T, "total_requests"))?,
            last_used_at: row.last_used_at,
            last_used_ip: row.last_used_ip,
            last_used_user_agent: row.last_used_user_agent,
        },
        limits,
    })
}

/// Every column; usage counters start from the key's own values, a credit
/// balance's refill period from its creation.
pub(crate) fn api_key_to_row(key: &ApiKey) -> api_key::ActiveModel {
    let (limits, refilled_at) = limits_to(&key.limits, key.created_at);
    api_key::ActiveModel {
        id: Set(key.id.to_string()),
        organization_id: Set(key.organization_id.to_string()),
        label: Set(key.label.as_str().to_owned()),
        description: Set(key.description.as_str().to_owned()),
        scopes: Set(serde_json::json!(key.scopes.names()).to_string()),
        ip_allow_list: Set(serde_json::json!(key.ip_allow_list.entries()).to_string()),
        metadata: Set(key.metadata.to_value().to_string()),
        expires_at: Set(key.expires_at.map(|e| e.at())),
        environment: Set(key.environment.as_str().to_owned()),
        kind: Set(key.kind.as_str().to_owned()),
        created_by: Set(key.created_by.to_string()),
        created_at: Set(key.created_at),
        updated_at: Set(key.updated_at),
        revoked_at: Set(key.revoked_at),
        key_prefix: Set(key.key_prefix.clone()),
        total_requests: Set(i64::try_from(key.usage.total_requests).unwrap_or(i64::MAX)),
        last_used_at: Set(key.usage.last_used_at),
        last_used_ip: Set(key.usage.last_used_ip.clone()),
        last_used_user_agent: Set(key.usage.last_used_user_agent.clone()),
        service_account_id: Set(key.service_account_id.map(|id| id.to_string())),
        rate_limits: Set(limits.rate_limits),
        credits_remaining: Set(limits.credits_remaining),
        credits_refill_amount: Set(limits.credits_refill_amount),
        credits_refill_interval: Set(limits.credits_refill_interval),
        credits_refill_day: Set(limits.credits_refill_day),
        credits_refilled_at: Set(refilled_at),
        leaked_at: Set(key.leaked_at),
    }
}

pub(crate) fn organization_from_row(row: organization::Model) -> Result<Organization, RepositoryError> {
    const T: &str = "organizations";
    Ok(Organization {
        id: row.id.parse().map_err(|_| corrupt(T, "id"))?,
        name: OrganizationName::parse(&row.name).map_err(|_| corrupt(T, "name"))?,
        parent_id: row.parent_id.map(|p| p.parse()).transpose().map_err(|_| corrupt(T, "parent_id"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
        deactivated_at: row.deactivated_at,
    })
}

pub(crate) fn organization_to_row(org: &Organization) -> organization::ActiveModel {
    organization::ActiveModel {
        id: Set(org.id.to_string()),
        name: Set(org.name.as_str().to_owned()),
        parent_id: Set(org.parent_id.map(|p| p.to_string())),
        created_at: Set(org.created_at),
        updated_at: Set(org.updated_at),
        deactivated_at: Set(org.deactivated_at),
    }
}

pub(crate) fn audit_event_to_row(event: &AuditEvent) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: Set(event.id.to_string()),
        organization_id: Set(event.organization_id.to_string()),
        actor: Set(event.actor.to_string()),
        environment: Set(event.environment.as_str().to_owned()),
        action: Set(event.action.as_str().to_owned()),
        target_id: Set(event.target_id.clone()),
        ip: Set(event.ip.clone()),
        before: Set(event.before.to_string()),
        after: Set(event.after.to_string()),
        occurred_at: Set(event.occurred_at),
    }
}

pub(crate) fn audit_event_from_row(row: audit_event::Model) -> Result<AuditEvent, RepositoryError> {
    const T: &str = "audit_events";
    Ok(AuditEvent {
        id: row.id.parse().map_err(|_| corrupt(T, "id"))?,
        organization_id: row.organization_id.parse().map_err(|_| corrupt(T, "organization_id"))?,
        actor: row.actor.parse().map_err(|_| corrupt(T, "actor"))?,
        environment: row.environment.parse().map_err(|_| corrupt(T, "environment"))?,
        action: AuditAction::parse(&row.action).ok_or_else(|| corrupt(T, "action"))?,
        target_id: row.target_id,
        ip: row.ip,
        before: serde_json::from_str(&row.before).map_err(|_| corrupt(T, "before"))?,
        after: serde_json::from_str(&row.after).map_err(|_| corrupt(T, "after"))?,
        occurred_at: row.occurred_at,
    })
}

pub(crate) fn service_account_from_row(row: service_account::Model) -> Result<ServiceAccount, RepositoryError> {
    const T: &str = "service_accounts";
    Ok(ServiceAccount {
        id: row.id.parse().map_err(|_| corrupt(T, "id"))?,
        organization_id: row.organization_id.parse().map_err(|_| corrupt(T, "organization_id"))?,
        name: ServiceAccountName::parse(&row.name).map_err(|_| corrupt(T, "name"))?,
        description: KeyDescription::parse(&row.description).map_err(|_| corrupt(T, "description"))?,
        created_by: row.created_by.parse().map_err(|_| corrupt(T, "created_by"))?,
        created_at: row.created_at,
        deleted_at: row.deleted_at,
        limits: limits_from(
            T,
            LimitColumns {
                rate_limits: row.rate_limits,
                credits_remaining: row.credits_remaining,
                credits_refill_amount: row.credits_refill_amount,
                credits_refill_interval: row.credits_refill_interval,
                credits_refill_day: row.credits_refill_day,
            },
        )?,
    })
}

pub(crate) fn service_account_to_row(account: &ServiceAccount) -> service_account::ActiveModel {
    let (limits, refilled_at) = limits_to(&account.limits, account.created_at);
    service_account::ActiveModel {
        id: Set(account.id.to_string()),
        organization_id: Set(account.organization_id.to_string()),
        name: Set(account.name.as_str().to_owned()),
        description: Set(account.description.as_str().to_owned()),
        created_by: Set(account.created_by.to_string()),
        created_at: Set(account.created_at),
        deleted_at: Set(account.deleted_at),
        rate_limits: Set(limits.rate_limits),
        credits_remaining: Set(limits.credits_remaining),
        credits_refill_amount: Set(limits.credits_refill_amount),
        credits_refill_interval: Set(limits.credits_refill_interval),
        credits_refill_day: Set(limits.credits_refill_day),
        credits_refilled_at: Set(refilled_at),
    }
}
