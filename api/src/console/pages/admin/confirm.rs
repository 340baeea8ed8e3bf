//! The destructive changes of the Staff page, each behind a page that says what it will do
//! and asks why: deactivating (naming the waiting changes only that member could decide,
//! which it would strand), revoking a role (and what it closes), and bringing a member back
//! (and whether a second admin must approve it).

use super::opens::{Rule, guarded_by};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::GqlError;
use crate::console::layout::{ago, csrf_field, page};
use crate::console::pages::{Agent, Feedback, FormBody, expected_version, fields, name_of, outcome, read};
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

/// `admin/member.graphql`: one member, what only they could decide, and the policy.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MemberPage {
    staff_member: Member,
    policy: Policy,
}

#[derive(Deserialize)]
struct Policy {
    permissions: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Member {
    sub: String,
    display_name: String,
    active: bool,
    roles: Vec<String>,
    version: i64,
    sole_approver_of: Vec<Waiting>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Waiting {
    kind: String,
    created_at: chrono::DateTime<chrono::Utc>,
    requester: Option<Agent>,
    member: Option<Agent>,
    change: serde_json::Value,
}

/// The change a confirmation page asks about.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Deactivate,
    Reactivate,
    Revoke,
}

impl Change {
    fn form(self) -> &'static str {
        match self {
            Change::Deactivate => "deactivate",
            Change::Reactivate => "reactivate",
            Change::Revoke => "revoke",
        }
    }
}

/// A waiting change in words: "the write-off Olga Novak asked for".
fn waiting_words(w: &Waiting) -> String {
    let field = |name: &str| w.change.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let who = name_of(&w.requester);
    match w.kind.as_str() {
        "write_off" => format!("the write-off {who} asked for"),
        "care_record_amend" => format!("the amendment of a signed-off care record {who} asked for"),
        "policy_rule_add" => {
            format!("the policy rule {who} asked for ({} may {} {})", field("role"), field("action"), field("resource"))
        }
        "staff_reactivate" => format!("the return of {} {who} asked for", name_of(&w.member)),
        _ => format!("the {} role for {} that {who} asked for", field("role"), name_of(&w.member)),
    }
}

/// The team whose approvals `kind` waits for (a revoked role strands that team's only).
fn team_of(kind: &str) -> &'static str {
    match kind {
        "write_off" => "ops",
        "care_record_amend" => "medical",
        _ => "admin",
    }
}

