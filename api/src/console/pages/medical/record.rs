//! One care record: what it says, whether a review signed off this version, the amendment
//! waiting for approval (with the diff it would apply, decided here by a second medical
//! member), its history in words, the changes since a revision, the edit form and its reviews.

use super::super::{Agent, Feedback, FormBody, Id, expected_version, fields, name_of, notice, outcome, read};
use super::record_history::{self, Amendment, Revision};
use super::{CodeChange, DiffLine, Provider, changes};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{ago, csrf_field, page, plain, restricted, value, value_in};
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use policies::{Action, Resource};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use tools::medical::workflow::PSYCHOTHERAPY_NOTE;

/// `medical/record.graphql`: one care record with its revisions, the diff asked for, its
/// reviews, its amendments and the one waiting for approval.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordPage {
    care_record: CareRecord,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CareRecord {
    kind: String,
    version: i64,
    body: Shown<Option<String>>,
    diagnosis_codes: Shown<Option<Vec<String>>>,
    pub(super) created_at: DateTime<Utc>,
    signed_off_version: Option<i64>,
    pub(super) provider: Shown<Option<Provider>>,
    patient: Shown<Option<RecordPatient>>,
    pub(super) revisions: Shown<Option<Connection<Revision>>>,
    /// Asked only with `?from=`.
    #[serde(default)]
    diff: Shown<Option<Vec<DiffLine>>>,
    #[serde(default)]
    code_changes: Shown<Option<Vec<CodeChange>>>,
    pub(super) reviews: Shown<Option<Vec<RecordReview>>>,
    pub(super) amendments: Vec<Amendment>,
    pending_amendment: Option<PendingAmendment>,
}

