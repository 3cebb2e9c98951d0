//! The native API against its documentation: the seed page of "Create a new
//! API key" (tests/seeds/002_…, the user's own reference). The documented
//! request, sent as documented, must get a response whose envelope and
//! `data` have exactly the documented fields, types and formats.

use serde_json::{Map, Value};
use sesame_persistence::on_both_backends;
use sesame_persistence::test_support::Backend;

use crate::helpers::{spawn_app, status_and_json, wall_clock};
use crate::seed_text::{json_object_at, kind};

const SEED: &str = include_str!("../seeds/002_10a0f372a999480f.txt");

struct Documented {
    request: Value,
    envelope: Value,
    data: Value,
    scopes: Vec<String>,
}

fn documented() -> Documented {
    let data_start = SEED.find("--data '").expect("the seed documents a request body");
    let (request, after_request) = json_object_at(SEED, data_start);
    let (envelope, _) = json_object_at(SEED, after_request);
    let data_example = SEED.find("data\nobject\nrequired").expect("the seed documents `data`");
    let (data, _) = json_object_at(SEED, data_example);
    let options = SEED.find("Available options:\ninvoices.create").expect("the seed lists the scopes");
    // One scope a line, each but the last followed by a comma.
    let mut scopes = Vec::new();
    for line in SEED[options + "Available options:\n".len()..].lines() {
        let line = line.trim();
        scopes.push(line.trim_end_matches(',').to_owned());
        if !line.ends_with(',') {
            break;
        }
    }
    Documented { request, envelope, data, scopes }
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().expect("an object").keys().cloned().collect();
    keys.sort();
    keys
}

fn is_documented_time(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

fn is_prefixed_uuid(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| uuid::Uuid::try_parse(rest).is_ok() && rest.len() == 36)
}

/// Fields documented as `string | null` (or null in the example).
const NULLABLE: &[&str] = &["expires_at", "updated_at", "last_used_at"];

fn assert_same_shape(documented: &Map<String, Value>, actual: &Value, path: &str) {
    let actual_map = actual.as_object().unwrap_or_else(|| panic!("{path} is an object"));
    let mut want: Vec<&String> = documented.keys().collect();
    let mut got: Vec<&String> = actual_map.keys().collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "{path}: fields differ from the documentation");
    for (field, doc_value) in documented {
        let value = &actual_map[field];
        let where_ = format!("{path}.{field}");
        if NULLABLE.contains(&field.as_str()) && (value.is_null() || doc_value.is_null()) {
            assert!(value.is_null() || value.is_string(), "{where_} is a string or null");
        } else {
            assert_eq!(kind(value), kind(doc_value), "{where_}: type differs from the documentation");
        }
        if let (Some(doc), Some(got)) = (doc_value.as_str(), value.as_str()) {
            if is_documented_time(doc) {
                assert!(is_documented_time(got), "{where_} = {got:?} is not a `YYYY-MM-DD HH:MM:SS` time");
            }
            for prefix in ["api_key_", "org_"] {
                if is_prefixed_uuid(doc, prefix) {
                    assert!(is_prefixed_uuid(got, prefix), "{where_} = {got:?} is not `{prefix}<uuid>`");
                }
            }
        }
        if let (Value::Object(doc_obj), true) = (doc_value, value.is_object()) {
            assert_same_shape(doc_obj, value, &where_);
        }
    }
}

async fn the_documented_request_gets_the_documented_response(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc = documented();
    // The page's placeholders stand for values of the documented formats: an
    // IP address (its example uses 127.0.0.1) and a `mysql-date-time` (its
    // example is in the past, so the same format a year ahead).
    let mut request = doc.request.clone();
    assert_eq!(keys(&request), vec!["description", "expires_at", "ip_allow_list", "label", "scopes"]);
    request["ip_allow_list"] = serde_json::json!(["127.0.0.1"]);
    let next_year = wall_clock() + chrono::Duration::days(365);
    request["expires_at"] = Value::String(next_year.format("%Y-%m-%d %H:%M:%S").to_string());

    let res = app.post_api_key(&app.root_secret, &request).await;
    let (status, body) = status_and_json(res).await;

    assert_eq!(status, 201, "{body}");
    assert_eq!(keys(&body), keys(&doc.envelope), "envelope fields");
    assert!([200, 201, 202].contains(&body["status"].as_u64().unwrap()));
    assert!(["development", "production"].contains(&body["env"].as_str().unwrap()));
    assert!(body["message"].is_string());
    assert!(body["error"].is_null() && body["validator"].is_null());
    assert_same_shape(doc.data.as_object().unwrap(), &body["data"], "data");
    let secret = body["data"]["secret"].as_str().unwrap();
    assert!(secret.starts_with("sk_live_"), "{secret}");
    assert_eq!(body["data"]["label"], doc.request["label"]);
    assert_eq!(body["data"]["scopes"], doc.request["scopes"]);
    assert_eq!(body["data"]["metrics"]["api_key_id"], body["data"]["id"]);
}

#[test]
fn the_scope_catalogue_is_the_documented_one() {
    let documented = documented().scopes;
    let ours: Vec<String> = sesame_domain::Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    assert_eq!(ours, documented);
}

on_both_backends!(the_documented_request_gets_the_documented_response);
