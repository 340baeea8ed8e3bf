//! Compliance: audit search, a patient's accounting of disclosures (with its CSV), "who can
//! see this patient", and the break-glass review queue. Also the break-glass request that
//! care pages offer where a value is restricted.

use super::{
    Agent, Feedback, FormBody, expected_version, fields, name_of, next_page, notice, outcome, read, status_of,
    unreadable,
};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Answer, Connection};
use crate::console::layout::{csrf_field, page, plain, thousands, when};
use crate::console::local_path::local_path;
use crate::http::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;
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
        .route("/break-glass/{id}/end", post(end_break_glass))
}

/// An event of the audit trail, as the audit log and a patient's disclosures list it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuditEvent {
    seq: String,
    occurred_at: DateTime<Utc>,
    actor: String,
    actor_name: Option<String>,
    actor_roles: Vec<String>,
    action: String,
    resource_type: String,
    resource_id: Option<String>,
    patient_id: Option<String>,
    phi_classes: Vec<String>,
    outcome: Option<String>,
    reason: Option<String>,
    purpose: Option<String>,
}

fn events_table<'a>(events: impl IntoIterator<Item = &'a AuditEvent>) -> maud::Markup {
    html! {
        table.queue {
            thead { tr { th { "#" } th { "When" } th { "Who" } th { "Did" } th { "Record" } th { "Patient" } th { "PHI" } th { "Outcome" } th { "Why" } } }
            tbody { @for e in events {
                tr {
                    td { (e.seq) }
                    td { (when(&e.occurred_at)) }
                    td { (e.actor_name.as_deref().unwrap_or(&e.actor)) " " span.muted { (plain(&e.actor_roles)) } }
                    td { (e.action) }
                    td { (e.resource_type) " " span.muted { (plain(&e.resource_id)) } }
                    td { (plain(&e.patient_id)) }
                    td { (plain(&e.phi_classes)) }
                    td { @match e.outcome.as_deref() { Some("DENIED") => span.badge.bad { "denied" }, Some("BREAK_GLASS") => span.badge.bad { "break-glass" }, _ => span.badge { "allowed" } } }
                    td { (plain(&e.reason)) @if let Some(purpose) = &e.purpose { br; span.muted { "purpose " (purpose) } } }
                }
            } }
        }
    }
}

/// `compliance/audit.graphql`: a page of the audit log.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuditPage {
    audit_event_count: i64,
    audit_events: Connection<AuditEvent>,
}

/// The audit log's filters, as the form names them and `AuditFilter` does (`from` and `to`
/// are days, turned into the instants the filter takes).
const FILTERS: [&str; 8] = ["actor", "actorName", "patientId", "action", "outcome", "requestId", "from", "to"];

/// The actions a search may pick, in words: what compliance asks about.
const ACTIONS: &[(&str, &str)] = &[
    ("read", "viewed patient data (or was refused it)"),
    ("request", "opened emergency access"),
    ("review", "reviewed emergency access"),
    ("end", "ended emergency access"),
    ("create", "created a record"),
    ("update", "updated a record"),
    ("edit", "edited a care record"),
    ("assign", "assigned a record"),
    ("transition", "moved a ticket or escalation on"),
    ("comment", "commented on a ticket"),
    ("import", "imported a file"),
    ("request_write_off", "asked for a write-off"),
    ("approve_write_off", "approved a write-off"),
    ("request_grant_role", "asked for a role grant"),
    ("approve_grant_role", "approved a role grant"),
    ("revoke_role", "revoked a role"),
    ("deactivate", "deactivated a staff member"),
];

/// A day of the form (`2026-12-03`) as the instant `AuditFilter` takes: its start (UTC), or
/// for `to`, the start of the day after, so the range includes the day named.
fn day_bound(day: &str, inclusive_end: bool) -> Option<String> {
    let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let day = if inclusive_end { day.succ_opt()? } else { day };
    Some(format!("{day}T00:00:00Z"))
}

