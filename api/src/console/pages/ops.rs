//! Ops: the escalation queue by deadline (amounts, CARC/RARC explained, the summary header),
//! the open denials with their escalate button, and an escalation's page (the denial, the
//! appeals sent, the history, the next moves). An escalation's page states it as its purpose.

use super::history::{self, HistoryEntry};
use super::{
    Agent, Feedback, FormBody, Id, Member, assign_form, expected_version, fields, name_of, notice, outcome, read,
};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{csrf_field, dollars, money, page, plain, restricted, value, value_in};
use crate::http::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ops/escalations", get(queue))
        .route("/ops/escalations/{id}", get(escalation))
        .route("/ops/escalations/{id}/transition", post(transition))
        .route("/ops/escalations/{id}/assign", post(assign))
        .route("/ops/denials", get(denials))
        .route("/ops/denials/{id}/escalate", post(escalate))
}

/// `ops/queue.graphql`: a screen of escalations, and the last 90 days in sums.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueuePage {
    escalations: Connection<EscalationRow>,
    escalation_summary: Summary,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EscalationRow {
    id: String,
    status: String,
    appeal_level: Option<String>,
    payer: String,
    carc_group: String,
    carc_code: String,
    amount_at_stake: Shown<Option<i64>>,
    appeal_deadline: String,
    days_left: i64,
    assignee: Option<Agent>,
    denial: Shown<Option<Reason>>,
}

/// What a denial's reason and remark codes mean.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reason {
    carc_description: Option<String>,
    rarc_code: Option<String>,
    rarc_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    by_status: Vec<SummaryGroup>,
    appealed_cents: i64,
    recovery_rate: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SummaryGroup {
    key: String,
    count: i64,
    denied_cents: i64,
}

