use actix_web::{post, web, HttpResponse};
use sesame_application::CreateApiKeyCommand;

use super::api_key_dto::{CreateApiKeyRequest, CreatedApiKeyData};
use crate::envelope::Envelope;
use crate::error_responses::{BadRequest, Forbidden, ServerError, TooManyRequests, Unauthorized, Unprocessable};
use crate::{ApiError, Authenticated, JsonBody, Services};

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
        BadRequest, Unauthorized, Forbidden, TooManyRequests, Unprocessable, ServerError,
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
        expires_at: request.expires_at,
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
