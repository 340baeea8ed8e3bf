//! Compliance: audit search, a patient's accounting of disclosures (with its CSV), "who can
//! see this patient", and the break-glass review queue. Also the break-glass request that
//! care pages offer where a value is restricted.

use super::{Feedback, FormBody, expected_version, failed, fields, next_page, nodes, notice, outcome, status_of};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::layout::json::{plain, when};
use crate::console::layout::{csrf_field, page};
use crate::console::local_path::local_path;
use crate::http::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::html;
use serde_json::{Value, json};
use std::collections::HashMap;
use tools::compliance::accounting;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/compliance/audit", get(audit))
        .route("/compliance/patient", get(patient))
        .route("/compliance/patients/{id}/disclosures.csv", get(csv))
        .route("/compliance/break-glass", get(grants))
        .route("/compliance/break-glass/{id}/review", post(review))
        .route("/break-glass", post(request_break_glass))
}

fn events_table(events: &[&Value]) -> maud::Markup {
    html! {
        table.queue {
            thead { tr { th { "#" } th { "When" } th { "Who" } th { "Did" } th { "Record" } th { "Patient" } th { "PHI" } th { "Outcome" } th { "Why" } } }
            tbody { @for e in events {
                tr {
                    td { (plain(&e["seq"])) }
                    td { (when(&e["occurredAt"])) }
                    td { (plain(&e["actor"])) " " span.muted { (plain(&e["actorRoles"])) } }
                    td { (plain(&e["action"])) }
                    td { (plain(&e["resourceType"])) " " span.muted { (plain(&e["resourceId"])) } }
                    td { (plain(&e["patientId"])) }
                    td { (plain(&e["phiClasses"])) }
                    td { @match e["outcome"].as_str() { Some("DENIED") => span.badge.bad { "denied" }, Some("BREAK_GLASS") => span.badge.bad { "break-glass" }, _ => span.badge { "allowed" } } }
                    td { (plain(&e["reason"])) @if !e["purpose"].is_null() { br; span.muted { "purpose " (plain(&e["purpose"])) } } }
                }
            } }
        }
    }
}

/// The audit log's filters, as the form names them and `AuditFilter` does.
const FILTERS: [&str; 5] = ["actor", "patientId", "action", "outcome", "requestId"];

async fn audit(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| query.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut filter = json!({});
    for key in FILTERS {
        if let Some(v) = get(key) {
            filter[key] = json!(v);
        }
    }
    let answer =
        match ctx.run(documents::COMPLIANCE_AUDIT.text, json!({ "filter": filter, "after": get("after") }), None).await
        {
            Ok(answer) => answer,
            Err(response) => return response,
        };
    let problem = answer.errors.first().cloned();
    let body = html! {
        form.filters method="get" action="/compliance/audit" aria-label="Search the audit log" {
            div { label for="actor" { "Staff id" } input id="actor" name="actor" value=(get("actor").unwrap_or_default()); }
            div { label for="patientId" { "Patient id" } input id="patientId" name="patientId" size="38" value=(get("patientId").unwrap_or_default()); }
            div { label for="action" { "Action" } input id="action" name="action" value=(get("action").unwrap_or_default()); }
            div { label for="requestId" { "Request id" } input id="requestId" name="requestId" value=(get("requestId").unwrap_or_default()); }
            div { label for="outcome" { "Outcome" }
                select id="outcome" name="outcome" { option value="" { "Any" }
                    @for o in ["ALLOWED", "DENIED", "BREAK_GLASS"] { option value=(o) selected[get("outcome").as_deref() == Some(o)] { (o.to_lowercase().replace('_', "-")) } } } }
            button type="submit" { "Search" }
        }
        @if let Some(err) = &problem { (crate::console::layout::error(err)) }
        (events_table(&nodes(&answer, &["auditEvents"])))
        @if answer.at(&["auditEvents", "pageInfo", "hasNextPage"]) == &Value::Bool(true) {
            p { a href=(next_page("/compliance/audit", &query, &[], &FILTERS, answer.at(&["auditEvents", "pageInfo", "endCursor"]).as_str())) { "Older events" } }
        }
    };
    // A refused or mistyped search keeps the form, with the status its error carries.
    let status = if problem.is_some() { status_of(&answer.errors) } else { StatusCode::OK };
    (status, page(&ctx.frame(), "Audit log", body)).into_response()
}

