//! Escalations on a plain connection or transaction: escalate a denial, assign, move through
//! the table (appeals recorded as sent, the claim following), write-offs with four eyes, and
//! the queue. Every change is a versioned update with its history entry.

use super::claim_service::{after_deadline, deadline_key, payer_named};
use super::workflow::{self, Stage, WriteOffThreshold, check_transition, status_name};
use super::write_off::WriteOff;
use crate::kit::approvals::{self, ApprovalKind, NewApproval};
use crate::kit::pagination::PageRequest;
use crate::kit::versioned::{self, HistoryEntry, Versioned};
use crate::kit::{ApiError, ApiResult};
use chrono::{NaiveDate, Utc};
use entities::appeal::{self, AppealLevel};
use entities::claim::ClaimStatus;
use entities::escalation::{self, EscalationStatus};
use entities::{claim, denial, escalation_event, pending_approval};
use policies::{Resource, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, SqlErr,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

pub const MAX_NOTE_CHARS: usize = crate::kit::notes::MAX_CHARS;
pub const MAX_APPEAL_CHARS: usize = 32_000;

/// An escalation with the denial it works and that denial's claim (payer, patient, amounts).
#[derive(Clone, Debug)]
pub struct EscalationRow {
    pub escalation: escalation::Model,
    pub denial: denial::Model,
    pub claim: claim::Model,
}

impl EscalationRow {
    pub fn patient_id(&self) -> Uuid {
        self.claim.patient_id
    }

    /// The most a won appeal can bring back: what this denial held back, and never more than
    /// the claim still has unpaid (a claim is never paid more than it billed).
    pub fn unpaid_cents(&self) -> i64 {
        self.denial.denied_cents.min(self.claim.billed_cents - self.claim.paid_cents).max(0)
    }
}

/// A note the escalation's history keeps.
fn note(field: &str, text: &str, max: usize) -> ApiResult<String> {
    crate::kit::notes::required(field, text, max, "it goes into the escalation's history")
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<escalation::Model> {
    escalation::Entity::find_by_id(id).one(db).await?.ok_or_else(|| ApiError::NotFound(format!("escalation {id}")))
}

/// The escalation with its denial and claim.
pub async fn find_row(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<EscalationRow> {
    let escalation = find(db, id).await?;
    Ok(with_context(db, vec![escalation]).await?.remove(0))
}

/// Adds each escalation's denial and claim (two queries for the whole list).
pub async fn with_context(db: &impl ConnectionTrait, rows: Vec<escalation::Model>) -> ApiResult<Vec<EscalationRow>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let denial_ids: Vec<Uuid> = rows.iter().map(|e| e.denial_id).collect();
    let denials: HashMap<Uuid, (denial::Model, Option<claim::Model>)> = denial::Entity::find()
        .find_also_related(claim::Entity)
        .filter(denial::Column::Id.is_in(denial_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|(d, c)| (d.id, (d, c)))
        .collect();
    rows.into_iter()
        .map(|escalation| {
            let missing = || {
                ApiError::internal(
                    "reading an escalation",
                    anyhow::anyhow!("escalation {} has no denial or claim", escalation.id),
                )
            };
            let (denial, claim) = denials.get(&escalation.denial_id).ok_or_else(missing)?;
            let claim = claim.clone().ok_or_else(missing)?;
            Ok(EscalationRow { denial: denial.clone(), claim, escalation })
        })
        .collect()
}

/// Opens the escalation of a denial. A denial has at most one: a second while one is being
/// worked (or after one reached an outcome) is `CONFLICT`, also when two arrive at once.
#[tracing::instrument(skip(db, reason))]
pub async fn escalate(
    db: &impl ConnectionTrait,
    actor: Uuid,
    denial_id: Uuid,
    reason: &str,
) -> ApiResult<EscalationRow> {
    let reason = note("reason", reason, MAX_NOTE_CHARS)?;
    let denial = denial::Entity::find_by_id(denial_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("denial {denial_id}")))?;
    let existing = escalation::Entity::find()
        .filter(escalation::Column::DenialId.eq(denial_id))
        .order_by_desc(escalation::Column::Id)
        .one(db)
        .await?;
    if let Some(existing) = existing {
        let stage = Stage::of(existing.status, existing.appeal_level);
        return Err(ApiError::Conflict(if stage.is_finished() {
            format!(
                "this denial was escalated already and worked to an outcome ({}): escalation {}",
                stage.name(),
                existing.id
            )
        } else {
            format!("this denial is already escalated ({}): escalation {}", stage.name(), existing.id)
        }));
    }
    let now = Utc::now();
    let inserted = escalation::ActiveModel {
        id: Set(Uuid::now_v7()),
        denial_id: Set(denial_id),
        status: Set(EscalationStatus::Open),
        opened_by: Set(actor),
        assignee_id: Set(None),
        summary: Set(reason.clone()),
        appeal_deadline: Set(denial.appeal_deadline),
        appeal_level: Set(None),
        recovered_cents: Set(None),
        written_off_cents: Set(None),
        write_off_group: Set(None),
        write_off_code: Set(None),
        closed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await;
    let escalation = match inserted {
        Ok(row) => row,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ApiError::Conflict("this denial was escalated by someone else just now; reload".into()));
        }
        Err(err) => return Err(err.into()),
    };
    let entry = HistoryEntry { actor, kind: "escalated", changes: json!({ "status": [null, "open"], "note": reason }) };
    <escalation::Entity as Versioned>::record_history(db, escalation.id, &entry).await?;
    Ok(with_context(db, vec![escalation]).await?.remove(0))
}

/// Assigns to an active ops member (`None` unassigns). A finished escalation is not worked.
#[tracing::instrument(skip(db))]
pub async fn assign(
    db: &impl ConnectionTrait,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    assignee_sub: Option<&str>,
) -> ApiResult<EscalationRow> {
    let current = find(db, id).await?;
    if workflow::is_finished(current.status) {
        return Err(ApiError::BadUserInput(format!(
            "the escalation is {}: there is nothing left to work",
            status_name(current.status)
        )));
    }
    let assignee = match assignee_sub {
        None => None,
        Some(sub) => Some(crate::admin::access_service::active_member_of(db, sub, Role::Ops, "escalations").await?),
    };
    let previous = crate::admin::access_service::sub_of(db, current.assignee_id).await?;
    let next = escalation::ActiveModel { assignee_id: Set(assignee.as_ref().map(|m| m.id)), ..Default::default() };
    let changes = json!({ "assignee": [previous, assignee.map(|m| m.sub)] });
    let history = HistoryEntry { actor, kind: "assigned", changes };
    let saved = versioned::update::<escalation::Entity>(db, id, expected_version, next, Some(history)).await?;
    Ok(with_context(db, vec![saved]).await?.remove(0))
}

/// An appeal as sent to the payer.
#[derive(Clone, Debug)]
pub struct SentAppeal {
    pub sent: String,
    pub sent_on: NaiveDate,
}

/// A move of the table, with what it carries.
#[derive(Clone, Debug)]
pub struct Move {
    pub to: EscalationStatus,
    pub note: String,
    pub appeal: Option<SentAppeal>,
    pub recovered_cents: Option<i64>,
    /// With a write-off: how much of the open balance, and why (`None`: all of it).
    pub write_off: Option<WriteOff>,
}

/// What a move did: the escalation as it now stands, and the approval request a large
/// write-off is waiting on (the escalation then unchanged).
pub struct Moved {
    pub row: EscalationRow,
    pub pending: Option<pending_approval::Model>,
}

/// Moves the escalation at `expected_version` through the table. A write-off of
/// `threshold` or more becomes a request for a second ops member instead.
#[tracing::instrument(skip(db, step))]
pub async fn transition(
    db: &impl ConnectionTrait,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    step: Move,
    threshold: WriteOffThreshold,
) -> ApiResult<Moved> {
    let row = find_row(db, id).await?;
    if row.escalation.version != expected_version {
        return Err(versioned::stale::<escalation::Entity>(row.escalation.version, expected_version));
    }
    let note = note("note", &step.note, MAX_NOTE_CHARS)?;
    let stage = check_transition(Stage::of(row.escalation.status, row.escalation.appeal_level), step.to)?;
    check_carried(&row, &step)?;
    let written_off = WriteOff::of(&row, step.write_off.as_ref())?;
    if step.to == EscalationStatus::WrittenOff && threshold.needs_approval(written_off.cents) {
        let mut payload = json!({ "escalationId": id, "to": "written_off", "note": note });
        if let (Some(payload), Value::Object(amount)) = (payload.as_object_mut(), written_off.payload()) {
            payload.extend(amount);
        }
        let request = NewApproval {
            kind: ApprovalKind::WriteOff,
            resource: Resource::Escalation,
            resource_id: id,
            target_version: expected_version,
            reason: note.clone(),
            payload,
        };
        let pending = approvals::request(db, actor, request).await?;
        let entry = HistoryEntry {
            actor,
            kind: "write_off_requested",
            changes: json!({ "approval": pending.id, "note": note }),
        };
        <escalation::Entity as Versioned>::record_history(db, id, &entry).await?;
        return Ok(Moved { row, pending: Some(pending) });
    }
    let step = Move { write_off: Some(written_off), ..step };
    let row = apply(db, actor, row, stage, &step, &note, None).await?;
    Ok(Moved { row, pending: None })
}

/// `appeal` goes with an appeal, `recoveredCents` with a win, and each within bounds.
fn check_carried(row: &EscalationRow, step: &Move) -> ApiResult<()> {
    match (step.to, &step.appeal) {
        (EscalationStatus::Appealed, None) => {
            return Err(ApiError::BadUserInput("an appeal records what was sent and when: give `appeal`".into()));
        }
        (EscalationStatus::Appealed, Some(appeal)) => {
            note("appeal.sent", &appeal.sent, MAX_APPEAL_CHARS)?;
            let today = Utc::now().date_naive();
            if appeal.sent_on > today {
                return Err(ApiError::BadUserInput(format!("`appeal.sentOn` {} is in the future", appeal.sent_on)));
            }
            let denied_on = row.denial.denied_at.date_naive();
            if appeal.sent_on < denied_on {
                return Err(ApiError::BadUserInput(format!(
                    "`appeal.sentOn` {} is before the denial arrived ({denied_on})",
                    appeal.sent_on
                )));
            }
        }
        (_, Some(_)) => {
            return Err(ApiError::BadUserInput("`appeal` goes only with a move to APPEALED".into()));
        }
        (_, None) => {}
    }
    if step.write_off.is_some() && step.to != EscalationStatus::WrittenOff {
        return Err(ApiError::BadUserInput("`writeOff` goes only with a move to WRITTEN_OFF".into()));
    }
    match (step.to, step.recovered_cents) {
        (EscalationStatus::Won, None) => {
            Err(ApiError::BadUserInput("a won appeal records what it recovered: give `recoveredCents`".into()))
        }
        (EscalationStatus::Won, Some(cents)) if cents < 0 => {
            Err(ApiError::BadUserInput(format!("`recoveredCents` {cents} is negative")))
        }
        (EscalationStatus::Won, Some(cents)) if cents > row.unpaid_cents() => Err(ApiError::BadUserInput(format!(
            "`recoveredCents` {cents} is more than the payer left unpaid ({}): the claim billed {}, was paid {} and \
             this denial held back {}",
            row.unpaid_cents(),
            row.claim.billed_cents,
            row.claim.paid_cents,
            row.denial.denied_cents
        ))),
        (EscalationStatus::Won, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(ApiError::BadUserInput("`recoveredCents` goes only with a move to WON".into())),
    }
}

/// Writes the move: the escalation (versioned, with its history entry), the appeal as sent,
/// and the claim's status. `approved` names who asked for an approved write-off.
async fn apply(
    db: &impl ConnectionTrait,
    actor: Uuid,
    row: EscalationRow,
    stage: Stage,
    step: &Move,
    note: &str,
    approved: Option<&pending_approval::Model>,
) -> ApiResult<EscalationRow> {
    let current = &row.escalation;
    let mut next =
        escalation::ActiveModel { status: Set(stage.status), appeal_level: Set(stage.level), ..Default::default() };
    let mut changes = serde_json::Map::new();
    changes.insert("status".into(), json!([Stage::of(current.status, current.appeal_level).name(), stage.name()]));
    changes.insert("note".into(), json!(note));
    if let (Some(level), Some(appeal)) = (stage.level, &step.appeal) {
        let filed = file_appeal(db, actor, current.id, level, appeal).await?;
        changes.insert("appeal".into(), json!({ "id": filed.id, "level": level_key(level), "sentOn": appeal.sent_on }));
        let payer = payer_named(db, &row.claim.payer).await?;
        if let Some(deadline) = workflow::deadline_after_appeal(&payer, level, appeal.sent_on) {
            changes.insert("appealDeadline".into(), json!([current.appeal_deadline, deadline]));
            next.appeal_deadline = Set(deadline);
        }
    }
    if let Some(cents) = step.recovered_cents {
        changes.insert("recoveredCents".into(), json!([current.recovered_cents, cents]));
        next.recovered_cents = Set(Some(cents));
    }
    let written_off = step.write_off.as_ref().filter(|_| stage.status == EscalationStatus::WrittenOff);
    if let Some(written_off) = written_off {
        changes.insert("writtenOffCents".into(), json!([null, written_off.cents]));
        next.written_off_cents = Set(Some(written_off.cents));
        if let Some(adjustment) = &written_off.adjustment {
            changes.insert("adjustment".into(), json!([null, adjustment.key()]));
            next.write_off_group = Set(Some(adjustment.group.clone()));
            next.write_off_code = Set(Some(adjustment.code.clone()));
        }
    }
    if stage.is_finished() {
        next.closed_at = Set(Some(Utc::now()));
    }
    if let Some(request) = approved {
        changes.insert("approval".into(), json!({ "id": request.id, "requestedBy": request.requested_by }));
    } else {
        // A write-off waiting on this escalation was asked for at the version this move
        // leaves behind: it could never be approved now, so the move withdraws it.
        let why = format!("Withdrawn: the escalation moved to {} before anyone approved the write-off", stage.name());
        if let Some(withdrawn) = approvals::withdraw_waiting(db, ApprovalKind::WriteOff, current.id, actor, why).await?
        {
            changes.insert("withdrewWriteOff".into(), json!(withdrawn.id));
        }
    }
    let kind = if approved.is_some() { "written_off_approved" } else { "transitioned" };
    let history = HistoryEntry { actor, kind, changes: Value::Object(changes) };
    let saved = versioned::update::<escalation::Entity>(db, current.id, current.version, next, Some(history)).await?;
    let partial = written_off.is_some_and(|w| w.is_partial(&row));
    let claim = follow_claim(db, &row, stage.status, step.recovered_cents, partial).await?;
    Ok(EscalationRow { escalation: saved, denial: row.denial, claim })
}

/// The stored name of an appeal level.
pub fn level_key(level: AppealLevel) -> &'static str {
    match level {
        AppealLevel::Level1 => "level_1",
        AppealLevel::Level2 => "level_2",
        AppealLevel::External => "external",
    }
}

async fn file_appeal(
    db: &impl ConnectionTrait,
    actor: Uuid,
    escalation_id: Uuid,
    level: AppealLevel,
    appeal: &SentAppeal,
) -> ApiResult<appeal::Model> {
    Ok(appeal::ActiveModel {
        id: Set(Uuid::now_v7()),
        escalation_id: Set(escalation_id),
        level: Set(level),
        sent: Set(appeal.sent.trim().to_owned()),
        sent_on: Set(appeal.sent_on),
        filed_by: Set(actor),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// The claim's status, its appeal deadline (an appeal moves it, an outcome clears it) and,
/// for a win, what was paid follow its escalation. A partial write-off leaves the rest of the
/// denied amount with the claim: it stays denied.
async fn follow_claim(
    db: &impl ConnectionTrait,
    row: &EscalationRow,
    to: EscalationStatus,
    recovered: Option<i64>,
    partial_write_off: bool,
) -> ApiResult<claim::Model> {
    let status = match workflow::claim_status_after(to, row.denial.denied_cents, recovered) {
        Some(ClaimStatus::WrittenOff) if partial_write_off => Some(ClaimStatus::Denied),
        status => status,
    };
    let Some(status) = status else {
        return Ok(row.claim.clone());
    };
    let deadline = super::claim_service::claim_deadline(db, row.claim.id).await?;
    let mut next = claim::ActiveModel { status: Set(status), appeal_deadline: Set(deadline), ..Default::default() };
    if let Some(cents) = recovered {
        next.paid_cents = Set(row.claim.paid_cents + cents);
    }
    versioned::update::<claim::Entity>(db, row.claim.id, row.claim.version, next, None).await
}

/// Applies an approved write-off: the escalation must still be where it was when the
/// write-off was asked for, and its amount still within the open balance (`CONFLICT`
/// otherwise: a remittance may have paid part of the claim since).
pub async fn apply_write_off(
    db: &impl ConnectionTrait,
    approver: Uuid,
    request: &pending_approval::Model,
) -> ApiResult<EscalationRow> {
    let row = find_row(db, request.resource_id).await?;
    approvals::unchanged_since(request, row.escalation.version, "escalation", "write-off")?;
    let stage =
        check_transition(Stage::of(row.escalation.status, row.escalation.appeal_level), EscalationStatus::WrittenOff)?;
    let note = request.payload.get("note").and_then(Value::as_str).unwrap_or(&request.reason).to_owned();
    let asked = WriteOff::from_payload(&request.payload);
    if let Some(asked) = &asked
        && asked.cents > row.unpaid_cents()
    {
        return Err(ApiError::Conflict(format!(
            "the claim's open balance is {} now, less than the {} this write-off was asked for: it was paid since; \
             ask again for what is open",
            row.unpaid_cents(),
            asked.cents
        )));
    }
    let write_off = Some(asked.unwrap_or(WriteOff { cents: row.unpaid_cents(), adjustment: None }));
    let step =
        Move { to: EscalationStatus::WrittenOff, note: note.clone(), appeal: None, recovered_cents: None, write_off };
    apply(db, approver, row, stage, &step, &note, Some(request)).await
}

/// Puts a rejected write-off on the escalation's history, with the approver's note: the
/// record tells its whole story, not only the changes that were applied.
pub async fn record_write_off_rejected(
    db: &impl ConnectionTrait,
    approver: Uuid,
    request: &pending_approval::Model,
) -> ApiResult<()> {
    let approval = json!({ "id": request.id, "requestedBy": request.requested_by });
    let changes = json!({ "approval": approval, "note": request.decision_note });
    let entry = HistoryEntry { actor: approver, kind: "write_off_rejected", changes };
    <escalation::Entity as Versioned>::record_history(db, request.resource_id, &entry).await
}

/// An escalation's appeals, lowest level first.
pub async fn appeals(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Vec<appeal::Model>> {
    Ok(appeal::Entity::find()
        .filter(appeal::Column::EscalationId.eq(id))
        .order_by_asc(appeal::Column::Level)
        .all(db)
        .await?)
}

/// One page of an escalation's history, oldest first.
pub async fn events(
    db: &impl ConnectionTrait,
    id: Uuid,
    page: &PageRequest,
) -> ApiResult<Vec<escalation_event::Model>> {
    let mut query = escalation_event::Entity::find()
        .filter(escalation_event::Column::EscalationId.eq(id))
        .order_by_asc(escalation_event::Column::Id);
    if let Some(after) = page.after_id()? {
        query = query.filter(escalation_event::Column::Id.gt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

/// The ops queue's filters.
#[derive(Default, Debug)]
pub struct EscalationFilter {
    pub statuses: Vec<EscalationStatus>,
    /// `Some(None)`: unassigned.
    pub assignee: Option<Option<Uuid>>,
    pub payer: Option<String>,
    pub carc_code: Option<String>,
    /// Deadline strictly before this day.
    pub deadline_before: Option<NaiveDate>,
    /// Deadline on or after this day.
    pub deadline_from: Option<NaiveDate>,
    /// Amount at stake (the denied amount) at least this many cents.
    pub min_amount: Option<i64>,
}

/// The queue: soonest deadline first, then id; keyset cursor `deadline|id`.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &EscalationFilter,
    page: &PageRequest,
) -> ApiResult<Vec<EscalationRow>> {
    let mut query = escalation::Entity::find()
        .join(JoinType::InnerJoin, escalation::Relation::Denial.def())
        .join(JoinType::InnerJoin, denial::Relation::Claim.def())
        .order_by_asc(escalation::Column::AppealDeadline)
        .order_by_asc(escalation::Column::Id);
    if !filter.statuses.is_empty() {
        query = query.filter(escalation::Column::Status.is_in(filter.statuses.clone()));
    }
    match filter.assignee {
        Some(None) => query = query.filter(escalation::Column::AssigneeId.is_null()),
        Some(Some(id)) => query = query.filter(escalation::Column::AssigneeId.eq(id)),
        None => {}
    }
    if let Some(payer) = &filter.payer {
        query = query.filter(crate::kit::text_search::starts_with(claim::Column::Payer, payer));
    }
    if let Some(code) = &filter.carc_code {
        query = query.filter(denial::Column::CarcCode.eq(code.as_str()));
    }
    if let Some(before) = filter.deadline_before {
        query = query.filter(escalation::Column::AppealDeadline.lt(before));
    }
    if let Some(from) = filter.deadline_from {
        query = query.filter(escalation::Column::AppealDeadline.gte(from));
    }
    if let Some(min) = filter.min_amount {
        if min < 0 {
            return Err(ApiError::BadUserInput(format!("`minAmount` {min} is negative")));
        }
        // As for any filter on PHI, a labelled claim never matches.
        query = query.filter(denial::Column::DeniedCents.gte(min)).filter(claim::Column::SecurityLabels.eq(""));
    }
    if let Some(after) = page.after_key(deadline_key)? {
        query = query.filter(after_deadline(escalation::Column::AppealDeadline, escalation::Column::Id, after));
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    with_context(db, rows).await
}