/// `ops/denials.graphql`: the open denials.
#[derive(Deserialize)]
struct DenialsPage {
    denials: Connection<DenialRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DenialRow {
    id: String,
    payer: String,
    carc_group: String,
    carc_code: String,
    #[serde(flatten)]
    reason: Reason,
    denied_cents: Shown<Option<i64>>,
    appeal_deadline: String,
    days_left: i64,
    escalation: Shown<Option<Working>>,
    claim: Shown<Option<ClaimNumber>>,
}

/// The escalation working a denial.
#[derive(Deserialize)]
struct Working {
    id: String,
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaimNumber {
    claim_number: String,
}

/// `ops/escalation.graphql`: one escalation with its denial, claim, appeals and history.
#[derive(Deserialize)]
struct EscalationPage {
    escalation: Escalation,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Escalation {
    status: String,
    appeal_level: Option<String>,
    allowed_moves: Vec<Move>,
    version: i64,
    summary: Shown<Option<String>>,
    amount_at_stake: Shown<Option<i64>>,
    recovered_cents: Shown<Option<i64>>,
    payer: String,
    carc_group: String,
    carc_code: String,
    appeal_deadline: String,
    days_left: i64,
    assignee: Option<Member>,
    assignable_agents: Vec<Member>,
    denial: Shown<Option<EscalatedDenial>>,
    claim: Shown<Option<Claim>>,
    patient: Shown<Option<Patient>>,
    appeals: Vec<Appeal>,
    pending_write_off: Option<WriteOff>,
    history: Shown<Option<Connection<HistoryEntry>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Move {
    to: String,
    appeal_level: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EscalatedDenial {
    #[serde(flatten)]
    reason: Reason,
    allowed_cents: Shown<Option<i64>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claim {
    claim_number: String,
    status: Shown<Option<String>>,
    billed_cents: Shown<Option<i64>>,
    service_date: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Patient {
    name: Shown<Option<String>>,
    member_id_last4: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Appeal {
    level: String,
    sent: Shown<Option<String>>,
    sent_on: String,
    filed_by: Option<Agent>,
}

/// A write-off waiting for a second ops member.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WriteOff {
    requested_by: Option<String>,
}

/// `ops/escalate_denial.graphql`: the escalation opened.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Escalated {
    escalate_denial: Id,
}

fn days(days: i64) -> Markup {
    match days {
        d if d < 0 => html! { span.badge.bad { "overdue " (-d) "d" } },
        d if d <= 14 => html! { span.badge.bad { (d) " days" } },
        d => html! { (d) " days" },
    }
}

/// A denial's reason code and what it means, its remark (if any) on a line of its own.
fn reason(group: &str, code: &str, reason: Option<&Reason>) -> Markup {
    let description = reason.and_then(|r| r.carc_description.as_ref());
    html! {
        (group) "-" (code) ": " (plain(&description))
        @if let Some(rarc) = reason.and_then(|r| r.rarc_code.as_ref()) {
            br; span.muted { (rarc) ": " (plain(&reason.and_then(|r| r.rarc_description.as_ref()))) }
        }
    }
}

/// One screen of escalations (25), then "Next page": each row's amount at stake is billing
/// PHI, recorded on the audit trail as it is shown.
async fn queue(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| query.get(k).filter(|v| !v.is_empty()).cloned();
    let status = get("status").unwrap_or_else(|| "OPEN,IN_REVIEW,APPEALED".into());
    let mut filter = json!({ "status": status.split(',').collect::<Vec<_>>() });
    if let Some(assignee) = get("assignee") {
        filter["assignee"] = json!(assignee);
    }
    if let Some(payer) = get("payer") {
        filter["payer"] = json!(payer);
    }
    let answer =
        match ctx.run(documents::OPS_QUEUE.text, json!({ "filter": filter, "after": get("after") }), None).await {
            Ok(answer) => answer,
            Err(response) => return response,
        };
    let queue: QueuePage = match read(&ctx, "Escalations", &answer) {
        Ok(queue) => queue,
        Err(response) => return response,
    };
    let body = html! {
        (notice(&query))
        (summary(&queue.escalation_summary))
        form.filters method="get" action="/ops/escalations" aria-label="Filter the queue" {
            div { label for="status" { "Status" }
                select id="status" name="status" {
                    @for (v, label) in [("OPEN,IN_REVIEW,APPEALED", "Being worked"), ("OPEN", "Open"), ("IN_REVIEW", "In review"), ("APPEALED", "Appealed"), ("WON,LOST,WRITTEN_OFF", "Finished")] {
                        option value=(v) selected[status == v] { (label) }
                    }
                } }
            div { label for="assignee" { "Assignee" }
                select id="assignee" name="assignee" {
                    option value="" { "Anyone" }
                    option value="me" selected[query.get("assignee").is_some_and(|a| a == "me")] { "Me" }
                    option value="unassigned" selected[query.get("assignee").is_some_and(|a| a == "unassigned")] { "Unassigned" }
                } }
            div { label for="payer" { "Payer" } input id="payer" name="payer" value=(get("payer").unwrap_or_default()); }
            button type="submit" { "Filter" }
        }
        p.muted { "Soonest deadline first." }
        (super::shortcuts("Keys: j / k move, Enter opens."))
        table.queue {
            thead { tr { th { "Deadline" } th { "Left" } th { "Status" } th { "Payer" } th { "Reason" } th { "At stake" } th { "Assignee" } } }
            tbody {
                @for e in queue.escalations.nodes() {
                    tr {
                        td { a href={ "/ops/escalations/" (e.id) } { (e.appeal_deadline) } }
                        td { (days(e.days_left)) }
                        td { (e.status.to_lowercase().replace('_', " ")) @if let Some(level) = &e.appeal_level { " (" (level.to_lowercase().replace('_', " ")) ")" } }
                        td { (e.payer) }
                        td { (reason(&e.carc_group, &e.carc_code, e.denial.present())) }
                        td { (money(&e.amount_at_stake)) }
                        td { (name_of(&e.assignee)) }
                    }
                }
            }
        }
        (super::list_end(&queue.escalations, "No escalations match these filters.", "/ops/escalations", &query, &[("status", &status)], &["assignee", "payer"]))
    };
    page(&ctx.frame(), "Escalations", body).into_response()
}

/// The queue's header: the last 90 days by status, and what appeals recovered.
fn summary(summary: &Summary) -> Markup {
    html! {
        section aria-label="Last 90 days" .summary {
            @for g in &summary.by_status {
                div.card { strong { (g.key.to_lowercase().replace('_', " ")) } br; (plain(&g.count)) " · " (dollars(g.denied_cents)) }
            }
            div.card { strong { "Recovery rate" } br;
                @if let Some(rate) = summary.recovery_rate { (format!("{:.0}%", rate * 100.0)) } @else { "—" }
                " of " (dollars(summary.appealed_cents)) " appealed" }
        }
    }
}

async fn denials(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    denials_page(&ctx, &query, Feedback::default()).await
}

async fn denials_page(ctx: &SignedIn, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let get = |k: &str| query.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let filter = match get("payer") {
        Some(payer) => json!({ "open": true, "payer": payer }),
        None => json!({ "open": true }),
    };
    let vars = json!({ "filter": filter, "after": get("after") });
    let answer = match ctx.run(documents::OPS_DENIALS.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let denials: DenialsPage = match read(ctx, "Open denials", &answer) {
        Ok(denials) => denials,
        Err(response) => return response,
    };
    let csrf = ctx.frame().csrf;
    let body = html! {
        (notice(query))
        form.filters method="get" action="/ops/denials" aria-label="Filter the denials" {
            div { label for="payer" { "Payer (its name or how it starts)" } input id="payer" name="payer" value=(get("payer").unwrap_or_default()); }
            button type="submit" { "Filter" }
        }
        (feedback.errors_of("escalate"))
        table.queue {
            thead { tr { th { "Deadline" } th { "Left" } th { "Claim" } th { "Payer" } th { "Reason" } th { "Denied" } th { "Escalation" } } }
            tbody {
                @for (i, d) in denials.denials.nodes().enumerate() {
                    tr {
                        td { (d.appeal_deadline) }
                        td { (days(d.days_left)) }
                        td { (plain(&d.claim.present().map(|c| &c.claim_number))) }
                        td { (d.payer) }
                        td { (reason(&d.carc_group, &d.carc_code, Some(&d.reason))) }
                        td { (money(&d.denied_cents)) }
                        td {
                            @if let Some(escalation) = d.escalation.present() {
                                a href={ "/ops/escalations/" (escalation.id) } { (escalation.status.to_lowercase().replace('_', " ")) }
                            } @else {
                                form method="post" action={ "/ops/denials/" (d.id) "/escalate" } {
                                    (csrf_field(csrf))
                                    label for={ "reason-" (i) } { "Why escalate" }
                                    input id={ "reason-" (i) } name="reason" required value=(feedback.typed("escalate", "reason"));
                                    button type="submit" { "Escalate" }
                                }
                            }
                        }
                    }
                }
            }
        }
        (super::list_end(&denials.denials, "No open denials match these filters.", "/ops/denials", query, &[], &["payer"]))
    };
    let status = feedback.status();
    (status, page(&ctx.frame(), "Open denials", body)).into_response()
}

async fn escalate(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let doc = documents::OPS_ESCALATE_DENIAL.text;
    let answer = match ctx.run(doc, json!({ "d": id, "r": input.get("reason") }), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if answer.errors.is_empty() {
        return match read::<Escalated>(&ctx, "Open denials", &answer) {
            Ok(escalated) => {
                crate::console::redirect(&format!("/ops/escalations/{}?done=escalate", escalated.escalate_denial.id))
            }
            Err(response) => response,
        };
    }
    denials_page(&ctx, &HashMap::new(), Feedback { form: "escalate", errors: answer.errors.clone(), input }).await
}

async fn escalation(ctx: SignedIn, Path(id): Path<String>, Query(query): Query<HashMap<String, String>>) -> Response {
    render(&ctx, &id, &query, Feedback::default()).await
}

async fn render(ctx: &SignedIn, id: &str, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let purpose = format!("escalation:{id}");
    let answer = match ctx
        .run(
            documents::OPS_ESCALATION.text,
            json!({ "id": id }),
            uuid::Uuid::parse_str(id).is_ok().then_some(purpose.as_str()),
        )
        .await
    {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let EscalationPage { escalation: e } = match read(ctx, "Escalation", &answer) {
        Ok(escalation) => escalation,
        Err(response) => return response,
    };
    let status = feedback.status();
    let title = format!("Escalation: {}", plain(&e.claim.present().map(|c| &c.claim_number)));
    (status, page(&ctx.frame(), &title, escalation_body(ctx, id, &e, query, &feedback))).into_response()
}

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

fn escalation_body(
    ctx: &SignedIn,
    id: &str,
    e: &Escalation,
    query: &HashMap<String, String>,
    feedback: &Feedback,
) -> Markup {
    html! {
        (notice(query))
        div.grid {
            (denial_card(e))
            (claim_card(e))
        }
        @if let Some(write_off) = &e.pending_write_off {
            p.notice role="status" { "A write-off asked by " (plain(&write_off.requested_by)) " waits for a second ops member in " a href="/approvals" { "Approvals" } "." }
        }
        (next_step_card(ctx, id, e, feedback))
        (appeals_and_history(e))
    }
}

/// The denial being worked: status and appeal level, deadline, reason, amounts.
fn denial_card(e: &Escalation) -> Markup {
    let denial = e.denial.present().map(|d| &d.reason);
    html! {
        section.card aria-labelledby="den-h" {
            h2 id="den-h" { "Denial" }
            dl {
                dt { "Status" } dd { (e.status.to_lowercase().replace('_', " ")) @if let Some(level) = &e.appeal_level { " (" (level.to_lowercase().replace('_', " ")) ")" } }
                dt { "Deadline" } dd { (e.appeal_deadline) " · " (days(e.days_left)) }
                dt { "Payer" } dd { (e.payer) }
                dt { "Reason" } dd { (e.carc_group) "-" (e.carc_code) ": " (plain(&denial.and_then(|d| d.carc_description.as_ref()))) }
                dt { "Remark" } dd { (plain(&denial.and_then(|d| d.rarc_code.as_ref()))) ": " (plain(&denial.and_then(|d| d.rarc_description.as_ref()))) }
                dt { "At stake" } dd { (money(&e.amount_at_stake)) }
                dt { "Allowed" } dd { (value_in(&e.denial, |d| money(&d.allowed_cents))) }
                dt { "Recovered" } dd { (money(&e.recovered_cents)) }
                dt { "Why escalated" } dd { (value(&e.summary)) }
                dt { "Assignee" } dd { (plain(&e.assignee.as_ref().map(|a| &a.display_name))) }
            }
        }
    }
}

/// The claim and the patient it is about, each value as ops may read it.
fn claim_card(e: &Escalation) -> Markup {
    html! {
        section.card aria-labelledby="claim-h" {
            h2 id="claim-h" { "Claim and patient" }
            dl {
                dt { "Claim" } dd { (value_in(&e.claim, |c| html! { (c.claim_number) })) }
                dt { "Claim status" } dd { (value_in(&e.claim, |c| value(&c.status))) }
                dt { "Billed" } dd { (value_in(&e.claim, |c| money(&c.billed_cents))) }
                dt { "Service date" } dd { (value_in(&e.claim, |c| html! { (c.service_date) })) }
                dt { "Patient" } dd { (value_in(&e.patient, |p| value(&p.name))) " " span.muted { (value_in(&e.patient, |p| html! { (p.member_id_last4) })) } }
            }
        }
    }
}

/// The next move (with an appeal's text or a recovered amount), and the assignment.
fn next_step_card(ctx: &SignedIn, id: &str, e: &Escalation, feedback: &Feedback) -> Markup {
    let csrf = ctx.frame().csrf;
    let today = chrono::Utc::now().date_naive().to_string();
    let typed = |k: &str| feedback.typed("transition", k);
    html! {
        section.card aria-labelledby="move-h" {
            h2 id="move-h" { "Next step" }
            @if feedback.is_conflict("transition") || feedback.is_conflict("assign") {
                p.error role="alert" {
                    @if let Some(last) = e.history.present().and_then(history::last_change) { (last) ", while you were writing. " }
                    @else { "Someone moved this escalation while you were writing. " }
                    "It is shown as it is now; your note is kept below: check it and send again."
                }
            } @else { (feedback.errors_of("transition")) }
            @let moves: Vec<(&str, &str)> = e.allowed_moves.iter()
                .map(|m| (m.to.as_str(), move_label(&m.to, m.appeal_level.as_deref())))
                .collect();
            @if moves.is_empty() { p.muted { "This escalation is finished." } }
            @else {
                form method="post" action={ "/ops/escalations/" (id) "/transition" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(e.version);
                    fieldset { legend { "Move to" }
                        @for (i, (to, label)) in moves.iter().enumerate() {
                            label { input type="radio" name="to" value=(to) required checked[typed("to") == *to || (typed("to").is_empty() && i == 0)]; " " (label) }
                        }
                    }
                    label for="note" { "Note (why; kept in the history)" }
                    textarea id="note" name="note" required { (typed("note")) }
                    label for="sent" { "For an appeal: what was sent" }
                    textarea id="sent" name="sent" { (typed("sent")) }
                    label for="sentOn" { "For an appeal: sent on" }
                    input id="sentOn" name="sentOn" type="date" value=(if typed("sentOn").is_empty() { today.clone() } else { typed("sentOn") });
                    label for="recovered" { "For a win: recovered amount in dollars" }
                    input id="recovered" name="recovered" inputmode="decimal" value=(typed("recovered"));
                    button type="submit" { "Save" }
                }
            }
            (assign_form(ctx, &format!("/ops/escalations/{id}/assign"), e.version, e.assignee.as_ref(), &e.assignable_agents, feedback))
        }
    }
}

/// The appeals sent so far, and the escalation's history.
fn appeals_and_history(e: &Escalation) -> Markup {
    html! {
        section.card aria-labelledby="appeals-h" {
            h2 id="appeals-h" { "Appeals sent" }
            @for appeal in &e.appeals {
                article { p.muted { (appeal.level.to_lowercase().replace('_', " ")) " · sent " (appeal.sent_on) " by " (name_of(&appeal.filed_by)) }
                    p { (value(&appeal.sent)) } }
            }
        }
        section.card aria-labelledby="hist-h" {
            h2 id="hist-h" { "History" }
            @if e.history.is_refused() { (restricted()) }
            @else if let Some(history) = e.history.present() { (history::card("hist-h", history)) }
        }
    }
}

async fn run_form_mutation(
    ctx: SignedIn,
    id: String,
    input: HashMap<String, String>,
    name: &'static str,
    document: &str,
    vars: Value,
) -> Response {
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let answer = match ctx.run(document, vars, Some(&format!("escalation:{id}"))).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let notice = if input.get("to").is_some_and(|t| t == "WRITTEN_OFF") { "writeoff" } else { name };
    match outcome(&answer, &format!("/ops/escalations/{id}"), notice) {
        Ok(response) => response,
        Err(errors) => render(&ctx, &id, &HashMap::new(), Feedback { form: name, errors, input }).await,
    }
}

/// Dollars as typed ("1,234.50", "$80") in cents; `Err` when it does not read as money.
fn cents(text: &str) -> Result<Value, ()> {
    let cleaned: String = text.trim().trim_start_matches('$').chars().filter(|c| *c != ',').collect();
    if cleaned.is_empty() {
        return Ok(Value::Null);
    }
    match cleaned.parse::<f64>() {
        Ok(dollars) if dollars.is_finite() => Ok(json!((dollars * 100.0).round() as i64)),
        _ => Err(()),
    }
}

async fn transition(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    let to = input.get("to").cloned().unwrap_or_default();
    let appeal = (to == "APPEALED").then(|| json!({ "sent": input.get("sent"), "sentOn": input.get("sentOn") }));
    let recovered = if to == "WON" {
        cents(input.get("recovered").map(String::as_str).unwrap_or_default())
    } else {
        Ok(Value::Null)
    };
    let Ok(recovered) = recovered else {
        let error = crate::console::gql::GqlError::bad_input(
            "the recovered amount is not an amount in dollars (like 1,234.50)",
        );
        return render(&ctx, &id, &HashMap::new(), Feedback { form: "transition", errors: vec![error], input }).await;
    };
    let vars = json!({ "id": id, "v": expected_version(&input), "to": to,
        "note": input.get("note"), "appeal": appeal, "cents": recovered });
    let doc = documents::OPS_TRANSITION_ESCALATION.text;
    run_form_mutation(ctx, id, input, "transition", doc, vars).await
}

async fn assign(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    let assignee = input.get("assignee").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let vars = json!({ "id": id, "v": expected_version(&input), "a": assignee });
    let doc = documents::OPS_ASSIGN_ESCALATION.text;
    run_form_mutation(ctx, id, input, "assign", doc, vars).await
}
