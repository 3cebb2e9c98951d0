//! Where a person lands who types the server's address: `/` and
//! `/swagger-ui` (no slash) lead to Swagger UI rather than a 404.

use actix_web::http::header::LOCATION;
use actix_web::{web, HttpResponse};

/// Swagger UI's address; utoipa-swagger-ui serves it under this prefix only.
pub const SWAGGER_UI: &str = "/swagger-ui/";

/// Registers the two redirects.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(to_swagger_ui)).route("/swagger-ui", web::get().to(to_swagger_ui));
}

/// 303: a browser follows it with a GET, whatever it asked with.
async fn to_swagger_ui() -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, SWAGGER_UI)).finish()
}
