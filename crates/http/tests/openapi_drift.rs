//! `openapi/openapi.json` is the checked-in copy of the document the code
//! generates. When they differ, regenerate it:
//! `cargo run -p sesame-server -- openapi > openapi/openapi.json`.

#[test]
fn the_checked_in_openapi_document_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json");
    let checked_in = std::fs::read_to_string(path).expect("openapi/openapi.json exists");
    let generated = sesame_http::openapi().to_pretty_json().expect("the document serializes");
    assert!(
        checked_in.trim_end() == generated.trim_end(),
        "openapi/openapi.json is stale: run `cargo run -p sesame-server -- openapi > openapi/openapi.json`"
    );
}
