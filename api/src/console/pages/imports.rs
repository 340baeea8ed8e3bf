//! Ops' Imports page: send an 835 or 837P from the desk (the same import as a service
//! account's `POST /ingest/x12`, as the signed-in member; the directory's NDJSON is the
//! practice-management system's alone to send), see each run's report with its refused sets
//! or batches and why, and work the remittance lines no claim matched: match one to the
//! claim it is, or dismiss it with a note.

use super::{Feedback, FormBody, fields, notice, outcome, read};
use crate::console::gql::{Connection, GqlError};
use crate::console::layout::{ago, csrf_field, dollars, page};
use crate::console::{SignedIn, documents};
use crate::http::AppState;
use crate::http::ingest::{import_file, spool};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::html;
use policies::{Action, Resource};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use tools::kit::{Access, Code};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ops/imports", get(imports))
        // The upload's own bound (WARD_MAX_INGEST_BYTES) is kept while it is spooled.
        .route("/ops/imports/upload", post(upload).layer(DefaultBodyLimit::disable()))
        .route("/ops/imports/unmatched/{id}/match", post(match_line))
        .route("/ops/imports/unmatched/{id}/dismiss", post(dismiss))
}

/// `ops/imports.graphql`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImportsPage {
    import_runs: Connection<Run>,
    unmatched_remittances: Connection<Unmatched>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    kind: String,
    status: String,
    sent_by: String,
    received_at: DateTime<Utc>,
    created: i64,
    updated: i64,
    unchanged: i64,
    unmatched: i64,
    refused: i64,
    file_problem: Option<String>,
    notes: Vec<String>,
    sets: Vec<RunSet>,
    batches: Vec<RunBatch>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunBatch {
    first_line: i64,
    last_line: i64,
    outcome: String,
    problems: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunSet {
    control: String,
    outcome: String,
    claims: i64,
    problem: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Unmatched {
    id: String,
    claim_number: String,
    status: String,
    charge_cents: i64,
    paid_cents: i64,
    payer_name: String,
    trace: String,
    paid_on: String,
}

async fn imports(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    imports_page(&ctx, &query, Feedback::default()).await
}

async fn imports_page(ctx: &SignedIn, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let answer = match ctx.run(documents::OPS_IMPORTS.text, json!({}), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let data: ImportsPage = match read(ctx, "Imports", &answer) {
        Ok(data) => data,
        Err(response) => return response,
    };
    let csrf = ctx.frame().csrf;
    let body = html! {
        (notice(query))
        section.card aria-label="Send a file" {
            h2 { "Send a file" }
            p.muted { "An X12 835 remittance or 837P claims file, as the clearinghouse sent it. A set that breaks a rule is refused whole and shown below; the others stand. The directory and notes come from the practice-management system itself; its runs are listed here too." }
            (feedback.errors_of("upload"))
            form method="post" action="/ops/imports/upload" enctype="multipart/form-data" {
                (csrf_field(csrf))
                label for="file" { "File" }
                input id="file" type="file" name="file" required;
                button type="submit" { "Import" }
            }
        }
        section aria-label="Unmatched remittance lines" {
            h2 { "Payments no claim matched" }
            (feedback.errors_of("unmatched"))
            @if data.unmatched_remittances.nodes().next().is_none() { p.muted { "None waiting." } }
            table.queue {
                thead { tr { th { "Claim number sent" } th { "Status" } th { "Charged" } th { "Paid" } th { "Payer" } th { "Trace" } th { "Paid on" } th { "Resolve" } } }
                tbody { @for (i, u) in data.unmatched_remittances.nodes().enumerate() {
                    tr {
                        td { (u.claim_number) } td { (u.status) } td { (dollars(u.charge_cents)) } td { (dollars(u.paid_cents)) }
                        td { (u.payer_name) } td { (u.trace) } td { (u.paid_on) }
                        td {
                            form method="post" action={ "/ops/imports/unmatched/" (u.id) "/match" } {
                                (csrf_field(csrf))
                                label for={ "claim-" (i) } { "The claim it is (number)" }
                                input id={ "claim-" (i) } name="claimNumber" required value=(feedback.typed("unmatched", "claimNumber"));
                                button type="submit" { "Match" }
                            }
                            form method="post" action={ "/ops/imports/unmatched/" (u.id) "/dismiss" } {
                                (csrf_field(csrf))
                                label for={ "note-" (i) } { "Why dismiss (10+ characters)" }
                                input id={ "note-" (i) } name="note" required minlength="10" value=(feedback.typed("unmatched", "note"));
                                button type="submit" { "Dismiss" }
                            }
                        }
                    }
                } }
            }
        }
        section aria-label="Import runs" {
            h2 { "Runs" }
            @for run in data.import_runs.nodes() {
                div.card {
                    strong { (run.kind) " · " (run.status) } " " span.muted { "from " (run.sent_by) ", " (ago(&run.received_at)) }
                    p { "Created " (run.created) ", updated " (run.updated) ", unchanged " (run.unchanged) ", unmatched " (run.unmatched) ", " @if run.kind == "ndjson" { "batches" } @else { "sets" } " refused " (run.refused) }
                    @if let Some(problem) = &run.file_problem { p.error { "File refused: " (problem) } }
                    @for set in run.sets.iter().filter(|s| s.outcome == "refused") {
                        p.error { "Set " (set.control) " refused (" (set.claims) " claims read): " (set.problem.as_deref().unwrap_or_default()) }
                    }
                    @for batch in run.batches.iter().filter(|b| b.outcome == "refused") {
                        p.error { "Lines " (batch.first_line) " to " (batch.last_line) " refused:" }
                        ul { @for problem in &batch.problems { li { (problem) } } }
                    }
                    @for note in &run.notes { p.muted { (note) } }
                }
            }
        }
    };
    (feedback.status(), page(&ctx.frame(), "Imports", body)).into_response()
}

/// An upload: spooled under the ingest bound, then imported as the signed-in member (who must
/// hold `ingest · create`; a refusal is recorded like any other).
async fn upload(ctx: SignedIn, multipart: Multipart) -> Response {
    match take_upload(&ctx, multipart).await {
        Ok(response) => response,
        // The page again, the refusal in words next to the form.
        Err((code, message, status)) => {
            let error = GqlError { message, code, path: Vec::new(), label: None };
            let feedback = Feedback { form: "upload", errors: vec![error], ..Feedback::default() };
            let mut response = imports_page(&ctx, &HashMap::new(), feedback).await;
            if let Some(status) = status {
                *response.status_mut() = status;
            }
            response
        }
    }
}

/// What refused an upload: its code and words, and the HTTP status when it is not the code's
/// (a body over the bound is 413).
type Refusal = (Code, String, Option<StatusCode>);

/// [`upload`]'s work: the response, or what refused the file.
async fn take_upload(ctx: &SignedIn, mut multipart: Multipart) -> Result<Response, Refusal> {
    let refused = |code: Code, message: &str| Err((code, message.to_owned(), None));
    let mut csrf = HashMap::new();
    let mut file = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            // The token is checked as soon as it is read (a browser sends it before the file):
            // until then a refusal is a bare status and sentence, never the Imports page.
            Some("csrf") => match short_text(field).await {
                Some(token) => {
                    csrf.insert("csrf".to_owned(), token);
                    if let Err(response) = ctx.check_csrf(&csrf) {
                        return Ok(response);
                    }
                }
                None => return Ok(bare(StatusCode::BAD_REQUEST, "this form's security token is malformed")),
            },
            Some("file") => match spool(field, ctx.state.limits.max_ingest_bytes).await {
                Ok(spooled) => file = Some(spooled),
                Err((err, status)) if csrf.is_empty() => {
                    return Ok(bare(status.unwrap_or(err.code().http_status()), &err.message()));
                }
                Err((err, status)) => return Err((err.code(), err.message(), status)),
            },
            _ => {}
        }
    }
    if let Err(response) = ctx.check_csrf(&csrf) {
        return Ok(response);
    }
    let Some(file) = file else { return refused(Code::BadUserInput, "choose a file to import") };
    let policy = ctx.state.policy.authorizer().snapshot();
    let access = Arc::new(Access::new(ctx.caller.principal.clone(), policy, ctx.caller.request_id.clone()));
    let unrecorded = "the refusal could not be recorded: nothing was done";
    if let Err(err) = access.require(Resource::Ingest, Action::Create) {
        if ctx.state.audit.commit(access.drain_events()).await.is_err() {
            return refused(Code::Unavailable, unrecorded);
        }
        return refused(Code::Forbidden, &err.message());
    }
    match import_file(&ctx.state, &access, file.path()).await {
        Ok(_) => Ok(crate::console::redirect("/ops/imports?done=imported")),
        Err(err) => {
            if ctx.state.audit.commit(access.drain_events()).await.is_err() {
                return refused(Code::Unavailable, unrecorded);
            }
            refused(err.code(), &err.message())
        }
    }
}

/// A refusal before the form's token is known: its status and sentence, nothing of the page.
fn bare(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

/// A short text field (the CSRF token): read a chunk at a time and given up past 256 bytes,
/// so no field of an upload is ever held whole but the file, which is spooled.
async fn short_text(mut field: axum::extract::multipart::Field<'_>) -> Option<String> {
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = field.chunk().await {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > 256 {
            return None;
        }
    }
    String::from_utf8(bytes).ok()
}

async fn match_line(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let variables = json!({ "id": id, "claimNumber": input.get("claimNumber"), "note": "matched on the console" });
    resolve(ctx, documents::OPS_MATCH_REMITTANCE.text, variables, input, "matched").await
}

async fn dismiss(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let variables = json!({ "id": id, "note": input.get("note") });
    resolve(ctx, documents::OPS_DISMISS_REMITTANCE.text, variables, input, "dismissed").await
}

async fn resolve(
    ctx: SignedIn,
    document: &str,
    variables: serde_json::Value,
    input: HashMap<String, String>,
    done: &str,
) -> Response {
    let answer = match ctx.run(document, variables, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, "/ops/imports", done) {
        Ok(response) => response,
        Err(errors) => imports_page(&ctx, &HashMap::new(), Feedback { form: "unmatched", errors, input }).await,
    }
}
