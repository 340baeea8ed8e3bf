//! An escalation's page: the denial being worked, the claim and patient as ops may read them
//! (codes with what they mean, the provider, both claim numbers, the member's identity),
//! the next step, the appeals sent and the history. Every value is read with the escalation
//! as the purpose, so each PHI class shown is recorded on the audit trail against it.

use super::{days, stage};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{dollars, money, page, plain, restricted, value, value_in};
use crate::console::pages::history::{self, HistoryEntry};
use crate::console::pages::{Adjustment, Agent, Feedback, Member, name_of, notice, read};
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use tools::kit::codes::{CPT, Code, ICD10};

/// `ops/escalation.graphql`: one escalation with its denial, claim, appeals and history.
#[derive(Deserialize)]
pub(super) struct EscalationPage {
    pub escalation: Escalation,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Escalation {
    pub status: String,
    pub appeal_level: Option<String>,
    pub allowed_moves: Vec<Move>,
    pub version: i64,
    summary: Shown<Option<String>>,
    amount_at_stake: Shown<Option<i64>>,
    recovered_cents: Shown<Option<i64>>,
    pub open_balance_cents: Shown<Option<i64>>,
    written_off_cents: Shown<Option<i64>>,
    write_off_adjustment: Option<Adjustment>,
    pub requested_write_off_cents: Shown<Option<i64>>,
    pub requested_write_off_adjustment: Option<Adjustment>,
    payer: String,
    carc_group: String,
    carc_code: String,
    appeal_deadline: String,
    days_left: i64,
    pub assignee: Option<Member>,
    pub assignable_agents: Vec<Member>,
    denial: Shown<Option<EscalatedDenial>>,
    pub claim: Shown<Option<Claim>>,
    patient: Shown<Option<Patient>>,
    appeals: Vec<Appeal>,
    pub pending_write_off: Option<WriteOffRequest>,
    pub history: Shown<Option<Connection<HistoryEntry>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Move {
    pub to: String,
    pub appeal_level: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EscalatedDenial {
    #[serde(flatten)]
    reason: super::Reason,
    allowed_cents: Shown<Option<i64>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Claim {
    pub claim_number: String,
    payer_claim_number: Option<String>,
    status: Shown<Option<String>>,
    billed_cents: Shown<Option<i64>>,
    paid_cents: Shown<Option<i64>>,
    service_date: String,
    procedure_codes: Shown<Option<Vec<String>>>,
    diagnosis_codes: Shown<Option<Vec<String>>>,
    provider: Shown<Option<Provider>>,
}

#[derive(Deserialize)]
struct Provider {
    name: String,
    credential: String,
    npi: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Patient {
    name: Shown<Option<String>>,
    date_of_birth: Shown<Option<String>>,
    member_id: Shown<Option<String>>,
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
pub(super) struct WriteOffRequest {
    requester: Option<Agent>,
}

pub(super) async fn escalation(
    ctx: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    render(&ctx, &id, &query, Feedback::default()).await
}

/// The page, with `feedback` next to the form it refused.
pub(super) async fn render(ctx: &SignedIn, id: &str, query: &HashMap<String, String>, feedback: Feedback) -> Response {
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
    let body = html! {
        (notice(query))
        div.grid {
            (denial_card(&e))
            (claim_card(&e))
        }
        @if let Some(write_off) = &e.pending_write_off {
            p.notice role="status" {
                "A write-off of " (money(&e.requested_write_off_cents))
                @if let Some(adjustment) = &e.requested_write_off_adjustment { " (" (adjustment.words()) ")" }
                ", asked for by " (name_of(&write_off.requester)) ", waits for a second ops member in " a href="/approvals" { "Approvals" } "."
            }
        }
        (super::moves::next_step_card(ctx, id, &e, &feedback))
        (appeals_and_history(&e))
    };
    (status, page(&ctx.frame(), &title, body)).into_response()
}

/// The denial being worked: status and appeal level, deadline, reason, amounts.
fn denial_card(e: &Escalation) -> Markup {
    let denial = e.denial.present().map(|d| &d.reason);
    html! {
        section.card aria-labelledby="den-h" {
            h2 id="den-h" { "Denial" }
            dl {
                dt { "Status" } dd { (stage(&e.status, e.appeal_level.as_deref())) }
                dt { "Deadline" } dd { (e.appeal_deadline) " · " (days(e.days_left)) }
                dt { "Payer" } dd { (e.payer) }
                dt { "Reason" } dd { (e.carc_group) "-" (e.carc_code) ": " (plain(&denial.and_then(|d| d.carc_description.as_ref()))) }
                dt { "Remark" } dd { (plain(&denial.and_then(|d| d.rarc_code.as_ref()))) ": " (plain(&denial.and_then(|d| d.rarc_description.as_ref()))) }
                dt { "At stake" } dd { (money(&e.amount_at_stake)) }
                dt { "Allowed" } dd { (value_in(&e.denial, |d| money(&d.allowed_cents))) }
                dt { "Open balance" } dd { (money(&e.open_balance_cents)) }
                dt { "Recovered" } dd { (money(&e.recovered_cents)) }
                @if e.status == "WRITTEN_OFF" {
                    dt { "Written off" } dd {
                        (money(&e.written_off_cents))
                        @if let Some(adjustment) = &e.write_off_adjustment { br; span.muted { (adjustment.words()) } }
                    }
                }
                dt { "Why escalated" } dd { (value(&e.summary)) }
                dt { "Assignee" } dd { (plain(&e.assignee.as_ref().map(|a| &a.display_name))) }
            }
        }
    }
}

/// Billed codes, each with what it means.
fn codes(codes: &Shown<Option<Vec<String>>>, set: &[Code]) -> Markup {
    match codes {
        Shown::Refused => restricted(),
        Shown::Value(None) => html! { "—" },
        Shown::Value(Some(codes)) if codes.is_empty() => html! { "—" },
        Shown::Value(Some(codes)) => html! {
            ul.plain {
                @for code in codes {
                    li { (code) @if let Some(known) = set.iter().find(|c| c.code == code) { " " span.muted { (known.description) } } }
                }
            }
        },
    }
}

/// The claim and the patient it is about, each value as ops may read it.
fn claim_card(e: &Escalation) -> Markup {
    html! {
        section.card aria-labelledby="claim-h" {
            h2 id="claim-h" { "Claim and patient" }
            dl {
                dt { "Claim" } dd { (value_in(&e.claim, |c| html! { (c.claim_number) })) }
                dt { "Payer's claim number" } dd { (value_in(&e.claim, |c| html! { (plain(&c.payer_claim_number)) })) }
                dt { "Claim status" } dd { (value_in(&e.claim, |c| html! { (plain(&c.status.present().map(|s| s.to_lowercase().replace('_', " ")))) })) }
                dt { "Billed" } dd { (value_in(&e.claim, |c| money(&c.billed_cents))) }
                dt { "Paid" } dd { (value_in(&e.claim, |c| money(&c.paid_cents))) }
                dt { "Service date" } dd { (value_in(&e.claim, |c| html! { (c.service_date) })) }
                dt { "Procedures" } dd { (value_in(&e.claim, |c| codes(&c.procedure_codes, &CPT))) }
                dt { "Diagnoses" } dd { (value_in(&e.claim, |c| codes(&c.diagnosis_codes, &ICD10))) }
                dt { "Provider" } dd { (value_in(&e.claim, |c| value_in(&c.provider, |p| html! { (p.name) ", " (p.credential) br; span.muted { "NPI " (p.npi) } }))) }
                dt { "Patient" } dd { (value_in(&e.patient, |p| value(&p.name))) }
                dt { "Date of birth" } dd { (value_in(&e.patient, |p| value(&p.date_of_birth))) }
                dt { "Member id" } dd { (value_in(&e.patient, |p| value(&p.member_id))) }
            }
        }
    }
}

/// The appeals sent so far, and the escalation's history.
fn appeals_and_history(e: &Escalation) -> Markup {
    html! {
        section.card aria-labelledby="appeals-h" {
            h2 id="appeals-h" { "Appeals sent" }
            @if e.appeals.is_empty() { p.muted { "No appeal sent yet." } }
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

/// Cents as dollars for a form's field ("1234.50").
pub(super) fn as_typed(cents: i64) -> String {
    dollars(cents).trim_start_matches('$').replace(',', "")
}