async fn patient(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let id = query.get("id").map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let form = html! {
        form.filters method="get" action="/compliance/patient" {
            div { label for="id" { "Patient id" } input id="id" name="id" size="38" required value=(id.clone().unwrap_or_default()); }
            button type="submit" { "Show" }
        }
    };
    let Some(id) = id else {
        return page(&ctx.frame(), "Patient reports", form).into_response();
    };
    let answer = match ctx.run(documents::COMPLIANCE_PATIENT.text, json!({ "id": id }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if let Some(response) = failed(&ctx, "Patient reports", &answer) {
        return response;
    }
    let body = html! {
        (form)
        section.card aria-labelledby="who-h" {
            h2 id="who-h" { "Who can see this patient now" }
            table { thead { tr { th { "PHI class" } th { "Where" } th { "Who" } th { "Through" } } }
                tbody { @for e in answer.at(&["accessReport", "entries"]).as_array().into_iter().flatten() {
                    tr { td { (plain(&e["phiClass"]).to_lowercase()) } td { (plain(&e["resource"])) } td { (plain(&e["displayName"])) " " span.muted { (plain(&e["sub"])) } }
                         td { @if e["via"] == "BREAK_GLASS" { span.badge.bad { "break-glass until " (when(&e["expiresAt"])) } } @else { "role " (plain(&e["role"])) } } }
                } } }
        }
        section.card aria-labelledby="disc-h" {
            h2 id="disc-h" { "Accounting of disclosures" }
            p { a href={ "/compliance/patients/" (id) "/disclosures.csv" } download { "Download as CSV" } }
            (events_table(&nodes(&answer, &["disclosures"])))
        }
    };
    page(&ctx.frame(), "Patient reports", body).into_response()
}

/// One page of the accounting, with the fields its row is made from.
fn disclosures_document() -> String {
    format!(
        "query($id: ID!, $after: String) {{ disclosures(patientId: $id, first: 100, after: $after) {{
  edges {{ node {{ {} }} }} pageInfo {{ hasNextPage endCursor }} }} }}",
        accounting::GRAPHQL_FIELDS
    )
}

/// The whole accounting as CSV, read a page at a time through the `disclosures` query (so
/// reading it is on the audit trail) and written by the same writer as `ward audit export`.
async fn csv(ctx: SignedIn, Path(id): Path<String>) -> Response {
    let document = disclosures_document();
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let answer = match ctx.run(&document, json!({ "id": id, "after": after }), None).await {
            Ok(answer) => answer,
            Err(response) => return response,
        };
        if let Some(response) = failed(&ctx, "Accounting of disclosures", &answer) {
            return response;
        }
        for node in nodes(&answer, &["disclosures"]) {
            let Some(row) = accounting::Disclosure::from_graphql(node) else {
                tracing::error!(seq = %plain(&node["seq"]), "a disclosure the accounting cannot read");
                return cannot_write();
            };
            rows.push(row);
        }
        if answer.at(&["disclosures", "pageInfo", "hasNextPage"]) != &Value::Bool(true) {
            break;
        }
        after = answer.at(&["disclosures", "pageInfo", "endCursor"]).as_str().map(str::to_owned);
    }
    let mut bytes = Vec::new();
    if let Err(err) = accounting::write(&mut bytes, rows) {
        tracing::error!(error = %err, "writing the accounting of disclosures");
        return cannot_write();
    }
    let mut response = bytes.into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"disclosures-{}.csv\"",
        id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>()
    )) {
        response.headers_mut().insert(CONTENT_DISPOSITION, value);
    }
    response
}

