//! The open denials, soonest deadline first, each with its escalate button (or the
//! escalation working it).

use super::{Reason, days, reason};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{csrf_field, money, page, plain};
use crate::console::pages::{Feedback, FormBody, Id, fields, notice, read};
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

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

/// `ops/escalate_denial.graphql`: the escalation opened.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Escalated {
    escalate_denial: Id,
}

pub(super) async fn denials(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
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
        (crate::console::pages::list_end(&denials.denials, "No open denials match these filters.", "/ops/denials", query, &[], &["payer"]))
    };
    let status = feedback.status();
    (status, page(&ctx.frame(), "Open denials", body)).into_response()
}

pub(super) async fn escalate(ctx: SignedIn, Path(id): Path<String>, form: FormBody) -> Response {
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
