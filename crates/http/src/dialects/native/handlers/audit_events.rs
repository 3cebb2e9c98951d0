//! `/developers/audit_events`: the organization's change history.

use actix_web::{get, web, HttpResponse};

use crate::dialects::native::errors::Native;
use crate::dialects::native::schemas::{AuditEventData, AuditEventPage, AuditParams, Envelope};
use crate::error_cases::LacksApiKeysRead;
use crate::error_docs::{Errors, Internal, InvalidQuery, TooManyRequests, Unauthenticated, UnreadableQuery};
use crate::{ApiError, Authenticated, Services};

pub const TAG: &str = "Audit";

/// List audit events
///
/// Every change to the caller's organization's keys and organizations, newest
/// first: who, what, when, from which IP, and the changed fields (never
/// secrets). Requires `api_keys.read`.
#[utoipa::path(
    get,
    path = "/developers/audit_events",
    tag = TAG,
    params(AuditParams),
    responses((status = 200, description = "One page of events", body = Envelope<AuditEventPage>), Errors<Native, (UnreadableQuery, Unauthenticated, TooManyRequests, LacksApiKeysRead, InvalidQuery, Internal)>),
    security(("bearerAuth" = []))
)]
#[get("/developers/audit_events")]
pub async fn list_audit_events(
    services: web::Data<Services>,
    caller: Authenticated,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let page = services
        .list_audit_events
        .execute(&caller.principal, params.limit.as_deref(), params.cursor.as_deref())
        .await?;
    let data =
        AuditEventPage { items: page.items.iter().map(AuditEventData::new).collect(), next_cursor: page.next_cursor };
    Ok(HttpResponse::Ok().json(Envelope::new(200, "Resources retrieved successfully", data)))
}
