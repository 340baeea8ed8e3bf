//! What a patient signed or asked for, on their report, one card each: authorizations (the
//! only key to psychotherapy notes), Part 2 consents (the key to substance-use disorder
//! records) and restrictions (what is kept from whom). Each card lists what is on file (in
//! force, lapsed, revoked or lifted), has a form to record one as the patient signed it, and
//! ends one saying why: a revocation at once, a restriction's lift when a second compliance
//! member approves it.

use super::super::{Agent, Feedback, FormBody, all_of, fields, outcome};
use crate::console::SignedIn;
use crate::console::documents::{self, Document};
use crate::console::layout::{csrf_field, plain, when};
use axum::extract::Path;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use tools::compliance::accounting::words;
use tools::compliance::on_file_service::TEAMS;

/// One permission on file, as `compliance/patient.graphql` reads it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnFile {
    id: String,
    covers: Vec<String>,
    teams: Vec<String>,
    staff: Vec<Agent>,
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

/// Which of the three a card is about.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    Authorization,
    Consent,
    Restriction,
}

const PURPOSES: [(&str, &str); 3] =
    [("TREATMENT", "Treatment"), ("PAYMENT", "Payment"), ("OPERATIONS", "Health-care operations")];

impl Paper {
    /// The address part: `/compliance/patients/{id}/{slug}`, `/compliance/{slug}/{id}/revoke`.
    pub fn slug(self) -> &'static str {
        match self {
            Paper::Authorization => "authorizations",
            Paper::Consent => "consents",
            Paper::Restriction => "restrictions",
        }
    }

    /// The form's name (its feedback) and the field prefix of its inputs' ids.
    fn form(self) -> &'static str {
        match self {
            Paper::Authorization => "authorize",
            Paper::Consent => "consent",
            Paper::Restriction => "restrict",
        }
    }

    fn ending_form(self) -> &'static str {
        match self {
            Paper::Authorization => "revoke",
            Paper::Consent => "revoke-consent",
            Paper::Restriction => "lift",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Paper::Authorization => "Authorizations on file",
            Paper::Consent => "Part 2 consents on file",
            Paper::Restriction => "Restrictions the patient asked for",
        }
    }

    fn explained(self) -> &'static str {
        match self {
            Paper::Authorization => {
                "A psychotherapy note opens only under the patient's signed authorization, to the teams and for the purposes it names, on its days. Nobody reads under one they recorded."
            }
            Paper::Consent => {
                "A substance-use disorder record (42 CFR Part 2) opens only under the patient's consent, to the teams and people it names and for the purposes it names, on its days (or in a medical emergency). Nobody reads under one they recorded."
            }
            Paper::Restriction => {
                "A restriction keeps the patient's records labelled restricted from the teams, people and purposes it names. It holds from the moment it is recorded; lifting it needs a second compliance member's approval."
            }
        }
    }

    /// What it may cover, as the form offers it (an authorization covers psychotherapy notes).
    fn covers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Paper::Authorization => &[],
            Paper::Consent => &[
                ("sud_part2", "Every value of their Part 2 records"),
                ("clinical", "Clinical values only"),
                ("billing", "Billing values only"),
                ("correspondence", "Ticket text only"),
            ],
            Paper::Restriction => &[
                ("restricted", "Every value of their restricted records"),
                ("clinical", "Clinical values only"),
                ("billing", "Billing values only"),
                ("correspondence", "Ticket text only"),
            ],
        }
    }

    fn whom(self) -> (&'static str, &'static str) {
        match self {
            Paper::Restriction => ("Teams it keeps them from", "Purposes it keeps them from"),
            _ => ("Teams it names", "Purposes it allows"),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Paper::Authorization => "authorization",
            Paper::Consent => "consent",
            Paper::Restriction => "restriction",
        }
    }

    fn documents(self) -> (&'static Document, &'static Document) {
        match self {
            Paper::Authorization => {
                (&documents::COMPLIANCE_RECORD_AUTHORIZATION, &documents::COMPLIANCE_REVOKE_AUTHORIZATION)
            }
            Paper::Consent => (&documents::COMPLIANCE_RECORD_CONSENT, &documents::COMPLIANCE_REVOKE_CONSENT),
            Paper::Restriction => (&documents::COMPLIANCE_RECORD_RESTRICTION, &documents::COMPLIANCE_LIFT_RESTRICTION),
        }
    }

    /// The notices of a form that went through: recorded, and ended (or asked to be).
    fn notices(self) -> (&'static str, &'static str) {
        match self {
            Paper::Authorization => ("authorization-recorded", "authorization-revoked"),
            Paper::Consent => ("consent-recorded", "consent-revoked"),
            Paper::Restriction => ("restriction-recorded", "restriction-lift-asked"),
        }
    }
}

