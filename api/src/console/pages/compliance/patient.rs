//! Finding a patient (by name, date of birth or member id) and their report: who can see them
//! now, what they signed or asked for (authorizations, Part 2 consents, restrictions), and
//! their accounting of disclosures for a period, on the page and as the CSV a privacy officer
//! hands over.

use super::super::{Feedback, list_end, notice, read, status_of};
use super::on_file::Paper;
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Answer, Connection, GqlError};
use crate::console::layout::{errors, page, plain, when};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use tools::compliance::accounting::words;

/// The report's address.
pub(super) fn report_path(id: &str) -> String {
    format!(
        "/compliance/patients/{}",
        id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>()
    )
}

/// `compliance/lookup.graphql`: the patients a search finds.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lookup {
    patient_lookup: Connection<Found>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Found {
    id: String,
    name: String,
    date_of_birth: NaiveDate,
    member_id: String,
    state: String,
}

fn lookup_form(search: &str) -> Markup {
    html! {
        form.filters method="get" action="/compliance/patient" role="search" aria-label="Find a patient" {
            div {
                label for="q" { "Name, date of birth or member id" }
                input id="q" name="q" type="search" required minlength="2" maxlength="100" autocomplete="off"
                    aria-describedby="q-hint" value=(search);
                span.muted id="q-hint" { "The start of a name is enough (\"gar\", \"rosa gar\"); a date as 1984-03-02 or 03/02/1984." }
            }
            button type="submit" { "Find" }
        }
        p.muted { "Every search is recorded in the audit log, with what was searched for." }
    }
}

/// Finds a patient; `?id=` (older links) goes straight to their report.
pub async fn lookup(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    if let Some(id) = query.get("id").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        return Redirect::to(&report_path(id)).into_response();
    }
    let search = query.get("q").map(|v| v.trim().to_owned()).unwrap_or_default();
    if search.is_empty() {
        return page(&ctx.frame(), "Find a patient", lookup_form("")).into_response();
    }
    let vars = json!({ "s": search, "after": query.get("after") });
    let answer = match ctx.run(documents::COMPLIANCE_LOOKUP.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if !answer.errors.is_empty() {
        // A search too short or too long: the form, what was typed, and why.
        let body = html! { (lookup_form(&search)) (errors(&answer.errors)) };
        return (status_of(&answer.errors), page(&ctx.frame(), "Find a patient", body)).into_response();
    }
    let found: Lookup = match read(&ctx, "Find a patient", &answer) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let list = &found.patient_lookup;
    let body = html! {
        (lookup_form(&search))
        @if list.nodes().next().is_some() {
            table.queue aria-label="Patients found" {
                thead { tr { th { "Patient" } th { "Date of birth" } th { "Member id" } th { "State" } } }
                tbody { @for p in list.nodes() {
                    tr {
                        td { a href=(report_path(&p.id)) { (p.name) } }
                        td { (p.date_of_birth.format("%Y-%m-%d")) }
                        td { (p.member_id) }
                        td { (p.state) }
                    }
                } }
            }
        }
        (list_end(list, &format!("No patient's name, date of birth or member id starts with \u{201c}{search}\u{201d}."), "/compliance/patient", &query, &[], &["q"]))
    };
    page(&ctx.frame(), "Find a patient", body).into_response()
}

/// `compliance/patient.graphql`: who can see a patient now, and their accounting.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatientReport {
    access_report: AccessReport,
    authorizations: Vec<super::on_file::OnFile>,
    consents: Vec<super::on_file::OnFile>,
    restrictions: Vec<super::on_file::OnFile>,
    accounting_report: Accounting,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessReport {
    entries: Vec<AccessEntry>,
    restricted_from: Vec<RestrictedEntry>,
}

/// What a restriction keeps from a member, or from anyone reading for some purposes.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestrictedEntry {
    phi_class: String,
    resource: String,
    display_name: Option<String>,
    purposes: Vec<String>,
}

/// One member's access to one PHI class of the patient.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessEntry {
    phi_class: String,
    resource: String,
    display_name: String,
    via: String,
    role: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    purposes: Vec<String>,
    label: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Accounting {
    patient_name: String,
    patient_date_of_birth: NaiveDate,
    patient_member_id: String,
    from: NaiveDate,
    to: NaiveDate,
    generated_at: DateTime<Utc>,
    generated_by: Named,
    lines: Vec<AccountingLine>,
}

