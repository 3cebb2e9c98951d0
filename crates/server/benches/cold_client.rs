//! The load client of `bench/cold_restart.sh`: verifies each token of a
//! file exactly once, over a number of concurrent keep-alive connections,
//! and prints one JSON line: distinct keys verified per second (from the
//! first request sent to the last answer), and the latency percentiles.
//! wrk cannot stop after a fixed number of requests, hence this.
//!
//!   cargo bench -p sesame-server --bench cold_client -- URL TOKENS_FILE CONNECTIONS

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [url, tokens, connections] = args.as_slice() else {
        eprintln!("usage: cold_client URL TOKENS_FILE CONNECTIONS");
        std::process::exit(2);
    };
    let tokens: Arc<Vec<String>> =
        Arc::new(std::fs::read_to_string(tokens).expect("the token file").lines().map(str::to_owned).collect());
    let connections: usize = connections.parse().expect("a number of connections");
    let url = format!("{url}/developers/api_keys/verify");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("a runtime");
    rt.block_on(async move {
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let workers: Vec<_> = (0..connections)
            .map(|_| {
                let (tokens, next, url) = (tokens.clone(), next.clone(), url.clone());
                tokio::spawn(async move {
                    // One client per worker: one keep-alive connection each.
                    let client = reqwest::Client::builder()
                        .no_proxy()
                        .pool_max_idle_per_host(1)
                        .timeout(Duration::from_secs(120))
                        .build()
                        .expect("an HTTP client");
                    let (mut latencies, mut valid, mut other) = (Vec::new(), 0usize, 0usize);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(token) = tokens.get(i) else { break };
                        let sent = Instant::now();
                        let res = client.post(&url).json(&serde_json::json!({ "key": token })).send().await;
                        let ok = match res {
                            Ok(res) if res.status().is_success() => {
                                res.text().await.is_ok_and(|body| body.contains("\"VALID\""))
                            }
                            _ => false,
                        };
                        latencies.push(sent.elapsed());
                        if ok {
                            valid += 1;
                        } else {
                            other += 1;
                        }
                    }
                    (latencies, valid, other)
                })
            })
            .collect();
        let (mut latencies, mut valid, mut other) = (Vec::new(), 0, 0);
        for worker in workers {
            let (l, v, o) = worker.await.expect("a worker");
            latencies.extend(l);
            valid += v;
            other += o;
        }
        let seconds = started.elapsed().as_secs_f64();
        latencies.sort();
        let pct = |p: f64| {
            let at = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
            latencies[at].as_secs_f64() * 1000.0
        };
        println!(
            "RESULT {{\"valid\":{valid},\"not_valid\":{other},\"seconds\":{seconds:.3},\"keys_per_s\":{:.1},\
             \"p50_ms\":{:.3},\"p90_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3}}}",
            valid as f64 / seconds,
            pct(0.50),
            pct(0.90),
            pct(0.99),
            pct(1.0),
        );
    });
}