async fn audit(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| query.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut filter = json!({});
    for key in FILTERS {
        let value = match key {
            "from" => get(key).and_then(|d| day_bound(&d, false)),
            "to" => get(key).and_then(|d| day_bound(&d, true)),
            _ => get(key),
        };
        if let Some(v) = value {
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
    // A refused or mistyped search answers no events (`null`): the form, and its error.
    let (count, events) = match answer.read::<Option<AuditPage>>() {
        Ok(Some(page)) => (Some(page.audit_event_count), Some(page.audit_events)),
        Ok(None) => (None, None),
        Err(err) => return unreadable(&ctx, "Audit log", &err),
    };
    let page_info = events.as_ref().map(|events| &events.page_info).filter(|info| info.has_next_page);
    let body = html! {
        form.filters method="get" action="/compliance/audit" aria-label="Search the audit log" {
            div { label for="actorName" { "Staff (name, or how it starts)" } input id="actorName" name="actorName" value=(get("actorName").unwrap_or_default()); }
            @if let Some(actor) = get("actor") { input type="hidden" name="actor" value=(actor); }
            div { label for="patientId" { "Patient id" } input id="patientId" name="patientId" size="38" value=(get("patientId").unwrap_or_default()); }
            div { label for="action" { "What they did" }
                select id="action" name="action" { option value="" { "Anything" }
                    @for (value, words) in ACTIONS { option value=(value) selected[get("action").as_deref() == Some(*value)] { (words) } } } }
            div { label for="from" { "From (day, UTC)" } input id="from" name="from" type="date" value=(get("from").unwrap_or_default()); }
            div { label for="to" { "To (day, UTC, included)" } input id="to" name="to" type="date" value=(get("to").unwrap_or_default()); }
            div { label for="requestId" { "Request id" } input id="requestId" name="requestId" value=(get("requestId").unwrap_or_default()); }
            div { label for="outcome" { "Outcome" }
                select id="outcome" name="outcome" { option value="" { "Any" }
                    @for o in ["ALLOWED", "DENIED", "BREAK_GLASS"] { option value=(o) selected[get("outcome").as_deref() == Some(o)] { (o.to_lowercase().replace('_', "-")) } } } }
            button type="submit" { "Search" }
        }
        @if let Some(err) = &problem { (crate::console::layout::error(err)) }
        @if let Some(count) = count {
            p role="status" {
                @match count {
                    0 => "No events match this search.",
                    1 => "1 event matches this search.",
                    n if n >= COUNT_LIMIT => { (format!("{} or more events match this search: narrow it (days, a staff member) to see them all.", thousands(n.unsigned_abs()))) }
                    n => { (thousands(n.unsigned_abs())) " events match this search, newest first." }
                }
            }
        }
        (events_table(events.iter().flat_map(Connection::nodes)))
        @if let Some(info) = page_info {
            p { a href=(next_page("/compliance/audit", &query, &[], &FILTERS, info.end_cursor.as_deref())) { "Older events" } }
        }
    };
    // A refused or mistyped search keeps the form, with the status its error carries.
    let status = if problem.is_some() { status_of(&answer.errors) } else { StatusCode::OK };
    (status, page(&ctx.frame(), "Audit log", body)).into_response()
}

/// The most events the trail counts for a search.
const COUNT_LIMIT: i64 = tools::compliance::audit_log::COUNT_LIMIT as i64;

/// `compliance/patient.graphql`: who can see a patient now, and what was disclosed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatientReports {
    access_report: AccessReport,
    disclosures: Connection<AuditEvent>,
}

#[derive(Deserialize)]
struct AccessReport {
    entries: Vec<AccessEntry>,
}

/// One member's access to one PHI class of the patient.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessEntry {
    phi_class: String,
    resource: String,
    sub: String,
    display_name: String,
    via: String,
    role: Option<String>,
    expires_at: Option<DateTime<Utc>>,
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
    let reports: PatientReports = match read(&ctx, "Patient reports", &answer) {
        Ok(reports) => reports,
        Err(response) => return response,
    };
    let body = html! {
        (form)
        section.card aria-labelledby="who-h" {
            h2 id="who-h" { "Who can see this patient now" }
            table { thead { tr { th { "PHI class" } th { "Where" } th { "Who" } th { "Through" } } }
                tbody { @for e in &reports.access_report.entries {
                    tr { td { (e.phi_class.to_lowercase()) } td { (e.resource) } td { (e.display_name) " " span.muted { (e.sub) } }
                         td { @if e.via == "BREAK_GLASS" { span.badge.bad { "break-glass until " (when(e.expires_at.as_ref())) } } @else { "role " (plain(&e.role)) } } }
                } } }
        }
        section.card aria-labelledby="disc-h" {
            h2 id="disc-h" { "Accounting of disclosures" }
            p { a href={ "/compliance/patients/" (id) "/disclosures.csv" } download { "Download as CSV" } }
            (events_table(reports.disclosures.nodes()))
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

/// A page of the accounting: each node as `accounting::Disclosure` reads it.
#[derive(Deserialize)]
struct Disclosures {
    disclosures: Connection<Value>,
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
        let Disclosures { disclosures } = match read(&ctx, "Accounting of disclosures", &answer) {
            Ok(disclosures) => disclosures,
            Err(response) => return response,
        };
        for node in disclosures.nodes() {
            let Some(row) = accounting::Disclosure::from_graphql(node) else {
                tracing::error!(seq = %node["seq"], "a disclosure the accounting cannot read");
                return cannot_write();
            };
            rows.push(row);
        }
        if !disclosures.page_info.has_next_page {
            break;
        }
        after = disclosures.page_info.end_cursor;
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

/// `compliance/grants.graphql`: break-glass grants, to review or reviewed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrantsPage {
    break_glass_grants: Connection<Grant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Grant {
    id: String,
    staff: Option<Agent>,
    patient_id: String,
    reason: String,
    granted_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    active: bool,
    review_status: String,
    review_note: Option<String>,
    version: i64,
}

async fn render_grants(ctx: &SignedIn, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let review = query.get("review").filter(|r| !r.is_empty()).cloned().unwrap_or_else(|| "PENDING".into());
    let filter = if review == "ALL" { json!({}) } else { json!({ "reviewStatus": review }) };
    let answer = match ctx.run(documents::COMPLIANCE_GRANTS.text, json!({ "filter": filter }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let grants: GrantsPage = match read(ctx, "Break-glass review", &answer) {
        Ok(grants) => grants,
        Err(response) => return response,
    };
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
            tbody { @for g in grants.break_glass_grants.nodes() {
                tr {
                    td { (when(&g.granted_at)) }
                    td { (name_of(&g.staff)) }
                    td { a href={ "/compliance/patient?id=" (g.patient_id) } { (g.patient_id) } }
                    td { (g.reason) }
                    td { @if g.active { span.badge.bad { "open until " (when(&g.expires_at)) } } @else { "ended" } }
                    td {
                        @if g.review_status == "PENDING" {
                            form method="post" action={ "/compliance/break-glass/" (g.id) "/review" } {
                                (csrf_field(csrf))
                                input type="hidden" name="version" value=(g.version);
                                label for={ "note-" (g.id) } { "Note (required for Unjustified)" }
                                input id={ "note-" (g.id) } name="note" maxlength="2000" value=(feedback.typed_in("review", ("id", &g.id), "note"));
                                // Neither verdict is the default: both buttons weigh the same.
                                button type="submit" name="verdict" value="JUSTIFIED" { "Justified" } " "
                                button type="submit" name="verdict" value="UNJUSTIFIED" { "Unjustified" }
                            }
                        } @else { (g.review_status.to_lowercase()) " " span.muted { (plain(&g.review_note)) } }
                    }
                }
            } }
        }
    };
    let status = feedback.status();
    (status, page(&ctx.frame(), "Break-glass review", body)).into_response()
}

async fn review(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let mut input = fields(&form.0);
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
        Err(errors) => {
            // Which row was typed in: its note comes back there.
            input.insert("id".into(), id);
            render_grants(&ctx, &HashMap::new(), Feedback { form: "review", errors, input }).await
        }
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
    back_to_the_page(&ctx, &input, &answer, "breakglass")
}

/// After a break-glass form: the page it was sent from (if `back=` names one of ward's; the
/// home page otherwise) with `notice`, or the refusal in words with the way back.
fn back_to_the_page(ctx: &SignedIn, input: &HashMap<String, String>, answer: &Answer, notice: &str) -> Response {
    let back = input.get("back").and_then(|back| local_path(back)).unwrap_or_else(|| "/".into());
    match outcome(answer, &back, notice) {
        Ok(response) => response,
        Err(errors) => {
            let body = html! { (crate::console::layout::errors(&errors)) p { a href=(back) { "Back" } } };
            (status_of(&errors), page(&ctx.frame(), "Emergency access", body)).into_response()
        }
    }
}

/// Ends the member's own emergency access at once, from the page it opened.
async fn end_break_glass(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let answer = match ctx.run(documents::COMPLIANCE_END_BREAK_GLASS.text, json!({ "id": id }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    back_to_the_page(&ctx, &input, &answer, "breakglass-ended")
}
