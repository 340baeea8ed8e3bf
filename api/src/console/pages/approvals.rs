//! The approvals waiting for the signed-in member (four eyes: role grants for admins,
//! large write-offs for ops, amendments of signed-off records for the medical team), and
//! their own requests.

use super::{Feedback, FormBody, expected_version, failed, fields, nodes, notice, outcome};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::layout::json::{plain, when};
use crate::console::layout::{csrf_field, page};
use crate::http::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::html;
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/approvals", get(list)).route("/approvals/{id}/decide", post(decide))
}

async fn list(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    render(&ctx, &query, Feedback::default()).await
}

async fn render(ctx: &SignedIn, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let answer = match ctx.run(documents::APPROVALS_QUEUE.text, json!({}), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if let Some(response) = failed(ctx, "Approvals", &answer) {
        return response;
    }
    let me = plain(answer.at(&["me", "sub"]));
    let csrf = ctx.frame().csrf;
    let body = html! {
        (notice(query))
        (feedback.errors_of("decide"))
        p.muted { "Changes that need a second member of the team. Nobody decides their own." }
        table.queue {
            thead { tr { th { "Asked" } th { "What" } th { "Why" } th { "By" } th { "Decide" } } }
            tbody {
                @for a in nodes(&answer, &["pendingApprovals"]) {
                    tr {
                        td { (when(&a["createdAt"])) }
                        td {
                            @match a["kind"].as_str() {
                                Some("write_off") => { "Write-off of " a href={ "/ops/escalations/" (plain(&a["resourceId"])) } { "an escalation" } }
                                Some("policy_rule_add") => { "Policy rule: " (plain(&a["change"]["role"])) " may " (plain(&a["change"]["action"])) " on " (plain(&a["change"]["resource"])) }
                                Some("care_record_amend") => { "Amendment of " a href={ "/medical/records/" (plain(&a["resourceId"])) } { "a signed-off care record" } }
                                _ => { "Role " (plain(&a["change"]["role"])) " for " (plain(&a["change"]["sub"])) }
                            }
                        }
                        td { (plain(&a["reason"])) }
                        td { (plain(&a["requestedBy"])) }
                        td {
                            @if plain(&a["requestedBy"]) == me { span.muted { "yours: another member decides" } }
                            @else {
                                form method="post" action={ "/approvals/" (plain(&a["id"])) "/decide" } {
                                    (csrf_field(csrf))
                                    input type="hidden" name="version" value=(plain(&a["version"]));
                                    label for={ "note-" (plain(&a["id"])) } { "Note (required to reject)" }
                                    input id={ "note-" (plain(&a["id"])) } name="note";
                                    button type="submit" name="decision" value="approve" { "Approve" }
                                    " "
                                    button.secondary type="submit" name="decision" value="reject" { "Reject" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let status = feedback.status();
    (status, page(&ctx.frame(), "Approvals", body)).into_response()
}

async fn decide(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let version = expected_version(&input);
    let note = input.get("note").map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let (doc, vars) = if input.get("decision").is_some_and(|d| d == "reject") {
        (documents::APPROVALS_REJECT.text, json!({ "id": id, "v": version, "note": note.unwrap_or_default() }))
    } else {
        (documents::APPROVALS_APPROVE.text, json!({ "id": id, "v": version, "note": note }))
    };
    let answer = match ctx.run(doc, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, "/approvals", "decided") {
        Ok(response) => response,
        Err(errors) => render(&ctx, &HashMap::new(), Feedback { form: "decide", errors, input }).await,
    }
}
