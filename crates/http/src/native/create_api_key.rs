use actix_web::{post, web, HttpResponse};
use sesame_application::CreateApiKeyCommand;

use super::api_key_dto::{CreateApiKeyRequest, CreatedApiKeyData};
use crate::envelope::{Envelope, ErrorEnvelope};
use crate::{time_format, ApiError, Authenticated, JsonBody, Services};

/// Create a new API key
///
/// Issues a key in the caller's organization and environment. The plaintext
/// `secret` is in this response only. Requires `api_keys.create`; the caller
/// may grant only scopes it holds.
#[utoipa::path(
    post,
    path = "/developers/api_keys",
    tag = super::TAG,
    request_body(content = CreateApiKeyRequest, description = "Request body for creating a new API key"),
    responses(
        (status = 201, description = "Successful API key creation response", body = Envelope<CreatedApiKeyData>,
            headers(("X-Request-Id" = String, description = "Identifies the request in the server's logs"))),
        (status = 400, description = "Unreadable body: not JSON, or not `application/json`", body = ErrorEnvelope),
        (status = 401, description = "Missing, unknown, malformed, expired or revoked key", body = ErrorEnvelope),
        (status = 403, description = "The key lacks `api_keys.create`, asks to grant a scope it does not hold, or is used from an IP outside its allow list", body = ErrorEnvelope),        (status = 429, description = "Too many failed attempts for this key id or from this IP; `Retry-After` says when to retry", body = ErrorEnvelope),
        (status = 422, description = "A field breaks the rules; `validator` names each one", body = ErrorEnvelope),
        (status = 500, description = "Unexpected failure; quote `support_id`", body = ErrorEnvelope),
    ),
    security(("bearerAuth" = []))
)]
#[post("/developers/api_keys")]
pub async fn create_api_key(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.parse()?;
    let command = CreateApiKeyCommand {
        label: Some(request.label),
        description: request.description,
        scopes: request.scopes.unwrap_or_default(),
        ip_allow_list: request.ip_allow_list.unwrap_or_default(),
        expires_at: request.expires_at.as_deref().map(time_format::parse_input),
        metadata: request.metadata,
        kind: request.kind,
        environment: request.environment,
        service_account_id: request.service_account_id,
        request_ip: caller.ip,
    };
    let created = services.create_api_key.execute(&caller.principal, command).await?;
    let data = CreatedApiKeyData::new(&created.key, created.token.expose());
    Ok(HttpResponse::Created().json(Envelope::new(201, "Resource created successfully", data)))
}
