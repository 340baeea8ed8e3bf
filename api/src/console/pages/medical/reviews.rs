//! The review queue, filtered by status and reviewer, and sampling a reviewer's week.

use super::super::{Agent, fields, name_of, notice, outcome, read, status_of};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::Connection;
use crate::console::layout::{ago, csrf_field, page, plain};
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

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

pub(super) async fn reviews(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
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
                    td { a href={ "/medical/reviews/" (r.id) } { (ago(&r.created_at)) } }
                    td { (r.record_kind.replace('_', " ")) }
                    td { (r.status.to_lowercase().replace('_', " ")) }
                    td { (plain(&r.score)) }
                    td { (plain(&r.flags).replace('_', " ")) }
                    td { (name_of(&r.reviewer)) }
                }
            } }
        }
        (super::super::list_end(&reviews.care_reviews, "No reviews match these filters.", "/medical/reviews", &query, &[("status", &status)], &["mine"]))
    };
    page(&ctx.frame(), "Review queue", body).into_response()
}

pub(super) async fn sample(ctx: SignedIn, form: super::super::FormBody) -> Response {
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
