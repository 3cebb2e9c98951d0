//! The documented error examples against the server's own answers: for each
//! operation, a request without a key (401) must get a body of the same form
//! as the example the document shows for that status (the same fields, the
//! same status codes), and one naming an id that does not exist (404) the
//! example itself, but for the request id.

use serde_json::Value;
use sesame_persistence::test_support::Backend;

use crate::helpers::{documented_operations, spawn_app, spawn_app_with};

/// Every field path of `value`, with the value of each number (the status
/// codes a body repeats); text differs from one error to the next.
fn form(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                form(field, &format!("{at}.{name}"), out);
            }
        }
        Value::Number(n) => out.push(format!("{at}={n}")),
        Value::Array(_) => out.push(format!("{at}[]")),
        _ => out.push(at.to_owned()),
    }
}

fn form_of(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    form(value, "", &mut out);
    out.sort();
    out
}

/// `value` without the fields that identify one request.
fn without_request_ids(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(name, _)| !["request_id", "requestId"].contains(&name.as_str()))
                .map(|(name, field)| (name.clone(), without_request_ids(field)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A well-formed id that names nothing, of the kind `path` takes.
fn unknown_id(path: &str) -> String {
    let uuid = uuid::Uuid::now_v7();
    if path.contains("/organizations/") {
        format!("org_{uuid}")
    } else if path.contains("/service_accounts/") {
        format!("svc_{uuid}")
    } else {
        format!("api_key_{uuid}")
    }
}

#[tokio::test]
async fn the_documented_401_and_404_have_the_form_of_the_servers_own() {
    // With secret scanning on, so that an unsigned leak report gets its 401.
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/../../e2e/secret-scanning/github-public-keys.json");
    let app = spawn_app_with(Backend::Sqlite, |s| s.secret_scanning.github_public_keys_file = Some(keys.into())).await;
    let mut failures = Vec::new();
    let mut compared = 0;
    for (path, method, operation) in documented_operations() {
        let (path, operation) = (&path, &operation);
        let responses = &operation["responses"];
        let body = match &operation["requestBody"]["content"]["application/json"]["example"] {
            Value::Null => None,
            example => Some(example.clone()),
        };
        let in_account = operation["parameters"].as_array().into_iter().flatten().any(|p| p["name"] == "account_id");
        let target = |id: &str| {
            let target = path.replace("{id}", id);
            if in_account {
                format!("{target}?account_id={}", app.organization_id)
            } else {
                target
            }
        };
        let mut cases = Vec::new();
        // Verify needs no key: without one it does not answer 401.
        if responses.get("401").is_some() && !path.ends_with("/verify") {
            cases.push((401, target(&unknown_id(path)), None));
        }
        if responses.get("404").is_some() && path.contains("{id}") {
            cases.push((404, target(&unknown_id(path)), Some(app.root_secret.as_str())));
        }
        for (status, target, bearer) in cases {
            let example = &responses[status.to_string()]["content"]["application/json"]["example"];
            let reply = app.send(method.clone(), &target, bearer, body.as_ref()).await;
            compared += 1;
            if reply.status != status {
                failures.push(format!("{method} {target}: {} instead of {status}: {}", reply.status, reply.text));
            } else if status == 404 && without_request_ids(example) != without_request_ids(&reply.body) {
                // Nothing but the id differs between two requests for
                // something that does not exist: the text must match too.
                failures.push(format!("{method} {path} 404: the example {example} is not the answer {}", reply.text));
            } else if form_of(example) != form_of(&reply.body) {
                failures.push(format!(
                    "{method} {path} {status}: the example {example} is not of the form of the answer {}",
                    reply.text
                ));
            }
        }
    }
    assert!(failures.is_empty(), "error examples untrue to the server:\n{}", failures.join("\n"));
    assert!(compared > 40, "only {compared} answers compared");
}

/// A fresh resource of the kind `path`'s `{id}` names, made with the root key.
async fn existing_id(app: &crate::helpers::TestApp, path: &str) -> String {
    if path.contains("/organizations/") {
        app.other_organization().await.0
    } else if path.contains("/service_accounts/") {
        app.create_service_account(&app.root_secret, "refused").await["id"].as_str().unwrap().to_owned()
    } else {
        app.key_with(&[]).await.0
    }
}

#[tokio::test]
async fn the_documented_403_is_what_a_key_without_the_operations_scope_gets() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, scopeless) = app.key_with(&[]).await;
    let mut failures = Vec::new();
    let mut compared = 0;
    for (path, method, operation) in documented_operations() {
        let (path, operation) = (&path, &operation);
        let example = &operation["responses"]["403"]["content"]["application/json"]["example"];
        if example.is_null() {
            continue;
        }
        let mut target = path.clone();
        if path.contains("{id}") {
            target = target.replace("{id}", &existing_id(&app, path).await);
        }
        if operation["parameters"].as_array().into_iter().flatten().any(|p| p["name"] == "account_id") {
            target = format!("{target}?account_id={}", app.organization_id);
        }
        let body = match &operation["requestBody"]["content"]["application/json"]["example"] {
            Value::Null => None,
            example => Some(example.clone()),
        };
        let reply = app.send(method.clone(), &target, Some(&scopeless), body.as_ref()).await;
        compared += 1;
        if reply.status != 403 || without_request_ids(example) != without_request_ids(&reply.body) {
            failures.push(format!(
                "{method} {path}: the example {example} is not the answer {} {}",
                reply.status, reply.text
            ));
        }
    }
    assert!(failures.is_empty(), "403 examples untrue to the server:\n{}", failures.join("\n"));
    assert!(compared > 20, "only {compared} answers compared");
}
