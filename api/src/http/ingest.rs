//! `POST /ingest/x12` and `POST /ingest/ndjson`: a file from a service account (`Content-Type:
//! application/edi-x12`, an interchange; `application/x-ndjson`, the practice-management
//! system's directory), spooled to a private temporary file as it arrives (never held in
//! memory whole, refused past `WARD_MAX_INGEST_BYTES` before any of it is read for meaning),
//! then imported by the same service as `ward import` (an interchange as an 835 or an 837P,
//! by its first ST01). The answer is the run's report: counts, and each refusal by position
//! and code (or line and field); an error never quotes the file.

use super::AppState;
use super::errors::error_response;
use super::request_id;
use crate::auth;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use policies::{Action, Resource};
use serde_json::json;
use std::io::Write;
use std::sync::Arc;
use tools::kit::{Access, ApiError};

pub(crate) type Refusal = (ApiError, Option<StatusCode>);

/// What a route takes.
#[derive(Clone, Copy)]
enum Route {
    X12,
    Ndjson,
}

impl Route {
    fn media_type(self) -> &'static str {
        match self {
            Route::X12 => "application/edi-x12",
            Route::Ndjson => "application/x-ndjson",
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Route::X12 => "POST /ingest/x12 takes an X12 interchange: send `Content-Type: application/edi-x12`",
            Route::Ndjson => {
                "POST /ingest/ndjson takes one JSON object a line: send `Content-Type: application/x-ndjson`"
            }
        }
    }
}

pub async fn x12(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    receive(state, headers, body, Route::X12).await
}

pub async fn ndjson(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    receive(state, headers, body, Route::Ndjson).await
}

async fn receive(state: AppState, headers: HeaderMap, body: Body, route: Route) -> Response {
    let request_id = request_id::of(&headers);
    // Its own task: a sender that hangs up never stops a set's transaction half-way.
    let work = {
        let (state, request_id) = (state.clone(), request_id.clone());
        tokio::spawn(async move { import(&state, &headers, body, route, &request_id).await })
    };
    let outcome = work.await.unwrap_or_else(|err| {
        Err((ApiError::internal("importing a file", anyhow::anyhow!("the import task failed: {err}")), None))
    });
    match outcome {
        Ok(answer) => answer,
        Err((err, status)) => error_response(err, status, &request_id),
    }
}

async fn import(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    route: Route,
    request_id: &str,
) -> Result<Response, Refusal> {
    if super::media_type(headers).as_deref() != Some(route.media_type()) {
        return Err((ApiError::BadUserInput(route.refusal().into()), Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)));
    }
    let policy = state.policy.authorizer().snapshot();
    let principal =
        auth::authenticate(headers, &state.keys, &state.db, &policy, &state.staff).await.map_err(|e| (e, None))?;
    let access = Arc::new(Access::new(principal, policy, request_id));
    let allowed = access.require(Resource::Ingest, Action::Create).and_then(|_| match route {
        Route::Ndjson => directory_sender(&access),
        Route::X12 => Ok(()),
    });
    if let Err(err) = allowed {
        state.audit.commit(access.drain_events()).await.map_err(|e| (e, None))?;
        return Err((err, None));
    }
    let limit = state.limits.max_ingest_bytes;
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|bytes| bytes > limit) {
        return Err(too_large(limit));
    }
    let spool = spool(body.into_data_stream(), limit).await?;
    let (run, report) = match route {
        Route::X12 => import_x12(state, &access, spool.path()).await,
        Route::Ndjson => {
            tools::ingest::directory::import_directory(&state.db, spool.path(), &access.event_base()).await
        }
    }
    .map_err(|e| (e, None))?;
    let nothing_stood = report.status() == "refused";
    let errors: Vec<_> = report
        .file_problem
        .iter()
        .chain(report.sets.iter().filter_map(|s| s.problem.as_ref()))
        .chain(report.batches.iter().flat_map(|b| b.problems.iter()))
        // The report holds them all; the errors are a summary.
        .take(100)
        .map(|problem| json!({ "message": problem, "extensions": { "code": "BAD_USER_INPUT", "requestId": request_id } }))
        .collect();
    let mut body = json!({ "data": { "importRun": { "id": run.id, "status": run.status, "report": report } } });
    if !errors.is_empty() {
        body["errors"] = json!(errors);
    }
    let status = if nothing_stood { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, Json(body)).into_response())
}

