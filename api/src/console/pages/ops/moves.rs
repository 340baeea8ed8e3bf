//! The next step of an escalation: one form for each move the API allows, each with only
//! the fields that move carries (an appeal's letter and date, a win's amount, a write-off's
//! amount, adjustment reason, reason and confirmation), folded so that the page works
//! without JavaScript; and the assignment. A refused form comes back open, as it was typed.

use super::escalation::{Escalation, as_typed, render};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Answer, GqlError};
use crate::console::layout::{csrf_field, dollars};
use crate::console::pages::history;
use crate::console::pages::{Feedback, FormBody, assign_form, expected_version, fields, outcome};
use axum::extract::Path;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Value, json};
use std::collections::HashMap;
use tools::kit::codes::CARC;

/// The adjustment groups a write-off may name, as a remittance's.
const GROUPS: [(&str, &str); 4] = [
    ("CO", "CO: contractual obligation"),
    ("PR", "PR: patient responsibility"),
    ("OA", "OA: other adjustment"),
    ("PI", "PI: payer initiated"),
];

/// What the page calls a move the API allows.
fn move_label(to: &str, level: Option<&str>) -> &'static str {
    match (to, level) {
        ("IN_REVIEW", _) => "Start review",
        ("APPEALED", Some("LEVEL_1")) => "Appeal (level 1)",
        ("APPEALED", Some("LEVEL_2")) => "Appeal (level 2)",
        ("APPEALED", _) => "External review",
        ("WON", _) => "Won",
        ("LOST", _) => "Lost",
        ("WRITTEN_OFF", _) => "Write off",
        _ => "Move",
    }
}

/// The next moves (each its own form), and the assignment.
pub(super) fn next_step_card(ctx: &SignedIn, id: &str, e: &Escalation, feedback: &Feedback) -> Markup {
    html! {
        section.card aria-labelledby="move-h" {
            h2 id="move-h" { "Next step" }
            @if feedback.is_conflict("transition") || feedback.is_conflict("assign") {
                p.error role="alert" {
                    @if let Some(last) = e.history.present().and_then(history::last_change) { (last) ", while you were writing. " }
                    @else { "Someone moved this escalation while you were writing. " }
                    "It is shown as it is now; what you typed is kept below: check it and send again."
                }
            }
            @if e.allowed_moves.is_empty() { p.muted { "This escalation is finished." } }
            @else {
                p.muted { "Choose the step to take: each opens its own form." }
                @for m in &e.allowed_moves {
                    (move_form(ctx, id, e, &m.to, move_label(&m.to, m.appeal_level.as_deref()), feedback))
                }
            }
            (assign_form(ctx, &format!("/ops/escalations/{id}/assign"), e.version, e.assignee.as_ref(), &e.assignable_agents, feedback))
        }
    }
}

/// One move's form, folded; open when it was the one refused.
fn move_form(ctx: &SignedIn, id: &str, e: &Escalation, to: &str, label: &str, feedback: &Feedback) -> Markup {
    let refused = feedback.typed("transition", "to") == to;
    let typed = |k: &str| feedback.typed_in("transition", ("to", to), k);
    let key = to.to_lowercase();
    let note_label = match to {
        "WRITTEN_OFF" => "Reason for the write-off (kept in the history and the audit trail)",
        _ => "Note (why; kept in the history)",
    };
    html! {
        details.move open[refused] {
            summary { (label) }
            form method="post" action={ "/ops/escalations/" (id) "/transition" } aria-label=(label) {
                (csrf_field(ctx.frame().csrf))
                input type="hidden" name="version" value=(e.version);
                input type="hidden" name="to" value=(to);
                @if refused && !feedback.is_conflict("transition") { (feedback.errors_of("transition")) }
                @match to {
                    "APPEALED" => (appeal_fields(&key, &typed)),
                    "WON" => (win_fields(&key, e, &typed)),
                    "WRITTEN_OFF" => (write_off_fields(&key, e, &typed)),
                    _ => {}
                }
                label for={ "note-" (key) } { (note_label) }
                textarea id={ "note-" (key) } name="note" required { (typed("note")) }
                @if to == "WRITTEN_OFF" {
                    p.check {
                        input type="checkbox" id="confirm-written_off" name="confirm" value="yes" required;
                        " " label for="confirm-written_off" { "I confirm this write-off: the amount will not be recovered, and this cannot be undone." }
                    }
                }
                button type="submit" { (label) }
            }
        }
    }
}

fn appeal_fields(key: &str, typed: &dyn Fn(&str) -> String) -> Markup {
    let today = chrono::Utc::now().date_naive().to_string();
    let sent_on = typed("sentOn");
    html! {
        label for={ "sent-" (key) } { "What was sent (the letter, the records, the argument)" }
        textarea id={ "sent-" (key) } name="sent" required { (typed("sent")) }
        label for={ "sentOn-" (key) } { "Sent on" }
        input id={ "sentOn-" (key) } name="sentOn" type="date" required max=(today) value=(if sent_on.is_empty() { today.clone() } else { sent_on });
    }
}

fn win_fields(key: &str, e: &Escalation, typed: &dyn Fn(&str) -> String) -> Markup {
    html! {
        label for={ "recovered-" (key) } { "Recovered amount in dollars" }
        @if let Some(open) = e.open_balance_cents.present() { p.muted id={ "recovered-hint-" (key) } { "At most the open balance, " (dollars(*open)) "." } }
        input id={ "recovered-" (key) } name="recovered" inputmode="decimal" required value=(typed("recovered"))
            aria-describedby=[e.open_balance_cents.present().map(|_| format!("recovered-hint-{key}"))];
    }
}

