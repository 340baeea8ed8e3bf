//! CX: the ticket queue (filters, SLA clock, breach badges, keyboard navigation) and a
//! ticket's page (patient card, history, comments, saved replies filled in, transitions,
//! assignment). A ticket's page states the ticket as its purpose.

use super::{Feedback, FormBody, expected_version, failed, fields, next_page, nodes, notice, outcome};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::Answer;
use crate::console::layout::{csrf_field, page, plain, value, when};
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
        .route("/cx/tickets", get(queue))
        .route("/cx/tickets/{id}", get(ticket))
        .route("/cx/tickets/{id}/comment", post(comment))
        .route("/cx/tickets/{id}/transition", post(transition))
        .route("/cx/tickets/{id}/assign", post(assign))
}

/// One screen of the queue (25 rows at 1280×1000), then "Next page". Every row discloses a
/// ticket's subject and its patient's name, each recorded on the audit trail: a page shows
/// what an agent can read at a glance, not fifty patients' names to work the top few.
async fn queue(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| query.get(k).filter(|v| !v.is_empty()).cloned();
    let status = get("status").unwrap_or_else(|| "OPEN,PENDING".into());
    let mut filter = json!({ "status": status.split(',').collect::<Vec<_>>() });
    if let Some(assignee) = get("assignee") {
        filter["assignee"] = json!(assignee);
    }
    if let Some(priority) = get("priority") {
        filter["priority"] = json!(priority);
    }
    if get("breached").is_some() {
        filter["slaBreached"] = json!(true);
    }
    let answer = match ctx.run(documents::CX_QUEUE.text, json!({ "filter": filter, "after": get("after") }), None).await
    {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if let Some(response) = failed(&ctx, "Ticket queue", &answer) {
        return response;
    }
    let selected = |name: &str, option: &str| query.get(name).is_some_and(|v| v == option);
    let body = html! {
        (notice(&query))
        form.filters method="get" action="/cx/tickets" aria-label="Filter the queue" {
            div { label for="status" { "Status" }
                select id="status" name="status" {
                    @for (v, label) in [("OPEN,PENDING", "Open and pending"), ("OPEN", "Open"), ("PENDING", "Pending"), ("RESOLVED", "Resolved"), ("CLOSED", "Closed")] {
                        option value=(v) selected[status == v] { (label) }
                    }
                } }
            div { label for="assignee" { "Assignee" }
                select id="assignee" name="assignee" {
                    option value="" { "Anyone" }
                    option value="me" selected[selected("assignee", "me")] { "Me" }
                    option value="unassigned" selected[selected("assignee", "unassigned")] { "Unassigned" }
                } }
            div { label for="priority" { "Priority" }
                select id="priority" name="priority" {
                    option value="" { "Any" }
                    @for p in ["URGENT", "HIGH", "NORMAL", "LOW"] { option value=(p) selected[selected("priority", p)] { (p.to_lowercase()) } }
                } }
            div { label { input type="checkbox" name="breached" value="1" checked[query.contains_key("breached")]; " Past SLA only" } }
            button type="submit" { "Filter" }
        }
        p.muted { "Keys: j / k move, Enter opens, / jumps to the filters." }
        table.queue {
            caption.muted { "Soonest SLA first" }
            thead { tr { th { "Subject" } th { "Patient" } th { "Priority" } th { "Status" } th { "SLA due" } th { "Assignee" } } }
            tbody {
                @for (i, t) in nodes(&answer, &["tickets"]).iter().enumerate() {
                    tr {
                        td { a href={ "/cx/tickets/" (plain(&t["id"])) } {
                            @if answer.refused(&["tickets", "edges", &i.to_string(), "node", "subject"]) { "(subject restricted)" } @else { (plain(&t["subject"])) }
                        } }
                        td { @if t["patient"].is_null() { span.muted { "—" } } @else {
                            (plain(&t["patient"]["name"])) " " span.muted { (plain(&t["patient"]["memberIdLast4"])) } } }
                        td { (plain(&t["priority"]).to_lowercase()) }
                        td { (plain(&t["status"]).to_lowercase()) }
                        td { (when(&t["slaDueAt"])) @if t["slaBreached"] == true { " " span.badge.bad { "SLA breached" } } }
                        td { (plain(&t["assignee"]["displayName"])) }
                    }
                }
            }
        }
        @if answer.at(&["tickets", "pageInfo", "hasNextPage"]) == &Value::Bool(true) {
            p { a href=(next_page("/cx/tickets", &query, &[("status", &status)], &["assignee", "priority", "breached"], answer.at(&["tickets", "pageInfo", "endCursor"]))) { "Next page" } }
        }
    };
    page(&ctx.frame(), "Ticket queue", body).into_response()
}

async fn render(ctx: &SignedIn, id: &str, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let chosen = query.get("macro").filter(|m| !m.is_empty()).cloned();
    let vars =
        json!({ "id": id, "macro": chosen.clone().unwrap_or_else(|| id.to_owned()), "withMacro": chosen.is_some() });
    let purpose = format!("ticket:{id}");
    let answer = match ctx
        .run(documents::CX_TICKET.text, vars, uuid::Uuid::parse_str(id).is_ok().then_some(purpose.as_str()))
        .await
    {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if let Some(response) = failed(ctx, "Ticket", &answer) {
        return response;
    }
    let status = feedback.status();
    let body = ticket_body(ctx, id, &answer, query, &feedback);
    let title = if answer.refused(&["ticket", "subject"]) {
        "Ticket".to_owned()
    } else {
        plain(answer.at(&["ticket", "subject"]))
    };
    (status, page(&ctx.frame(), &title, body)).into_response()
}

fn ticket_body(ctx: &SignedIn, id: &str, a: &Answer, query: &HashMap<String, String>, feedback: &Feedback) -> Markup {
    html! {
        (notice(query))
        div.grid {
            (ticket_card(a))
            (patient_card(ctx, id, a))
        }
        (work_card(ctx, id, a, feedback))
        (reply_card(ctx, id, a, query, feedback))
        (comments_card(a))
        (history_card(a))
    }
}

/// The ticket itself: status, priority, channel, SLA, assignee, description.
fn ticket_card(a: &Answer) -> Markup {
    let t = a.at(&["ticket"]);
    html! {
        section.card aria-labelledby="ticket-h" {
            h2 id="ticket-h" { "Ticket" }
            dl {
                dt { "Status" } dd { (plain(&t["status"]).to_lowercase()) }
                dt { "Priority" } dd { (plain(&t["priority"]).to_lowercase()) }
                dt { "Channel" } dd { (plain(&t["channel"]).to_lowercase()) }
                dt { "SLA due" } dd { (when(&t["slaDueAt"])) @if t["slaBreached"] == true { " " span.badge.bad { "SLA breached" } } }
                dt { "Assignee" } dd { (plain(&t["assignee"]["displayName"])) }
            }
            h3 { "Description" }
            p { (value(a, &["ticket", "description"])) }
        }
    }
}

/// The patient the ticket is about, each PHI field as the agent may read it (and break-glass
/// where the role may ask).
fn patient_card(ctx: &SignedIn, id: &str, a: &Answer) -> Markup {
    let t = a.at(&["ticket"]);
    html! {
        section.card aria-labelledby="patient-h" {
            h2 id="patient-h" { "Patient" }
            @if t["patient"].is_null() && !a.refused(&["ticket", "patient"]) { p.muted { "This ticket is not about a patient." } }
            @else {
                dl {
                    dt { "Name" } dd { (value(a, &["ticket", "patient", "name"])) }
                    dt { "Email" } dd { (value(a, &["ticket", "patient", "email"])) }
                    dt { "Phone" } dd { (value(a, &["ticket", "patient", "phone"])) }
                    dt { "Member id" } dd { (value(a, &["ticket", "patient", "memberIdLast4"])) }
                    dt { "Birth year" } dd { (value(a, &["ticket", "patient", "birthYear"])) }
                    dt { "Date of birth" } dd { (value(a, &["ticket", "patient", "dateOfBirth"])) }
                }
                @if a.refused(&["ticket", "patient", "dateOfBirth"]) {
                    (super::break_glass_form(ctx, &plain(&t["patient"]["id"]), &format!("/cx/tickets/{id}")))
                }
            }
        }
    }
}

/// The moves the ticket may make, and its assignment.
fn work_card(ctx: &SignedIn, id: &str, a: &Answer, feedback: &Feedback) -> Markup {
    let t = a.at(&["ticket"]);
    let csrf = ctx.frame().csrf;
    let version = plain(&t["version"]);
    let label = |to: &str| match to {
        "PENDING" => "Set pending",
        "RESOLVED" => "Resolve",
        "CLOSED" => "Close",
        _ => "Reopen",
    };
    let moves: Vec<(String, &str)> = t["allowedMoves"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| (plain(m), label(m.as_str().unwrap_or_default())))
        .collect();
    html! {
        section.card aria-labelledby="act-h" {
            h2 id="act-h" { "Work the ticket" }
            @if feedback.is_conflict("transition") || feedback.is_conflict("assign") {
                p.error role="alert" { "Someone changed this ticket while you were looking at it. The page now shows its current state; check it and choose again." }
            }
            (feedback.errors_of("transition"))
            @for (to, label) in moves {
                form.inline method="post" action={ "/cx/tickets/" (id) "/transition" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(version);
                    input type="hidden" name="to" value=(to);
                    button type="submit" { (label) }
                }
                " "
            }
            (feedback.errors_of("assign"))
            form.inline method="post" action={ "/cx/tickets/" (id) "/assign" } {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(version);
                label for="assignee" { "Assign to (staff id, empty to unassign)" }
                input id="assignee" name="assignee" value=(feedback.typed("assign", "assignee"));
                button.secondary type="submit" { "Assign" }
            }
        }
    }
}

/// A comment, filled in from a saved reply where one was chosen.
fn reply_card(ctx: &SignedIn, id: &str, a: &Answer, query: &HashMap<String, String>, feedback: &Feedback) -> Markup {
    let csrf = ctx.frame().csrf;
    let macro_text = a.at(&["renderMacro", "text"]).as_str().map(str::to_owned);
    let typed = feedback.typed("comment", "body");
    let comment_text = if !typed.is_empty() { typed } else { macro_text.unwrap_or_default() };
    html! {
        section.card aria-labelledby="reply-h" {
            h2 id="reply-h" { "Reply" }
            form method="get" action={ "/cx/tickets/" (id) } {
                label for="macro" { "Saved reply" }
                select id="macro" name="macro" {
                    option value="" { "None" }
                    @for m in a.at(&["macros"]).as_array().into_iter().flatten() {
                        option value=(plain(&m["id"])) selected[query.get("macro") == m["id"].as_str().map(str::to_owned).as_ref()] { (plain(&m["name"])) }
                    }
                }
                button.secondary type="submit" { "Fill in" }
            }
            @if let Some(refused) = a.at(&["renderMacro", "refusedPlaceholders"]).as_array().filter(|r| !r.is_empty()) {
                p.muted { "Left out because your role may not read them: " (refused.iter().map(plain).collect::<Vec<_>>().join(", ")) }
            }
            (feedback.errors_of("comment"))
            form method="post" action={ "/cx/tickets/" (id) "/comment" } {
                (csrf_field(csrf))
                label for="body" { "Comment" }
                textarea id="body" name="body" required { (comment_text) }
                label { input type="checkbox" name="internal" value="true" checked[feedback.typed("comment", "internal") == "true"]; " Internal note (never shown to the requester)" }
                button type="submit" { "Add comment" }
            }
        }
    }
}

fn comments_card(a: &Answer) -> Markup {
    html! {
        section.card aria-labelledby="comments-h" {
            h2 id="comments-h" { "Comments" }
            @if a.refused(&["ticket", "comments"]) { (crate::console::layout::restricted()) }
            @for c in nodes(a, &["ticket", "comments"]) {
                article {
                    p.muted { (plain(&c["author"]["displayName"])) " · " (when(&c["createdAt"])) @if c["internal"] == true { " · " span.badge { "internal" } } }
                    p { (plain(&c["body"])) }
                }
            }
        }
    }
}

fn history_card(a: &Answer) -> Markup {
    html! {
        section.card aria-labelledby="history-h" {
            h2 id="history-h" { "History" }
            table { thead { tr { th { "When" } th { "Who" } th { "What" } th { "Change" } } }
                tbody { @for h in nodes(a, &["ticket", "history"]) {
                    tr { td { (when(&h["at"])) } td { (plain(&h["actor"]["displayName"])) } td { (plain(&h["kind"])) } td { code { (h["changes"].to_string()) } } }
                } } }
        }
    }
}

async fn ticket(ctx: SignedIn, Path(id): Path<String>, Query(query): Query<HashMap<String, String>>) -> Response {
    render(&ctx, &id, &query, Feedback::default()).await
}

/// Runs a ticket mutation from a form; the page again with the error if it was refused.
async fn run_form_mutation(
    ctx: SignedIn,
    id: String,
    form: FormBody,
    name: &'static str,
    document: &str,
    vars: Value,
) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let answer = match ctx.run(document, vars, Some(&format!("ticket:{id}"))).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    match outcome(&answer, &format!("/cx/tickets/{id}"), name) {
        Ok(response) => response,
        Err(errors) => render(&ctx, &id, &HashMap::new(), Feedback { form: name, errors, input }).await,
    }
}

async fn comment(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    let vars = json!({ "id": id, "body": input.get("body"), "internal": input.contains_key("internal") });
    let doc = documents::CX_ADD_TICKET_COMMENT.text;
    run_form_mutation(ctx, id, form, "comment", doc, vars).await
}

async fn transition(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    let vars = json!({ "id": id, "v": expected_version(&input), "to": input.get("to") });
    let doc = documents::CX_TRANSITION_TICKET.text;
    run_form_mutation(ctx, id, form, "transition", doc, vars).await
}

async fn assign(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    let assignee = input.get("assignee").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let vars = json!({ "id": id, "v": expected_version(&input), "a": assignee });
    let doc = documents::CX_ASSIGN_TICKET.text;
    run_form_mutation(ctx, id, form, "assign", doc, vars).await
}
