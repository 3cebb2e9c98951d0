//! `/gateway/auth`, the forward-auth endpoint, as a gateway calls it: the
//! end client's key in a header, the original request in `X-Forwarded-*` /
//! `X-Original-*` (or, as Envoy sends it, in the check's own method and
//! path), the client address in `X-Forwarded-For` from a trusted proxy.

use reqwest::Method;
use serde_json::json;
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;
use sesame_server::settings::{RouteSetting, Settings};

use crate::helpers::{spawn_app, spawn_app_with, unissued_key, Reply, TestApp};

/// `method /gateway/auth{suffix}` with `headers`.
async fn check(app: &TestApp, method: Method, suffix: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = app.client.request(method, app.url(&format!("/gateway/auth{suffix}")));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.expect("the request is sent");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.expect("a body");
    // An allow answer has no body.
    let body = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    Reply { status, headers, text, body }
}

fn bearer(secret: &str) -> String {
    format!("Bearer {secret}")
}

/// Products: `POST /products/**` needs `products.create`, anything else `products.read`.
fn with_routes(settings: &mut Settings) {
    settings.gateway.routes = vec![RouteSetting {
        methods: vec!["POST".into()],
        path: "/products/**".into(),
        scopes: vec!["products.create".into()],
    }];
    settings.gateway.default_scopes = vec!["products.read".into()];
}

async fn a_valid_key_is_let_through_with_its_identity(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .create_key(&json!({"label": "gw", "scopes": ["products.read", "products.create"], "metadata": {"plan": "pro", "city": "Zürich"}}))
        .await;
    let secret = created["secret"].as_str().unwrap();

    let reply = check(&app, Method::GET, "", &[("authorization", &bearer(secret))]).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.text, "", "no body: nginx keeps an auth_request connection only without one");
    assert_eq!(reply.header("content-length"), "0");
    assert_eq!(reply.header("x-sesame-key-id"), created["id"].as_str().unwrap());
    assert_eq!(reply.header("x-sesame-organization-id"), app.organization_id);
    assert_eq!(reply.header("x-sesame-environment"), "live");
    assert_eq!(reply.header("x-sesame-scopes"), "products.create,products.read");
    assert_eq!(reply.header("x-sesame-service-account-id"), "", "always set, so a client's copy is overwritten");
    let metadata: serde_json::Value = serde_json::from_str(reply.header("x-sesame-metadata")).unwrap();
    assert_eq!(metadata, json!({"plan": "pro", "city": "Zürich"}));
    assert!(reply.header("x-sesame-metadata").is_ascii());
    assert_eq!(reply.header("cache-control"), "no-store");
    app.usage.flush().await.unwrap();
    assert_eq!(
        app.native_key(created["id"].as_str().unwrap()).await["metrics"]["total_requests"],
        1,
        "one use counted"
    );
}

