//! The escalation queue by deadline: its summary cards (what is being worked now, each a
//! link that filters the queue to what it counts), the filters, and one screen of rows.

use super::{days, reason, stage};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{dollars, money, page, plain};
use crate::console::pages::{Agent, name_of, notice, read};
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

/// The statuses of escalations still being worked: the queue's default.
const WORKING: &str = "OPEN,IN_REVIEW,APPEALED";

/// "Due soon": a deadline from today to this many days ahead (the API's count agrees).
const DUE_SOON_DAYS: i64 = 14;

/// `ops/queue.graphql`: a screen of escalations, and the header's counts and sums.
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
    denial: Shown<Option<super::Reason>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    by_status: Vec<SummaryGroup>,
    appealed_cents: i64,
    recovery_rate: Option<f64>,
    working: Working,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SummaryGroup {
    key: String,
    count: i64,
    denied_cents: i64,
}

/// What is being worked now, as the queue's filters count it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Working {
    open: i64,
    in_review: i64,
    appealed: i64,
    overdue: i64,
    due_soon: i64,
    unassigned: i64,
}

/// The queue's filters as the address names them (empty values read as absent).
struct Filters {
    status: String,
    assignee: Option<String>,
    payer: Option<String>,
    /// `overdue` or `soon`.
    due: Option<String>,
}

impl Filters {
    fn of(query: &HashMap<String, String>) -> Self {
        let get = |k: &str| query.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Filters {
            status: get("status").unwrap_or_else(|| WORKING.into()),
            assignee: get("assignee"),
            payer: get("payer"),
            due: get("due").filter(|d| d == "overdue" || d == "soon"),
        }
    }

    /// The API's filter: the statuses, and the deadline window a `due` names.
    fn api(&self, today: NaiveDate) -> serde_json::Value {
        let mut filter = json!({ "status": self.status.split(',').collect::<Vec<_>>() });
        if let Some(assignee) = &self.assignee {
            filter["assignee"] = json!(assignee);
        }
        if let Some(payer) = &self.payer {
            filter["payer"] = json!(payer);
        }
        match self.due.as_deref() {
            Some("overdue") => filter["deadlineBefore"] = json!(today),
            Some("soon") => {
                filter["deadlineFrom"] = json!(today);
                filter["deadlineBefore"] = json!(today + Duration::days(DUE_SOON_DAYS + 1));
            }
            _ => {}
        }
        filter
    }

    /// Whether the queue shows exactly what a card counts (`status`, or the working
    /// statuses with one more filter).
    fn is(&self, status: &str, assignee: Option<&str>, due: Option<&str>) -> bool {
        self.status == status
            && self.assignee.as_deref() == assignee
            && self.due.as_deref() == due
            && self.payer.is_none()
    }
}