/// GET `/admin/staff/{sub}/deactivate` and `/reactivate`: the confirmation page.
pub async fn ask(ctx: &SignedIn, sub: &str, change: Change, role: Option<&str>, feedback: Feedback) -> Response {
    let answer = match ctx.run(documents::ADMIN_MEMBER.text, json!({ "s": sub }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let title = match change {
        Change::Deactivate => "Deactivate a member",
        Change::Reactivate => "Reactivate a member",
        Change::Revoke => "Revoke a role",
    };
    let found: MemberPage = match read(ctx, title, &answer) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let body = confirmation(ctx, &found, change, role, &feedback);
    (feedback.status(), page(&ctx.frame(), title, body)).into_response()
}

fn confirmation(ctx: &SignedIn, found: &MemberPage, change: Change, role: Option<&str>, feedback: &Feedback) -> Markup {
    let m = &found.staff_member;
    let rules = &found.policy.permissions;
    let role = role.unwrap_or_default();
    let own_admin = change == Change::Revoke && role == "admin" && m.sub == ctx.caller.principal.sub;
    let stranded: Vec<&Waiting> = m
        .sole_approver_of
        .iter()
        .filter(|w| change == Change::Deactivate || (change == Change::Revoke && team_of(&w.kind) == role))
        .collect();
    let form = change.form();
    let action = match change {
        Change::Revoke => format!("/admin/staff/{}/roles", m.sub),
        _ => format!("/admin/staff/{}/{form}", m.sub),
    };
    html! {
        (feedback.errors_of(form))
        @match change {
            Change::Deactivate => {
                p { strong { (m.display_name) } " will be signed out and refused from their next click. Their roles ("
                    (m.roles.join(", ")) ") stay on record, so an admin can bring them back later." }
            }
            Change::Reactivate => {
                @let opens: Vec<&str> = m.roles.iter().flat_map(|r| guarded_by(rules, r)).collect();
                p { strong { (m.display_name) } " can sign in again with the roles they still hold: " (m.roles.join(", ")) "." }
                @if opens.is_empty() { p { "Those roles open no patient data or power over access: the return applies at once." } }
                @else {
                    p { "Those roles open:" }
                    ul { @for o in &opens { li { (o) } } }
                    p.warning { "So a second admin approves the return in Approvals before they can sign in." }
                }
            }
            Change::Revoke => {
                @if own_admin {
                    p.error role="alert" { "Nobody removes their own admin role: ask another admin to do it, so that no one is left without an admin by one slip." }
                } @else {
                    p { "From their next click, " strong { (m.display_name) } " loses the " (role) " role." }
                    @let closes = guarded_by(rules, role);
                    @if !closes.is_empty() { p { "It closes:" } ul { @for c in &closes { li { (c) } } } }
                }
            }
        }
        @if !stranded.is_empty() {
            div.warning role="alert" {
                p { strong { "Only " (m.display_name) " could decide these waiting changes." } " Afterwards nobody can, until someone else holds the role:" }
                ul { @for w in &stranded { li { (waiting_words(w)) ", " (ago(&w.created_at)) } } }
            }
        }
        @if !own_admin {
            form method="post" action=(action) {
                (csrf_field(ctx.frame().csrf))
                input type="hidden" name="version" value=(m.version);
                @if change == Change::Revoke {
                    input type="hidden" name="role" value=(role);
                    input type="hidden" name="change" value="revoke";
                    input type="hidden" name="confirmed" value="yes";
                }
                label for="why" { "Why (kept in the audit trail)" }
                textarea id="why" name="why" required maxlength="2000" { (feedback.typed(form, "why")) }
                button type="submit" {
                    @match change {
                        Change::Deactivate => { "Deactivate " (m.display_name) }
                        Change::Reactivate => { "Reactivate " (m.display_name) }
                        Change::Revoke => { "Revoke " (role) " from " (m.display_name) }
                    }
                }
                " " a href="/admin/staff" { "Cancel" }
            }
        }
        @if change == Change::Reactivate && m.active { p { "They are active already." } }
    }
}

/// The reason typed on a confirmation page, or its refusal.
fn reason(input: &HashMap<String, String>) -> Result<String, GqlError> {
    input
        .get("why")
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty())
        .ok_or_else(|| GqlError::bad_input("say why: the audit trail keeps the reason with the change"))
}

/// POST `/admin/staff/{sub}/deactivate` and `/reactivate`: the change, with its reason.
pub async fn apply(ctx: SignedIn, Path(sub): Path<String>, change: Change, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let why = match reason(&input) {
        Ok(why) => why,
        Err(error) => {
            return ask(&ctx, &sub, change, None, Feedback { form: change.form(), errors: vec![error], input }).await;
        }
    };
    let vars = json!({ "s": sub, "v": expected_version(&input), "why": why });
    let doc = match change {
        Change::Reactivate => documents::ADMIN_REACTIVATE_STAFF.text,
        _ => documents::ADMIN_DEACTIVATE_STAFF.text,
    };
    let answer = match ctx.run(doc, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let done = match change {
        Change::Reactivate if answer.read::<Returned>().is_ok_and(|r| !r.reactivate_staff.active) => "return-asked",
        Change::Reactivate => "reactivated",
        _ => "deactivated",
    };
    match outcome(&answer, "/admin/staff", done) {
        Ok(response) => response,
        Err(errors) => ask(&ctx, &sub, change, None, Feedback { form: change.form(), errors, input }).await,
    }
}

/// `admin/reactivate_staff.graphql`: whether the member is back, or their return waits.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Returned {
    reactivate_staff: Active,
}

#[derive(Deserialize)]
struct Active {
    active: bool,
}

/// A confirmed revocation, with its reason (without one, the confirmation page again, saying so).
pub async fn revoke(ctx: &SignedIn, sub: &str, role: &str, input: HashMap<String, String>) -> Response {
    let why = match reason(&input) {
        Ok(why) => why,
        Err(error) => {
            return ask(ctx, sub, Change::Revoke, Some(role), Feedback { form: "revoke", errors: vec![error], input })
                .await;
        }
    };
    let answer =
        match ctx.run(documents::ADMIN_REVOKE_ROLE.text, json!({ "s": sub, "r": role, "why": why }), None).await {
            Ok(answer) => answer,
            Err(response) => return response,
        };
    match outcome(&answer, "/admin/staff", "revoked") {
        Ok(response) => response,
        Err(errors) => ask(ctx, sub, Change::Revoke, Some(role), Feedback { form: "revoke", errors, input }).await,
    }
}
