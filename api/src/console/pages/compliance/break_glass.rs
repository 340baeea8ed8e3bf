//! The break-glass review queue (Justified and Unjustified weigh the same; an Unjustified
//! verdict says what was wrong), and the care pages' forms to open and end emergency access.

use super::super::{Agent, Feedback, FormBody, expected_version, fields, name_of, notice, outcome, read, status_of};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Answer, Connection};
use crate::console::layout::{ago, csrf_field, page, plain, when};
use crate::console::local_path::local_path;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

pub async fn grants(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    render_grants(&ctx, &query, Feedback::default()).await
}

/// `compliance/grants.graphql`: break-glass grants, to review or reviewed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrantsPage {
    break_glass_grants: Connection<Grant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Grant {
    id: String,
    staff: Option<Agent>,
    patient_id: String,
    reason: String,
    granted_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    active: bool,
    review_status: String,
    review_note: Option<String>,
    version: i64,
}

async fn render_grants(ctx: &SignedIn, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let review = query.get("review").filter(|r| !r.is_empty()).cloned().unwrap_or_else(|| "PENDING".into());
    let filter = if review == "ALL" { json!({}) } else { json!({ "reviewStatus": review }) };
    let answer = match ctx.run(documents::COMPLIANCE_GRANTS.text, json!({ "filter": filter }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let grants: GrantsPage = match read(ctx, "Break-glass review", &answer) {
        Ok(grants) => grants,
        Err(response) => return response,
    };
    let csrf = ctx.frame().csrf;
    let body = html! {
        (notice(query))
        (feedback.errors_of("review"))
        form.filters method="get" action="/compliance/break-glass" {
            div { label for="review" { "Review" }
                select id="review" name="review" { @for (v, l) in [("PENDING", "To review"), ("JUSTIFIED", "Justified"), ("UNJUSTIFIED", "Unjustified"), ("ALL", "All")] { option value=(v) selected[review == v] { (l) } } } }
            button type="submit" { "Show" }
        }
        table.queue {
            thead { tr { th { "Opened" } th { "By" } th { "Patient" } th { "Reason" } th { "State" } th { "Verdict" } } }
            tbody { @for g in grants.break_glass_grants.nodes() {
                tr {
                    td { (ago(&g.granted_at)) }
                    td { (name_of(&g.staff)) }
                    td { a href={ "/compliance/patients/" (g.patient_id) } { (g.patient_id) } }
                    td { (g.reason) }
                    td { @if g.active { span.badge.bad { "open until " (when(&g.expires_at)) } } @else { "ended" } }
                    td {
                        @if g.review_status == "PENDING" {
                            form method="post" action={ "/compliance/break-glass/" (g.id) "/review" } {
                                (csrf_field(csrf))
                                input type="hidden" name="version" value=(g.version);
                                label for={ "note-" (g.id) } { "Note (required for Unjustified)" }
                                input id={ "note-" (g.id) } name="note" maxlength="2000" value=(feedback.typed_in("review", ("id", &g.id), "note"));
                                // Neither verdict is the default: both buttons weigh the same.
                                button type="submit" name="verdict" value="JUSTIFIED" { "Justified" } " "
                                button type="submit" name="verdict" value="UNJUSTIFIED" { "Unjustified" }
                            }
                        } @else { (g.review_status.to_lowercase()) " " span.muted { (plain(&g.review_note)) } }
                    }
                }
            } }
        }
    };
    let status = feedback.status();
    (status, page(&ctx.frame(), "Break-glass review", body)).into_response()
}

pub async fn review(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let mut input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let vars = json!({ "id": id, "v": expected_version(&input),
        "verdict": input.get("verdict"), "note": input.get("note").filter(|n| !n.trim().is_empty()) });
    let doc = documents::COMPLIANCE_REVIEW_BREAK_GLASS.text;
    let answer = match ctx.run(doc, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, "/compliance/break-glass", "reviewed") {
        Ok(response) => response,
        Err(errors) => {
            // Which row was typed in: its note comes back there.
            input.insert("id".into(), id);
            render_grants(&ctx, &HashMap::new(), Feedback { form: "review", errors, input }).await
        }
    }
}

pub async fn request_break_glass(ctx: SignedIn, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let doc = documents::COMPLIANCE_REQUEST_BREAK_GLASS.text;
    let answer = match ctx.run(doc, json!({ "p": input.get("patient"), "r": input.get("reason") }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    back_to_the_page(&ctx, &input, &answer, "breakglass")
}

/// After a break-glass form: the page it was sent from (if `back=` names one of ward's; the
/// home page otherwise) with `notice`, or the refusal in words with the way back.
fn back_to_the_page(ctx: &SignedIn, input: &HashMap<String, String>, answer: &Answer, notice: &str) -> Response {
    let back = input.get("back").and_then(|back| local_path(back)).unwrap_or_else(|| "/".into());
    match outcome(answer, &back, notice) {
        Ok(response) => response,
        Err(errors) => {
            let body = html! { (crate::console::layout::errors(&errors)) p { a href=(back) { "Back" } } };
            (status_of(&errors), page(&ctx.frame(), "Emergency access", body)).into_response()
        }
    }
}

/// Ends the member's own emergency access at once, from the page it opened.
pub async fn end_break_glass(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let answer = match ctx.run(documents::COMPLIANCE_END_BREAK_GLASS.text, json!({ "id": id }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    back_to_the_page(&ctx, &input, &answer, "breakglass-ended")
}