fn state(a: &OnFile, paper: Paper) -> Markup {
    let ended = if paper == Paper::Restriction { "lifted " } else { "revoked " };
    html! {
        @if a.in_force { span.badge.ok { "in force" } }
        @else if let Some(at) = &a.revoked_at { (ended) (when(at)) " " span.muted { (plain(&a.revoke_reason)) } }
        @else { "not in force (outside its days)" }
    }
}

/// Who it names: teams in words, and people by name.
fn recipients(a: &OnFile) -> String {
    let teams = a.teams.iter().map(|t| words::role(t).to_owned());
    let people = a.staff.iter().map(|s| s.display_name.clone());
    let all: Vec<String> = teams.chain(people).collect();
    if all.is_empty() { "—".into() } else { all.join(", ") }
}

/// The card: what is on file, and the forms (the refused form keeps what was typed).
pub fn card(ctx: &SignedIn, patient: &str, paper: Paper, on_file: &[OnFile], feedback: &Feedback) -> Markup {
    let csrf = ctx.frame().csrf;
    let form = paper.form();
    let heading = format!("{}-h", paper.slug());
    html! {
        section.card aria-labelledby=(heading) {
            h2 id=(heading) { (paper.heading()) }
            p.muted { (paper.explained()) }
            @if on_file.is_empty() { p { "None on file." } } @else {
                table aria-label=(paper.heading()) {
                    thead { tr { th { "Days" } @if paper != Paper::Authorization { th { "Covers" } } th { "Whom" } th { "Purposes" } th { "Document" } th { "Recorded" } th { "State" } } }
                    tbody { @for a in on_file {
                        tr {
                            td { (a.valid_from) " to " (a.valid_until) }
                            @if paper != Paper::Authorization { td { (a.covers.join(", ")) } }
                            td { (recipients(a)) }
                            td { (a.purposes.iter().map(|p| p.to_lowercase()).collect::<Vec<_>>().join(", ")) }
                            td { (a.document) }
                            td { (when(&a.recorded_at)) " by " (a.recorded_by.as_ref().map_or("—", |r| r.display_name.as_str())) }
                            td {
                                (state(a, paper))
                                @if a.revoked_at.is_none() { (ending(csrf, patient, paper, a, feedback)) }
                            }
                        }
                    } }
                }
            }
            (feedback.errors_of(paper.ending_form()))
            h3 { "Record a " (paper.noun()) }
            (feedback.errors_of(form))
            (record_form(csrf, patient, paper, feedback))
        }
    }
}

/// The form that ends one: a revocation, or (a restriction) a request to lift it.
fn ending(csrf: &str, patient: &str, paper: Paper, a: &OnFile, feedback: &Feedback) -> Markup {
    let id = format!("why-{}", a.id);
    let (label, button) =
        if paper == Paper::Restriction { ("Why it should end", "Ask to lift") } else { ("Why it ends", "Revoke") };
    html! {
        form method="post" action={ "/compliance/" (paper.slug()) "/" (a.id) "/revoke" } {
            (csrf_field(csrf))
            input type="hidden" name="patient" value=(patient);
            label for=(id) { (label) }
            input id=(id) name="reason" required maxlength="2000" value=(feedback.typed_in(paper.ending_form(), ("id", &a.id), "reason"));
            button.secondary type="submit" { (button) }
        }
    }
}