#[derive(Deserialize)]
struct Named {
    named: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountingLine {
    kind: String,
    first_at: DateTime<Utc>,
    last_at: DateTime<Utc>,
    times: i64,
    recipient: Named,
    break_glass: bool,
    what: String,
    why: String,
    how: String,
}

/// The period the form asks for: each day as typed, or `None` when left empty.
fn period(query: &HashMap<String, String>) -> Result<(Option<String>, Option<String>), GqlError> {
    let day = |key: &str, label: &str| -> Result<Option<String>, GqlError> {
        match query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| Some(d.to_string()))
                .map_err(|_| GqlError::bad_input(&format!("{label} is not a day: write it as 2026-03-01."))),
        }
    };
    Ok((day("from", "The first day")?, day("to", "The last day")?))
}

fn period_form(id: &str, query: &HashMap<String, String>, shown: Option<(NaiveDate, NaiveDate)>) -> Markup {
    let typed = |key: &str, shown: Option<NaiveDate>| {
        query.get(key).cloned().filter(|v| !v.trim().is_empty()).or(shown.map(|d| d.to_string())).unwrap_or_default()
    };
    html! {
        form.filters method="get" action=(report_path(id)) aria-label="The period the accounting covers" {
            div { label for="from" { "From (day, UTC)" } input id="from" name="from" type="date" value=(typed("from", shown.map(|s| s.0))); }
            div { label for="to" { "To (day, UTC, included)" } input id="to" name="to" type="date" value=(typed("to", shown.map(|s| s.1))); }
            button type="submit" { "Show this period" }
        }
    }
}

/// A patient's report: who can see them now, and their accounting for the period asked
/// (by default the six years to today).
pub async fn report(ctx: SignedIn, Path(id): Path<String>, Query(query): Query<HashMap<String, String>>) -> Response {
    render_report(&ctx, &id, &query, Feedback::default()).await
}

/// The report, with what a refused form of it said and had typed.
pub(super) async fn render_report(
    ctx: &SignedIn,
    id: &str,
    query: &HashMap<String, String>,
    feedback: Feedback,
) -> Response {
    let title = "Patient report";
    let refused = |errs: &[GqlError]| {
        let body = html! { (period_form(id, query, None)) (errors(errs)) p { a href="/compliance/patient" { "Find another patient" } } };
        (status_of(errs), page(&ctx.frame(), title, body)).into_response()
    };
    let (from, to) = match period(query) {
        Ok(days) => days,
        Err(err) => return refused(&[err]),
    };
    let vars = json!({ "id": id, "from": from, "to": to });
    let answer = match ctx.run(documents::COMPLIANCE_PATIENT.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if let Some(err) =
        answer.errors.iter().find(|e| e.code == tools::kit::Code::BadUserInput && feedback.errors.is_empty())
    {
        // A period that runs backwards: the form, as typed, and why.
        return refused(std::slice::from_ref(err));
    }
    let report: PatientReport = match read(ctx, title, &answer) {
        Ok(report) => report,
        Err(response) => return response,
    };
    let accounting = &report.accounting_report;
    let body = html! {
        (notice(query))
        (identity(accounting))
        (who_can_see(&report.access_report))
        (super::on_file::card(ctx, id, Paper::Authorization, &report.authorizations, &feedback))
        (super::on_file::card(ctx, id, Paper::Consent, &report.consents, &feedback))
        (super::on_file::card(ctx, id, Paper::Restriction, &report.restrictions, &feedback))
        section.card aria-labelledby="disc-h" {
            h2 id="disc-h" { "Accounting of disclosures" }
            (period_form(id, query, Some((accounting.from, accounting.to))))
            (accounting_heading(accounting))
            p { a href=(csv_path(id, accounting)) download { "Download as CSV" } }
            (lines_table(&accounting.lines))
        }
    };
    (feedback.status(), page(&ctx.frame(), &format!("{title}: {}", accounting.patient_name), body)).into_response()
}

/// Who the report is about, as they would recognise themselves.
fn identity(accounting: &Accounting) -> Markup {
    html! {
        dl.facts aria-label="The patient" {
            dt { "Patient" } dd { (accounting.patient_name) }
            dt { "Date of birth" } dd { (accounting.patient_date_of_birth.format("%Y-%m-%d")) }
            dt { "Insurance member id" } dd { (accounting.patient_member_id) }
        }
    }
}

fn who_can_see(report: &AccessReport) -> Markup {
    // Whom a consent names: their team, or them by name.
    let named = |e: &AccessEntry| match &e.role {
        Some(role) => format!("to their team ({})", words::role(role)),
        None => "to them by name".to_owned(),
    };
    html! {
        section.card aria-labelledby="who-h" {
            h2 id="who-h" { "Who can see this patient now" }
            table { thead { tr { th { "What" } th { "Where" } th { "Which records" } th { "Who" } th { "Through" } } }
                tbody { @for e in &report.entries {
                    tr { td { (words::phi_class(&e.phi_class.to_lowercase())) } td { (words::record(&e.resource)) }
                         td { (label_words(e.label.as_deref())) } td { (e.display_name) }
                         td { @if e.via == "BREAK_GLASS" { span.badge.bad { "emergency access until " (when(e.expires_at.as_ref())) } }
                              @else if e.via == "AUTHORIZATION" {
                                  "the patient's authorization, for " (e.purposes.join(", ")) ", to their team ("
                                  (words::role(&plain(&e.role))) ") until " (when(e.expires_at.as_ref()))
                              }
                              @else if e.via == "CONSENT" {
                                  "the patient's Part 2 consent, for " (e.purposes.join(", ")) ", " (named(e))
                                  " until " (when(e.expires_at.as_ref()))
                              }
                              @else { "their team: " (words::role(&plain(&e.role))) } } }
                } } }
            @if !report.restricted_from.is_empty() {
                h3 { "Kept from them at the patient's request" }
                table { thead { tr { th { "What" } th { "Where" } th { "From" } } }
                    tbody { @for r in &report.restricted_from {
                        tr { td { (words::phi_class(&r.phi_class.to_lowercase())) } td { (words::record(&r.resource)) }
                             td { @if let Some(name) = &r.display_name { (name) } @else { "anyone reading for " (r.purposes.join(", ")) } } }
                    } } }
            }
        }
    }
}

/// The records an entry reaches, by their label.
fn label_words(label: Option<&str>) -> &'static str {
    match label {
        Some("psychotherapy_note") => "psychotherapy notes",
        Some("sud_part2") => "Part 2 records",
        Some(_) => "labelled records",
        None => "unlabelled records",
    }
}

