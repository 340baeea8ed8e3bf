//! Answers for requests refused before GraphQL runs, in GraphQL's error shape.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tools::kit::ApiError;

/// `{"errors":[{"message", "extensions":{"code"}}]}` with the HTTP status that fits the code,
/// unless the caller names a more precise one.
pub fn error_response(err: ApiError, status: Option<StatusCode>, request_id: &str) -> Response {
    let status = status.unwrap_or(match &err {
        ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::BadUserInput(_) | ApiError::Conflict(_) => StatusCode::BAD_REQUEST,
        ApiError::LimitExceeded(_) => StatusCode::BAD_REQUEST,
        ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    });
    err.log();
    let code = err.code();
    let message = err.message();
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code, "requestId": request_id } }] });
    (status, Json(body)).into_response()
}
