//! Request ids: one per request, in every log line of it and in the `x-request-id` response header.

use axum::extract::Request;
use axum::http::HeaderMap;
use tracing::Span;

pub const HEADER: &str = "x-request-id";

/// A caller may bring its own request id (a proxy's), but only a short, plain one:
/// anything else is replaced, so it cannot forge log lines.
pub async fn drop_unsafe_request_id(mut request: Request) -> Request {
    let safe = request.headers().get(HEADER).is_none_or(|value| {
        value.len() <= 64 && value.as_bytes().iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
    });
    if !safe {
        request.headers_mut().remove(HEADER);
    }
    request
}

pub fn span(request: &Request) -> Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %of(request.headers()),
    )
}

pub fn of(headers: &HeaderMap) -> String {
    headers.get(HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}