/// The period, who prepared the accounting and when.
fn accounting_heading(accounting: &Accounting) -> Markup {
    let count = accounting.lines.len();
    html! {
        p role="status" {
            "From " (accounting.from.format("%Y-%m-%d")) " to " (accounting.to.format("%Y-%m-%d")) " (UTC, both days included): "
            @match count { 0 => "nothing was disclosed.", 1 => "1 line.", n => { (n) " lines, oldest first." } }
        }
        p.muted { "Prepared by " (accounting.generated_by.named) " on " (when(&accounting.generated_at)) "." }
    }
}

fn csv_path(id: &str, accounting: &Accounting) -> String {
    format!("{}/disclosures.csv?from={}&to={}", report_path(id), accounting.from, accounting.to)
}

/// When a line happened: once, or how many times that day, from when to when.
fn times(line: &AccountingLine) -> Markup {
    html! {
        (when(&line.first_at))
        @if line.times > 1 {
            br; span.muted { (line.times) " times that day, the last at " (line.last_at.format("%H:%M UTC")) }
        }
    }
}

fn lines_table(lines: &[AccountingLine]) -> Markup {
    html! {
        @if !lines.is_empty() {
            table.queue aria-label="Disclosures, oldest first" {
                thead { tr { th { "When" } th { "Who" } th { "What" } th { "Why" } th { "How" } } }
                tbody { @for line in lines {
                    tr {
                        td { (times(line)) }
                        td { (line.recipient.named) }
                        td { @if line.kind != "DISCLOSURE" { span.badge.bad { "emergency access" } " " } (line.what) }
                        td { (line.why) }
                        td { @if line.break_glass { span.badge.bad { (line.how) } } @else { (line.how) } }
                    }
                } }
            }
        }
    }
}

/// `compliance/accounting_csv.graphql`: the accounting as its CSV.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountingCsv {
    accounting_report: CsvText,
}

#[derive(Deserialize)]
struct CsvText {
    csv: String,
}

/// The accounting for the period as CSV: written by the API (so preparing it is on the audit
/// trail) with the same writer as `ward audit export`.
pub async fn csv(ctx: SignedIn, Path(id): Path<String>, Query(query): Query<HashMap<String, String>>) -> Response {
    let title = "Accounting of disclosures";
    let (from, to) = match period(&query) {
        Ok(days) => days,
        Err(err) => return (StatusCode::BAD_REQUEST, page(&ctx.frame(), title, errors(&[err]))).into_response(),
    };
    let answer: Answer = match ctx
        .run(documents::COMPLIANCE_ACCOUNTING_CSV.text, json!({ "id": id, "from": from, "to": to }), None)
        .await
    {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let AccountingCsv { accounting_report } = match read(&ctx, title, &answer) {
        Ok(csv) => csv,
        Err(response) => return response,
    };
    let mut response = accounting_report.csv.into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"disclosures-{}.csv\"",
        id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>()
    )) {
        response.headers_mut().insert(CONTENT_DISPOSITION, value);
    }
    response
}
