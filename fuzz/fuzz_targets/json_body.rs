//! Any request body, under any content type, is read by `JsonBody` into the
//! shape of the native create request or refused with a 400 (not JSON) or a
//! 422 naming at least one field: never a panic or a 500.
#![no_main]

use std::sync::OnceLock;

use actix_web::test::TestRequest;
use actix_web::FromRequest;
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use sesame_http::{ErrorKind, JsonBody};

/// The native create request's shape (its type is private to the dialect).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Read by serde only: the shape is what is fuzzed.
struct CreateApiKeyRequest {
    label: String,
    description: Option<String>,
    scopes: Option<Vec<String>>,
    ip_allow_list: Option<Vec<String>>,
    expires_at: Option<String>,
    metadata: Option<serde_json::Value>,
    kind: Option<String>,
    environment: Option<String>,
    service_account_id: Option<String>,
}

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    content_type: Option<&'a str>,
    body: &'a [u8],
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a runtime"))
}

fuzz_target!(|input: Input| {
    let mut request = TestRequest::post().set_payload(input.body.to_vec());
    if let Some(content_type) = input.content_type {
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(content_type) {
            request = request.insert_header((actix_web::http::header::CONTENT_TYPE, value));
        }
    }
    let (req, mut payload) = request.to_http_parts();
    let read = runtime()
        .block_on(JsonBody::<CreateApiKeyRequest>::from_request(&req, &mut payload))
        .expect("a body within the default limit is read");
    match read.parse() {
        Ok(_) => {}
        Err(err) => match err.kind() {
            ErrorKind::BadRequest => {}
            ErrorKind::Validation => {
                let fields = err.field_map().expect("a 422 names its fields");
                assert!(!fields.is_empty(), "a 422 names at least one field");
            }
            other => panic!("a body is refused with {other:?}"),
        },
    }
});
