//! One request's page: everything its approver weighs before deciding. A write-off shows the
//! amount, claim, payer, denial reason and the escalation's history; a role grant or a return
//! shows who, which roles, what they open and why; an amendment leads to the care record,
//! where its clinical change and reason are read (and recorded as read). A decided request
//! says who decided, when, and why.

use super::super::history::{self, HistoryEntry};
use super::super::{Adjustment, Agent, Feedback, name_of, read};
use super::{Change, Me, decide_form, what};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{ago, money, page, plain, when};
use crate::console::pages::admin::opens::{Rule, guarded_by};
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use policies::Role;
use serde::Deserialize;
use serde_json::json;

/// `approvals/request.graphql`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestPage {
    pending_approval: Request,
    me: Me,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    id: String,
    kind: String,
    status: String,
    resource_id: String,
    requested_by: Option<String>,
    requester: Option<Agent>,
    member: Option<Agent>,
    reason: String,
    change: Change,
    created_at: DateTime<Utc>,
    version: i64,
    decider: Option<Agent>,
    decided_at: Option<DateTime<Utc>>,
    decision_note: Option<String>,
    escalation: Option<Escalation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Escalation {
    id: String,
    status: String,
    amount_at_stake: Shown<Option<i64>>,
    open_balance_cents: Shown<Option<i64>>,
    requested_write_off_cents: Shown<Option<i64>>,
    requested_write_off_adjustment: Option<Adjustment>,
    written_off_cents: Shown<Option<i64>>,
    write_off_adjustment: Option<Adjustment>,
    payer: String,
    carc_group: String,
    carc_code: String,
    denial: Option<Denial>,
    claim: Option<Claim>,
    history: Option<Connection<HistoryEntry>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Denial {
    carc_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claim {
    claim_number: String,
    service_date: Option<String>,
}

/// `approvals/policy.graphql` (admins: what a role opens).
#[derive(Deserialize)]
struct PolicyPage {
    policy: Policy,
}

#[derive(Deserialize)]
struct Policy {
    permissions: Vec<Rule>,
}

/// GET `/approvals/{id}`.
pub async fn show(ctx: SignedIn, Path(id): Path<String>) -> Response {
    let answer = match ctx.run(documents::APPROVALS_REQUEST.text, json!({ "id": id }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let found: RequestPage = match read(&ctx, "Approval", &answer) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let rules = if ctx.has(Role::Admin) { policy(&ctx).await } else { Vec::new() };
    let r = &found.pending_approval;
    let body = html! {
        p { (what(&r.kind, &r.resource_id, &r.change, &r.member, None)) }
        dl.facts {
            dt { "Asked by" } dd { (name_of(&r.requester)) ", " (ago(&r.created_at)) }
            dt { "Why" } dd { (r.reason) }
            (opens(r, &rules))
            @if let Some(e) = &r.escalation { (write_off(e)) }
            dt { "Status" } dd { (decision(r)) }
        }
        @if r.status == "PENDING" {
            @if plain(&r.requested_by) == found.me.sub { p.muted { "Yours: another member decides." } }
            @else { (decide_form(ctx.frame().csrf, &r.id, r.version, &Feedback::default())) }
        }
        @if let Some(history) = r.escalation.as_ref().and_then(|e| e.history.as_ref()) {
            h2 id="history" { "The escalation's history" }
            (history::card("history", history))
        }
        p { a href="/approvals" { "Back to Approvals" } }
    };
    page(&ctx.frame(), &title(&r.kind), body).into_response()
}

fn title(kind: &str) -> String {
    match kind {
        "write_off" => "Write-off waiting for approval",
        "care_record_amend" => "Amendment waiting for approval",
        "policy_rule_add" => "Policy rule waiting for approval",
        "staff_reactivate" => "Return waiting for approval",
        _ => "Role grant waiting for approval",
    }
    .to_owned()
}

/// The policy's rules, for what a role opens (none when it cannot be read: the page says
/// nothing about it rather than fail).
async fn policy(ctx: &SignedIn) -> Vec<Rule> {
    let Ok(answer) = ctx.run(documents::APPROVALS_POLICY.text, json!({}), None).await else { return Vec::new() };
    answer.read::<PolicyPage>().map(|p| p.policy.permissions).unwrap_or_default()
}

/// What the roles a grant, a return or a rule would open.
fn opens(r: &Request, rules: &[Rule]) -> Markup {
    let roles: Vec<String> = match r.kind.as_str() {
        "grant_role" | "policy_rule_add" => r.change.role.iter().cloned().collect(),
        "staff_reactivate" => r.change.roles.clone(),
        _ => return html! {},
    };
    let opened: Vec<&str> = if r.kind == "policy_rule_add" {
        let rule =
            Rule { role: plain(&r.change.role), resource: plain(&r.change.resource), action: plain(&r.change.action) };
        guarded_by(std::slice::from_ref(&rule), &rule.role)
    } else {
        roles.iter().flat_map(|role| guarded_by(rules, role)).collect()
    };
    html! {
        dt { "What it opens" }
        dd {
            @if opened.is_empty() { "Nothing guarded: no patient data and no power over access." }
            @else { ul { @for o in &opened { li { (o) } } } }
        }
    }
}

/// A write-off's facts: what would be written off, on which claim, for which denial.
fn write_off(e: &Escalation) -> Markup {
    html! {
        @if matches!(e.requested_write_off_cents, Shown::Value(Some(_))) {
            dt { "Would write off" } dd {
                (money(&e.requested_write_off_cents)) " of " (money(&e.open_balance_cents)) " open"
                @if let Some(a) = &e.requested_write_off_adjustment { br; "Adjustment reason " (a.words()) }
            }
        } @else if matches!(e.written_off_cents, Shown::Value(Some(_))) {
            dt { "Written off" } dd {
                (money(&e.written_off_cents))
                @if let Some(a) = &e.write_off_adjustment { br; "Adjustment reason " (a.words()) }
            }
        }
        dt { "Denied amount" } dd { (money(&e.amount_at_stake)) }
        dt { "Claim" } dd {
            (e.claim.as_ref().map_or("—", |c| c.claim_number.as_str()))
            @if let Some(date) = e.claim.as_ref().and_then(|c| c.service_date.as_deref()) { ", service on " (date) }
        }
        dt { "Payer" } dd { (e.payer) }
        dt { "Denial reason" } dd {
            (e.carc_group) "-" (e.carc_code)
            @if let Some(text) = e.denial.as_ref().and_then(|d| d.carc_description.as_deref()) { ": " (text) }
        }
        dt { "Escalation" } dd { a href={ "/ops/escalations/" (e.id) } { "Open the escalation" } " (" (crate::console::words::spoken(&e.status.to_lowercase())) ")" }
    }
}

/// Where the request stands, in words.
fn decision(r: &Request) -> Markup {
    let by = name_of(&r.decider);
    let at = when(r.decided_at.as_ref());
    let note = r.decision_note.as_deref().unwrap_or_default();
    html! {
        @match r.status.as_str() {
            "PENDING" => { "Waiting for a decision" }
            "APPROVED" => { "Approved by " (by) " on " (at) @if !note.is_empty() { ": " (note) } }
            "REJECTED" => { "Rejected by " (by) " on " (at) ": " (note) }
            _ => { "Withdrawn on " (at) ": " (note) }
        }
    }
}
