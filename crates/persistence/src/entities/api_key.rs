use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub organization_id: String,
    pub label: String,
    pub description: String,
    pub scopes: String,
    pub ip_allow_list: String,
    pub metadata: String,
    pub expires_at: Option<DateTimeUtc>,
    pub environment: String,
    pub kind: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub key_prefix: String,
    pub total_requests: i64,
    pub last_used_at: Option<DateTimeUtc>,
    pub last_used_ip: Option<String>,
    pub last_used_user_agent: Option<String>,
    pub service_account_id: Option<String>,
    pub rate_limits: String,
    pub credits_remaining: Option<i64>,
    pub credits_refill_amount: Option<i64>,
    pub credits_refill_interval: Option<String>,
    pub credits_refill_day: Option<i32>,
    pub credits_refilled_at: Option<i64>,
    pub leaked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
