//! `POST /graphql`: a JSON body only; authenticate, bound the body, the batch and the whole
//! request's time, execute, bound the response, record, answer.

use super::AppState;
use super::errors::error_response;
use super::request_id::{self, ClientRequestId};
use crate::auth;
use crate::schema::{QueryLimits, default_code};
use async_graphql::{BatchRequest, BatchResponse, Request as GqlRequest, Response as GqlResponse};
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::header::{CONTENT_TYPE, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::join_all;
use std::sync::Arc;
use tokio::time::Instant;
use tools::kit::audit::Outcome;
use tools::kit::purpose::{self, Purpose};
use tools::kit::{Access, ApiError, Code};
use tracing::Instrument;

pub async fn graphql(
    State(state): State<AppState>,
    client_id: Option<Extension<ClientRequestId>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    state.metrics.request();
    let started = std::time::Instant::now();
    let request_id = request_id::of(&headers);
    // The request runs to its end in a task of its own: a client that hangs up mid-mutation
    // drops this handler, but never a transaction half-way through a statement (which would
    // hand the pool a connection in an unknown transaction state).
    let work = {
        let (state, request_id) = (state.clone(), request_id.clone());
        // In the request's span, so its resolvers' spans (traces) and log lines stay its own.
        tokio::spawn(
            async move {
                let ids = RequestIds { server: &request_id, client: client_id.map(|Extension(id)| id.0) };
                handle(&state, &headers, body, ids).await
            }
            .in_current_span(),
        )
    };
    let outcome = work.await.unwrap_or_else(|err| {
        Err((ApiError::internal("running a request", anyhow::anyhow!("the request task failed: {err}")), None))
    });
    let mut http = match outcome {
        Ok((json, operation, first_error)) => {
            let outcome = first_error.map_or("ok", Code::as_str);
            state.metrics.request_time(operation.as_deref(), outcome, started.elapsed());
            let mut http = (StatusCode::OK, json).into_response();
            http.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            http
        }
        Err((err, status)) => {
            state.metrics.error(err.code().as_str());
            state.metrics.request_time(Some("-"), err.code().as_str(), started.elapsed());
            error_response(err, status, &request_id)
        }
    };
    if let Ok(value) = request_id.parse() {
        http.headers_mut().insert(request_id::HEADER, value);
    }
    http
}

/// A refusal before or instead of execution, with its HTTP status when the code alone does not say.
pub(crate) type Refusal = (ApiError, Option<StatusCode>);

/// The server's id of a request, and the one its client sent (if any).
struct RequestIds<'a> {
    server: &'a str,
    client: Option<String>,
}

/// An answered request: the response's bytes, the operation's name (the first of a batch),
/// and the code of its first error, if any (for metrics).
type Answered = (Vec<u8>, Option<String>, Option<Code>);

/// The request, answered.
async fn handle(state: &AppState, headers: &HeaderMap, body: Body, ids: RequestIds<'_>) -> Result<Answered, Refusal> {
    // The whole request, the body's arrival included, runs against one deadline: a client
    // that drips its body a byte at a time holds nothing for longer than the timeout.
    let limits = &state.limits;
    let deadline = Instant::now() + *limits.request_timeout;
    let timed_out = || {
        let message =
            format!("the request ran longer than {}s and was cancelled", limits.request_timeout.as_secs_f32());
        (ApiError::LimitExceeded(message), Some(StatusCode::GATEWAY_TIMEOUT))
    };
    require_json(headers)?;
    let policy = state.policy.authorizer().snapshot();
    let principal =
        auth::authenticate(headers, &state.keys, &state.db, &policy, &state.staff).await.map_err(|err| (err, None))?;
    let access = Arc::new(Access::new(principal, policy, ids.server).with_client_request_id(ids.client));
    if let Some(value) = headers.get(purpose::HEADER) {
        let purpose = Purpose::parse(value.to_str().unwrap_or_default()).map_err(|err| (err, None))?;
        let purpose = purpose.check(&access, &state.db).await.map_err(|err| (err, None))?;
        access.set_purpose(purpose);
    }
    let too_large = || ApiError::LimitExceeded(format!("the request body is over {} bytes", limits.max_body_bytes));
    let bytes = tokio::time::timeout_at(deadline, axum::body::to_bytes(body, limits.max_body_bytes))
        .await
        .map_err(|_| timed_out())?
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
    let operation = batch.iter().next().and_then(|r| r.operation_name.clone().or_else(|| named_operation(&r.query)));
    let executed = execute(state, &access, batch, deadline, ids.server).await?;
    Ok((executed.json, operation, executed.first_error))
}

/// An executed request's bytes, and the code of its first error.
pub(crate) struct Executed {
    pub json: Vec<u8>,
    pub first_error: Option<Code>,
}