fn record_form(csrf: &str, patient: &str, paper: Paper, feedback: &Feedback) -> Markup {
    let form = paper.form();
    let typed = |key: &str| feedback.typed(form, key);
    let ticked =
        |key: &str, value: &str| feedback.form == form && feedback.input.contains_key(&format!("{key}:{value}"));
    let id = |field: &str| format!("{form}-{field}");
    let (teams_legend, purposes_legend) = paper.whom();
    html! {
        form method="post" action={ "/compliance/patients/" (patient) "/" (paper.slug()) } {
            (csrf_field(csrf))
            @if !paper.covers().is_empty() {
                fieldset { legend { "What it covers" }
                    @for (value, label) in paper.covers() { label { input type="checkbox" name="covers" value=(value) checked[ticked("covers", value)]; " " (label) } " " } }
            }
            fieldset { legend { (teams_legend) }
                @for team in TEAMS { @let value = team.as_str();
                    label { input type="checkbox" name="teams" value=(value) checked[ticked("teams", value)]; " " (words::role(value)) } " " } }
            @if paper != Paper::Authorization {
                div { label for=(id("staff")) { "People it names (their sign-in names, separated by commas)" }
                    input id=(id("staff")) name="staff" maxlength="500" value=(typed("staff")); }
            }
            fieldset { legend { (purposes_legend) }
                @for (value, label) in PURPOSES { label { input type="checkbox" name="purposes" value=(value) checked[ticked("purposes", value)]; " " (label) } " " } }
            div { label for=(id("valid-from")) { "First day" } input id=(id("valid-from")) name="validFrom" type="date" required value=(typed("validFrom")); }
            div { label for=(id("valid-until")) { "Last day (included)" } input id=(id("valid-until")) name="validUntil" type="date" required value=(typed("validUntil")); }
            div { label for=(id("document")) { "The signed document, and where it is kept" }
                textarea id=(id("document")) name="document" rows="2" required maxlength="2000" { (typed("document")) } }
            button type="submit" { "Record " (paper.noun()) }
        }
    }
}

/// The form's ticked boxes, kept as `key:value` so a refused form shows them ticked again.
fn with_ticks(form: &[(String, String)], mut input: HashMap<String, String>) -> HashMap<String, String> {
    for key in ["covers", "teams", "purposes"] {
        for value in all_of(form, key) {
            input.insert(format!("{key}:{value}"), "on".into());
        }
    }
    input
}

pub async fn record(paper: Paper, ctx: SignedIn, patient: String, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let day = |key: &str| input.get(key).map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
    let mut vars = json!({
        "patientId": patient, "teams": all_of(&form.0, "teams"), "purposes": all_of(&form.0, "purposes"),
        "validFrom": day("validFrom"), "validUntil": day("validUntil"), "document": input.get("document").cloned().unwrap_or_default(),
    });
    if paper != Paper::Authorization {
        let staff: Vec<&str> = input
            .get("staff")
            .map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        vars["covers"] = json!(all_of(&form.0, "covers"));
        vars["staff"] = json!(staff);
    }
    let (record, _) = paper.documents();
    let answer = match ctx.run(record.text, json!({ "input": vars }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, &super::patient::report_path(&patient), paper.notices().0) {
        Ok(response) => response,
        Err(errors) => {
            let feedback = Feedback { form: paper.form(), errors, input: with_ticks(&form.0, input) };
            super::patient::render_report(&ctx, &patient, &HashMap::new(), feedback).await
        }
    }
}

pub async fn revoke(paper: Paper, ctx: SignedIn, id: String, form: FormBody) -> Response {
    let mut input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let patient = input.get("patient").cloned().unwrap_or_default();
    let vars = json!({ "id": id, "reason": input.get("reason").cloned().unwrap_or_default() });
    let (_, revoke) = paper.documents();
    let answer = match ctx.run(revoke.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, &super::patient::report_path(&patient), paper.notices().1) {
        Ok(response) => response,
        Err(errors) => {
            input.insert("id".into(), id);
            let feedback = Feedback { form: paper.ending_form(), errors, input };
            super::patient::render_report(&ctx, &patient, &HashMap::new(), feedback).await
        }
    }
}

/// The routes of the three cards.
pub fn routes() -> axum::Router<crate::http::AppState> {
    use axum::routing::post;
    let mut router = axum::Router::new();
    for paper in [Paper::Authorization, Paper::Consent, Paper::Restriction] {
        router = router
            .route(
                &format!("/compliance/patients/{{id}}/{}", paper.slug()),
                post(move |ctx: SignedIn, Path(id): Path<String>, form: FormBody| record(paper, ctx, id, form)),
            )
            .route(
                &format!("/compliance/{}/{{id}}/revoke", paper.slug()),
                post(move |ctx: SignedIn, Path(id): Path<String>, form: FormBody| revoke(paper, ctx, id, form)),
            );
    }
    router
}
