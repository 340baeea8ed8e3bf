//! The care records list, filtered by kind and whether a review ever looked at them.

use super::super::read;
use super::Provider;
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{ago, page, plain};
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

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

pub(super) async fn records(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
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
                    @for (v, label) in [("PROGRESS_NOTE", "Progress note"), ("TREATMENT_PLAN", "Treatment plan"), ("ASSESSMENT", "Assessment"), ("PSYCHOTHERAPY_NOTE", "Psychotherapy note")] {
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
                    td { a href={ "/medical/records/" (r.id) } { (ago(&r.created_at)) } }
                    td { (r.kind.replace('_', " ")) }
                    td { (plain(&r.provider.present().map(|p| &p.name))) }
                    td { (r.version) }
                }
            } }
        }
        (super::super::list_end(&records.care_records, "No care records match these filters.", "/medical/records", &query, &[], &["kind", "unreviewed"]))
    };
    page(&ctx.frame(), "Care records", body).into_response()
}
