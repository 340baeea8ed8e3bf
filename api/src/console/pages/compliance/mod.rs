//! Compliance: audit search, finding a patient and their report (who can see them now, and
//! their accounting of disclosures, with its CSV), and the break-glass review queue. Also the
//! break-glass request that care pages offer where a value is restricted.

mod break_glass;
mod on_file;
mod patient;

use super::{next_page, status_of, unreadable};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::Connection;
use crate::console::layout::{page, plain, thousands, when};
use crate::http::AppState;
use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/compliance/audit", get(audit))
        .route("/compliance/audit.csv", get(audit_csv))
        .route("/compliance/patient", get(patient::lookup))
        .route("/compliance/patients/{id}", get(patient::report))
        .route("/compliance/patients/{id}/disclosures.csv", get(patient::csv))
        .route("/compliance/break-glass", get(break_glass::grants))
        .route("/compliance/break-glass/{id}/review", post(break_glass::review))
        .route("/break-glass", post(break_glass::request_break_glass))
        .route("/break-glass/{id}/end", post(break_glass::end_break_glass))
        .merge(on_file::routes())
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
    ("request_reactivate", "asked to bring a staff member back"),
    ("reactivate", "brought a staff member back"),
    ("audit.patient_lookup", "searched for a patient (compliance)"),
    ("audit.accounting", "prepared an accounting of disclosures"),
    ("audit.export", "exported the audit log"),
];

/// A day of the form (`2026-12-03`) as the instant `AuditFilter` takes: its start (UTC), or
/// for `to`, the start of the day after, so the range includes the day named.
fn day_bound(day: &str, inclusive_end: bool) -> Option<String> {
    let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let day = if inclusive_end { day.succ_opt()? } else { day };
    Some(format!("{day}T00:00:00Z"))
}

/// The search the form's fields ask for, as `AuditFilter`.
fn filter_of(query: &HashMap<String, String>) -> serde_json::Value {
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
    filter
}

/// `compliance/audit_csv.graphql`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuditCsv {
    audit_events_csv: String,
}

/// GET `/compliance/audit.csv`: the search as CSV (written, and recorded, by the API).
async fn audit_csv(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let answer = match ctx.run(documents::COMPLIANCE_AUDIT_CSV.text, json!({ "filter": filter_of(&query) }), None).await
    {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let AuditCsv { audit_events_csv } = match super::read(&ctx, "Audit log", &answer) {
        Ok(csv) => csv,
        Err(response) => return response,
    };
    let mut response = audit_events_csv.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let name = format!("attachment; filename=\"audit-{}.csv\"", Utc::now().format("%Y-%m-%d"));
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    response
}

async fn audit(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| query.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let filter = filter_of(&query);
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
            @if count > 0 {
                p { a href=(next_page("/compliance/audit.csv", &query, &[], &FILTERS, None)) download {
                    "Download this search as CSV" @if count >= COUNT_LIMIT { " (the newest " (thousands(COUNT_LIMIT.unsigned_abs())) ")" }
                } }
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
use super::COUNT_LIMIT;
