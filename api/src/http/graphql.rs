//! `POST /graphql`: authenticate, bound the body and the batch, execute within the timeout.

use super::AppState;
use super::errors::error_response;
use super::request_id::{self, ClientRequestId};
use crate::auth;
use crate::schema::default_code;
use async_graphql::http::GraphiQLSource;
use async_graphql::{BatchRequest, BatchResponse, Response as GqlResponse};
use async_graphql_axum::GraphQLResponse;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;
use tools::kit::purpose::{self, Purpose};
use tools::kit::{Access, ApiError, code};

pub async fn graphql(
    State(state): State<AppState>,
    client_id: Option<Extension<ClientRequestId>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    state.metrics.request();
    let request_id = request_id::of(&headers);
    let ids = RequestIds { server: &request_id, client: client_id.map(|Extension(id)| id.0) };
    match handle(&state, &headers, body, ids).await {
        Ok(response) => {
            let response = finish(response, &request_id, &state);
            let mut http = GraphQLResponse::from(response).into_response();
            if let Ok(value) = request_id.parse() {
                http.headers_mut().insert(request_id::HEADER, value);
            }
            http
        }
        Err((err, status)) => {
            state.metrics.error(err.code());
            error_response(err, status, &request_id)
        }
    }
}

/// A refusal before or instead of execution, with its HTTP status when the code alone does not say.
type Refusal = (ApiError, Option<StatusCode>);

/// The server's id of a request, and the one its client sent (if any).
struct RequestIds<'a> {
    server: &'a str,
    client: Option<String>,
}

async fn handle(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    ids: RequestIds<'_>,
) -> Result<BatchResponse, Refusal> {
    let policy = state.policy.authorizer().snapshot();
    let principal = auth::authenticate(headers, &state.keys, &state.db, &policy).await.map_err(|err| (err, None))?;
    let access = Arc::new(Access::new(principal, policy, ids.server).with_client_request_id(ids.client));
    if let Some(value) = headers.get(purpose::HEADER) {
        let purpose = Purpose::parse(value.to_str().unwrap_or_default()).map_err(|err| (err, None))?;
        let purpose = purpose.check(&access, &state.db).await.map_err(|err| (err, None))?;
        access.set_purpose(purpose);
    }
    let limits = &state.limits;
    let too_large = || ApiError::LimitExceeded(format!("the request body is over {} bytes", limits.max_body_bytes));
    let bytes = axum::body::to_bytes(body, limits.max_body_bytes)
        .await
        .map_err(|_| (too_large(), Some(StatusCode::PAYLOAD_TOO_LARGE)))?;
    let batch: BatchRequest = serde_json::from_slice(&bytes)
        .map_err(|err| (ApiError::BadUserInput(format!("the body is not a GraphQL request: {err}")), None))?;
    let operations = batch.iter().count();
    if operations > limits.max_batch {
        let message = format!("the batch has {operations} operations; at most {} are allowed", limits.max_batch);
        return Err((ApiError::LimitExceeded(message), Some(StatusCode::BAD_REQUEST)));
    }
    if operations == 0 {
        return Err((ApiError::BadUserInput("the batch is empty".into()), None));
    }
    let batch = batch.data(access.clone());
    let executed = tokio::time::timeout(limits.request_timeout, state.schema.execute_batch(batch)).await;
    // Fail closed: what the response discloses, and every refusal, is on record before it
    // leaves; if the record cannot be written, nothing leaves.
    let recorded = state.audit.commit(access.drain_events()).await;
    match (executed, recorded) {
        (Ok(response), Ok(())) => Ok(response),
        (Ok(_), Err(err)) => Err((err, Some(StatusCode::SERVICE_UNAVAILABLE))),
        (Err(_), _) => {
            let message =
                format!("the request ran longer than {}s and was cancelled", limits.request_timeout.as_secs_f32());
            Err((ApiError::LimitExceeded(message), Some(StatusCode::GATEWAY_TIMEOUT)))
        }
    }
}

/// Every error leaves with a code: errors async-graphql raised itself (bad syntax, unknown
/// fields, wrong argument types) are the caller's input. Internal errors carry the request id.
fn finish(response: BatchResponse, request_id: &str, state: &AppState) -> BatchResponse {
    let finish_one = |mut response: GqlResponse| {
        for err in &mut response.errors {
            let code = default_code(err, code::BAD_USER_INPUT);
            state.metrics.error(&code);
            if code == code::INTERNAL || code == code::UNAVAILABLE {
                err.extensions.get_or_insert_with(Default::default).set("requestId", request_id);
            }
        }
        response
    };
    match response {
        BatchResponse::Single(response) => BatchResponse::Single(finish_one(response)),
        BatchResponse::Batch(responses) => BatchResponse::Batch(responses.into_iter().map(finish_one).collect()),
    }
}

/// GraphiQL, unless the server runs in production mode.
pub async fn graphiql(State(state): State<AppState>) -> Response {
    if !state.graphiql {
        return (StatusCode::NOT_FOUND, "GraphiQL is off in production; POST GraphQL requests to /graphql")
            .into_response();
    }
    Html(GraphiQLSource::build().endpoint("/graphql").title("ward").finish()).into_response()
}
