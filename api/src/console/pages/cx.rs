//! CX: the ticket queue (filters, SLA clock, breach badges, keyboard navigation) and a
//! ticket's page (patient card, history, comments, saved replies filled in, transitions,
//! assignment). A ticket's page states the ticket as its purpose.

use super::history::{self, HistoryEntry};
use super::{
    Agent, Feedback, FormBody, Member, OwnGrant, assign_form, expected_version, fields, name_of, notice, outcome, read,
};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{ago, csrf_field, due, page, plain, restricted, value, value_in};
use crate::http::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cx/tickets", get(queue))
        .route("/cx/tickets/{id}", get(ticket))
        .route("/cx/tickets/{id}/comment", post(comment))
        .route("/cx/tickets/{id}/insert-reply", post(insert_reply))
        .route("/cx/tickets/{id}/transition", post(transition))
        .route("/cx/tickets/{id}/assign", post(assign))
}

/// `cx/queue.graphql`: one screen of tickets.
#[derive(Deserialize)]
struct QueuePage {
    tickets: Connection<TicketRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TicketRow {
    id: String,
    subject: Shown<Option<String>>,
    status: String,
    priority: String,
    sla_due_at: DateTime<Utc>,
    sla_breached: bool,
    assignee: Option<Agent>,
    patient: Shown<Option<RowPatient>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RowPatient {
    name: Shown<Option<String>>,
    member_id_last4: String,
}

/// `cx/ticket.graphql`: a ticket with its patient, comments and history, the saved replies,
/// and the one chosen filled in for this ticket.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TicketPage {
    ticket: Ticket,
    macros: Vec<SavedReply>,
    render_macro: Option<FilledReply>,
    my_break_glass_grants: Vec<OwnGrant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ticket {
    subject: Shown<Option<String>>,
    description: Shown<Option<String>>,
    status: String,
    allowed_moves: Vec<String>,
    priority: String,
    channel: String,
    sla_due_at: DateTime<Utc>,
    sla_breached: bool,
    version: i64,
    assignee: Option<Member>,
    assignable_agents: Vec<Member>,
    patient: Shown<Option<Patient>>,
    comments: Shown<Option<Connection<Comment>>>,
    history: Connection<HistoryEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Patient {
    id: String,
    name: Shown<Option<String>>,
    email: Shown<Option<String>>,
    phone: Shown<Option<String>>,
    member_id_last4: String,
    birth_year: i64,
    date_of_birth: Shown<Option<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Comment {
    author: Option<Agent>,
    body: Option<String>,
    internal: bool,
    created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct SavedReply {
    id: String,
    name: String,
}

/// A saved reply filled in for the ticket, without what the agent may not read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FilledReply {
    text: String,
    refused_placeholders: Vec<String>,
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
    // Words in the subject or description: two letters at least, as the API asks; fewer are
    // not sent, and the form says why.
    let text = get("text").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let short_text = text.as_ref().is_some_and(|t| t.chars().count() < 2);
    if let Some(text) = text.as_ref().filter(|_| !short_text) {
        filter["text"] = json!(text.chars().take(100).collect::<String>());
    }
    let answer = match ctx.run(documents::CX_QUEUE.text, json!({ "filter": filter, "after": get("after") }), None).await
    {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let queue: QueuePage = match read(&ctx, "Ticket queue", &answer) {
        Ok(queue) => queue,
        Err(response) => return response,
    };
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
            div { label for="text" { "Words in the subject or description" }
                input id="text" name="text" type="search" maxlength="100" value=(text.clone().unwrap_or_default()); }
            div { label { input type="checkbox" name="breached" value="1" checked[query.contains_key("breached")]; " Past SLA only" } }
            button type="submit" { "Filter" }
        }
        @if short_text { p.warning { "Type at least two letters to search the tickets' words; the list below is not searched." } }
        (super::shortcuts("Keys: j / k move, Enter opens, / jumps to the filters."))
        table.queue {
            caption.muted { "Soonest SLA first" }
            thead { tr { th { "Subject" } th { "Patient" } th { "Priority" } th { "Status" } th { "SLA due" } th { "Assignee" } } }
            tbody {
                @for t in queue.tickets.nodes() {
                    tr {
                        td { a href={ "/cx/tickets/" (t.id) } {
                            @if t.subject.is_refused() { "(subject restricted)" } @else { (plain(&t.subject.present())) }
                        } }
                        td { @if let Some(patient) = t.patient.present() {
                            (plain(&patient.name.present())) " " span.muted { (patient.member_id_last4) } } @else { span.muted { "—" } } }
                        td { (t.priority.to_lowercase()) }
                        td { (t.status.to_lowercase()) }
                        td { (due(&t.sla_due_at)) @if t.sla_breached { " " span.badge.bad { "SLA breached" } } }
                        td { (name_of(&t.assignee)) }
                    }
                }
            }
        }
        (super::list_end(&queue.tickets, "No tickets match these filters.", "/cx/tickets", &query, &[("status", &status)], &["assignee", "priority", "breached", "text"]))
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
    let ticket: TicketPage = match read(ctx, "Ticket", &answer) {
        Ok(ticket) => ticket,
        Err(response) => return response,
    };
    let status = feedback.status();
    let body = ticket_body(ctx, id, &ticket, query, &feedback);
    let title = match &ticket.ticket.subject {
        Shown::Value(subject) => plain(subject),
        Shown::Refused => "Ticket".to_owned(),
    };
    (status, page(&ctx.frame(), &title, body)).into_response()
}

fn ticket_body(
    ctx: &SignedIn,
    id: &str,
    page: &TicketPage,
    query: &HashMap<String, String>,
    feedback: &Feedback,
) -> Markup {
    let t = &page.ticket;
    html! {
        (notice(query))
        div.grid {
            (ticket_card(t))
            (patient_card(ctx, id, t, &page.my_break_glass_grants))
        }
        (work_card(ctx, id, t, feedback))
        (reply_card(ctx, id, page, query, feedback))
        (comments_card(t))
        (history_card(t))
    }
}

/// The ticket itself: status, priority, channel, SLA, assignee, description.
fn ticket_card(t: &Ticket) -> Markup {
    html! {
        section.card aria-labelledby="ticket-h" {
            h2 id="ticket-h" { "Ticket" }
            dl {
                dt { "Status" } dd { (t.status.to_lowercase()) }
                dt { "Priority" } dd { (t.priority.to_lowercase()) }
                dt { "Channel" } dd { (t.channel.to_lowercase()) }
                dt { "SLA due" } dd { (due(&t.sla_due_at)) @if t.sla_breached { " " span.badge.bad { "SLA breached" } } }
                dt { "Assignee" } dd { (plain(&t.assignee.as_ref().map(|a| &a.display_name))) }
            }
            h3 { "Description" }
            p { (value(&t.description)) }
        }
    }
}

/// The patient the ticket is about, each PHI field as the agent may read it; break-glass
/// where the role may ask, and while it is open, what it opened and how to end it.
fn patient_card(ctx: &SignedIn, id: &str, t: &Ticket, grants: &[OwnGrant]) -> Markup {
    // A refused patient is refused its date of birth too: break-glass opens both.
    let birth_refused = match &t.patient {
        Shown::Value(patient) => patient.as_ref().is_some_and(|p| p.date_of_birth.is_refused()),
        Shown::Refused => true,
    };
    let patient_id = plain(&t.patient.present().map(|p| &p.id));
    let back = format!("/cx/tickets/{id}");
    let grant = super::open_grant(grants, &patient_id);
    let birth = |p: &Patient| match grant {
        Some(_) => super::by_emergency_access(value(&p.date_of_birth)),
        None => value(&p.date_of_birth),
    };
    let warning = matches!(t.status.as_str(), "RESOLVED" | "CLOSED").then_some(
        "This ticket is resolved: emergency access is for a patient you are helping now. Ask only if they are in contact with you again; compliance reads the ticket with your reason.",
    );
    html! {
        section.card aria-labelledby="patient-h" {
            h2 id="patient-h" { "Patient" }
            @if matches!(t.patient, Shown::Value(None)) { p.muted { "This ticket is not about a patient." } }
            @else {
                @if let Some(grant) = grant {
                    (super::break_glass_banner(ctx, grant, "The date of birth below is shown only because of it.", &back))
                }
                dl {
                    dt { "Name" } dd { (value_in(&t.patient, |p| value(&p.name))) }
                    dt { "Email" } dd { (value_in(&t.patient, |p| value(&p.email))) }
                    dt { "Phone" } dd { (value_in(&t.patient, |p| value(&p.phone))) }
                    dt { "Member id" } dd { (value_in(&t.patient, |p| html! { (p.member_id_last4) })) }
                    dt { "Birth year" } dd { (value_in(&t.patient, |p| html! { (p.birth_year) })) }
                    dt { "Date of birth" } dd { (value_in(&t.patient, birth)) }
                }
                @if birth_refused {
                    p.muted { "Restricted means your role may not see it. If the patient's safety needs it now, emergency access opens it for a short time, on the record." }
                    (super::break_glass_form(ctx, &patient_id, &back, warning))
                }
            }
        }
    }
}

/// The moves the ticket may make, and its assignment.
fn work_card(ctx: &SignedIn, id: &str, t: &Ticket, feedback: &Feedback) -> Markup {
    let csrf = ctx.frame().csrf;
    let label = |to: &str| match to {
        "PENDING" => "Set pending",
        "RESOLVED" => "Resolve",
        "CLOSED" => "Close",
        _ => "Reopen",
    };
    html! {
        section.card aria-labelledby="act-h" {
            h2 id="act-h" { "Work the ticket" }
            @if feedback.is_conflict("transition") || feedback.is_conflict("assign") {
                p.error role="alert" {
                    @if let Some(last) = history::last_change(&t.history) { (last) ", while you were looking at it. " }
                    @else { "Someone changed this ticket while you were looking at it. " }
                    "The page shows the ticket as it is now: check it and choose again."
                }
            } @else { (feedback.errors_of("transition")) }
            @for to in &t.allowed_moves {
                form.inline method="post" action={ "/cx/tickets/" (id) "/transition" } {
                    (csrf_field(csrf))
                    input type="hidden" name="version" value=(t.version);
                    input type="hidden" name="to" value=(to);
                    button type="submit" { (label(to)) }
                }
                " "
            }
            (assign_form(ctx, &format!("/cx/tickets/{id}/assign"), t.version, t.assignee.as_ref(), &t.assignable_agents, feedback))
        }
    }
}

/// A comment, with a saved reply inserted where the agent's cursor was, sent alone or with
/// the ticket's next status.
fn reply_card(
    ctx: &SignedIn,
    id: &str,
    page: &TicketPage,
    query: &HashMap<String, String>,
    feedback: &Feedback,
) -> Markup {
    let csrf = ctx.frame().csrf;
    let t = &page.ticket;
    let filled = page.render_macro.as_ref();
    let (text, caret) = reply_text(feedback, filled);
    let chosen = if feedback.form == "insert" { feedback.input.get("macro") } else { query.get("macro") };
    let then = |to: &str, label: &'static str| {
        html! {
            @if t.allowed_moves.iter().any(|m| m == to) {
                " " button.secondary type="submit" name="then" value=(to) { (label) }
            }
        }
    };
    html! {
        section.card aria-labelledby="reply-h" {
            h2 id="reply-h" { "Reply" }
            (feedback.errors_of("comment"))
            form method="post" action={ "/cx/tickets/" (id) "/comment" } {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(t.version);
                input type="hidden" name="cursor" id="cursor" value="";
                div.inline {
                    label for="macro" { "Saved reply" }
                    select id="macro" name="macro" {
                        option value="" { "None" }
                        @for m in &page.macros {
                            option value=(m.id) selected[chosen == Some(&m.id)] { (m.name) }
                        }
                    }
                    " "
                    button.secondary type="submit" formaction={ "/cx/tickets/" (id) "/insert-reply" } formnovalidate { "Insert at the cursor" }
                }
                @if let Some(refused) = filled.map(|f| &f.refused_placeholders).filter(|r| !r.is_empty()) {
                    p.muted { "Left out because your role may not read them: " (plain(refused)) }
                }
                label for="body" { "Comment" }
                // The parser drops one newline after `<textarea>`: this one, never the reply's.
                textarea id="body" name="body" required data-caret=[caret] { "\n" (text) }
                label { input type="checkbox" name="internal" value="true" checked[is_internal(feedback)]; " Internal note (never shown to the requester)" }
                button type="submit" { "Add comment" }
                (then("PENDING", "Reply and set pending"))
                (then("RESOLVED", "Reply and resolve"))
            }
        }
    }
}

/// What the reply box holds: what the agent typed (kept through a refusal), or a saved reply
/// inserted into it at their cursor, with where the cursor goes after the insertion.
fn reply_text(feedback: &Feedback, filled: Option<&FilledReply>) -> (String, Option<usize>) {
    let typed = |form: &str| feedback.typed(form, "body");
    match (feedback.form, filled) {
        ("insert", Some(filled)) => {
            let cursor = feedback.typed("insert", "cursor").parse().ok();
            let (text, caret) = insert_at(&typed("insert"), cursor, &filled.text);
            (text, Some(caret))
        }
        ("insert", None) => (typed("insert"), None),
        _ => {
            let typed = typed("comment");
            if typed.is_empty() { (filled.map(|f| f.text.clone()).unwrap_or_default(), None) } else { (typed, None) }
        }
    }
}

fn is_internal(feedback: &Feedback) -> bool {
    feedback.typed("comment", "internal") == "true" || feedback.typed("insert", "internal") == "true"
}

/// `typed` with `text` inserted at `cursor` (counted in characters, as the page counts them),
/// or on a line of its own after it without one; and the character after the insertion.
fn insert_at(typed: &str, cursor: Option<usize>, text: &str) -> (String, usize) {
    let length = typed.chars().count();
    let at = match cursor {
        Some(at) if at <= length => at,
        _ if typed.is_empty() => 0,
        _ => {
            let joined = if typed.ends_with('\n') { format!("{typed}{text}") } else { format!("{typed}\n{text}") };
            let caret = joined.chars().count();
            return (joined, caret);
        }
    };
    let split = typed.char_indices().nth(at).map_or(typed.len(), |(i, _)| i);
    let (before, after) = typed.split_at(split);
    (format!("{before}{text}{after}"), at + text.chars().count())
}

fn comments_card(t: &Ticket) -> Markup {
    html! {
        section.card aria-labelledby="comments-h" {
            h2 id="comments-h" { "Comments" }
            @if t.comments.is_refused() { (restricted()) }
            @for c in t.comments.present().into_iter().flat_map(Connection::nodes) {
                article {
                    p.muted { (name_of(&c.author)) " · " (ago(&c.created_at)) @if c.internal { " · " span.badge { "internal" } } }
                    p { (plain(&c.body)) }
                }
            }
        }
    }
}

fn history_card(t: &Ticket) -> Markup {
    html! {
        section.card aria-labelledby="history-h" {
            h2 id="history-h" { "History" }
            (history::card("history-h", &t.history))
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

/// A reply, and with "Reply and set pending" or "Reply and resolve" the move after it. The
/// reply stands even when the move is refused: the page says so, and why.
async fn comment(mut ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    let vars = json!({ "id": id, "body": input.get("body"), "internal": input.contains_key("internal") });
    let doc = documents::CX_ADD_TICKET_COMMENT.text;
    let Some(to) = input.get("then").filter(|to| !to.is_empty()).cloned() else {
        return run_form_mutation(ctx, id, form, "comment", doc, vars).await;
    };
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let purpose = format!("ticket:{id}");
    let answer = match ctx.run(doc, vars, Some(&purpose)).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    if !answer.errors.is_empty() {
        return render(&ctx, &id, &HashMap::new(), Feedback { form: "comment", errors: answer.errors, input }).await;
    }
    let vars = json!({ "id": id, "v": expected_version(&input), "to": to });
    let answer = match ctx.run(documents::CX_TRANSITION_TICKET.text, vars, Some(&purpose)).await {
        Ok(answer) => answer,
        // The reply stands: say so, so that it is not sent twice.
        Err(_) => return crate::console::redirect(&format!("/cx/tickets/{id}?done=reply-unconfirmed")),
    };
    let done = if to == "RESOLVED" { "reply-resolved" } else { "reply-pending" };
    match outcome(&answer, &format!("/cx/tickets/{id}"), done) {
        Ok(response) => response,
        Err(errors) => {
            ctx.address = Some(format!("/cx/tickets/{id}?done=reply-unmoved"));
            let query = HashMap::from([("done".to_owned(), "reply-unmoved".to_owned())]);
            render(&ctx, &id, &query, Feedback { form: "transition", errors, input }).await
        }
    }
}

/// "Insert at the cursor": the page again, the saved reply filled in for this ticket and
/// inserted into what the agent typed. Nothing is stored.
async fn insert_reply(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let query: HashMap<String, String> =
        input.get("macro").map(|m| ("macro".to_owned(), m.clone())).into_iter().collect();
    render(&ctx, &id, &query, Feedback { form: "insert", errors: Vec::new(), input }).await
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

#[cfg(test)]
mod tests {
    use super::insert_at;

    #[test]
    fn a_saved_reply_goes_in_at_the_cursor_counted_in_characters() {
        assert_eq!(insert_at("Zoë 🙂, — thanks", Some(7), "Hello. "), ("Zoë 🙂, Hello. — thanks".to_owned(), 14));
        assert_eq!(insert_at("", None, "Hello."), ("Hello.".to_owned(), 6));
        assert_eq!(insert_at("", Some(0), "Hello."), ("Hello.".to_owned(), 6));
        assert_eq!(insert_at("Hi", Some(0), "Yes. "), ("Yes. Hi".to_owned(), 5));
    }

    #[test]
    fn without_a_cursor_it_goes_on_a_line_of_its_own_after_the_text() {
        assert_eq!(insert_at("Hi Sam,", None, "Thanks."), ("Hi Sam,\nThanks.".to_owned(), 15));
        assert_eq!(insert_at("Hi Sam,\n", None, "Thanks."), ("Hi Sam,\nThanks.".to_owned(), 15));
        // A cursor past the end (a stale page, a hand-made form) is no cursor.
        assert_eq!(insert_at("Hi", Some(99), "Thanks."), ("Hi\nThanks.".to_owned(), 10));
    }
}
