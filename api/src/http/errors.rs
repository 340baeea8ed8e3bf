//! Answers for requests refused before GraphQL runs, in GraphQL's error shape.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tools::kit::ApiError;

/// `{"errors":[{"message", "extensions":{"code"}}]}` with the code's HTTP status
/// ([`tools::kit::Code::http_status`]), unless the caller names a more precise one.
pub fn error_response(err: ApiError, status: Option<StatusCode>, request_id: &str) -> Response {
    let status = status.unwrap_or_else(|| err.code().http_status());
    err.log();
    let code = err.code().as_str();
    let message = err.message();
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code, "requestId": request_id } }] });
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tools::kit::Code;

    #[test]
    fn a_refusal_before_graphql_runs_takes_its_status_from_the_one_table() {
        let errors = [
            (ApiError::Unauthenticated("no token".into()), StatusCode::UNAUTHORIZED),
            (ApiError::Forbidden("no".into()), StatusCode::FORBIDDEN),
            (ApiError::NotFound("ticket 1".into()), StatusCode::NOT_FOUND),
            (ApiError::BadUserInput("bad".into()), StatusCode::BAD_REQUEST),
            (ApiError::Conflict("stale".into()), StatusCode::CONFLICT),
            (ApiError::LimitExceeded("big".into()), StatusCode::BAD_REQUEST),
        ];
        for (err, status) in errors {
            let code = err.code();
            assert_eq!(code.http_status(), status, "{code}");
            assert_eq!(error_response(err, None, "r").status(), status, "{code}");
        }
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), code, "names round-trip");
        }
        assert_eq!(Code::parse("SOMETHING_ELSE"), Code::Internal);
    }
}