async fn the_key_header_works_on_any_method_and_the_query_never_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, secret) = app.key_with(&[]).await;

    for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::HEAD, Method::OPTIONS]
    {
        let res = app
            .client
            .request(method.clone(), app.url("/gateway/auth/some/path"))
            .header("x-api-key", &secret)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{method}");
    }
    // A method no gateway forwards is a 405 naming those it does.
    let res =
        app.client.request(Method::TRACE, app.url("/gateway/auth")).header("x-api-key", &secret).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    // No body is read: one past server.max_body_bytes changes nothing.
    let res = app
        .client
        .post(app.url("/gateway/auth"))
        .header("x-api-key", &secret)
        .body(vec![b'x'; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let reply = check(&app, Method::GET, &format!("?key={secret}&api_key={secret}"), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body["code"], "MISSING_KEY");
    assert_eq!(reply.header("www-authenticate"), r#"Bearer realm="sesame""#);
}

async fn an_unknown_or_revoked_key_is_401_invalid_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let unknown = check(&app, Method::GET, "", &[("authorization", &bearer(&unissued_key()))]).await;
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.body, json!({"code": "NOT_FOUND", "message": "The key is not valid (NOT_FOUND)"}));
    assert_eq!(unknown.header("www-authenticate"), r#"Bearer realm="sesame", error="invalid_token""#);

    let (id, secret) = app.key_with(&[]).await;
    assert_eq!(check(&app, Method::GET, "", &[("x-api-key", &secret)]).await.status, 200, "cached now");
    let (status, _) = app.delete(&format!("/developers/api_keys/{id}"), &app.root_secret).await;
    assert_eq!(status, 200);
    let revoked = check(&app, Method::GET, "", &[("x-api-key", &secret)]).await;
    assert_eq!((revoked.status, revoked.body["code"].as_str()), (401, Some("REVOKED")), "at once, cache or not");
}

async fn route_rules_decide_the_scopes_first_match_wins(backend: Backend) {
    let app = spawn_app_with(backend, with_routes).await;
    let (_, reader) = app.key_with(&["products.read"]).await;
    let auth = bearer(&reader);

    // nginx: X-Original-*; Traefik and Caddy: X-Forwarded-*.
    let read = check(
        &app,
        Method::GET,
        "",
        &[("authorization", &auth), ("x-original-uri", "/products/7?x=1"), ("x-original-method", "GET")],
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.text);
    let write = check(
        &app,
        Method::GET,
        "",
        &[("authorization", &auth), ("x-forwarded-uri", "/products/7"), ("x-forwarded-method", "POST")],
    )
    .await;
    assert_eq!(write.status, 403, "{}", write.text);
    assert_eq!(write.body["code"], "INSUFFICIENT_SCOPE");
    assert_eq!(
        write.header("www-authenticate"),
        r#"Bearer realm="sesame", error="insufficient_scope", scope="products.create""#
    );
    // `..` is resolved as the upstream will: no way around the rule.
    let sneaky = check(
        &app,
        Method::GET,
        "",
        &[("authorization", &auth), ("x-forwarded-uri", "/public/%2e%2e/products/7"), ("x-forwarded-method", "POST")],
    )
    .await;
    assert_eq!(sneaky.status, 403);
    // Envoy's HTTP mode: the check's own method and the path after the prefix.
    assert_eq!(check(&app, Method::POST, "/products/7", &[("authorization", &auth)]).await.status, 403);
    assert_eq!(check(&app, Method::GET, "/products/7", &[("authorization", &auth)]).await.status, 200);
    // Unmatched: the default scopes.
    let (_, scopeless) = app.key_with(&[]).await;
    assert_eq!(check(&app, Method::GET, "/elsewhere", &[("authorization", &bearer(&scopeless))]).await.status, 403);
    // The gateway's header adds to the rule, and cannot take from it.
    let more = check(
        &app,
        Method::GET,
        "/products/7",
        &[("authorization", &auth), ("x-sesame-required-scopes", "invoices.read")],
    )
    .await;
    assert_eq!(more.status, 403);
    let bad = check(
        &app,
        Method::GET,
        "/products/7",
        &[("authorization", &auth), ("x-sesame-required-scopes", "products.fly")],
    )
    .await;
    assert_eq!((bad.status, bad.body["code"].as_str()), (400, Some("INVALID_REQUIRED_SCOPES")), "{}", bad.text);
}

async fn the_client_address_comes_from_a_trusted_proxy_only(backend: Backend) {
    let trusting = spawn_app_with(backend, |s| s.gateway.trusted_proxies = vec!["127.0.0.0/8".into()]).await;
    let untrusting = spawn_app(backend).await;
    for (app, trusted) in [(&trusting, true), (&untrusting, false)] {
        let key = app.create_key(&json!({"label": "office", "scopes": [], "ip_allow_list": ["198.51.100.0/24"]})).await;
        let auth = bearer(key["secret"].as_str().unwrap());
        let from_office =
            check(app, Method::GET, "", &[("authorization", &auth), ("x-forwarded-for", "203.0.113.66, 198.51.100.7")])
                .await;
        let from_elsewhere =
            check(app, Method::GET, "", &[("authorization", &auth), ("x-forwarded-for", "198.51.100.7, 203.0.113.1")])
                .await;
        let by_real_ip = check(app, Method::GET, "", &[("authorization", &auth), ("x-real-ip", "198.51.100.8")]).await;
        if trusted {
            assert_eq!(from_office.status, 200, "{}", from_office.text);
            assert_eq!(by_real_ip.status, 200, "{}", by_real_ip.text);
        } else {
            // 127.0.0.1 is no proxy of this instance: its headers are a client's claim.
            assert_eq!(from_office.status, 403, "{}", from_office.text);
            assert_eq!(by_real_ip.status, 403);
        }
        assert_eq!(from_elsewhere.status, 403, "the rightmost untrusted hop is the client");
        assert_eq!(from_elsewhere.body["code"], "FORBIDDEN_IP");
    }
}

async fn failures_are_charged_to_the_client_not_to_the_gateway(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.gateway.trusted_proxies = vec!["127.0.0.1".into()];
        s.limits.failures_per_ip = 3;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let reply =
            check(&app, Method::GET, "", &[("x-api-key", &unissued_key()), ("x-forwarded-for", "203.0.113.9")]).await;
        if reply.status == 429 {
            assert!(reply.header("retry-after").parse::<u64>().unwrap() >= 1);
            assert_eq!(reply.body["code"], "RATE_LIMITED");
        }
        statuses.push(reply.status);
    }
    assert_eq!(statuses.last(), Some(&429), "the flooding client is stopped: {statuses:?}");
    // Another client behind the same gateway, with a key not yet cached.
    let (_, secret) = app.key_with(&[]).await;
    let other = check(&app, Method::GET, "", &[("x-api-key", &secret), ("x-forwarded-for", "198.51.100.4")]).await;
    assert_eq!(other.status, 200, "{}", other.text);
}

