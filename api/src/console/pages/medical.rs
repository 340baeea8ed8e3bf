//! Medical: the review queue (and sampling a week's reviews), care records with their
//! revisions and line diffs, the edit form, the review form, and the provider ranking. A
//! review's page states the review as its purpose.

use super::{
    Agent, Feedback, FormBody, Id, all_of, expected_version, fields, name_of, notice, outcome, read, status_of,
};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{csrf_field, page, plain, restricted, value, value_in, when};
use crate::http::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/medical/reviews", get(reviews))
        .route("/medical/reviews/{id}", get(review))
        .route("/medical/reviews/{id}/complete", post(complete))
        .route("/medical/sample", post(sample))
        .route("/medical/records", get(records))
        .route("/medical/records/{id}", get(record))
        .route("/medical/records/{id}/edit", post(edit))
        .route("/medical/records/{id}/review", post(start))
        .route("/medical/quality", get(quality))
}

/// A record's provider, as pages name them.
#[derive(Deserialize)]
struct Provider {
    name: String,
}

/// `medical/reviews.graphql`: the reviews to do (or done).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewsPage {
    care_reviews: Connection<ReviewRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewRow {
    id: String,
    status: String,
    score: Option<i64>,
    flags: Vec<String>,
    record_kind: String,
    created_at: DateTime<Utc>,
    reviewer: Option<Agent>,
}

