//! `/developers/audit_events`: the organization's change history.

use actix_web::{get, web, HttpResponse};

use crate::dialects::native::errors::Native;
use crate::dialects::native::schemas::{AuditEventData, AuditEventPage, Envelope};
use crate::error_case::{Internal, InvalidQuery, LacksApiKeysRead, TooManyRequests, Unauthenticated, UnreadableQuery};
use crate::error_docs::Errors;
use crate::{ApiError, Authenticated, PageParams};

pub const TAG: &str = "Audit";

/// List audit events
///
/// Every change to the caller's organization's keys and organizations, newest
/// first: who, what, when, from which IP, and the changed fields (never
/// secrets). Requires `api_keys.read`.
#[utoipa::path(
    params(PageParams),
    responses((status = 200, description = "One page of events", body = Envelope<AuditEventPage>), Errors<Native, (UnreadableQuery, Unauthenticated, TooManyRequests, LacksApiKeysRead, InvalidQuery, Internal)>),
)]
#[get("/developers/audit_events")]
pub async fn list_audit_events(
    caller: Authenticated,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = caller.services.list_audit_events.execute(&caller.principal, &params.into_inner().into()).await?;
    let data =
        AuditEventPage { items: page.items.iter().map(AuditEventData::new).collect(), next_cursor: page.next_cursor };
    Ok(HttpResponse::Ok().json(Envelope::new(200, "Resources retrieved successfully", data)))
}