on_both_backends!(
    a_valid_key_is_let_through_with_its_identity,
    the_key_header_works_on_any_method_and_the_query_never_does,
    an_unknown_or_revoked_key_is_401_invalid_token,
    route_rules_decide_the_scopes_first_match_wins,
    the_client_address_comes_from_a_trusted_proxy_only,
    failures_are_charged_to_the_client_not_to_the_gateway,
    a_key_over_its_rate_limit_is_429_with_the_ratelimit_fields_and_credits_are_spent,
    a_changed_key_shows_its_new_identity_at_once,
    refusals_carry_a_request_id_and_the_security_headers_and_allow_answers_need_none,
    only_the_gateway_path_and_paths_below_it_are_the_check,
);

async fn a_key_over_its_rate_limit_is_429_with_the_ratelimit_fields_and_credits_are_spent(backend: Backend) {
    let app = spawn_app(backend).await;
    let limited = app
        .create_key(&json!({"label": "gated", "scopes": [],
            "rate_limits": [{"name": "default", "limit": 2, "duration_seconds": 60}]}))
        .await;
    let secret = limited["secret"].as_str().unwrap();
    for _ in 0..2 {
        assert_eq!(check(&app, Method::GET, "", &[("x-api-key", secret)]).await.status, 200);
    }
    let over = check(&app, Method::GET, "", &[("x-api-key", secret)]).await;
    assert_eq!(over.status, 429, "{}", over.text);
    assert_eq!(over.body["code"], "RATE_LIMITED");
    assert!(over.headers.contains_key("retry-after"));
    assert!(over.headers["ratelimit-policy"].to_str().unwrap().contains(r#""default";q=2;w=60"#));
    assert!(over.headers["ratelimit"].to_str().unwrap().contains("r=0"));

    let credited = app.create_key(&json!({"label": "metered", "scopes": [], "credits": {"remaining": 1}})).await;
    let secret = credited["secret"].as_str().unwrap();
    assert_eq!(check(&app, Method::GET, "", &[("x-api-key", secret)]).await.status, 200);
    let spent = check(&app, Method::GET, "", &[("x-api-key", secret)]).await;
    assert_eq!((spent.status, &spent.body["code"]), (429, &json!("USAGE_EXCEEDED")), "{}", spent.text);
    assert!(!spent.headers.contains_key("retry-after"), "credits that never refill: no retry can succeed");
}

async fn a_changed_key_shows_its_new_identity_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let created =
        app.create_key(&json!({"label": "gw", "scopes": ["products.read"], "metadata": {"plan": "free"}})).await;
    let (id, secret) = (created["id"].as_str().unwrap(), created["secret"].as_str().unwrap());
    let before = check(&app, Method::GET, "", &[("x-api-key", secret)]).await;
    assert_eq!(before.header("x-sesame-metadata"), r#"{"plan":"free"}"#, "cached now, with its identity");

    let path = format!("/developers/api_keys/{id}");
    let changed = json!({"metadata": {"plan": "pro"}, "scopes": ["products.read", "products.create"]});
    assert_eq!(app.patch(&path, &app.root_secret, &changed).await.0, 200);

    let after = check(&app, Method::GET, "", &[("x-api-key", secret)]).await;
    assert_eq!(after.header("x-sesame-metadata"), r#"{"plan":"pro"}"#, "never the identity computed before the change");
    assert_eq!(after.header("x-sesame-scopes"), "products.create,products.read");
}

async fn refusals_carry_a_request_id_and_the_security_headers_and_allow_answers_need_none(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, secret) = app.key_with(&[]).await;
    let refused = check(&app, Method::GET, "", &[("x-api-key", &unissued_key())]).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("x-request-id").len(), 36, "a gateway may hand a refusal to its client");
    assert_eq!(refused.header("x-content-type-options"), "nosniff");
    assert_eq!(refused.header("cache-control"), "no-store");
    let wrong_method = app.client.request(Method::TRACE, app.url("/gateway/auth")).send().await.unwrap();
    let wrong_method = Reply::of(wrong_method).await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.body["log"]["request_id"], wrong_method.header("x-request-id"), "{}", wrong_method.text);

    let allowed = check(&app, Method::GET, "/any/path", &[("x-api-key", &secret)]).await;
    assert_eq!((allowed.status, allowed.text.as_str()), (200, ""));
}

