//! Request ids: the server gives every request its own (`x-request-id` in the response, every
//! log line and every audit event of it). An id a client or proxy sent is kept apart, as
//! [`ClientRequestId`]: it is not unique and proves nothing.

use axum::extract::Request;
use axum::http::HeaderMap;
use tracing::Span;

pub const HEADER: &str = "x-request-id";

/// The `x-request-id` a caller sent, when it was short and plain.
#[derive(Clone, Debug)]
pub struct ClientRequestId(pub String);

/// Moves a caller's `x-request-id` aside (dropping anything but a short, plain one, so it
/// cannot forge log lines), so the server's own id takes its place.
pub async fn set_aside_client_request_id(mut request: Request) -> Request {
    if let Some(value) = request.headers_mut().remove(HEADER) {
        let safe =
            value.len() <= 64 && value.as_bytes().iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_');
        if safe && let Ok(text) = value.to_str() {
            let id = ClientRequestId(text.to_owned());
            request.extensions_mut().insert(id);
        }
    }
    request
}

pub fn span(request: &Request) -> Span {
    let client = request.extensions().get::<ClientRequestId>().map(|c| c.0.as_str()).unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        otel.name = tracing::field::Empty,
        otel.kind = tracing::field::Empty,
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %of(request.headers()),
        client_request_id = %client,
    );
    // A trace names the request's span `POST /graphql`; the log has no use for that field,
    // and an unrecorded field is not written.
    #[cfg(feature = "otlp")]
    {
        span.record("otel.name", format_args!("{} {}", request.method(), request.uri().path()));
        span.record("otel.kind", "server");
    }
    span
}

pub fn of(headers: &HeaderMap) -> String {
    headers.get(HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}