fn too_large(limit: u64) -> Refusal {
    let message = format!("the file is over {limit} bytes (WARD_MAX_INGEST_BYTES)");
    (ApiError::LimitExceeded(message), Some(StatusCode::PAYLOAD_TOO_LARGE))
}

/// Imports the interchange at `path` as `access`'s caller: an 837P by its first ST01, else an
/// 835 (a file whose envelope breaks before its first set goes to the 835 reader, which lands
/// it and says where it broke).
pub(crate) async fn import_x12(
    state: &AppState,
    access: &Access,
    path: &std::path::Path,
) -> tools::kit::ApiResult<(entities::import_file::Model, tools::ingest::ImportReport)> {
    let sender = access.event_base();
    let owned = path.to_owned();
    let kind = tokio::task::spawn_blocking(move || {
        std::fs::File::open(owned).ok().and_then(|f| x12::envelope::first_transaction(std::io::BufReader::new(f)))
    })
    .await
    .ok()
    .flatten();
    match kind.as_deref() {
        Some("837") => tools::ingest::claims_import::import_837p(&state.db, path, &sender).await,
        _ => tools::ingest::remittance_import::import_835(&state.db, path, &sender).await,
    }
}

/// Imports an uploaded file of either kind: NDJSON when its first byte that is not white
/// space opens a JSON object (from a service account only: [`may_send`](tools::ingest::directory::may_send)),
/// else X12.
pub(crate) async fn import_file(
    state: &AppState,
    access: &Access,
    path: &std::path::Path,
) -> tools::kit::ApiResult<(entities::import_file::Model, tools::ingest::ImportReport)> {
    let owned = path.to_owned();
    let first = tokio::task::spawn_blocking(move || -> Option<u8> {
        use std::io::Read;
        let mut head = [0u8; 512];
        let n = std::fs::File::open(owned).ok()?.read(&mut head).ok()?;
        let text = head[..n].strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head[..n]);
        text.iter().copied().find(|b| !b.is_ascii_whitespace())
    })
    .await
    .ok()
    .flatten();
    if first == Some(b'{') {
        directory_sender(access)?;
        tools::ingest::directory::import_directory(&state.db, path, &access.event_base()).await
    } else {
        import_x12(state, access, path).await
    }
}

/// Only a service account sends the directory; a refusal is recorded like any other (the
/// caller commits `access`'s events).
fn directory_sender(access: &Access) -> tools::kit::ApiResult<()> {
    tools::ingest::directory::may_send(&access.principal().sub)
        .map_err(|e| access.refuse(Resource::Ingest, Action::Create, None, e))
}

/// Writes a stream of chunks to a temporary file only this process can read, stopping at `limit`.
pub(crate) async fn spool<E>(
    mut stream: impl futures_util::Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
    limit: u64,
) -> Result<tempfile::NamedTempFile, Refusal> {
    let failed = |e: std::io::Error| (ApiError::internal("spooling a file", anyhow::anyhow!(e)), None);
    let mut file = tempfile::Builder::new().prefix("ward-ingest-").tempfile().map_err(failed)?;
    let mut written = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| (ApiError::BadUserInput("the upload broke off".into()), None))?;
        written += chunk.len() as u64;
        if written > limit {
            return Err(too_large(limit));
        }
        file.write_all(&chunk).map_err(failed)?;
    }
    file.flush().map_err(failed)?;
    Ok(file)
}