#[derive(Deserialize)]
struct RecordPatient {
    name: Shown<Option<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RecordReview {
    id: String,
    pub(super) status: String,
    pub(super) score: Option<i64>,
    pub(super) record_version: Option<i64>,
    pub(super) completed_at: Option<DateTime<Utc>>,
    pub(super) reviewer: Option<Agent>,
}

/// An amendment of a signed-off record, waiting for a second medical member.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PendingAmendment {
    reason: Shown<Option<String>>,
    diff: Shown<Option<Vec<DiffLine>>>,
    code_changes: Shown<Option<Vec<CodeChange>>>,
    approval: PendingApproval,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PendingApproval {
    id: String,
    version: i64,
    requested_by: Option<String>,
    created_at: DateTime<Utc>,
    requester: Option<Agent>,
}

pub(super) async fn record(
    ctx: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    render_record(&ctx, &id, &query, Feedback::default()).await
}

async fn render_record(ctx: &SignedIn, id: &str, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let from = query.get("from").filter(|f| !f.is_empty()).cloned();
    let to = query.get("to").filter(|t| !t.is_empty()).cloned();
    let vars = json!({ "id": id, "from": from.clone().unwrap_or_else(|| id.to_owned()), "to": to, "withDiff": from.is_some() });
    // The page is the patient's care, read from their record: a psychotherapy note opens
    // only under an authorization naming that purpose (treatment). Break-glass states its own.
    let policy = ctx.state.policy.authorizer().snapshot();
    let by_role = policy.decide(&ctx.caller.principal.roles, Resource::CareRecord, Action::Read).permission.is_some();
    let purpose = format!("care_record:{id}");
    let purpose = (by_role && uuid::Uuid::parse_str(id).is_ok()).then_some(purpose.as_str());
    let answer = match ctx.run(documents::MEDICAL_RECORD.text, vars, purpose).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let RecordPage { care_record: r } = match read(ctx, "Care record", &answer) {
        Ok(record) => record,
        Err(response) => return response,
    };
    let status = feedback.status();
    let title = format!("Care record: {}", r.kind.replace('_', " "));
    (status, page(&ctx.frame(), &title, record_body(ctx, id, &r, query, &feedback))).into_response()
}

/// Whether a review signed off the version shown, or an earlier one.
fn sign_off(r: &CareRecord) -> Markup {
    html! {
        @match r.signed_off_version {
            Some(v) if v == r.version => { " " span.badge.ok { "signed off by a review" } }
            Some(v) => { " " span.badge { "changed since a review signed off version " (v) } }
            None => {}
        }
    }
}

fn record_body(
    ctx: &SignedIn,
    id: &str,
    r: &CareRecord,
    query: &HashMap<String, String>,
    feedback: &Feedback,
) -> Markup {
    html! {
        (notice(query))
        section.card aria-labelledby="rec-h" {
            h2 id="rec-h" { "The record" }
            dl {
                dt { "Patient" } dd { (value_in(&r.patient, |p| value(&p.name))) }
                dt { "Provider" } dd { (plain(&r.provider.present().map(|p| &p.name))) }
                dt { "Written" } dd { (ago(&r.created_at)) }
                dt { "Diagnosis" } dd { (value(&r.diagnosis_codes)) }
                dt { "Version" } dd { (r.version) (sign_off(r)) }
            }
            @if r.body.is_refused() && r.kind == PSYCHOTHERAPY_NOTE {
                p.restricted role="note" {
                    "restricted: psychotherapy note. It opens only under the patient's authorization on file, "
                    "naming your team and the purpose of your work; compliance records authorizations."
                }
            } @else if r.body.is_refused() { (restricted()) } @else { pre.body { (plain(&r.body.present())) } }
        }
        @if let Some(amendment) = &r.pending_amendment { (amendment_card(ctx, id, amendment, feedback)) }
        section.card aria-labelledby="hist-h" {
            h2 id="hist-h" { "History" }
            (record_history::card(id, r))
            @if query.contains_key("from") {
                h3 { "Changes since that version" }
                @if r.diff.is_refused() || r.code_changes.is_refused() { (restricted()) }
                @else { (changes(r.code_changes.present().map_or(&[], |c| c.as_slice()), r.diff.present().map_or(&[], |d| d.as_slice()))) }
            }
        }
        // Nobody in ward edits a psychotherapy note (the edit would read it).
        @if r.kind != PSYCHOTHERAPY_NOTE { (edit_card(ctx, id, r, feedback)) }
        section.card aria-labelledby="reviews-h" {
            h2 id="reviews-h" { "Reviews" }
            @for rv in r.reviews.present().into_iter().flatten() {
                p { a href={ "/medical/reviews/" (rv.id) } { (rv.status.to_lowercase().replace('_', " ")) }
                    " · score " (plain(&rv.score)) " · " (name_of(&rv.reviewer))
                    @if let Some(v) = rv.record_version { " · scored version " (v) } }
            }
            (feedback.errors_of("start"))
            @if r.kind == PSYCHOTHERAPY_NOTE {
                p.muted { "A psychotherapy note is not reviewed for care quality: the review would read it." }
            } @else {
                form method="post" action={ "/medical/records/" (id) "/review" } {
                    (csrf_field(ctx.frame().csrf))
                    button.secondary type="submit" { "Start a review" }
                }
            }
        }
    }
}

/// The amendment waiting for approval: who asked, why, what it would change, and the
/// decision for a medical member other than the requester.
fn amendment_card(ctx: &SignedIn, id: &str, amendment: &PendingAmendment, feedback: &Feedback) -> Markup {
    let approval = &amendment.approval;
    let mine = approval.requested_by.as_deref() == Some(ctx.frame().sub);
    html! {
        section.card aria-labelledby="amend-h" {
            h2 id="amend-h" { "Amendment waiting for approval" }
            p { (name_of(&approval.requester)) " asked " (ago(&approval.created_at)) ": " (value(&amendment.reason)) }
            p.muted { "The record above is unchanged until a second medical member approves. This is what the amendment would change:" }
            @if amendment.diff.is_refused() || amendment.code_changes.is_refused() { (restricted()) }
            @else { (changes(amendment.code_changes.present().map_or(&[], |c| c.as_slice()), amendment.diff.present().map_or(&[], |d| d.as_slice()))) }
            @if mine {
                p.muted { "You asked for it: another medical member approves or rejects it." }
            } @else {
                (feedback.errors_of("decide"))
                form method="post" action={ "/medical/records/" (id) "/amendment" } {
                    (csrf_field(ctx.frame().csrf))
                    input type="hidden" name="approval" value=(approval.id);
                    input type="hidden" name="version" value=(approval.version);
                    label for="note" { "Note (required to reject: " (name_of(&approval.requester)) " reads it)" }
                    input id="note" name="note" maxlength="2000" value=(feedback.typed("decide", "note"));
                    button type="submit" name="decision" value="approve" { "Approve the amendment" }
                    " "
                    button type="submit" name="decision" value="reject" { "Reject the amendment" }
                }
            }
        }
    }
}

fn edit_card(ctx: &SignedIn, id: &str, r: &CareRecord, feedback: &Feedback) -> Markup {
    let typed_or = |key: &str, now: String| {
        let typed = feedback.typed("edit", key);
        if typed.is_empty() { now } else { typed }
    };
    html! {
        section.card aria-labelledby="edit-h" {
            h2 id="edit-h" { "Edit" }
            p.muted { "Nothing is overwritten: the current text is kept as a revision. A record signed off by a review changes only when a second medical member approves." }
            @if feedback.is_conflict("edit") {
                p.error role="alert" {
                    @if let Some(last) = record_history::last_change(r) { (last) ", while you were editing. " }
                    @else { "Someone changed this record while you were editing. " }
                    "The record above is the current version; your text is kept below: compare, then save again."
                }
            } @else { (feedback.errors_of("edit")) }
            form method="post" action={ "/medical/records/" (id) "/edit" } {
                (csrf_field(ctx.frame().csrf))
                input type="hidden" name="version" value=(r.version);
                label for="body" { "Text" }
                textarea id="body" name="body" rows="12" { (typed_or("body", plain(&r.body.present()))) }
                label for="codes" { "Diagnosis codes (comma-separated ICD-10)" }
                input id="codes" name="codes" value=(typed_or("codes", plain(&r.diagnosis_codes.present())));
                label for="reason" { "Why (at least 10 characters)" }
                input id="reason" name="reason" required minlength="10" value=(feedback.typed("edit", "reason"));
                button type="submit" { "Save edit" }
            }
        }
    }
}

/// `medical/edit_care_record.graphql`: whether the edit was applied or waits for approval.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Edited {
    edit_care_record: EditedRecord,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EditedRecord {
    pending_amendment: Option<serde_json::Value>,
}

pub(super) async fn edit(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let codes: Vec<String> = input
        .get("codes")
        .map(|c| c.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let vars = json!({ "id": id, "v": expected_version(&input),
        "body": input.get("body"), "codes": codes, "why": input.get("reason") });
    let doc = documents::MEDICAL_EDIT_CARE_RECORD.text;
    let answer = match ctx.run(doc, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    // A signed-off record is not changed yet: the edit waits for a second medical member.
    let pending = answer.errors.is_empty()
        && answer.read::<Edited>().is_ok_and(|e| e.edit_care_record.pending_amendment.is_some());
    match outcome(&answer, &format!("/medical/records/{id}"), if pending { "amend" } else { "edit" }) {
        Ok(response) => response,
        Err(errors) => render_record(&ctx, &id, &HashMap::new(), Feedback { form: "edit", errors, input }).await,
    }
}

/// `medical/start_care_review.graphql`: the review started (or the one already open).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Started {
    start_care_review: Id,
}

pub(super) async fn start(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let answer = match ctx.run(documents::MEDICAL_START_CARE_REVIEW.text, json!({ "r": id }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if answer.errors.is_empty() {
        return match read::<Started>(&ctx, "Care record", &answer) {
            Ok(started) => crate::console::redirect(&format!("/medical/reviews/{}", started.start_care_review.id)),
            Err(response) => response,
        };
    }
    render_record(&ctx, &id, &HashMap::new(), Feedback { form: "start", errors: answer.errors.clone(), input }).await
}

/// Approves or rejects the record's waiting amendment, from the record's page.
pub(super) async fn decide(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let approval = input.get("approval").cloned().unwrap_or_default();
    let version = expected_version(&input);
    let note = input.get("note").map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let reject = input.get("decision").is_some_and(|d| d == "reject");
    let (doc, vars, done) = if reject {
        let vars = json!({ "id": approval, "v": version, "note": note.unwrap_or_default() });
        (documents::APPROVALS_REJECT.text, vars, "amend-rejected")
    } else {
        (documents::APPROVALS_APPROVE.text, json!({ "id": approval, "v": version, "note": note }), "amend-approved")
    };
    let answer = match ctx.run(doc, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, &format!("/medical/records/{id}"), done) {
        Ok(response) => response,
        Err(errors) => render_record(&ctx, &id, &HashMap::new(), Feedback { form: "decide", errors, input }).await,
    }
}
