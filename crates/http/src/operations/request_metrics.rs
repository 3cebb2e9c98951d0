//! Requests by route template and status, and their latency. Labels are
//! templates (`/developers/api_keys/{id}`), never raw paths, and methods
//! from a fixed list, so no client can grow the label set.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::HttpRequest;
use metrics::{counter, histogram, Counter, Histogram};

pub const REQUESTS: &str = "sesame_http_requests_total";
pub const REQUEST_DURATION: &str = "sesame_http_request_duration_seconds";

/// The label of a request that matched no route.
const UNMATCHED: &str = "unmatched";

/// Both maps hold route templates only, never a client's text (a client's
/// path is only looked up), so a fast hash without flooding resistance is
/// safe here.
type FastHash = foldhash::fast::RandomState;

/// One route template's handles, by method and status.
type RouteHandles = HashMap<(&'static str, u16), (Counter, Histogram), FastHash>;

thread_local! {
    /// Each worker thread keeps the handles it has used: after the first
    /// request of a kind, recording is a lookup in this thread's own map and
    /// two atomic operations, with no lock.
    static HANDLES: RefCell<HashMap<String, RouteHandles, FastHash>> = RefCell::new(HashMap::default());
    /// Paths that are their own template (routes without parameters, such
    /// as verify's): known without matching the path against every route
    /// again. Bounded by the number of such routes.
    static STATIC_PATHS: RefCell<HashSet<String, FastHash>> = RefCell::new(HashSet::default());
}

/// The route template `req` matched, or [`UNMATCHED`].
fn route_of(req: &HttpRequest) -> Cow<'_, str> {
    let path = req.path();
    if STATIC_PATHS.with(|paths| paths.borrow().contains(path)) {
        return Cow::Borrowed(path);
    }
    match req.match_pattern() {
        Some(pattern) if pattern == path => {
            STATIC_PATHS.with(|paths| paths.borrow_mut().insert(pattern));
            Cow::Borrowed(path)
        }
        Some(pattern) => Cow::Owned(pattern),
        None => Cow::Borrowed(UNMATCHED),
    }
}

pub(crate) fn method_label(method: &Method) -> &'static str {
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
    let elapsed = started.elapsed().as_secs_f64();
    let (route, status) = match &result {
        Ok(res) => (route_of(res.request()), res.status().as_u16()),
        Err(err) => (Cow::Borrowed(UNMATCHED), err.as_response_error().status_code().as_u16()),
    };
    count(&route, method, status, elapsed);
    result
}

/// Counts one request of `route` (a template), timed at `elapsed` seconds:
/// for the middleware, and for the gateway check, which is served outside it.
pub(crate) fn count(route: &str, method: &'static str, status: u16, elapsed: f64) {
    HANDLES.with(|handles| {
        let mut handles = handles.borrow_mut();
        let by_kind = match handles.get_mut(route) {
            Some(by_kind) => by_kind,
            None => handles.entry(route.to_owned()).or_default(),
        };
        let (count, duration) = by_kind.entry((method, status)).or_insert_with(|| {
            let route = route.to_owned();
            (
                counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status.to_string()),
                histogram!(REQUEST_DURATION, "method" => method, "route" => route),
            )
        });
        count.increment(1);
        duration.record(elapsed);
    });
}
