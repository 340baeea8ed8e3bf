//! Four eyes reaching people where they work: on every page, how many requests wait for the
//! member ("Approvals · 2 waiting") and what was decided on their own requests ("your
//! write-off was rejected by Olga Novak: ..."), until they say they have seen it.

use super::SignedIn;
use super::documents;
use super::layout::csrf_field;
use crate::console::pages::{Agent, FormBody, fields, name_of};
use crate::console::redirect;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

/// `approvals/inbox.graphql`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    approval_inbox: Inbox,
}

#[derive(Deserialize, Default)]
pub struct Inbox {
    pub waiting: u64,
    pub decided: Vec<Decided>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decided {
    id: String,
    kind: String,
    status: String,
    decider: Option<Agent>,
    decision_note: Option<String>,
}

/// The inbox of the signed-in member, for a page (`None` where four eyes has nothing for them,
/// or the inbox could not be read: a page never fails for it).
pub async fn load(ctx: &SignedIn) -> Option<Inbox> {
    let roles = &ctx.caller.principal.roles;
    if !roles.iter().any(|r| matches!(r, policies::Role::Ops | policies::Role::Medical | policies::Role::Admin)) {
        return None;
    }
    let answer = ctx.run(documents::APPROVALS_INBOX.text, json!({}), None).await.ok()?;
    answer.read::<Answer>().ok().map(|a| a.approval_inbox)
}

/// What a request was of, as its requester calls it.
fn noun(kind: &str) -> &'static str {
    match kind {
        "write_off" => "write-off",
        "care_record_amend" => "amendment of a signed-off care record",
        "policy_rule_add" => "policy rule",
        "staff_reactivate" => "request to bring a member back",
        _ => "role grant",
    }
}

/// The decisions on the member's own requests, each in a sentence, with "Got it" to stop
/// showing them; `back` is where that returns to.
pub fn banner(inbox: Option<&Inbox>, csrf: &str, back: &str) -> Markup {
    let Some(inbox) = inbox.filter(|i| !i.decided.is_empty()) else { return html! {} };
    html! {
        section.decisions aria-label="Decisions on your requests" role="status" {
            ul { @for d in &inbox.decided {
                li {
                    "Your " (noun(&d.kind)) " was "
                    @match d.status.as_str() {
                        "APPROVED" => { strong { "approved" } " by " (name_of(&d.decider)) "." }
                        "REJECTED" => { strong { "rejected" } " by " (name_of(&d.decider)) ": " (d.decision_note.as_deref().unwrap_or_default()) }
                        _ => { strong { "withdrawn" } ": " (d.decision_note.as_deref().unwrap_or_default()) }
                    }
                }
            } }
            form.inline method="post" action="/approvals/seen" {
                (csrf_field(csrf))
                input type="hidden" name="back" value=(back);
                @for d in &inbox.decided { input type="hidden" name="id" value=(d.id); }
                button.secondary type="submit" { "Got it" }
            }
        }
    }
}

/// POST `/approvals/seen`: the decisions shown are acknowledged; back to the page.
pub async fn seen(ctx: SignedIn, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let ids = crate::console::pages::all_of(&form.0, "id");
    if let Err(response) = ctx.run(documents::APPROVALS_ACKNOWLEDGE.text, json!({ "ids": ids }), None).await {
        return response;
    }
    let back = input.get("back").and_then(|back| crate::console::local_path::local_path(back));
    redirect(back.as_deref().unwrap_or("/"))
}
