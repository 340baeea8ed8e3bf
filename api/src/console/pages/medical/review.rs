//! One care review: the record under review and the form that scores it, or, once
//! completed, the verdict with the version of the record it scored and the way to the record
//! as it stands now.

use super::super::{Agent, Feedback, FormBody, all_of, expected_version, fields, name_of, notice, outcome, read};
use super::Provider;
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::Shown;
use crate::console::layout::{ago, csrf_field, page, plain, restricted, value, when};
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

/// `medical/review.graphql`: one review, its record, and the flags a review may raise.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewPage {
    care_review: CareReview,
    review_flags: Vec<ReviewFlag>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CareReview {
    status: String,
    score: Option<i64>,
    flags: Vec<String>,
    findings: Shown<Option<String>>,
    version: i64,
    reviewer: Option<Agent>,
    completed_at: Option<DateTime<Utc>>,
    record_version: Option<i64>,
    scored_version: Shown<Option<Scored>>,
    care_record: Shown<Option<ReviewedRecord>>,
}

/// The record as the reviewer scored it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Scored {
    version: i64,
    current: bool,
    revision_id: Option<String>,
    body: Shown<Option<String>>,
    diagnosis_codes: Shown<Option<Vec<String>>>,
}

/// The record under review, as it stands.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewedRecord {
    id: String,
    kind: String,
    version: i64,
    body: Shown<Option<String>>,
    diagnosis_codes: Shown<Option<Vec<String>>>,
    created_at: DateTime<Utc>,
    provider: Shown<Option<Provider>>,
}

#[derive(Deserialize)]
struct ReviewFlag {
    name: String,
    description: String,
}

pub(super) async fn review(
    ctx: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    render_review(&ctx, &id, &query, Feedback::default(), Vec::new()).await
}

