//! Ops: the escalation queue by deadline with its summary cards (each a filter of the queue),
//! the open denials with their escalate button, and an escalation's page (the denial, the
//! claim as ops may read it, the appeals, the history, one form for each next move). An
//! escalation's page states it as its purpose.

mod denials;
mod escalation;
mod moves;
mod queue;

use crate::http::AppState;
use axum::Router;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use crate::console::layout::plain;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ops/escalations", get(queue::queue))
        .route("/ops/escalations/{id}", get(escalation::escalation))
        .route("/ops/escalations/{id}/transition", post(moves::transition))
        .route("/ops/escalations/{id}/assign", post(moves::assign))
        .route("/ops/denials", get(denials::denials))
        .route("/ops/denials/{id}/escalate", post(denials::escalate))
}

/// What a denial's reason and remark codes mean.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reason {
    carc_description: Option<String>,
    rarc_code: Option<String>,
    rarc_description: Option<String>,
}

/// Days to a deadline, flagged when two weeks or less remain.
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

/// An escalation's status in words, with the appeal level in flight.
fn stage(status: &str, level: Option<&str>) -> Markup {
    html! {
        (status.to_lowercase().replace('_', " "))
        @if let Some(level) = level { " (" (level.to_lowercase().replace('_', " ")) ")" }
    }
}
