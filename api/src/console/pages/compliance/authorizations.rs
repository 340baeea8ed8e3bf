//! A patient's authorizations on file, on their report: the list (in force, lapsed, revoked),
//! a form to record one as the patient signed it, and a revocation that says why. Only an
//! authorization opens the patient's psychotherapy notes.

use super::super::{Agent, Feedback, FormBody, all_of, fields, outcome};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::layout::{csrf_field, plain, when};
use axum::extract::Path;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use tools::compliance::accounting::words;
use tools::compliance::authorization_service::TEAMS;

/// One authorization, as `compliance/patient.graphql` reads it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorization {
    id: String,
    teams: Vec<String>,
    purposes: Vec<String>,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
    document: String,
    in_force: bool,
    recorded_at: DateTime<Utc>,
    recorded_by: Option<Agent>,
    revoked_at: Option<DateTime<Utc>>,
    revoke_reason: Option<String>,
}

const PURPOSES: [(&str, &str); 3] =
    [("TREATMENT", "Treatment"), ("PAYMENT", "Payment"), ("OPERATIONS", "Health-care operations")];

fn state(a: &Authorization) -> Markup {
    html! {
        @if a.in_force { span.badge.ok { "in force" } }
        @else if let Some(at) = &a.revoked_at { "revoked " (when(at)) " " span.muted { (plain(&a.revoke_reason)) } }
        @else { "not in force (outside its days)" }
    }
}

/// The card: what is on file, and the forms (the refused form keeps what was typed).
pub fn card(ctx: &SignedIn, patient: &str, on_file: &[Authorization], feedback: &Feedback) -> Markup {
    let csrf = ctx.frame().csrf;
    let typed = |key: &str| feedback.typed("authorize", key);
    let ticked = |key: &str, value: &str| feedback.input.contains_key(&format!("{key}:{value}"));
    html! {
        section.card aria-labelledby="auth-h" {
            h2 id="auth-h" { "Authorizations on file" }
            p.muted { "A psychotherapy note opens only under the patient's signed authorization, to the teams and for the purposes it names, on its days. Nobody reads under one they recorded." }
            @if on_file.is_empty() { p { "None on file." } } @else {
                table aria-label="Authorizations" {
                    thead { tr { th { "Days" } th { "Teams" } th { "Purposes" } th { "Document" } th { "Recorded" } th { "State" } } }
                    tbody { @for a in on_file {
                        tr {
                            td { (a.valid_from) " to " (a.valid_until) }
                            td { (a.teams.join(", ")) }
                            td { (a.purposes.iter().map(|p| p.to_lowercase()).collect::<Vec<_>>().join(", ")) }
                            td { (a.document) }
                            td { (when(&a.recorded_at)) " by " (a.recorded_by.as_ref().map_or("—", |r| r.display_name.as_str())) }
                            td {
                                (state(a))
                                @if a.revoked_at.is_none() {
                                    form method="post" action={ "/compliance/authorizations/" (a.id) "/revoke" } {
                                        (csrf_field(csrf))
                                        input type="hidden" name="patient" value=(patient);
                                        label for={ "why-" (a.id) } { "Why it ends" }
                                        input id={ "why-" (a.id) } name="reason" required maxlength="2000" value=(feedback.typed_in("revoke", ("id", &a.id), "reason"));
                                        button.secondary type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
            (feedback.errors_of("revoke"))
            h3 { "Record an authorization" }
            (feedback.errors_of("authorize"))
            form method="post" action={ "/compliance/patients/" (patient) "/authorizations" } {
                (csrf_field(csrf))
                fieldset { legend { "Teams it names" }
                    @for team in TEAMS { @let value = team.as_str();
                        label { input type="checkbox" name="teams" value=(value) checked[ticked("teams", value)]; " " (words::role(value)) } " " } }
                fieldset { legend { "Purposes it allows" }
                    @for (value, label) in PURPOSES { label { input type="checkbox" name="purposes" value=(value) checked[ticked("purposes", value)]; " " (label) } " " } }
                div { label for="valid-from" { "First day" } input id="valid-from" name="validFrom" type="date" required value=(typed("validFrom")); }
                div { label for="valid-until" { "Last day (included)" } input id="valid-until" name="validUntil" type="date" required value=(typed("validUntil")); }
                div { label for="document" { "The signed document, and where it is kept" }
                    textarea id="document" name="document" rows="2" required maxlength="2000" { (typed("document")) } }
                button type="submit" { "Record authorization" }
            }
        }
    }
}

/// The form's ticked boxes, kept as `key:value` so a refused form shows them ticked again.
fn with_ticks(form: &[(String, String)], mut input: HashMap<String, String>) -> HashMap<String, String> {
    for key in ["teams", "purposes"] {
        for value in all_of(form, key) {
            input.insert(format!("{key}:{value}"), "on".into());
        }
    }
    input
}

pub async fn record(ctx: SignedIn, Path(patient): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let day = |key: &str| input.get(key).map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
    let vars = json!({ "input": {
        "patientId": patient, "teams": all_of(&form.0, "teams"), "purposes": all_of(&form.0, "purposes"),
        "validFrom": day("validFrom"), "validUntil": day("validUntil"), "document": input.get("document").cloned().unwrap_or_default(),
    }});
    let answer = match ctx.run(documents::COMPLIANCE_RECORD_AUTHORIZATION.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, &super::patient::report_path(&patient), "authorization-recorded") {
        Ok(response) => response,
        Err(errors) => {
            let feedback = Feedback { form: "authorize", errors, input: with_ticks(&form.0, input) };
            super::patient::render_report(&ctx, &patient, &HashMap::new(), feedback).await
        }
    }
}

pub async fn revoke(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let mut input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let patient = input.get("patient").cloned().unwrap_or_default();
    let vars = json!({ "id": id, "reason": input.get("reason").cloned().unwrap_or_default() });
    let answer = match ctx.run(documents::COMPLIANCE_REVOKE_AUTHORIZATION.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, &super::patient::report_path(&patient), "authorization-revoked") {
        Ok(response) => response,
        Err(errors) => {
            input.insert("id".into(), id);
            super::patient::render_report(&ctx, &patient, &HashMap::new(), Feedback { form: "revoke", errors, input })
                .await
        }
    }
}
