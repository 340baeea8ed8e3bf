//! The query console on `GET /graphql` (outside production): a plain page of ward's own, no
//! third-party script, so nothing but ward's code ever runs where staff paste a token or read
//! PHI. Its files are compiled into the binary and served under a Content-Security-Policy
//! that allows only ward's own origin.

use super::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("query_page/index.html");
const SCRIPT: &str = include_str!("query_page/query.js");
const STYLE: &str = include_str!("query_page/query.css");

/// Only ward's own origin: no inline script, no other host, no framing.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; \
                       base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn file(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn off() -> Response {
    (StatusCode::NOT_FOUND, "the query console is off in production; POST GraphQL requests to /graphql").into_response()
}

pub async fn page(State(state): State<AppState>) -> Response {
    if !state.graphiql {
        return off();
    }
    file("text/html; charset=utf-8", PAGE)
}

pub async fn asset(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    if !state.graphiql {
        return off();
    }
    match name.as_str() {
        "query.js" => file("text/javascript; charset=utf-8", SCRIPT),
        "query.css" => file("text/css; charset=utf-8", STYLE),
        _ => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
