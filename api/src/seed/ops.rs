//! The ops world of a denied claim: the denial (a realistic CARC/RARC pair, the appeal
//! deadline from the payer's window) and, for a share of denials, an escalation at every
//! stage of its table, with the appeals sent, the history written and the claim following.

use super::population::{Generator, Rows, Staff};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entities::appeal::AppealLevel;
use entities::claim::ClaimStatus;
use entities::escalation::EscalationStatus;
use entities::{appeal, denial, escalation, escalation_event, payer};
use sea_orm::ActiveValue::Set;
use serde_json::{Value, json};
use tools::kit::codes::CARC;
use tools::ops::workflow::{self, Stage};
use uuid::Uuid;

/// Denial reasons as behavioral-health claims meet them (CARC, RARC), the common ones more
/// than once: missing authorization, medical necessity, billing errors, coverage.
const REASONS: &[(&str, Option<&str>)] = &[
    ("197", Some("N54")),
    ("197", None),
    ("50", None),
    ("50", None),
    ("16", Some("MA130")),
    ("16", Some("N290")),
    ("11", Some("M76")),
    ("167", Some("M76")),
    ("27", Some("N30")),
    ("204", Some("N30")),
    ("22", Some("N479")),
    ("22", Some("MA04")),
    ("97", Some("M15")),
    ("185", Some("N290")),
    ("170", None),
    ("151", None),
    ("29", None),
    ("252", None),
    ("242", None),
    ("119", None),
    ("2", None),
    ("18", None),
];

/// What the claim became after its denial was worked.
pub(super) struct Worked {
    pub claim_status: ClaimStatus,
    pub recovered_cents: i64,
    /// The claim's appeal deadline: the escalation's while one works the denial, the
    /// denial's own if nobody escalated it, none once worked to an outcome (the rule
    /// `tools::ops::claim_service::claim_deadline` states in SQL; a test holds the two together).
    pub appeal_deadline: Option<NaiveDate>,
}

/// Every stage an escalation passes on its way, in order.
const PATH: [Stage; 5] = [
    Stage { status: EscalationStatus::Open, level: None },
    Stage { status: EscalationStatus::InReview, level: None },
    Stage { status: EscalationStatus::Appealed, level: Some(AppealLevel::Level1) },
    Stage { status: EscalationStatus::Appealed, level: Some(AppealLevel::Level2) },
    Stage { status: EscalationStatus::Appealed, level: Some(AppealLevel::External) },
];

/// How far an escalation got (stages of the table reached) and how it ended, the early stages
/// more often.
fn how_far(g: &mut Generator) -> (usize, Option<EscalationStatus>) {
    match g.rng.u32(..100) {
        0..=19 => (1, None),
        20..=39 => (2, None),
        40..=54 => (3, None),
        55..=61 => (4, None),
        62..=64 => (5, None),
        65..=76 => (3 + usize::from(g.chance(30)), Some(EscalationStatus::Won)),
        77..=84 => (3 + usize::from(g.chance(40)), Some(EscalationStatus::Lost)),
        _ => (g.rng.usize(1..=3), Some(EscalationStatus::WrittenOff)),
    }
}

/// An escalation's history, one row per event, in order.
fn history_of(g: &mut Generator, rows: &mut Rows, escalation: Uuid, events: Vec<(DateTime<Utc>, Uuid, &str, Value)>) {
    for (at, actor, kind, changes) in events {
        let event = escalation_event::ActiveModel {
            id: Set(g.id()),
            escalation_id: Set(escalation),
            actor_id: Set(actor),
            kind: Set(kind.to_owned()),
            changes: Set(changes),
            created_at: Set(at),
        };
        rows.escalation_events.push(event);
    }
}

/// The appeal `actor` sent at `level` on `at`.
fn appeal_of(
    id: Uuid,
    escalation: Uuid,
    level: AppealLevel,
    carc: &str,
    actor: Uuid,
    at: DateTime<Utc>,
) -> appeal::ActiveModel {
    appeal::ActiveModel {
        id: Set(id),
        escalation_id: Set(escalation),
        level: Set(level),
        sent: Set(format!(
            "Appeal letter ({}) with the session notes and treatment plan; argues the service met the payer's criteria for CARC {carc}.",
            workflow::level_name(level)
        )),
        sent_on: Set(at.date_naive()),
        filed_by: Set(actor),
        created_at: Set(at),
    }
}

