//! Requests by route template and status, and their latency. Labels are
//! templates (`/developers/api_keys/{id}`), never raw paths, and methods
//! from a fixed list, so no client can grow the label set.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use metrics::{counter, histogram, Counter, Histogram};

pub const REQUESTS: &str = "sesame_http_requests_total";
pub const REQUEST_DURATION: &str = "sesame_http_request_duration_seconds";

/// The label of a request that matched no route.
const UNMATCHED: &str = "unmatched";

type Labels = (&'static str, String, u16);

thread_local! {
    /// Each worker thread keeps the handles it has used: after the first
    /// request of a kind, recording is a hash lookup on this thread's own
    /// map and two atomic operations, with no lock.
    static HANDLES: RefCell<HashMap<Labels, (Counter, Histogram)>> = RefCell::new(HashMap::new());
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Middleware: counts and times every request, errors included.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let result = next.call(req).await;
    let (route, status) = match &result {
        Ok(res) => (res.request().match_pattern(), res.status().as_u16()),
        Err(err) => (None, err.as_response_error().status_code().as_u16()),
    };
    let labels = (method, route.unwrap_or_else(|| UNMATCHED.to_owned()), status);
    let elapsed = started.elapsed().as_secs_f64();
    HANDLES.with(|handles| {
        let mut handles = handles.borrow_mut();
        let (count, duration) = handles.entry(labels).or_insert_with_key(|(method, route, status)| {
            (
                counter!(REQUESTS, "method" => *method, "route" => route.clone(), "status" => status.to_string()),
                histogram!(REQUEST_DURATION, "method" => *method, "route" => route.clone()),
            )
        });
        count.increment(1);
        duration.record(elapsed);
    });
    result
}
