//! The approvals waiting for the signed-in member (four eyes: role grants for admins,
//! large write-offs for ops, amendments of signed-off records for the medical team), and
//! their own requests.

use super::{Agent, Feedback, FormBody, expected_version, fields, name_of, notice, outcome, read};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::Connection;
use crate::console::layout::{ago, csrf_field, page, plain};
use crate::http::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/approvals", get(list)).route("/approvals/{id}/decide", post(decide))
}

/// `approvals/queue.graphql`: the changes waiting for a second member, and who is asking.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueuePage {
    pending_approvals: Connection<Approval>,
    me: Me,
}

#[derive(Deserialize)]
struct Me {
    sub: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Approval {
    id: String,
    kind: String,
    resource_id: String,
    requested_by: Option<String>,
    requester: Option<Agent>,
    member: Option<Agent>,
    reason: String,
    change: Change,
    created_at: DateTime<Utc>,
    version: i64,
}

/// The fields of a change (its kind's payload) the queue names: a role grant's role and
/// member, a policy rule's role, action and resource.
#[derive(Deserialize)]
struct Change {
    role: Option<String>,
    sub: Option<String>,
    action: Option<String>,
    resource: Option<String>,
}

async fn list(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    render(&ctx, &query, Feedback::default()).await
}

async fn render(ctx: &SignedIn, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let answer = match ctx.run(documents::APPROVALS_QUEUE.text, json!({}), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let queue: QueuePage = match read(ctx, "Approvals", &answer) {
        Ok(queue) => queue,
        Err(response) => return response,
    };
    let me = &queue.me.sub;
    let csrf = ctx.frame().csrf;
    let body = html! {
        (notice(query))
        (feedback.errors_of("decide"))
        p.muted { "Changes that need a second member of the team. Nobody decides their own." }
        table.queue {
            thead { tr { th { "Asked" } th { "What" } th { "Why" } th { "By" } th { "Decide" } } }
            tbody {
                @for a in queue.pending_approvals.nodes() {
                    tr {
                        td { (ago(&a.created_at)) }
                        td {
                            @match a.kind.as_str() {
                                "write_off" => { "Write-off of " a href={ "/ops/escalations/" (a.resource_id) } { "an escalation" } }
                                "policy_rule_add" => { "Policy rule: " (plain(&a.change.role)) " may " (plain(&a.change.action)) " on " (plain(&a.change.resource)) }
                                "care_record_amend" => { "Amendment of " a href={ "/medical/records/" (a.resource_id) } { "a signed-off care record" } }
                                _ => { "Role " (plain(&a.change.role)) " for " (a.member.as_ref().map_or_else(|| plain(&a.change.sub), |m| m.display_name.clone())) }
                            }
                        }
                        td { (a.reason) }
                        td { (name_of(&a.requester)) }
                        td {
                            @if plain(&a.requested_by) == *me { span.muted { "yours: another member decides" } }
                            @else {
                                form method="post" action={ "/approvals/" (a.id) "/decide" } {
                                    (csrf_field(csrf))
                                    input type="hidden" name="version" value=(a.version);
                                    label for={ "note-" (a.id) } { "Note (required to reject)" }
                                    input id={ "note-" (a.id) } name="note" maxlength="2000" value=(feedback.typed_in("decide", ("id", &a.id), "note"));
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
    let mut input = fields(&form.0);
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
        Err(errors) => {
            // Which row was typed in: its note comes back there.
            input.insert("id".into(), id);
            render(&ctx, &HashMap::new(), Feedback { form: "decide", errors, input }).await
        }
    }
}