async fn reviews(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let status = query.get("status").filter(|s| !s.is_empty()).cloned().unwrap_or_else(|| "PENDING,IN_REVIEW".into());
    let mut filter = json!({ "status": status.split(',').collect::<Vec<_>>() });
    if query.contains_key("mine") {
        filter["reviewer"] = json!("me");
    }
    let vars = json!({ "filter": filter, "after": query.get("after").filter(|a| !a.is_empty()) });
    let answer = match ctx.run(documents::MEDICAL_REVIEWS.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let reviews: ReviewsPage = match read(&ctx, "Review queue", &answer) {
        Ok(reviews) => reviews,
        Err(response) => return response,
    };
    let body = html! {
        (notice(&query))
        form.filters method="get" action="/medical/reviews" aria-label="Filter the queue" {
            div { label for="status" { "Status" }
                select id="status" name="status" {
                    @for (v, label) in [("PENDING,IN_REVIEW", "To do"), ("PENDING", "Pending"), ("IN_REVIEW", "In review"), ("COMPLETED", "Completed")] {
                        option value=(v) selected[status == v] { (label) }
                    }
                } }
            div { label { input type="checkbox" name="mine" value="1" checked[query.contains_key("mine")]; " Mine only" } }
            button type="submit" { "Filter" }
        }
        form.filters method="post" action="/medical/sample" {
            (csrf_field(ctx.frame().csrf))
            div { label for="size" { "Sample records for review" } input id="size" name="size" type="number" min="1" max="50" value="10"; }
            button.secondary type="submit" { "Fill my week" }
        }
        table.queue {
            thead { tr { th { "Opened" } th { "Record" } th { "Status" } th { "Score" } th { "Flags" } th { "Reviewer" } } }
            tbody { @for r in reviews.care_reviews.nodes() {
                tr {
                    td { a href={ "/medical/reviews/" (r.id) } { (when(&r.created_at)) } }
                    td { (r.record_kind.replace('_', " ")) }
                    td { (r.status.to_lowercase().replace('_', " ")) }
                    td { (plain(&r.score)) }
                    td { (plain(&r.flags).replace('_', " ")) }
                    td { (name_of(&r.reviewer)) }
                }
            } }
        }
        (super::list_end(&reviews.care_reviews, "No reviews match these filters.", "/medical/reviews", &query, &[("status", &status)], &["mine"]))
    };
    page(&ctx.frame(), "Review queue", body).into_response()
}

async fn sample(ctx: SignedIn, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let size = input.get("size").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let answer = match ctx.run(documents::MEDICAL_SAMPLE_FOR_REVIEW.text, json!({ "n": size }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, "/medical/reviews?mine=1&status=PENDING", "sample") {
        Ok(response) => response,
        Err(errors) => {
            let body = html! { (crate::console::layout::errors(&errors)) p { a href="/medical/reviews" { "Back to the queue" } } };
            (status_of(&errors), page(&ctx.frame(), "Review queue", body)).into_response()
        }
    }
}

/// `medical/records.graphql`: care records, newest first.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordsPage {
    care_records: Connection<RecordRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordRow {
    id: String,
    kind: String,
    created_at: DateTime<Utc>,
    version: i64,
    provider: Shown<Option<Provider>>,
}

async fn records(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let mut filter = json!({});
    if query.contains_key("unreviewed") {
        filter["unreviewed"] = json!(true);
    }
    if let Some(kind) = query.get("kind").filter(|k| !k.is_empty()) {
        filter["kind"] = json!(kind);
    }
    let vars = json!({ "filter": filter, "after": query.get("after").filter(|a| !a.is_empty()) });
    let answer = match ctx.run(documents::MEDICAL_RECORDS.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let records: RecordsPage = match read(&ctx, "Care records", &answer) {
        Ok(records) => records,
        Err(response) => return response,
    };
    let body = html! {
        form.filters method="get" action="/medical/records" aria-label="Filter records" {
            div { label for="kind" { "Kind" }
                select id="kind" name="kind" {
                    option value="" { "Any" }
                    @for (v, label) in [("PROGRESS_NOTE", "Progress note"), ("TREATMENT_PLAN", "Treatment plan"), ("ASSESSMENT", "Assessment")] {
                        option value=(v) selected[query.get("kind").is_some_and(|k| k == v)] { (label) }
                    }
                } }
            div { label { input type="checkbox" name="unreviewed" value="1" checked[query.contains_key("unreviewed")]; " Never reviewed" } }
            button type="submit" { "Filter" }
        }
        table.queue {
            thead { tr { th { "Written" } th { "Kind" } th { "Provider" } th { "Version" } } }
            tbody { @for r in records.care_records.nodes() {
                tr {
                    td { a href={ "/medical/records/" (r.id) } { (when(&r.created_at)) } }
                    td { (r.kind.replace('_', " ")) }
                    td { (plain(&r.provider.present().map(|p| &p.name))) }
                    td { (r.version) }
                }
            } }
        }
        (super::list_end(&records.care_records, "No care records match these filters.", "/medical/records", &query, &[], &["kind", "unreviewed"]))
    };
    page(&ctx.frame(), "Care records", body).into_response()
}

/// `medical/record.graphql`: one care record with its revisions, the diff asked for, its
/// reviews and an amendment waiting for approval.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordPage {
    care_record: CareRecord,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CareRecord {
    kind: String,
    version: i64,
    body: Shown<Option<String>>,
    diagnosis_codes: Shown<Option<Vec<String>>>,
    created_at: DateTime<Utc>,
    signed_off: bool,
    provider: Shown<Option<Provider>>,
    patient: Shown<Option<RecordPatient>>,
    revisions: Shown<Option<Connection<Revision>>>,
    /// Asked only with `?from=`.
    #[serde(default)]
    diff: Shown<Option<Vec<DiffLine>>>,
    reviews: Shown<Option<Vec<RecordReview>>>,
    pending_amendment: Option<Amendment>,
}

#[derive(Deserialize)]
struct RecordPatient {
    name: Shown<Option<String>>,
}

/// What the record said before one edit.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Revision {
    id: String,
    version: i64,
    reason: String,
    at: DateTime<Utc>,
    editor: Option<Agent>,
    approved_by: Option<Agent>,
}

#[derive(Deserialize)]
struct DiffLine {
    change: String,
    text: String,
}

#[derive(Deserialize)]
struct RecordReview {
    id: String,
    status: String,
    score: Option<i64>,
    reviewer: Option<Agent>,
}

/// An amendment of a signed-off record, waiting for a second medical member.
#[derive(Deserialize)]
struct Amendment {
    body: Shown<Option<String>>,
    reason: Shown<Option<String>>,
    approval: AmendmentApproval,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmendmentApproval {
    requested_by: Option<String>,
}

async fn record(ctx: SignedIn, Path(id): Path<String>, Query(query): Query<HashMap<String, String>>) -> Response {
    render_record(&ctx, &id, &query, Feedback::default()).await
}

async fn render_record(ctx: &SignedIn, id: &str, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let from = query.get("from").filter(|f| !f.is_empty()).cloned();
    let to = query.get("to").filter(|t| !t.is_empty()).cloned();
    let vars = json!({ "id": id, "from": from.clone().unwrap_or_else(|| id.to_owned()), "to": to, "withDiff": from.is_some() });
    let answer = match ctx.run(documents::MEDICAL_RECORD.text, vars, None).await {
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

fn diff_view(r: &CareRecord) -> Markup {
    if r.diff.is_refused() {
        return restricted();
    }
    html! {
        div.diff role="region" aria-label="Changes" {
            @for line in r.diff.present().into_iter().flatten() {
                @let change = line.change.to_lowercase();
                pre class=(change) { @match change.as_str() { "insert" => "+ ", "delete" => "− ", _ => "  " } (line.text) }
            }
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
    let csrf = ctx.frame().csrf;
    let body_text = {
        let typed = feedback.typed("edit", "body");
        if typed.is_empty() { plain(&r.body.present()) } else { typed }
    };
    html! {
        (notice(query))
        section.card aria-labelledby="rec-h" {
            h2 id="rec-h" { "The record" }
            dl {
                dt { "Patient" } dd { (value_in(&r.patient, |p| value(&p.name))) }
                dt { "Provider" } dd { (plain(&r.provider.present().map(|p| &p.name))) }
                dt { "Written" } dd { (when(&r.created_at)) }
                dt { "Diagnosis" } dd { (value(&r.diagnosis_codes)) }
                dt { "Version" } dd { (r.version) @if r.signed_off { " " span.badge.ok { "signed off by a review" } } }
            }
            @if r.body.is_refused() { (restricted()) } @else { pre.body { (plain(&r.body.present())) } }
        }
        @if let Some(amendment) = &r.pending_amendment {
            section.card aria-labelledby="amend-h" {
                h2 id="amend-h" { "Amendment waiting for approval" }
                p.muted { "Asked by " (plain(&amendment.approval.requested_by)) ": " (value(&amendment.reason)) }
                pre.body { (value(&amendment.body)) }
            }
        }
        section.card aria-labelledby="rev-h" {
            h2 id="rev-h" { "Revisions" }
            @if r.revisions.is_refused() { (restricted()) }
            @let revisions: Vec<&Revision> = r.revisions.present().into_iter().flat_map(Connection::nodes).collect();
            @if revisions.is_empty() { p.muted { "Never edited." } }
            table { thead { tr { th { "Kept version" } th { "Edited" } th { "By" } th { "Why" } th { "Compare" } } }
                tbody { @for rev in &revisions {
                    tr { td { (rev.version) } td { (when(&rev.at)) }
                        td { (name_of(&rev.editor)) @if let Some(approver) = &rev.approved_by { " (approved by " (approver.display_name) ")" } }
                        td { (rev.reason) }
                        td { a href={ "/medical/records/" (id) "?from=" (rev.id) } { "changes since" } } }
                } } }
            @if query.contains_key("from") { h3 { "Changes" } (diff_view(r)) }
        }
        section.card aria-labelledby="edit-h" {
            h2 id="edit-h" { "Edit" }
            p.muted { "Nothing is overwritten: the current text is kept as a revision. A record signed off by a review changes only when a second medical member approves." }
            @if feedback.is_conflict("edit") {
                p.error role="alert" { "Someone changed this record while you were editing. The record above is the current version; your text is kept below: compare, then save again." }
            }
            (feedback.errors_of("edit"))
            form method="post" action={ "/medical/records/" (id) "/edit" } {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(r.version);
                label for="body" { "Text" }
                textarea id="body" name="body" rows="12" { (body_text) }
                label for="codes" { "Diagnosis codes (comma-separated ICD-10)" }
                input id="codes" name="codes" value=(if feedback.typed("edit", "codes").is_empty() { plain(&r.diagnosis_codes.present()) } else { feedback.typed("edit", "codes") });
                label for="reason" { "Why (at least 10 characters)" }
                input id="reason" name="reason" required minlength="10" value=(feedback.typed("edit", "reason"));
                button type="submit" { "Save edit" }
            }
        }
        section.card aria-labelledby="reviews-h" {
            h2 id="reviews-h" { "Reviews" }
            @for rv in r.reviews.present().into_iter().flatten() {
                p { a href={ "/medical/reviews/" (rv.id) } { (rv.status.to_lowercase().replace('_', " ")) } " · score " (plain(&rv.score)) " · " (name_of(&rv.reviewer)) }
            }
            (feedback.errors_of("start"))
            form method="post" action={ "/medical/records/" (id) "/review" } {
                (csrf_field(csrf))
                button.secondary type="submit" { "Start a review" }
            }
        }
    }
}

async fn edit(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
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
    match outcome(&answer, &format!("/medical/records/{id}"), "edit") {
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

async fn start(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
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
    care_record: Shown<Option<ReviewedRecord>>,
}

/// The record under review.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewedRecord {
    id: String,
    kind: String,
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

async fn review(ctx: SignedIn, Path(id): Path<String>, Query(query): Query<HashMap<String, String>>) -> Response {
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
    let csrf = ctx.frame().csrf;
    let done = r.status == "COMPLETED";
    let record = r.care_record.present();
    let body = html! {
        (notice(query))
        section.card aria-labelledby="rec-h" {
            h2 id="rec-h" { "Record under review" }
            p.muted { (plain(&record.map(|c| &c.kind)).replace('_', " ")) " by " (plain(&record.and_then(|c| c.provider.present()).map(|p| &p.name))) " · " (when(record.map(|c| &c.created_at))) " · " a href={ "/medical/records/" (plain(&record.map(|c| &c.id))) } { "open the record" } }
            @if r.care_record.is_refused() || record.is_some_and(|c| c.body.is_refused()) { (restricted()) }
            @else { pre.body { (plain(&record.and_then(|c| c.body.present()))) } p { "Diagnosis: " (plain(&record.and_then(|c| c.diagnosis_codes.present()))) } }
        }
        section.card aria-labelledby="form-h" {
            h2 id="form-h" { @if done { "Completed review" } @else { "Your review" } }
            @if done {
                dl { dt { "Score" } dd { (plain(&r.score)) } dt { "Flags" } dd { (plain(&r.flags).replace('_', " ")) }
                     dt { "Findings" } dd { (value(&r.findings)) } dt { "Reviewer" } dd { (name_of(&r.reviewer)) } }
            } @else if r.status == "PENDING" {
                // pending → in_review → completed: a sampled review is started first.
                p { "Waiting to be started by " (name_of(&r.reviewer)) "." }
                form method="post" action={ "/medical/records/" (plain(&record.map(|c| &c.id))) "/review" } {
                    (csrf_field(csrf))
                    button type="submit" { "Start review" }
                }
            } @else {
                @if feedback.is_conflict("complete") { p.error role="alert" { "This review changed while you worked on it; your entries are kept below." } }
                (feedback.errors_of("complete"))
                form method="post" action={ "/medical/reviews/" (id) "/complete" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(r.version);
                    fieldset { legend { "Score (1 poor – 5 exemplary)" }
                        @for s in 1..=5 { label.inline { input type="radio" name="score" value=(s) required checked[feedback.typed("complete", "score") == s.to_string()]; " " (s) } " " }
                    }
                    fieldset { legend { "Flags" }
                        @for f in &review_flags {
                            label { input type="checkbox" name="flags" value=(f.name) checked[typed_flags.contains(&f.name)]; " " (f.description) }
                        }
                    }
                    label for="findings" { "Findings" }
                    textarea id="findings" name="findings" required { (feedback.typed("complete", "findings")) }
                    button type="submit" { "Complete review" }
                }
            }
        }
    };
    let status = feedback.status();
    (status, page(&ctx.frame(), "Care review", body)).into_response()
}

async fn complete(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let flags = all_of(&form.0, "flags");
    let vars = json!({ "id": id, "v": expected_version(&input),
        "score": input.get("score").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0), "findings": input.get("findings"), "flags": flags });
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

/// `medical/quality.graphql`: providers by their reviews' average score.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QualityPage {
    provider_quality_ranking: Vec<ProviderQuality>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProviderQuality {
    reviews: i64,
    average_score: Option<f64>,
    notes: i64,
    late_note_share: Option<f64>,
    flag_counts: Vec<FlagCount>,
    provider: Shown<Option<Provider>>,
}

#[derive(Deserialize)]
struct FlagCount {
    flag: String,
    count: i64,
}

/// A provider's raised flags, most raised first.
fn most_raised(counts: &[FlagCount]) -> Vec<&FlagCount> {
    let mut flags: Vec<&FlagCount> = counts.iter().filter(|f| f.count > 0).collect();
    flags.sort_by_key(|f| std::cmp::Reverse(f.count));
    flags
}

async fn quality(ctx: SignedIn) -> Response {
    let answer = match ctx.run(documents::MEDICAL_QUALITY.text, json!({}), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let quality: QualityPage = match read(&ctx, "Provider quality", &answer) {
        Ok(quality) => quality,
        Err(response) => return response,
    };
    let body = html! {
        p.muted { "Reviews completed in the last 90 days, lowest average score first." }
        table.queue {
            thead { tr { th { "Provider" } th { "Reviews" } th { "Average" } th { "Late notes" } th { "Most raised flags" } } }
            tbody { @for p in &quality.provider_quality_ranking {
                @let flags = most_raised(&p.flag_counts);
                tr {
                    td { (plain(&p.provider.present().map(|p| &p.name))) }
                    td { (p.reviews) }
                    td { @if let Some(avg) = p.average_score { (format!("{avg:.1}")) } }
                    td { @if let Some(share) = p.late_note_share { (format!("{:.0}%", share * 100.0)) " of " (p.notes) } }
                    td { (flags.iter().take(3).map(|f| format!("{} ({})", f.flag.replace('_', " "), f.count)).collect::<Vec<_>>().join(", ")) }
                }
            } }
        }
    };
    page(&ctx.frame(), "Provider quality", body).into_response()
}