/// The download failed half-way: say so rather than hand over part of an accounting.
fn cannot_write() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, "the accounting of disclosures could not be written; try again").into_response()
}

async fn grants(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    render_grants(&ctx, &query, Feedback::default()).await
}

async fn render_grants(ctx: &SignedIn, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let review = query.get("review").filter(|r| !r.is_empty()).cloned().unwrap_or_else(|| "PENDING".into());
    let filter = if review == "ALL" { json!({}) } else { json!({ "reviewStatus": review }) };
    let answer = match ctx.run(documents::COMPLIANCE_GRANTS.text, json!({ "filter": filter }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if let Some(response) = failed(ctx, "Break-glass review", &answer) {
        return response;
    }
    let csrf = ctx.frame().csrf;
    let body = html! {
        (notice(query))
        (feedback.errors_of("review"))
        form.filters method="get" action="/compliance/break-glass" {
            div { label for="review" { "Review" }
                select id="review" name="review" { @for (v, l) in [("PENDING", "To review"), ("JUSTIFIED", "Justified"), ("UNJUSTIFIED", "Unjustified"), ("ALL", "All")] { option value=(v) selected[review == v] { (l) } } } }
            button type="submit" { "Show" }
        }
        table.queue {
            thead { tr { th { "Opened" } th { "By" } th { "Patient" } th { "Reason" } th { "State" } th { "Verdict" } } }
            tbody { @for g in nodes(&answer, &["breakGlassGrants"]) {
                tr {
                    td { (when(&g["grantedAt"])) }
                    td { (plain(&g["staffSub"])) }
                    td { a href={ "/compliance/patient?id=" (plain(&g["patientId"])) } { (plain(&g["patientId"])) } }
                    td { (plain(&g["reason"])) }
                    td { @if g["active"] == true { span.badge.bad { "open until " (when(&g["expiresAt"])) } } @else { "ended" } }
                    td {
                        @if g["reviewStatus"] == "PENDING" {
                            form method="post" action={ "/compliance/break-glass/" (plain(&g["id"])) "/review" } {
                                (csrf_field(csrf))
                                input type="hidden" name="version" value=(plain(&g["version"]));
                                label for={ "note-" (plain(&g["id"])) } { "Note" }
                                input id={ "note-" (plain(&g["id"])) } name="note";
                                button type="submit" name="verdict" value="JUSTIFIED" { "Justified" } " "
                                button.secondary type="submit" name="verdict" value="UNJUSTIFIED" { "Unjustified" }
                            }
                        } @else { (plain(&g["reviewStatus"]).to_lowercase()) " " span.muted { (plain(&g["reviewNote"])) } }
                    }
                }
            } }
        }
    };
    let status = feedback.status();
    (status, page(&ctx.frame(), "Break-glass review", body)).into_response()
}

async fn review(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let vars = json!({ "id": id, "v": expected_version(&input),
        "verdict": input.get("verdict"), "note": input.get("note").filter(|n| !n.trim().is_empty()) });
    let doc = documents::COMPLIANCE_REVIEW_BREAK_GLASS.text;
    let answer = match ctx.run(doc, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, "/compliance/break-glass", "reviewed") {
        Ok(response) => response,
        Err(errors) => render_grants(&ctx, &HashMap::new(), Feedback { form: "review", errors, input }).await,
    }
}

async fn request_break_glass(ctx: SignedIn, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let doc = documents::COMPLIANCE_REQUEST_BREAK_GLASS.text;
    let answer = match ctx.run(doc, json!({ "p": input.get("patient"), "r": input.get("reason") }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    // The form's own page, if `back=` names one of ward's; the home page otherwise.
    let back = input.get("back").and_then(|back| local_path(back)).unwrap_or_else(|| "/".into());
    match outcome(&answer, &back, "breakglass") {
        Ok(response) => response,
        Err(errors) => {
            let body = html! { (crate::console::layout::errors(&errors)) p { a href=(back) { "Back" } } };
            (status_of(&errors), page(&ctx.frame(), "Emergency access", body)).into_response()
        }
    }
}
