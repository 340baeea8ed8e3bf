//! The approvals waiting for the signed-in member (four eyes: role grants and returns for
//! admins, large write-offs for ops, amendments of signed-off records for the medical team),
//! each with what it would do, and a page of its own with the whole story ([`request`]).

mod request;

use super::{
    Adjustment, Agent, Feedback, FormBody, expected_version, fields, list_end, name_of, notice, outcome, read,
};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::Connection;
use crate::console::gql::Shown;
use crate::console::layout::{ago, csrf_field, money, page, plain};
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
        .route("/approvals", get(list))
        .route("/approvals/{id}", get(request::show))
        .route("/approvals/{id}/decide", post(decide))
}

/// `approvals/queue.graphql`: the changes waiting for a second member, and who is asking.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueuePage {
    pending_approvals: Connection<Approval>,
    me: Me,
}

/// Who is looking: a request's own requester may not decide it.
#[derive(Deserialize)]
pub(super) struct Me {
    pub(super) sub: String,
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
    escalation: Option<WriteOffOf>,
}

/// What a write-off would close: its amount, claim, payer and denial reason.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WriteOffOf {
    amount_at_stake: Shown<Option<i64>>,
    open_balance_cents: Shown<Option<i64>>,
    requested_write_off_cents: Shown<Option<i64>>,
    requested_write_off_adjustment: Option<Adjustment>,
    payer: String,
    carc_group: String,
    carc_code: String,
    claim: Option<ClaimNumber>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaimNumber {
    claim_number: String,
}

impl WriteOffOf {
    /// "writes off $1,250.00 of $1,250.00 open (CO-45: ...) · claim CLM-0042 · Aetna · denied CO-197".
    fn summary(&self) -> Markup {
        let asked = match &self.requested_write_off_cents {
            Shown::Value(Some(_)) => &self.requested_write_off_cents,
            _ => &self.amount_at_stake,
        };
        html! {
            "writes off " strong { (money(asked)) }
            @if matches!(self.open_balance_cents, Shown::Value(Some(_))) { " of " (money(&self.open_balance_cents)) " open" }
            @if let Some(a) = &self.requested_write_off_adjustment { " (" (a.words()) ")" }
            " · claim " (self.claim.as_ref().map_or("—", |c| c.claim_number.as_str()))
            " · " (self.payer) " · denied " (self.carc_group) "-" (self.carc_code)
        }
    }
}

/// The fields of a change (its kind's payload) the queue names: a role grant's role and
/// member, a policy rule's role, action and resource, a return's roles.
#[derive(Deserialize)]
pub(super) struct Change {
    role: Option<String>,
    sub: Option<String>,
    action: Option<String>,
    resource: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
}

/// What a request would do, in words, linking to the record it is about.
pub(super) fn what(
    kind: &str,
    resource_id: &str,
    change: &Change,
    member: &Option<Agent>,
    write_off: Option<&WriteOffOf>,
) -> Markup {
    let member = || member.as_ref().map_or_else(|| plain(&change.sub), |m| m.display_name.clone());
    html! {
        @match kind {
            "write_off" => {
                "Write-off of " a href={ "/ops/escalations/" (resource_id) } { "an escalation" }
                @if let Some(w) = write_off { br; (w.summary()) }
            }
            "policy_rule_add" => { "Policy rule: " (plain(&change.role)) " may " (plain(&change.action)) " on " (plain(&change.resource)) }
            "care_record_amend" => { "Amendment of " a href={ "/medical/records/" (resource_id) "#amend-h" } { "a signed-off care record" } " (its diff and its reason are on the record, with the decision)" }
            "staff_reactivate" => { "Return of " (member()) " with " (change.roles.join(", ")) }
            _ => { "Role " (plain(&change.role)) " for " (member()) }
        }
    }
}

async fn list(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    render(&ctx, &query, Feedback::default()).await
}

async fn render(ctx: &SignedIn, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let after = query.get("after").filter(|a| !a.is_empty());
    let answer = match ctx.run(documents::APPROVALS_QUEUE.text, json!({ "after": after }), None).await {
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
        p.muted { "Changes that need a second member of the team. Nobody decides their own. A rejection says why: the member who asked reads it." }
        table.queue {
            thead { tr { th { "Asked" } th { "What" } th { "Why" } th { "By" } th { "Decide" } } }
            tbody {
                @for a in queue.pending_approvals.nodes() {
                    tr {
                        td { (ago(&a.created_at)) }
                        td {
                            (what(&a.kind, &a.resource_id, &a.change, &a.member, a.escalation.as_ref()))
                            br; a href={ "/approvals/" (a.id) } { "Details and history" span.visually-hidden { " of this request" } }
                        }
                        td { (a.reason) }
                        td { (name_of(&a.requester)) }
                        td {
                            @if plain(&a.requested_by) == *me { span.muted { "yours: another member decides" } }
                            @else { (decide_form(csrf, &a.id, a.version, &feedback)) }
                        }
                    }
                }
            }
        }
        (list_end(&queue.pending_approvals, "Nothing waits for you.", "/approvals", query, &[], &[]))
    };
    let status = feedback.status();
    (status, page(&ctx.frame(), "Approvals", body)).into_response()
}

/// Approve or reject, with the note a rejection must carry (the requester reads it).
pub(super) fn decide_form(csrf: &str, id: &str, version: i64, feedback: &Feedback) -> Markup {
    html! {
        form method="post" action={ "/approvals/" (id) "/decide" } {
            (csrf_field(csrf))
            input type="hidden" name="version" value=(version);
            label for={ "note-" (id) } { "Note (required to reject)" }
            input id={ "note-" (id) } name="note" maxlength="2000" value=(feedback.typed_in("decide", ("id", id), "note"));
            button type="submit" name="decision" value="approve" { "Approve" }
            " "
            button type="submit" name="decision" value="reject" { "Reject" }
        }
    }
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
