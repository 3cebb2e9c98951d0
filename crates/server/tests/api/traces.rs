//! Trace export over OTLP/HTTP: the real binary, a receiver started here.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::process::{command, spawn, stop};

/// A collector that takes every POST to `/v1/traces` (one connection at a
/// time, keep-alive) and keeps the bodies it received.
async fn otlp_receiver() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let address = format!("http://{}", listener.local_addr().expect("an address"));
    let bodies: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let kept = bodies.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let bodies = kept.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                loop {
                    let (mut path, mut length) = (String::new(), 0usize);
                    let mut line = String::new();
                    if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    path.push_str(line.split_whitespace().nth(1).unwrap_or_default());
                    loop {
                        line.clear();
                        stream.read_line(&mut line).await.expect("a header line");
                        let header = line.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':') {
                            if name.eq_ignore_ascii_case("content-length") {
                                length = value.trim().parse().expect("a length");
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    stream.read_exact(&mut body).await.expect("the body");
                    if path == "/v1/traces" {
                        bodies.lock().expect("the bodies").push(body);
                    }
                    let reply = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    stream.get_mut().write_all(reply).await.expect("the reply");
                }
            });
        }
    });
    (address, bodies)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn spans_reach_an_otlp_collector_with_the_request_id_and_without_the_secret() {
    let (collector, bodies) = otlp_receiver().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut serve = command(&dir.path().join("sesame.db"));
    serve.env("SESAME__TELEMETRY__OTLP_ENDPOINT", &collector).env("OTEL_BSP_SCHEDULE_DELAY", "100");
    let server = spawn(serve, true);
    let base = format!("http://127.0.0.1:{}", server.port);
    let client = reqwest::Client::new();

    let created = client
        .post(format!("{base}/developers/api_keys"))
        .bearer_auth(&server.root_secret)
        .json(&json!({"label": "traced", "scopes": []}))
        .send()
        .await
        .expect("create");
    let request_id = created.headers()["x-request-id"].to_str().expect("a request id").to_owned();
    let body: serde_json::Value = created.json().await.expect("json");
    let secret = body["data"]["secret"].as_str().expect("a secret").to_owned();
    let verified = client
        .post(format!("{base}/developers/api_keys/verify"))
        .json(&json!({"key": secret}))
        .send()
        .await
        .expect("verify");
    assert_eq!(verified.status(), 200);

    let mut arrived = false;
    for _ in 0..100 {
        if bodies.lock().expect("the bodies").iter().any(|b| contains(b, &request_id)) {
            arrived = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let root = server.root_secret.clone();
    stop(server);
    let bodies = bodies.lock().expect("the bodies");
    assert!(
        arrived,
        "a span with the create's request id {request_id} reached the collector ({} batches)",
        bodies.len()
    );
    // Whole, or without the prefix a leaky span might have cut off.
    for needle in [secret.as_str(), &secret["sk_live_".len()..], root.as_str(), &root["sk_live_".len()..]] {
        assert!(!bodies.iter().any(|b| contains(b, needle)), "no exported span holds a secret");
    }
}