/// Executes `batch` as `access`'s staff member within `deadline`: the one path every
/// GraphQL request takes, from the API and from the console. Errors get their codes, the
/// response its size bound, and what it discloses (with every refusal) is committed to the
/// audit trail before the answer's bytes are returned; if that fails, nothing is returned.
pub(crate) async fn execute(
    state: &AppState,
    access: &Arc<Access>,
    batch: BatchRequest,
    deadline: Instant,
    request_id: &str,
) -> Result<Executed, Refusal> {
    let limits = &state.limits;
    let timed_out = || {
        let message =
            format!("the request ran longer than {}s and was cancelled", limits.request_timeout.as_secs_f32());
        (ApiError::LimitExceeded(message), Some(StatusCode::GATEWAY_TIMEOUT))
    };
    let query_limits = QueryLimits::from(limits);
    let loaders = tools::kit::loaders::for_request(state.db.clone());
    // Each operation of a batch is held to the limits before async-graphql executes it (a
    // refusal is that operation's answer), then runs with the request's access and loaders.
    let run = |mut request: GqlRequest| {
        let data = (access.clone(), loaders.clone());
        async move {
            match query_limits.check(&mut request) {
                Err(refused) => GqlResponse::from_errors(vec![refused]),
                Ok(()) => state.schema.execute(request.data(data.0).data(data.1)).await,
            }
        }
    };
    let all = async {
        match batch {
            BatchRequest::Single(request) => BatchResponse::Single(run(request).await),
            BatchRequest::Batch(requests) => BatchResponse::Batch(join_all(requests.into_iter().map(run)).await),
        }
    };
    let executed = tokio::time::timeout_at(deadline, all).await;
    let Ok(response) = executed else {
        // Nothing is sent: record the refusals, not what would have been disclosed.
        state.audit.commit(undisclosed(access)).await.map_err(|err| (err, Some(StatusCode::SERVICE_UNAVAILABLE)))?;
        return Err(timed_out());
    };
    let (mut response, first_error) = finish(response, request_id, &query_limits, state);
    if access.carries_part2() {
        with_redisclosure_notice(&mut response);
    }
    let json = serde_json::to_vec(&response)
        .map_err(|err| (ApiError::internal("serialising a response", anyhow::anyhow!(err)), None))?;
    if json.len() > limits.max_response_bytes {
        state.audit.commit(undisclosed(access)).await.map_err(|err| (err, Some(StatusCode::SERVICE_UNAVAILABLE)))?;
        let message = format!(
            "the response would be {} bytes; the limit is {}: ask for fewer rows or fields",
            json.len(),
            limits.max_response_bytes
        );
        return Err((ApiError::LimitExceeded(message), None));
    }
    // Fail closed: what the response discloses, and every refusal, is on record before it
    // leaves; if the record cannot be written, nothing leaves.
    state.audit.commit(access.drain_events()).await.map_err(|err| (err, Some(StatusCode::SERVICE_UNAVAILABLE)))?;
    Ok(Executed { json, first_error })
}

/// Marks every answer of the response with the 42 CFR 2.32 notice: it carries a value of a
/// Part 2 record, which its recipient may not disclose further.
fn with_redisclosure_notice(response: &mut BatchResponse) {
    let notice = async_graphql::Value::String(tools::kit::on_file::consents::REDISCLOSURE_NOTICE.to_owned());
    let mark = |answer: &mut GqlResponse| {
        answer.extensions.insert("redisclosureNotice".to_owned(), notice.clone());
    };
    match response {
        BatchResponse::Single(answer) => mark(answer),
        BatchResponse::Batch(answers) => answers.iter_mut().for_each(mark),
    }
}

/// The name a document gives its (first) operation: `query Name(...)` → `Name`.
fn named_operation(document: &str) -> Option<String> {
    let rest = document.trim_start();
    let rest = rest.strip_prefix("query").or_else(|| rest.strip_prefix("mutation"))?;
    let name: String = rest.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

/// POST bodies must be JSON (`application/json`, or the GraphQL-over-HTTP
/// `application/graphql-response+json`): a form or plain-text POST, which a browser sends
/// cross-site without asking, is refused before anything runs.
fn require_json(headers: &HeaderMap) -> Result<(), Refusal> {
    match super::media_type(headers).as_deref() {
        Some("application/json" | "application/graphql-response+json") => Ok(()),
        _ => Err((
            ApiError::BadUserInput("POST /graphql takes a JSON body: send `Content-Type: application/json`".into()),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
        )),
    }
}

/// The events of a request whose response is not sent: its refusals and reads of the
/// trail, without the disclosures it would have made.
fn undisclosed(access: &Access) -> Vec<tools::kit::audit::NewEvent> {
    access.drain_events().into_iter().filter(|e| e.outcome == Outcome::Denied || e.phi_classes.is_empty()).collect()
}

/// Every error leaves with a code: errors async-graphql raised itself (bad syntax, unknown
/// fields, wrong argument types) are the caller's input, a limit it refused in validation
/// `LIMIT_EXCEEDED`. Internal errors carry the request id. Also answers the first error's code.
fn finish(
    response: BatchResponse,
    request_id: &str,
    query_limits: &QueryLimits,
    state: &AppState,
) -> (BatchResponse, Option<Code>) {
    let first = std::cell::RefCell::new(None::<Code>);
    let finish_one = |mut response: GqlResponse| {
        for err in &mut response.errors {
            query_limits.validation_code(err);
            let code = default_code(err, Code::BadUserInput);
            state.metrics.error(code.as_str());
            first.borrow_mut().get_or_insert(code);
            if matches!(code, Code::Internal | Code::Unavailable) {
                err.extensions.get_or_insert_with(Default::default).set("requestId", request_id);
            }
        }
        response
    };
    let response = match response {
        BatchResponse::Single(response) => BatchResponse::Single(finish_one(response)),
        BatchResponse::Batch(responses) => BatchResponse::Batch(responses.into_iter().map(finish_one).collect()),
    };
    (response, first.into_inner())
}