/// The payer's decision on a worked denial: the history's change, what a win recovered and
/// what a write-off gave up (the whole denied amount, for the denial's own `reason`).
fn decided(
    g: &mut Generator,
    from: Stage,
    outcome: EscalationStatus,
    billed: i64,
    (group, carc): (&str, &str),
) -> (serde_json::Value, Option<i64>, Option<i64>) {
    let mut changes = json!({ "status": [from.name(), workflow::status_name(outcome)], "note": "Payer decided" });
    let (mut recovered, mut written_off) = (None, None);
    if outcome == EscalationStatus::Won {
        let cents = if g.chance(70) { billed } else { billed * g.rng.i64(3..=9) / 10 };
        recovered = Some(cents);
        changes["recoveredCents"] = json!([null, cents]);
    }
    if outcome == EscalationStatus::WrittenOff {
        written_off = Some(billed);
        changes["writtenOffCents"] = json!([null, billed]);
        changes["adjustment"] = json!([null, format!("{group}-{carc}")]);
    }
    (changes, recovered, written_off)
}

pub(super) fn work_denial(
    g: &mut Generator,
    rows: &mut Rows,
    staff: &Staff,
    payer: &payer::Model,
    claim_id: Uuid,
    billed: i64,
    submitted_at: DateTime<Utc>,
) -> Worked {
    let (carc, rarc) = *g.pick(REASONS);
    let group = CARC.iter().find(|c| c.code == carc).map_or("CO", |c| c.usual_group);
    let denied_at = (submitted_at + Duration::days(g.rng.i64(10..30))).min(g.now - Duration::days(1));
    let deadline = workflow::first_appeal_deadline(payer, denied_at.date_naive());
    let denial_id = g.id();
    rows.denials.push(denial::ActiveModel {
        id: Set(denial_id),
        claim_id: Set(claim_id),
        carc_group: Set(group.to_owned()),
        carc_code: Set(carc.to_owned()),
        rarc_code: Set(rarc.map(str::to_owned)),
        denied_cents: Set(billed),
        denied_at: Set(denied_at),
        appeal_deadline: Set(deadline),
        created_at: Set(denied_at),
        claim_adjustment_id: Set(None),
    });
    let denied = Worked { claim_status: ClaimStatus::Denied, recovered_cents: 0, appeal_deadline: Some(deadline) };
    if staff.ops.is_empty() || !g.chance(55) {
        return denied;
    }
    // How far it got: every stage of the table, the early ones more often.
    let (reached, outcome) = how_far(g);
    let id = g.id();
    let opener = *g.pick(&staff.ops);
    let assignee = g.chance(75).then(|| *g.pick(&staff.ops));
    let mut at = denied_at + Duration::days(1);
    let mut events =
        vec![(at, opener, "escalated", json!({ "status": [null, "open"], "note": "Denial received; starting work" }))];
    let mut stage = PATH[0];
    let mut deadline_now = deadline;
    for next in &PATH[1..reached] {
        at = (at + Duration::days(g.rng.i64(2..12))).min(g.now);
        let actor = assignee.unwrap_or(opener);
        let mut changes = json!({ "status": [stage.name(), next.name()], "note": "Worked the denial" });
        if let Some(level) = next.level {
            let sent_on = at.date_naive();
            let appeal = appeal_of(g.id(), id, level, carc, actor, at);
            rows.appeals.push(appeal);
            if let Some(next_deadline) = workflow::deadline_after_appeal(payer, level, sent_on) {
                deadline_now = next_deadline;
            }
            changes["appealDeadline"] = json!(deadline_now);
        }
        events.push((at, actor, "transitioned", changes));
        stage = *next;
    }
    let (mut recovered, mut written_off) = (None, None);
    if let Some(outcome) = outcome {
        at = (at + Duration::days(g.rng.i64(5..30))).min(g.now);
        let (changes, won, given_up) = decided(g, stage, outcome, billed, (group, carc));
        (recovered, written_off) = (won, given_up);
        events.push((at, assignee.unwrap_or(opener), "transitioned", changes));
        stage = Stage::of(outcome, None);
    }
    let summary =
        format!("{group}-{carc} denial: {}", CARC.iter().find(|c| c.code == carc).map_or("", |c| c.description));
    rows.escalations.push(escalation::ActiveModel {
        id: Set(id),
        denial_id: Set(denial_id),
        status: Set(stage.status),
        opened_by: Set(opener),
        assignee_id: Set(assignee),
        summary: Set(summary),
        appeal_deadline: Set(deadline_now),
        appeal_level: Set(stage.level),
        recovered_cents: Set(recovered),
        written_off_cents: Set(written_off),
        write_off_group: Set(written_off.map(|_| group.to_owned())),
        write_off_code: Set(written_off.map(|_| carc.to_owned())),
        closed_at: Set(stage.is_finished().then_some(at)),
        created_at: Set(denied_at + Duration::days(1)),
        updated_at: Set(at),
        version: Set(events.len() as i32),
    });
    history_of(g, rows, id, events);
    let claim_status = workflow::claim_status_after(stage.status, billed, recovered).unwrap_or(ClaimStatus::Denied);
    let appeal_deadline = (!stage.is_finished()).then_some(deadline_now);
    Worked { claim_status, recovered_cents: recovered.unwrap_or(0), appeal_deadline }
}