fn write_off_fields(key: &str, e: &Escalation, typed: &dyn Fn(&str) -> String) -> Markup {
    let open = e.open_balance_cents.present().copied();
    let amount = typed("amount");
    let amount = if amount.is_empty() { open.map(as_typed).unwrap_or_default() } else { amount };
    let group = typed("group");
    let group = if group.is_empty() { "CO".to_owned() } else { group };
    let code = typed("code");
    html! {
        @if let Some(open) = open { input type="hidden" name="balance" value=(open); }
        label for={ "amount-" (key) } { "Amount to write off, in dollars" }
        p.muted id={ "amount-hint-" (key) } {
            @if let Some(open) = open { "All or part of the open balance, " (dollars(open)) ": what is not written off stays with the claim. " }
            "A large write-off waits for a second ops member's approval."
        }
        input id={ "amount-" (key) } name="amount" inputmode="decimal" required value=(amount) aria-describedby={ "amount-hint-" (key) };
        label for={ "group-" (key) } { "Adjustment group" }
        select id={ "group-" (key) } name="group" required {
            @for (value, label) in GROUPS { option value=(value) selected[group == value] { (label) } }
        }
        label for={ "code-" (key) } { "Adjustment reason" }
        select id={ "code-" (key) } name="code" required {
            option value="" { "Choose the reason" }
            @for carc in CARC.iter() { option value=(carc.code) selected[code == carc.code] { (carc.code) ": " (carc.description) } }
        }
    }
}

/// Dollars as typed ("1,234.50", "$80") in cents; `Err` when it does not read as money.
fn cents(text: &str) -> Result<Option<i64>, ()> {
    let cleaned: String = text.trim().trim_start_matches('$').chars().filter(|c| *c != ',').collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    match cleaned.parse::<f64>() {
        Ok(dollars) if dollars.is_finite() && dollars.abs() < 1e12 => Ok(Some((dollars * 100.0).round() as i64)),
        _ => Err(()),
    }
}

/// What a write-off form carries, or the sentence that refuses it before the API is asked.
fn write_off_of(input: &HashMap<String, String>) -> Result<Value, &'static str> {
    let text = |k: &str| input.get(k).map(|v| v.trim()).unwrap_or_default();
    if text("confirm") != "yes" {
        return Err("Tick “I confirm this write-off” to send it: a write-off cannot be undone.");
    }
    let Ok(Some(amount)) = cents(text("amount")) else {
        return Err("Give the amount to write off in dollars, like 1,234.50.");
    };
    if amount <= 0 {
        return Err("The amount to write off must be more than $0.00.");
    }
    if text("balance").parse::<i64>().is_ok_and(|open| amount > open) {
        return Err("The amount to write off is more than the open balance: write off at most what is open.");
    }
    if text("code").is_empty() {
        return Err("Choose the adjustment reason: why this amount is written off.");
    }
    Ok(json!({ "amountCents": amount, "adjustmentGroup": text("group"), "adjustmentCode": text("code") }))
}

/// The move's variables, or the sentence that refuses the form.
fn move_vars(id: &str, input: &HashMap<String, String>) -> Result<Value, &'static str> {
    let to = input.get("to").cloned().unwrap_or_default();
    let appeal = (to == "APPEALED").then(|| json!({ "sent": input.get("sent"), "sentOn": input.get("sentOn") }));
    let recovered = match to.as_str() {
        "WON" => cents(input.get("recovered").map(String::as_str).unwrap_or_default())
            .map_err(|()| "The recovered amount is not an amount in dollars (like 1,234.50).")?,
        _ => None,
    };
    let write_off = if to == "WRITTEN_OFF" { Some(write_off_of(input)?) } else { None };
    Ok(json!({ "id": id, "v": expected_version(input), "to": to, "note": input.get("note"),
        "appeal": appeal, "cents": recovered, "writeOff": write_off }))
}

pub(super) async fn transition(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let vars = match move_vars(&id, &input) {
        Ok(vars) => vars,
        Err(refusal) => {
            let feedback = Feedback { form: "transition", errors: vec![GqlError::bad_input(refusal)], input };
            return render(&ctx, &id, &HashMap::new(), feedback).await;
        }
    };
    let doc = documents::OPS_TRANSITION_ESCALATION.text;
    let answer = match ctx.run(doc, vars, Some(&format!("escalation:{id}"))).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let notice = match input.get("to").map(String::as_str) {
        Some("WRITTEN_OFF") if waits_for_approval(&answer) => "writeoff-waiting",
        Some("WRITTEN_OFF") => "writeoff",
        _ => "transition",
    };
    finish(ctx, id, input, "transition", &answer, notice).await
}

/// Whether the write-off went to the approvals queue instead of being made.
fn waits_for_approval(answer: &Answer) -> bool {
    answer.read::<Value>().is_ok_and(|data| !data["transitionEscalation"]["pendingWriteOff"].is_null())
}

pub(super) async fn assign(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let assignee = input.get("assignee").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let vars = json!({ "id": id, "v": expected_version(&input), "a": assignee });
    let doc = documents::OPS_ASSIGN_ESCALATION.text;
    let answer = match ctx.run(doc, vars, Some(&format!("escalation:{id}"))).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    finish(ctx, id, input, "assign", &answer, "assign").await
}

/// The escalation's page with `notice`, or, refused, the page again with the form as typed.
async fn finish(
    ctx: SignedIn,
    id: String,
    input: HashMap<String, String>,
    form: &'static str,
    answer: &Answer,
    notice: &str,
) -> Response {
    match outcome(answer, &format!("/ops/escalations/{id}"), notice) {
        Ok(response) => response,
        Err(errors) => render(&ctx, &id, &HashMap::new(), Feedback { form, errors, input }).await,
    }
}
