//! Request ids and request tracing. Every request gets an id — the caller's
//! `X-Request-Id` when it is well-formed, else a fresh one — which is returned
//! in the `X-Request-Id` response header, in every error body of the JSON API
//! (`request_id`), and on every log line of the request's span, so a member's
//! screenshot of an error finds its log lines (a 500 logs its cause there).

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, Response};
use axum::middleware::Next;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::trace::TraceLayer;
use tracing::Span;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Error bodies are small; anything larger is passed through untouched.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The request's id, as an extension for handlers that want it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// 1–64 characters of `[A-Za-z0-9._-]`: safe to log and to echo in a header.
fn well_formed(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The outermost layer: assigns the id, then stamps it on the response.
pub async fn layer(mut request: Request, next: Next) -> Response<Body> {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| well_formed(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let header = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("-"));
    request
        .headers_mut()
        .insert(REQUEST_ID.clone(), header.clone());
    request.extensions_mut().insert(RequestId(id.clone()));
    // Only our own API's errors: the sandbox's answers are signed WeChat bodies.
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID.clone(), header);
    if api && (response.status().is_client_error() || response.status().is_server_error()) {
        response = with_request_id(response, &id).await;
    }
    response
}

/// Adds `request_id` to a JSON error body of the API's shape.
async fn with_request_id(response: Response<Body>, id: &str) -> Response<Body> {
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        // Too large to be an error of ours: say so rather than send a cut body.
        parts.headers.remove(CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    };
    let bytes = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut error)) if error.contains_key("code") => {
            error.insert("request_id".into(), id.into());
            serde_json::to_vec(&error).map_or(bytes, Into::into)
        }
        _ => bytes,
    };
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// Wraps the whole app: one span per request carrying its id, method and path;
/// one line when it ends with status and latency (a 5xx at error level); the
/// id layer outermost, so the span already sees the id it assigned.
pub fn apply(router: axum::Router) -> axum::Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let id = request
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!(
                "request",
                request_id = %id,
                method = %request.method(),
                path = %request.uri().path(),
            )
        })
        .on_request(())
        .on_response(
            |response: &Response<Body>, latency: Duration, _span: &Span| {
                tracing::info!(
                    status = response.status().as_u16(),
                    latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
                    "served"
                );
            },
        )
        .on_body_chunk(())
        .on_eos(())
        .on_failure(
            |failure: ServerErrorsFailureClass, latency: Duration, _span: &Span| {
                tracing::error!(
                    %failure,
                    latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
                    "request failed"
                );
            },
        );
    router.layer(trace).layer(axum::middleware::from_fn(layer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_taken_from_the_caller() {
        assert!(well_formed("a1B2-c3_d4.e5"));
        assert!(well_formed(&"x".repeat(64)));
        assert!(!well_formed(""));
        assert!(!well_formed(&"x".repeat(65)));
        assert!(!well_formed("abc def"));
        assert!(!well_formed("abc\ndef"));
        assert!(!well_formed("<script>"));
    }
}