async fn render_review(
    ctx: &SignedIn,
    id: &str,
    query: &HashMap<String, String>,
    feedback: Feedback,
    typed_flags: Vec<String>,
) -> Response {
    let purpose = format!("care_review:{id}");
    let answer = match ctx
        .run(
            documents::MEDICAL_REVIEW.text,
            json!({ "id": id }),
            uuid::Uuid::parse_str(id).is_ok().then_some(purpose.as_str()),
        )
        .await
    {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let ReviewPage { care_review: r, review_flags } = match read(ctx, "Care review", &answer) {
        Ok(review) => review,
        Err(response) => return response,
    };
    let done = r.status == "COMPLETED";
    let body = html! {
        (notice(query))
        @if done { (scored_card(&r)) } @else { (record_card(&r)) }
        section.card aria-labelledby="form-h" {
            h2 id="form-h" { @if done { "Completed review" } @else { "Your review" } }
            @if done {
                dl { dt { "Score" } dd { (plain(&r.score)) } dt { "Flags" } dd { (plain(&r.flags).replace('_', " ")) }
                     dt { "Findings" } dd { (value(&r.findings)) } dt { "Reviewer" } dd { (name_of(&r.reviewer)) }
                     dt { "Completed" } dd { @if let Some(at) = &r.completed_at { (ago(at)) } } }
            } @else {
                (review_form(ctx, id, &r, &review_flags, &feedback, &typed_flags))
            }
        }
    };
    let status = feedback.status();
    (status, page(&ctx.frame(), "Care review", body)).into_response()
}

/// The record as it stands, for a review still to do.
fn record_card(r: &CareReview) -> Markup {
    let record = r.care_record.present();
    html! {
        section.card aria-labelledby="rec-h" {
            h2 id="rec-h" { "Record under review" }
            p.muted { (plain(&record.map(|c| &c.kind)).replace('_', " ")) " by " (plain(&record.and_then(|c| c.provider.present()).map(|p| &p.name))) " · " (when(record.map(|c| &c.created_at))) " · version " (plain(&record.map(|c| c.version))) " · " a href={ "/medical/records/" (plain(&record.map(|c| &c.id))) } { "open the record" } }
            @if r.care_record.is_refused() || record.is_some_and(|c| c.body.is_refused()) { (restricted()) }
            @else { pre.body { (plain(&record.and_then(|c| c.body.present()))) } p { "Diagnosis: " (plain(&record.and_then(|c| c.diagnosis_codes.present()))) } }
        }
    }
}

/// The record as the reviewer scored it: that version's words, and whether the record moved
/// on since (with the way to its current version and to what changed).
fn scored_card(r: &CareReview) -> Markup {
    let record = r.care_record.present();
    let record_id = plain(&record.map(|c| &c.id));
    let scored = r.scored_version.present();
    html! {
        section.card aria-labelledby="rec-h" {
            h2 id="rec-h" { "The record as scored" }
            p.muted { (plain(&record.map(|c| &c.kind)).replace('_', " ")) " by " (plain(&record.and_then(|c| c.provider.present()).map(|p| &p.name))) " · written " (when(record.map(|c| &c.created_at))) }
            @match (scored, r.record_version) {
                (Some(s), _) if s.current => {
                    p { "This review scored version " (s.version) ", which is the record as it stands. " a href={ "/medical/records/" (record_id) } { "Open the record" } }
                }
                (Some(s), _) => {
                    p.warning {
                        "This review scored version " (s.version) ". The record has changed since: it is now at version " (plain(&record.map(|c| c.version))) ". "
                        a href={ "/medical/records/" (record_id) } { "Open the current version" } " · "
                        @if let Some(revision) = &s.revision_id { a href={ "/medical/records/" (record_id) "?from=" (revision) } { "see what changed since the review" } }
                    }
                }
                (None, Some(version)) => { p { "This review scored version " (version) ". " a href={ "/medical/records/" (record_id) } { "Open the record" } } }
                (None, None) => { p { a href={ "/medical/records/" (record_id) } { "Open the record" } } }
            }
            @if r.scored_version.is_refused() || scored.is_some_and(|s| s.body.is_refused()) { (restricted()) }
            @else if let Some(s) = scored {
                pre.body { (plain(&s.body.present())) }
                p { "Diagnosis: " (plain(&s.diagnosis_codes.present())) }
            }
        }
    }
}

fn review_form(
    ctx: &SignedIn,
    id: &str,
    r: &CareReview,
    review_flags: &[ReviewFlag],
    feedback: &Feedback,
    typed_flags: &[String],
) -> Markup {
    let csrf = ctx.frame().csrf;
    let record = r.care_record.present();
    let record_id = plain(&record.map(|c| &c.id));
    let record_version = record.map(|c| c.version);
    // The record moved on since the form was shown: the review would score a text not read.
    let record_moved = feedback.form == "complete"
        && !feedback.errors.is_empty()
        && feedback.typed("complete", "record_version") != plain(&record_version);
    html! {
        @if r.status == "PENDING" {
            // pending → in_review → completed: a sampled review is started first.
            p { "Waiting to be started by " (name_of(&r.reviewer)) "." }
            form method="post" action={ "/medical/records/" (record_id) "/review" } {
                (csrf_field(csrf))
                button type="submit" { "Start review" }
            }
        } @else {
            @if record_moved {
                p.error role="alert" { "The record changed while you reviewed it: above is its current version (" (plain(&record_version)) "). Read it again, then complete the review; your entries are kept below." }
            } @else if feedback.is_conflict("complete") {
                p.error role="alert" { "This review changed while you worked on it; your entries are kept below." }
            }
            @if !record_moved { (feedback.errors_of("complete")) }
            form method="post" action={ "/medical/reviews/" (id) "/complete" } {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(r.version);
                input type="hidden" name="record_version" value=(plain(&record_version));
                fieldset { legend { "Score (1 poor – 5 exemplary)" }
                    @for s in 1..=5 { label.inline { input type="radio" name="score" value=(s) required checked[feedback.typed("complete", "score") == s.to_string()]; " " (s) } " " }
                }
                fieldset { legend { "Flags" }
                    @for f in review_flags {
                        label { input type="checkbox" name="flags" value=(f.name) checked[typed_flags.contains(&f.name)]; " " (f.description) }
                    }
                }
                label for="findings" { "Findings" }
                textarea id="findings" name="findings" required { (feedback.typed("complete", "findings")) }
                button type="submit" { "Complete review" }
            }
        }
    }
}

pub(super) async fn complete(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let flags = all_of(&form.0, "flags");
    let read_version = input.get("record_version").and_then(|v| v.parse::<i64>().ok());
    let vars = json!({ "id": id, "v": expected_version(&input),
        "score": input.get("score").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0), "findings": input.get("findings"),
        "flags": flags, "read": read_version });
    let doc = documents::MEDICAL_COMPLETE_CARE_REVIEW.text;
    let answer = match ctx.run(doc, vars, Some(&format!("care_review:{id}"))).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, &format!("/medical/reviews/{id}"), "review") {
        Ok(response) => response,
        Err(errors) => {
            render_review(&ctx, &id, &HashMap::new(), Feedback { form: "complete", errors, input }, flags).await
        }
    }
}