/// One screen of escalations (25), then "Next page": each row's amount at stake is billing
/// PHI, recorded on the audit trail as it is shown.
pub(super) async fn queue(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let filters = Filters::of(&query);
    let vars = json!({ "filter": filters.api(Utc::now().date_naive()), "after": query.get("after").filter(|a| !a.is_empty()) });
    let answer = match ctx.run(documents::OPS_QUEUE.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let queue: QueuePage = match read(&ctx, "Escalations", &answer) {
        Ok(queue) => queue,
        Err(response) => return response,
    };
    let body = html! {
        (notice(&query))
        (cards(&queue.escalation_summary.working, &filters))
        (filter_form(&filters))
        p.muted { "Soonest deadline first." }
        (crate::console::pages::shortcuts("Keys: j / k move, Enter opens."))
        (rows(&queue.escalations))
        (crate::console::pages::list_end(&queue.escalations, "No escalations match these filters.", "/ops/escalations", &query, &[("status", &filters.status)], &["assignee", "payer", "due"]))
        (last_90_days(&queue.escalation_summary))
    };
    page(&ctx.frame(), "Escalations", body).into_response()
}

/// What is being worked now: each card a link to the queue filtered to what it counts, the
/// card of the filter in force marked as current.
fn cards(working: &Working, filters: &Filters) -> Markup {
    let cards = [
        ("Open", working.open, "status=OPEN", filters.is("OPEN", None, None)),
        ("In review", working.in_review, "status=IN_REVIEW", filters.is("IN_REVIEW", None, None)),
        ("Appealed", working.appealed, "status=APPEALED", filters.is("APPEALED", None, None)),
        ("Overdue", working.overdue, "due=overdue", filters.is(WORKING, None, Some("overdue"))),
        ("Due within 14 days", working.due_soon, "due=soon", filters.is(WORKING, None, Some("soon"))),
        ("Unassigned", working.unassigned, "assignee=unassigned", filters.is(WORKING, Some("unassigned"), None)),
    ];
    html! {
        section aria-labelledby="now-h" {
            h2 id="now-h" { "Being worked now" }
            p.muted { "Each count opens the queue filtered to it." }
            ul.summary.cards {
                @for (label, count, filter, current) in cards {
                    li { a.card href={ "/ops/escalations?" (filter) } aria-current=[current.then_some("true")] {
                        strong { (label) } br; (plain(&count)) @if count == 1 { " escalation" } @else { " escalations" }
                    } }
                }
            }
        }
    }
}

fn filter_form(filters: &Filters) -> Markup {
    let statuses = [
        (WORKING, "Being worked"),
        ("OPEN", "Open"),
        ("IN_REVIEW", "In review"),
        ("APPEALED", "Appealed"),
        ("WON,LOST,WRITTEN_OFF", "Finished"),
    ];
    let assignee = filters.assignee.as_deref().unwrap_or_default();
    let due = filters.due.as_deref().unwrap_or_default();
    html! {
        form.filters method="get" action="/ops/escalations" aria-label="Filter the queue" {
            div { label for="status" { "Status" }
                select id="status" name="status" {
                    @for (v, label) in statuses { option value=(v) selected[filters.status == v] { (label) } }
                } }
            div { label for="due" { "Deadline" }
                select id="due" name="due" {
                    option value="" { "Any" }
                    option value="overdue" selected[due == "overdue"] { "Overdue" }
                    option value="soon" selected[due == "soon"] { "Due within 14 days" }
                } }
            div { label for="assignee" { "Assignee" }
                select id="assignee" name="assignee" {
                    option value="" { "Anyone" }
                    option value="me" selected[assignee == "me"] { "Me" }
                    option value="unassigned" selected[assignee == "unassigned"] { "Unassigned" }
                } }
            div { label for="payer" { "Payer" } input id="payer" name="payer" value=(filters.payer.as_deref().unwrap_or_default()); }
            button type="submit" { "Filter" }
        }
    }
}

fn rows(escalations: &Connection<EscalationRow>) -> Markup {
    html! {
        table.queue {
            thead { tr { th { "Deadline" } th { "Left" } th { "Status" } th { "Payer" } th { "Reason" } th { "At stake" } th { "Assignee" } } }
            tbody {
                @for e in escalations.nodes() {
                    tr {
                        td { a href={ "/ops/escalations/" (e.id) } { (e.appeal_deadline) } }
                        td { (days(e.days_left)) }
                        td { (stage(&e.status, e.appeal_level.as_deref())) }
                        td { (e.payer) }
                        td { (reason(&e.carc_group, &e.carc_code, e.denial.present())) }
                        td { (money(&e.amount_at_stake)) }
                        td { (name_of(&e.assignee)) }
                    }
                }
            }
        }
    }
}

/// Escalations opened in the last 90 days by status, and what appeals recovered.
fn last_90_days(summary: &Summary) -> Markup {
    html! {
        section.card aria-labelledby="recent-h" {
            h2 id="recent-h" { "Opened in the last 90 days" }
            dl {
                @for g in &summary.by_status {
                    dt { (g.key.to_lowercase().replace('_', " ")) } dd { (plain(&g.count)) " · " (dollars(g.denied_cents)) }
                }
                dt { "Recovery rate" }
                dd { @if let Some(rate) = summary.recovery_rate { (format!("{:.0}%", rate * 100.0)) } @else { "—" }
                    " of " (dollars(summary.appealed_cents)) " appealed" }
            }
        }
    }
}