async fn only_the_gateway_path_and_paths_below_it_are_the_check(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, secret) = app.key_with(&[]).await;
    let neighbour = app.client.get(app.url("/gateway/authorize")).header("x-api-key", &secret).send().await.unwrap();
    assert_eq!(neighbour.status().as_u16(), 404, "a path that merely starts with the check's is not the check");
    for suffix in ["/", "/v1/products/1", "?x=1"] {
        assert_eq!(check(&app, Method::GET, suffix, &[("x-api-key", &secret)]).await.status, 200, "{suffix}");
    }
}

#[tokio::test]
async fn a_bad_route_pattern_stops_start_up_naming_the_setting_and_the_rule() {
    let database = sesame_persistence::test_support::TestDatabase::new(Backend::Sqlite).await;
    let mut settings = crate::helpers::test_settings(database.url().to_owned());
    settings.gateway.routes = vec![
        RouteSetting { methods: vec![], path: "/ok/**".into(), scopes: vec![] },
        RouteSetting { methods: vec!["GET".into()], path: "/products/prod*".into(), scopes: vec![] },
    ];
    let Err(err) = sesame_server::startup::Application::build(settings).await else {
        panic!("a bad route pattern must stop start-up")
    };
    let report = sesame_server::error_report::report(&err);
    assert!(report.contains("gateway.routes (SESAME__GATEWAY__ROUTES)"), "{report}");
    assert!(report.contains("rule 2"), "{report}");
    assert!(report.contains("prod*"), "{report}");
}
