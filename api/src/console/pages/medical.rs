//! Medical: the review queue (and sampling a week's reviews), care records with their
//! revisions and line diffs, the edit form, the review form, and the provider ranking. A
//! review's page states the review as its purpose.

use super::{Feedback, FormBody, all_of, expected_version, failed, fields, nodes, notice, outcome, status_of};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::Answer;
use crate::console::layout::json::{plain, value, when};
use crate::console::layout::{csrf_field, page, restricted};
use crate::http::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
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

async fn reviews(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let status = query.get("status").filter(|s| !s.is_empty()).cloned().unwrap_or_else(|| "PENDING,IN_REVIEW".into());
    let mut filter = json!({ "status": status.split(',').collect::<Vec<_>>() });
    if query.contains_key("mine") {
        filter["reviewer"] = json!("me");
    }
    let answer = match ctx.run(documents::MEDICAL_REVIEWS.text, json!({ "filter": filter }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if let Some(response) = failed(&ctx, "Review queue", &answer) {
        return response;
    }
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
            tbody { @for r in nodes(&answer, &["careReviews"]) {
                tr {
                    td { a href={ "/medical/reviews/" (plain(&r["id"])) } { (when(&r["createdAt"])) } }
                    td { (plain(&r["recordKind"]).replace('_', " ")) }
                    td { (plain(&r["status"]).to_lowercase().replace('_', " ")) }
                    td { (plain(&r["score"])) }
                    td { (plain(&r["flags"]).replace('_', " ")) }
                    td { (plain(&r["reviewer"]["displayName"])) }
                }
            } }
        }
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

async fn records(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let mut filter = json!({});
    if query.contains_key("unreviewed") {
        filter["unreviewed"] = json!(true);
    }
    if let Some(kind) = query.get("kind").filter(|k| !k.is_empty()) {
        filter["kind"] = json!(kind);
    }
    let answer = match ctx.run(documents::MEDICAL_RECORDS.text, json!({ "filter": filter }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if let Some(response) = failed(&ctx, "Care records", &answer) {
        return response;
    }
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
            tbody { @for r in nodes(&answer, &["careRecords"]) {
                tr {
                    td { a href={ "/medical/records/" (plain(&r["id"])) } { (when(&r["createdAt"])) } }
                    td { (plain(&r["kind"]).replace('_', " ")) }
                    td { (plain(&r["provider"]["name"])) }
                    td { (plain(&r["version"])) }
                }
            } }
        }
    };
    page(&ctx.frame(), "Care records", body).into_response()
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
    if let Some(response) = failed(ctx, "Care record", &answer) {
        return response;
    }
    let status = feedback.status();
    let title = format!("Care record: {}", plain(answer.at(&["careRecord", "kind"])).replace('_', " "));
    (status, page(&ctx.frame(), &title, record_body(ctx, id, &answer, query, &feedback))).into_response()
}

fn diff_view(a: &Answer) -> Markup {
    if a.refused(&["careRecord", "diff"]) {
        return restricted();
    }
    html! {
        div.diff role="region" aria-label="Changes" {
            @for line in a.at(&["careRecord", "diff"]).as_array().into_iter().flatten() {
                @let change = plain(&line["change"]).to_lowercase();
                pre class=(change) { @match change.as_str() { "insert" => "+ ", "delete" => "− ", _ => "  " } (plain(&line["text"])) }
            }
        }
    }
}

fn record_body(ctx: &SignedIn, id: &str, a: &Answer, query: &HashMap<String, String>, feedback: &Feedback) -> Markup {
    let r = a.at(&["careRecord"]);
    let csrf = ctx.frame().csrf;
    let body_text = {
        let typed = feedback.typed("edit", "body");
        if typed.is_empty() { plain(&r["body"]) } else { typed }
    };
    html! {
        (notice(query))
        section.card aria-labelledby="rec-h" {
            h2 id="rec-h" { "The record" }
            dl {
                dt { "Patient" } dd { (value(a, &["careRecord", "patient", "name"])) }
                dt { "Provider" } dd { (plain(&r["provider"]["name"])) }
                dt { "Written" } dd { (when(&r["createdAt"])) }
                dt { "Diagnosis" } dd { (value(a, &["careRecord", "diagnosisCodes"])) }
                dt { "Version" } dd { (plain(&r["version"])) @if r["signedOff"] == true { " " span.badge.ok { "signed off by a review" } } }
            }
            @if a.refused(&["careRecord", "body"]) { (restricted()) } @else { pre.body { (plain(&r["body"])) } }
        }
        @if !r["pendingAmendment"].is_null() {
            section.card aria-labelledby="amend-h" {
                h2 id="amend-h" { "Amendment waiting for approval" }
                p.muted { "Asked by " (plain(&r["pendingAmendment"]["approval"]["requestedBy"])) ": " (value(a, &["careRecord", "pendingAmendment", "reason"])) }
                pre.body { (value(a, &["careRecord", "pendingAmendment", "body"])) }
            }
        }
        section.card aria-labelledby="rev-h" {
            h2 id="rev-h" { "Revisions" }
            @if a.refused(&["careRecord", "revisions"]) { (restricted()) }
            @let revisions = nodes(a, &["careRecord", "revisions"]);
            @if revisions.is_empty() { p.muted { "Never edited." } }
            table { thead { tr { th { "Kept version" } th { "Edited" } th { "By" } th { "Why" } th { "Compare" } } }
                tbody { @for rev in &revisions {
                    tr { td { (plain(&rev["version"])) } td { (when(&rev["at"])) }
                        td { (plain(&rev["editor"]["displayName"])) @if !rev["approvedBy"].is_null() { " (approved by " (plain(&rev["approvedBy"]["displayName"])) ")" } }
                        td { (plain(&rev["reason"])) }
                        td { a href={ "/medical/records/" (id) "?from=" (plain(&rev["id"])) } { "changes since" } } }
                } } }
            @if query.contains_key("from") { h3 { "Changes" } (diff_view(a)) }
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
                input type="hidden" name="version" value=(plain(&r["version"]));
                label for="body" { "Text" }
                textarea id="body" name="body" rows="12" { (body_text) }
                label for="codes" { "Diagnosis codes (comma-separated ICD-10)" }
                input id="codes" name="codes" value=(if feedback.typed("edit", "codes").is_empty() { plain(&r["diagnosisCodes"]) } else { feedback.typed("edit", "codes") });
                label for="reason" { "Why (at least 10 characters)" }
                input id="reason" name="reason" required minlength="10" value=(feedback.typed("edit", "reason"));
                button type="submit" { "Save edit" }
            }
        }
        section.card aria-labelledby="reviews-h" {
            h2 id="reviews-h" { "Reviews" }
            @for rv in a.at(&["careRecord", "reviews"]).as_array().into_iter().flatten() {
                p { a href={ "/medical/reviews/" (plain(&rv["id"])) } { (plain(&rv["status"]).to_lowercase().replace('_', " ")) } " · score " (plain(&rv["score"])) " · " (plain(&rv["reviewer"]["displayName"])) }
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
        return crate::console::redirect(&format!("/medical/reviews/{}", plain(answer.at(&["startCareReview", "id"]))));
    }
    render_record(&ctx, &id, &HashMap::new(), Feedback { form: "start", errors: answer.errors.clone(), input }).await
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
    if let Some(response) = failed(ctx, "Care review", &answer) {
        return response;
    }
    let r = answer.at(&["careReview"]);
    let csrf = ctx.frame().csrf;
    let done = r["status"] == "COMPLETED";
    let body = html! {
        (notice(query))
        section.card aria-labelledby="rec-h" {
            h2 id="rec-h" { "Record under review" }
            p.muted { (plain(&r["careRecord"]["kind"]).replace('_', " ")) " by " (plain(&r["careRecord"]["provider"]["name"])) " · " (when(&r["careRecord"]["createdAt"])) " · " a href={ "/medical/records/" (plain(&r["careRecord"]["id"])) } { "open the record" } }
            @if answer.refused(&["careReview", "careRecord"]) || answer.refused(&["careReview", "careRecord", "body"]) { (restricted()) }
            @else { pre.body { (plain(&r["careRecord"]["body"])) } p { "Diagnosis: " (plain(&r["careRecord"]["diagnosisCodes"])) } }
        }
        section.card aria-labelledby="form-h" {
            h2 id="form-h" { @if done { "Completed review" } @else { "Your review" } }
            @if done {
                dl { dt { "Score" } dd { (plain(&r["score"])) } dt { "Flags" } dd { (plain(&r["flags"]).replace('_', " ")) }
                     dt { "Findings" } dd { (value(&answer, &["careReview", "findings"])) } dt { "Reviewer" } dd { (plain(&r["reviewer"]["displayName"])) } }
            } @else if r["status"] == "PENDING" {
                // pending → in_review → completed: a sampled review is started first.
                p { "Waiting to be started by " (plain(&r["reviewer"]["displayName"])) "." }
                form method="post" action={ "/medical/records/" (plain(&r["careRecord"]["id"])) "/review" } {
                    (csrf_field(csrf))
                    button type="submit" { "Start review" }
                }
            } @else {
                @if feedback.is_conflict("complete") { p.error role="alert" { "This review changed while you worked on it; your entries are kept below." } }
                (feedback.errors_of("complete"))
                form method="post" action={ "/medical/reviews/" (id) "/complete" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(plain(&r["version"]));
                    fieldset { legend { "Score (1 poor – 5 exemplary)" }
                        @for s in 1..=5 { label.inline { input type="radio" name="score" value=(s) required checked[feedback.typed("complete", "score") == s.to_string()]; " " (s) } " " }
                    }
                    fieldset { legend { "Flags" }
                        @for f in answer.at(&["reviewFlags"]).as_array().into_iter().flatten() {
                            @let name = plain(&f["name"]);
                            label { input type="checkbox" name="flags" value=(name) checked[typed_flags.contains(&name)]; " " (plain(&f["description"])) }
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

/// A provider's raised flags, most raised first.
fn most_raised(counts: &serde_json::Value) -> Vec<(String, i64)> {
    let mut flags: Vec<(String, i64)> = counts
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (plain(&f["flag"]), f["count"].as_i64().unwrap_or(0)))
        .filter(|f| f.1 > 0)
        .collect();
    flags.sort_by_key(|f| std::cmp::Reverse(f.1));
    flags
}

async fn quality(ctx: SignedIn) -> Response {
    let answer = match ctx.run(documents::MEDICAL_QUALITY.text, json!({}), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if let Some(response) = failed(&ctx, "Provider quality", &answer) {
        return response;
    }
    let body = html! {
        p.muted { "Reviews completed in the last 90 days, lowest average score first." }
        table.queue {
            thead { tr { th { "Provider" } th { "Reviews" } th { "Average" } th { "Late notes" } th { "Most raised flags" } } }
            tbody { @for p in answer.at(&["providerQualityRanking"]).as_array().into_iter().flatten() {
                @let flags = most_raised(&p["flagCounts"]);
                tr {
                    td { (plain(&p["provider"]["name"])) }
                    td { (plain(&p["reviews"])) }
                    td { @if let Some(avg) = p["averageScore"].as_f64() { (format!("{avg:.1}")) } }
                    td { @if let Some(share) = p["lateNoteShare"].as_f64() { (format!("{:.0}%", share * 100.0)) " of " (plain(&p["notes"])) } }
                    td { (flags.iter().take(3).map(|(f, n)| format!("{} ({n})", f.replace('_', " "))).collect::<Vec<_>>().join(", ")) }
                }
            } }
        }
    };
    page(&ctx.frame(), "Provider quality", body).into_response()
}
