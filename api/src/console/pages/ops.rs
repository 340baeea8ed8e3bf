//! Ops: the escalation queue by deadline (amounts, CARC/RARC explained, the summary header),
//! the open denials with their escalate button, and an escalation's page (the denial, the
//! appeals sent, the history, the next moves). An escalation's page states it as its purpose.

use super::{Feedback, FormBody, expected_version, failed, fields, next_page, nodes, notice, outcome};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::Answer;
use crate::console::layout::{csrf_field, dollars, money, page, plain, value, when};
use crate::http::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
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

fn days(value: &Value) -> Markup {
    match value.as_i64() {
        Some(d) if d < 0 => html! { span.badge.bad { "overdue " (-d) "d" } },
        Some(d) if d <= 14 => html! { span.badge.bad { (d) " days" } },
        Some(d) => html! { (d) " days" },
        None => html! { "—" },
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
    if let Some(response) = failed(&ctx, "Escalations", &answer) {
        return response;
    }
    let rate = answer.at(&["escalationSummary", "recoveryRate"]).as_f64();
    let body = html! {
        (notice(&query))
        section aria-label="Last 90 days" .summary {
            @for g in answer.at(&["escalationSummary", "byStatus"]).as_array().into_iter().flatten() {
                div.card { strong { (plain(&g["key"]).to_lowercase().replace('_', " ")) } br; (plain(&g["count"])) " · " (dollars(&g["deniedCents"])) }
            }
            div.card { strong { "Recovery rate" } br;
                @if let Some(rate) = rate { (format!("{:.0}%", rate * 100.0)) } @else { "—" }
                " of " (dollars(answer.at(&["escalationSummary", "appealedCents"]))) " appealed" }
        }
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
        p.muted { "Soonest deadline first. Keys: j / k move, Enter opens." }
        table.queue {
            thead { tr { th { "Deadline" } th { "Left" } th { "Status" } th { "Payer" } th { "Reason" } th { "At stake" } th { "Assignee" } } }
            tbody {
                @for (i, e) in nodes(&answer, &["escalations"]).iter().enumerate() {
                    tr {
                        td { a href={ "/ops/escalations/" (plain(&e["id"])) } { (plain(&e["appealDeadline"])) } }
                        td { (days(&e["daysLeft"])) }
                        td { (plain(&e["status"]).to_lowercase().replace('_', " ")) @if !e["appealLevel"].is_null() { " (" (plain(&e["appealLevel"]).to_lowercase().replace('_', " ")) ")" } }
                        td { (plain(&e["payer"])) }
                        td { (plain(&e["carcGroup"])) "-" (plain(&e["carcCode"])) ": " (plain(&e["denial"]["carcDescription"]))
                            @if !e["denial"]["rarcCode"].is_null() { br; span.muted { (plain(&e["denial"]["rarcCode"])) ": " (plain(&e["denial"]["rarcDescription"])) } } }
                        td { (money(&answer, &["escalations", "edges", &i.to_string(), "node", "amountAtStake"])) }
                        td { (plain(&e["assignee"]["displayName"])) }
                    }
                }
            }
        }
        @if answer.at(&["escalations", "pageInfo", "hasNextPage"]) == &Value::Bool(true) {
            p { a href=(next_page("/ops/escalations", &query, &[("status", &status)], &["assignee", "payer"], answer.at(&["escalations", "pageInfo", "endCursor"]))) { "Next page" } }
        }
    };
    page(&ctx.frame(), "Escalations", body).into_response()
}

async fn denials(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    denials_page(&ctx, &query, Feedback::default()).await
}

async fn denials_page(ctx: &SignedIn, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let answer = match ctx.run(documents::OPS_DENIALS.text, json!({}), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if let Some(response) = failed(ctx, "Open denials", &answer) {
        return response;
    }
    let csrf = ctx.frame().csrf;
    let body = html! {
        (notice(query))
        (feedback.errors_of("escalate"))
        table.queue {
            thead { tr { th { "Deadline" } th { "Left" } th { "Claim" } th { "Payer" } th { "Reason" } th { "Denied" } th { "Escalation" } } }
            tbody {
                @for (i, d) in nodes(&answer, &["denials"]).iter().enumerate() {
                    tr {
                        td { (plain(&d["appealDeadline"])) }
                        td { (days(&d["daysLeft"])) }
                        td { (plain(&d["claim"]["claimNumber"])) }
                        td { (plain(&d["payer"])) }
                        td { (plain(&d["carcGroup"])) "-" (plain(&d["carcCode"])) ": " (plain(&d["carcDescription"]))
                            @if !d["rarcCode"].is_null() { br; span.muted { (plain(&d["rarcCode"])) ": " (plain(&d["rarcDescription"])) } } }
                        td { (money(&answer, &["denials", "edges", &i.to_string(), "node", "deniedCents"])) }
                        td {
                            @if d["escalation"].is_null() {
                                form method="post" action={ "/ops/denials/" (plain(&d["id"])) "/escalate" } {
                                    (csrf_field(csrf))
                                    label for={ "reason-" (i) } { "Why escalate" }
                                    input id={ "reason-" (i) } name="reason" required value=(feedback.typed("escalate", "reason"));
                                    button type="submit" { "Escalate" }
                                }
                            } @else {
                                a href={ "/ops/escalations/" (plain(&d["escalation"]["id"])) } { (plain(&d["escalation"]["status"]).to_lowercase().replace('_', " ")) }
                            }
                        }
                    }
                }
            }
        }
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
        let id = plain(answer.at(&["escalateDenial", "id"]));
        return crate::console::redirect(&format!("/ops/escalations/{id}?done=escalate"));
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
    if let Some(response) = failed(ctx, "Escalation", &answer) {
        return response;
    }
    let status = feedback.status();
    let title = format!("Escalation: {}", plain(answer.at(&["escalation", "claim", "claimNumber"])));
    (status, page(&ctx.frame(), &title, escalation_body(ctx, id, &answer, query, &feedback))).into_response()
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
    a: &Answer,
    query: &HashMap<String, String>,
    feedback: &Feedback,
) -> Markup {
    let e = a.at(&["escalation"]);
    html! {
        (notice(query))
        div.grid {
            (denial_card(a))
            (claim_card(a))
        }
        @if !e["pendingWriteOff"].is_null() {
            p.notice role="status" { "A write-off asked by " (plain(&e["pendingWriteOff"]["requestedBy"])) " waits for a second ops member in " a href="/approvals" { "Approvals" } "." }
        }
        (next_step_card(ctx, id, a, feedback))
        (appeals_and_history(a))
    }
}

/// The denial being worked: status and appeal level, deadline, reason, amounts.
fn denial_card(a: &Answer) -> Markup {
    let e = a.at(&["escalation"]);
    html! {
        section.card aria-labelledby="den-h" {
            h2 id="den-h" { "Denial" }
            dl {
                dt { "Status" } dd { (plain(&e["status"]).to_lowercase().replace('_', " ")) @if !e["appealLevel"].is_null() { " (" (plain(&e["appealLevel"]).to_lowercase().replace('_', " ")) ")" } }
                dt { "Deadline" } dd { (plain(&e["appealDeadline"])) " · " (days(&e["daysLeft"])) }
                dt { "Payer" } dd { (plain(&e["payer"])) }
                dt { "Reason" } dd { (plain(&e["carcGroup"])) "-" (plain(&e["carcCode"])) ": " (plain(&e["denial"]["carcDescription"])) }
                dt { "Remark" } dd { (plain(&e["denial"]["rarcCode"])) ": " (plain(&e["denial"]["rarcDescription"])) }
                dt { "At stake" } dd { (money(a, &["escalation", "amountAtStake"])) }
                dt { "Allowed" } dd { (money(a, &["escalation", "denial", "allowedCents"])) }
                dt { "Recovered" } dd { (money(a, &["escalation", "recoveredCents"])) }
                dt { "Why escalated" } dd { (value(a, &["escalation", "summary"])) }
                dt { "Assignee" } dd { (plain(&e["assignee"]["displayName"])) }
            }
        }
    }
}

/// The claim and the patient it is about, each value as ops may read it.
fn claim_card(a: &Answer) -> Markup {
    html! {
        section.card aria-labelledby="claim-h" {
            h2 id="claim-h" { "Claim and patient" }
            dl {
                dt { "Claim" } dd { (value(a, &["escalation", "claim", "claimNumber"])) }
                dt { "Claim status" } dd { (value(a, &["escalation", "claim", "status"])) }
                dt { "Billed" } dd { (money(a, &["escalation", "claim", "billedCents"])) }
                dt { "Service date" } dd { (value(a, &["escalation", "claim", "serviceDate"])) }
                dt { "Patient" } dd { (value(a, &["escalation", "patient", "name"])) " " span.muted { (value(a, &["escalation", "patient", "memberIdLast4"])) } }
            }
        }
    }
}

/// The next move (with an appeal's text or a recovered amount), and the assignment.
fn next_step_card(ctx: &SignedIn, id: &str, a: &Answer, feedback: &Feedback) -> Markup {
    let e = a.at(&["escalation"]);
    let csrf = ctx.frame().csrf;
    let today = chrono::Utc::now().date_naive().to_string();
    let typed = |k: &str| feedback.typed("transition", k);
    html! {
        section.card aria-labelledby="move-h" {
            h2 id="move-h" { "Next step" }
            @if feedback.is_conflict("transition") {
                p.error role="alert" { "Someone moved this escalation while you were writing. Its current state is shown; your note is kept below: check and send again." }
            }
            (feedback.errors_of("transition"))
            @let moves: Vec<(String, &str)> = e["allowedMoves"].as_array().into_iter().flatten()
                .map(|m| (plain(&m["to"]), move_label(m["to"].as_str().unwrap_or_default(), m["appealLevel"].as_str())))
                .collect();
            @if moves.is_empty() { p.muted { "This escalation is finished." } }
            @else {
                form method="post" action={ "/ops/escalations/" (id) "/transition" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(plain(&e["version"]));
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
            (feedback.errors_of("assign"))
            form method="post" action={ "/ops/escalations/" (id) "/assign" } {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(plain(&e["version"]));
                label for="assignee" { "Assign to (ops staff id, empty to unassign)" }
                input id="assignee" name="assignee" value=(feedback.typed("assign", "assignee"));
                button.secondary type="submit" { "Assign" }
            }
        }
    }
}

/// The appeals sent so far, and the escalation's history.
fn appeals_and_history(a: &Answer) -> Markup {
    html! {
        section.card aria-labelledby="appeals-h" {
            h2 id="appeals-h" { "Appeals sent" }
            @for (i, ap) in a.at(&["escalation", "appeals"]).as_array().into_iter().flatten().enumerate() {
                article { p.muted { (plain(&ap["level"]).to_lowercase().replace('_', " ")) " · sent " (plain(&ap["sentOn"])) " by " (plain(&ap["filedBy"]["displayName"])) }
                    p { (value(a, &["escalation", "appeals", &i.to_string(), "sent"])) } }
            }
        }
        section.card aria-labelledby="hist-h" {
            h2 id="hist-h" { "History" }
            @if a.refused(&["escalation", "history"]) { (crate::console::layout::restricted()) }
            table { thead { tr { th { "When" } th { "Who" } th { "What" } th { "Change" } } }
                tbody { @for h in nodes(a, &["escalation", "history"]) {
                    tr { td { (when(&h["at"])) } td { (plain(&h["actor"]["displayName"])) } td { (plain(&h["kind"]).replace('_', " ")) } td { code { (h["changes"].to_string()) } } }
                } } }
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
        let error = crate::console::gql::GqlError {
            message: "the recovered amount is not an amount in dollars (like 1,234.50)".into(),
            code: tools::kit::Code::BadUserInput,
            path: vec![],
        };
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
