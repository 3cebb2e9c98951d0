//! What a person finds who opens the server's address in a browser.

use reqwest::redirect::Policy;
use serde_json::Value;
use sesame_persistence::test_support::Backend;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_root_and_swagger_ui_without_its_slash_lead_to_swagger_ui() {
    let app = spawn_app(Backend::Sqlite).await;
    let client = reqwest::Client::builder().no_proxy().redirect(Policy::none()).build().expect("an HTTP client");
    for path in ["/", "/swagger-ui"] {
        let res = client.get(app.url(path)).send().await.expect("the request is sent");
        assert_eq!(res.status().as_u16(), 303, "GET {path}");
        assert_eq!(res.headers()["location"], "/swagger-ui/", "GET {path}");
    }
    // Followed, as a browser does, the redirect ends on Swagger UI's page.
    let page = app.client.get(app.url("/")).send().await.expect("the request is sent");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.expect("a page").contains("swagger-ui"));
}

#[tokio::test]
async fn each_api_style_is_a_group_named_for_it_with_who_should_use_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc: Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let tags = doc["tags"].as_array().expect("tags");
    for tag in tags {
        let (name, description) = (tag["name"].as_str().unwrap(), tag["description"].as_str().unwrap_or(""));
        assert!(!name.to_lowercase().contains("seed"), "a group named for its origin, not its style: {name}");
        assert!(!description.is_empty() && !description.contains('\n'), "one line for {name}: {description:?}");
    }
    for name in ["Plain REST API (/api-keys)", "camelCase API (/v1/api-keys)", "Account-scoped API (/v1/api-keys/)"] {
        assert!(tags.iter().any(|t| t["name"] == name), "no group {name}: {tags:#?}");
    }
}

#[tokio::test]
async fn verify_documents_its_key_as_optional() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc: Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let security = &doc["paths"]["/developers/api_keys/verify"]["post"]["security"];
    assert_eq!(security, &serde_json::json!([{}, {"bearerAuth": []}]), "no key needed, one may be sent");
}
