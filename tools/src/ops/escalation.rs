//! The `Escalation` type, the ops queue and the escalation mutations.

use super::claim::{CarcGroup, Claim, Denial, days_left};
use super::escalation_service::{self as service, EscalationFilter, EscalationRow, Move, SentAppeal};
use super::loaders::{AppealsOf, EscalationHistory, EscalationOf};
use super::workflow::{Stage, WriteOffThreshold, allowed_moves};
use super::write_off::{Adjustment, WriteOff};
use crate::approvals::PendingApproval;
use crate::directory::{Patient, patient_of};
use crate::kit::agent::{Agent, agent, agent_of, with_people};
use crate::kit::approvals::{self, ApprovalKind};
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::loaders::{load_error, loaders, relation_page};
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::parse_id;
use crate::kit::{Access, Allow, ApiResult, AuditAction, Audited, Event, Gql, access, db, null_on_error, phi_field};
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entities::appeal::{self, AppealLevel as Level};
use entities::escalation::EscalationStatus as Status;
use entities::{claim, denial};
use policies::{Action, Labels, PhiClass, Resource};
use uuid::Uuid;

mirror_enum!(
    /// Where an escalation stands: `open → in_review → appealed → won | lost`, and
    /// `open | in_review | appealed → written_off`.
    EscalationStatus = Status { Open, InReview, Appealed, Won, Lost, WrittenOff }
);
mirror_enum!(
    /// How far an appeal went: the payer's two internal levels, then external review.
    AppealLevel = Level { Level1, Level2, External }
);

/// Ops working one denial. Reaching one requires `escalation · read`.
pub struct Escalation(EscalationRow);

impl Escalation {
    pub fn visible(access: &Access, row: EscalationRow) -> ApiResult<Self> {
        access.require(Resource::Escalation, Action::Read)?;
        Ok(Escalation(row))
    }

    fn patient_id(&self) -> Uuid {
        self.0.patient_id()
    }

    /// The claim's billing class, checked for its patient and recorded as disclosed.
    async fn check_billing(&self, ctx: &Context<'_>) -> ApiResult<()> {
        let claim = (Resource::Claim, self.0.claim.id, Labels::parse(&self.0.claim.security_labels));
        access(ctx)?.disclose(db(ctx)?, self.patient_id(), claim, PhiClass::Billing).await
    }

    /// A billing value of the escalation's claim: the value, or `null` and `FORBIDDEN`.
    async fn billing<T>(&self, ctx: &Context<'_>, value: impl FnOnce(&EscalationRow) -> T) -> Option<T> {
        null_on_error(ctx, self.check_billing(ctx).await).map(|_| value(&self.0))
    }
}

/// The escalation working `denial` (its latest), batched per request.
pub(super) async fn of_denial(
    ctx: &Context<'_>,
    denial: &denial::Model,
    claim: &claim::Model,
) -> ApiResult<Option<Escalation>> {
    let found = loaders(ctx)?.load_one(EscalationOf(denial.id)).await.map_err(load_error)?;
    let row = found.map(|escalation| EscalationRow { escalation, denial: denial.clone(), claim: claim.clone() });
    row.map(|row| Escalation::visible(access(ctx)?, row)).transpose()
}

#[Object]
impl Escalation {
    async fn id(&self) -> ID {
        ID(self.0.escalation.id.to_string())
    }

    async fn status(&self) -> EscalationStatus {
        self.0.escalation.status.into()
    }

    /// The level of the appeal in flight, while `APPEALED`.
    async fn appeal_level(&self) -> Option<AppealLevel> {
        self.0.escalation.appeal_level.map(Into::into)
    }

    /// Where `transitionEscalation` may move it from here (an appeal goes one level up).
    async fn allowed_moves(&self) -> Vec<EscalationMove> {
        let here = Stage::of(self.0.escalation.status, self.0.escalation.appeal_level);
        allowed_moves(here)
            .into_iter()
            .map(|s| EscalationMove { to: s.status.into(), appeal_level: s.level.map(Into::into) })
            .collect()
    }

    /// Why it was escalated, as ops wrote it. PHI: billing.
    async fn summary(&self, ctx: &Context<'_>) -> Option<String> {
        self.billing(ctx, |r| r.escalation.summary.clone()).await
    }

    /// The denied amount this escalation works to recover. PHI: billing.
    async fn amount_at_stake(&self, ctx: &Context<'_>) -> Option<i64> {
        self.billing(ctx, |r| r.denial.denied_cents).await
    }

    /// What a won appeal brought back. PHI: billing.
    async fn recovered_cents(&self, ctx: &Context<'_>) -> Option<i64> {
        self.billing(ctx, |r| r.escalation.recovered_cents).await.flatten()
    }

    /// What is still open to recover or write off: the denied amount, never more than the
    /// claim has unpaid. A write-off gives up at most this. PHI: billing.
    async fn open_balance_cents(&self, ctx: &Context<'_>) -> Option<i64> {
        self.billing(ctx, EscalationRow::unpaid_cents).await
    }

    /// What the write-off gave up, once written off (all of the open balance, or part).
    /// PHI: billing.
    async fn written_off_cents(&self, ctx: &Context<'_>) -> Option<i64> {
        self.billing(ctx, |r| r.escalation.written_off_cents).await.flatten()
    }

    /// Why the write-off gave it up, once written off with a reason code.
    async fn write_off_adjustment(&self) -> Option<AdjustmentReason> {
        let e = &self.0.escalation;
        Adjustment::stored(e.write_off_group.as_deref(), e.write_off_code.as_deref()).map(AdjustmentReason::from)
    }

    /// The amount the write-off waiting for a second ops member would give up. PHI: billing.
    async fn requested_write_off_cents(&self, ctx: &Context<'_>) -> Gql<Option<i64>> {
        let Some(asked) = self.requested_write_off(ctx).await? else { return Ok(None) };
        Ok(self.billing(ctx, |_| asked.cents).await)
    }

    /// Why the write-off waiting for a second ops member would give it up.
    async fn requested_write_off_adjustment(&self, ctx: &Context<'_>) -> Gql<Option<AdjustmentReason>> {
        let asked = self.requested_write_off(ctx).await?;
        Ok(asked.and_then(|w| w.adjustment).map(AdjustmentReason::from))
    }

    async fn payer(&self) -> &str {
        &self.0.claim.payer
    }

    async fn carc_group(&self) -> &str {
        &self.0.denial.carc_group
    }

    async fn carc_code(&self) -> &str {
        &self.0.denial.carc_code
    }

    /// The filing deadline of the step being worked: the first appeal's while open or in
    /// review; once an appeal is sent, the next level's window counted from the day it was
    /// sent (never later than the real one, which runs from the payer's answer).
    async fn appeal_deadline(&self) -> NaiveDate {
        self.0.escalation.appeal_deadline
    }

    /// Days until `appealDeadline`, negative once it passed.
    async fn days_left(&self) -> i64 {
        days_left(self.0.escalation.appeal_deadline)
    }

    async fn opened_by(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, Some(self.0.escalation.opened_by)).await
    }

    async fn assignee(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, self.0.escalation.assignee_id).await
    }

    /// Whom `assignEscalation` may name: the ops team's active members, by name.
    /// (It reads a team's roster: it costs as a page of twenty, so a long list of records
    /// cannot ask it of each.)
    #[graphql(complexity = "20 * child_complexity + 1")]
    async fn assignable_agents(&self, ctx: &Context<'_>) -> Gql<Vec<Agent>> {
        let members = crate::admin::access_service::active_members_of(db(ctx)?, policies::Role::Ops).await?;
        Ok(members.into_iter().map(Agent::from).collect())
    }

    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.escalation.closed_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.escalation.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.escalation.updated_at
    }

    /// Name it as `expectedVersion` when changing the escalation.
    async fn version(&self) -> i32 {
        self.0.escalation.version
    }

    /// The denial it works. Requires `denial · read`.
    async fn denial(&self, ctx: &Context<'_>) -> Option<Denial> {
        let denial = async { Denial::visible(access(ctx)?, self.0.denial.clone(), self.0.claim.clone()) };
        null_on_error(ctx, denial.await)
    }

    /// The denied claim, checked like `claim(id)`.
    async fn claim(&self, ctx: &Context<'_>) -> Option<Claim> {
        let claim = async {
            let access = access(ctx)?;
            access.require_about(Resource::Claim, Action::Read, Some(self.patient_id()))?;
            Claim::visible(access, self.0.claim.clone())
        };
        null_on_error(ctx, claim.await)
    }

    /// The patient, checked like `patient(id)`.
    async fn patient(&self, ctx: &Context<'_>) -> Option<Patient> {
        null_on_error(ctx, patient_of(ctx, self.patient_id()).await)
    }

    /// The appeals sent, lowest level first (at most one per level).
    #[graphql(complexity = "crate::kit::pagination::list_complexity(3, child_complexity)")]
    async fn appeals(&self, ctx: &Context<'_>) -> Gql<Vec<Appeal>> {
        let rows = loaders(ctx)?.load_one(AppealsOf(self.0.escalation.id)).await.map_err(load_error)?;
        let patient = self.patient_id();
        let labels = Labels::parse(&self.0.claim.security_labels);
        Ok(rows.unwrap_or_default().into_iter().map(|model| Appeal { model, patient, labels }).collect())
    }

    /// Every change, oldest first: who, when, what moved and why. Its notes and amounts are
    /// the claim's: PHI: billing.
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Option<Page<EscalationHistoryEntry>> {
        let history = async {
            let page = PageRequest::new(ctx, first, after)?;
            self.check_billing(ctx).await?;
            let id = self.0.escalation.id;
            let db = db(ctx)?;
            let key = |limit| EscalationHistory { parent: id, limit };
            let rows = relation_page(ctx, &page, key, || service::events(db, id, &page)).await?;
            let named = with_people(ctx, rows.iter().map(|e| e.changes.clone()).collect()).await?;
            let mut entries = Vec::with_capacity(rows.len());
            for (e, (changes, people)) in rows.into_iter().zip(named) {
                let actor = agent_of(ctx, e.actor_id).await?;
                entries.push(EscalationHistoryEntry {
                    id: e.id,
                    kind: e.kind,
                    actor,
                    changes: Json(changes),
                    people,
                    at: e.created_at,
                });
            }
            Ok(page.into_page(entries, |h| h.id.to_string(), |h| h))
        };
        null_on_error(ctx, history.await)
    }

    /// The write-off waiting for a second ops member, if one was asked for.
    async fn pending_write_off(&self, ctx: &Context<'_>) -> Gql<Option<PendingApproval>> {
        let pending = approvals::pending_for(db(ctx)?, ApprovalKind::WriteOff, self.0.escalation.id).await?;
        Ok(pending.map(PendingApproval::from))
    }
}

impl Escalation {
    /// The write-off waiting for a second ops member: its amount and reason as asked (the
    /// whole open balance for one asked before amounts were).
    async fn requested_write_off(&self, ctx: &Context<'_>) -> ApiResult<Option<WriteOff>> {
        let pending = approvals::pending_for(db(ctx)?, ApprovalKind::WriteOff, self.0.escalation.id).await?;
        Ok(pending.map(|p| {
            WriteOff::from_payload(&p.payload).unwrap_or(WriteOff { cents: self.0.unpaid_cents(), adjustment: None })
        }))
    }
}

/// A claim adjustment reason: the X12 group and CARC code, and what the code means.
#[derive(SimpleObject)]
pub struct AdjustmentReason {
    /// CO, PR, OA or PI.
    pub group: String,
    pub code: String,
    pub description: Option<String>,
}

impl From<Adjustment> for AdjustmentReason {
    fn from(adjustment: Adjustment) -> Self {
        let description = adjustment.description().map(str::to_owned);
        AdjustmentReason { group: adjustment.group, code: adjustment.code, description }
    }
}

/// How much of the open balance a write-off gives up, and why.
#[derive(InputObject)]
pub struct WriteOffInput {
    /// More than zero and at most the escalation's `openBalanceCents`.
    pub amount_cents: i64,
    pub adjustment_group: CarcGroup,
    /// A claim adjustment reason code (CARC), like 45.
    pub adjustment_code: String,
}

/// A move the escalation's table allows: the status, and the appeal level it reaches.
#[derive(SimpleObject)]
pub struct EscalationMove {
    pub to: EscalationStatus,
    pub appeal_level: Option<AppealLevel>,
}

/// An appeal as it was sent.
pub struct Appeal {
    model: appeal::Model,
    patient: Uuid,
    /// The claim's labels: the letter quotes its diagnosis.
    labels: Labels,
}

#[Object]
impl Appeal {
    async fn level(&self) -> AppealLevel {
        self.model.level.into()
    }

    /// What was sent: the letter, the records, the argument. It argues medical necessity
    /// from the diagnosis. PHI: clinical.
    async fn sent(&self, ctx: &Context<'_>) -> Option<String> {
        let escalation = self.model.escalation_id;
        phi_field(ctx, self.patient, (Resource::Claim, escalation, self.labels), PhiClass::Clinical)
            .await
            .map(|_| self.model.sent.clone())
    }

    async fn sent_on(&self) -> NaiveDate {
        self.model.sent_on
    }

    async fn filed_by(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, Some(self.model.filed_by)).await
    }
}

#[derive(SimpleObject)]
pub struct EscalationHistoryEntry {
    #[graphql(skip)]
    pub id: Uuid,
    /// `escalated`, `assigned`, `transitioned`, `write_off_requested`, `written_off_approved`.
    pub kind: String,
    pub actor: Option<Agent>,
    /// `{"field": [old, new]}`, with the `note` that says why; an assignee by its `sub`.
    pub changes: Json<serde_json::Value>,
    /// The staff the change names (an assignment's earlier and new assignee, an approved
    /// write-off's requester), each once.
    pub people: Vec<Agent>,
    pub at: DateTime<Utc>,
}

#[derive(InputObject, Default)]
pub struct EscalationFilterInput {
    pub status: Option<Vec<EscalationStatus>>,
    /// `me`, `unassigned`, or an ops member's `sub`.
    pub assignee: Option<String>,
    /// The payer's name or its start, in any case ("aet" finds Aetna).
    pub payer: Option<String>,
    pub carc_code: Option<String>,
    /// Deadline before this day.
    pub deadline_before: Option<NaiveDate>,
    /// Deadline on or after this day.
    pub deadline_from: Option<NaiveDate>,
    /// At least this much at stake, in cents. It filters on billing PHI, so it needs
    /// `claim · billing`, and every escalation it returns is a recorded disclosure.
    pub min_amount: Option<i64>,
}

#[derive(InputObject)]
pub struct AppealInput {
    /// What was sent to the payer.
    pub sent: String,
    /// The day it was sent (not in the future).
    pub sent_on: NaiveDate,
}

#[derive(Default)]
pub struct EscalationQuery;

#[Object]
impl EscalationQuery {
    /// One escalation by id.
    #[graphql(guard = "Allow(Resource::Escalation, Action::Read)")]
    async fn escalation(&self, ctx: &Context<'_>, id: ID) -> Gql<Escalation> {
        let id = parse_id(&id, "escalation")?;
        Ok(Escalation::visible(access(ctx)?, service::find_row(db(ctx)?, id).await?)?)
    }

    /// The ops queue: soonest deadline first, with days left and the amount at stake.
    #[graphql(
        guard = "Allow(Resource::Escalation, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn escalations(
        &self,
        ctx: &Context<'_>,
        filter: Option<EscalationFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<Escalation>> {
        let input = filter.unwrap_or_default();
        let access = access(ctx)?;
        let db = db(ctx)?;
        let assignee = crate::kit::agent::whose(ctx, "assignee", input.assignee.as_deref()).await?;
        let filter = EscalationFilter {
            statuses: input.status.unwrap_or_default().into_iter().map(Into::into).collect(),
            assignee,
            payer: input.payer,
            carc_code: input.carc_code,
            deadline_before: input.deadline_before,
            deadline_from: input.deadline_from,
            min_amount: input.min_amount,
        };
        if filter.min_amount.is_some() {
            access.require(Resource::Claim, Action::Billing)?;
        }
        let page = PageRequest::new(ctx, first, after)?;
        let rows = service::list(db, &filter, &page).await?;
        if let Some(min) = filter.min_amount {
            let matched: Vec<_> = rows
                .iter()
                .take(page.first as usize)
                .map(|r| (r.patient_id(), r.claim.id, Labels::parse(&r.claim.security_labels)))
                .collect();
            access
                .disclose_matches(db, matched, Resource::Claim, PhiClass::Billing, &format!("amount >= {min}"))
                .await?;
        }
        let rows = rows.into_iter().map(|r| Escalation::visible(access, r)).collect::<ApiResult<Vec<_>>>()?;
        Ok(page.into_page(
            rows,
            |e| super::claim_service::deadline_cursor(e.0.escalation.appeal_deadline, e.0.escalation.id),
            |e| e,
        ))
    }
}

/// Commits the escalation's change with its audit event, and returns the escalation.
async fn commit_and_answer(change: Audited<'_>, event: Event, row: EscalationRow) -> Gql<Escalation> {
    let patient = row.patient_id();
    change.commit(event.about(Some(patient))).await?;
    Ok(Escalation(row))
}

#[derive(Default)]
pub struct EscalationMutation;

#[Object]
impl EscalationMutation {
    /// Opens the escalation of a denial, saying why. A denial has at most one: a second is
    /// `CONFLICT`.
    #[graphql(guard = "Allow(Resource::Escalation, Action::Create)")]
    async fn escalate_denial(&self, ctx: &Context<'_>, denial_id: ID, reason: String) -> Gql<Escalation> {
        let denial = parse_id(&denial_id, "denial")?;
        let change = Audited::begin(ctx, Some((Resource::Escalation, Action::Create))).await?;
        let row = service::escalate(change.txn(), change.actor(), denial, &reason).await?;
        let event = Event::new(AuditAction::EscalationCreate, row.escalation.id).because(reason.trim());
        commit_and_answer(change, event, row).await
    }

    /// Assigns the escalation to an active ops member (`assignee: null` unassigns).
    #[graphql(guard = "Allow(Resource::Escalation, Action::Assign)")]
    async fn assign_escalation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        assignee: Option<String>,
    ) -> Gql<Escalation> {
        let id = parse_id(&id, "escalation")?;
        let change = Audited::begin(ctx, Some((Resource::Escalation, Action::Assign))).await?;
        let row = service::assign(change.txn(), change.actor(), id, expected_version, assignee.as_deref()).await?;
        let event = Event::new(AuditAction::EscalationAssign, id)
            .because(format!("assignee: {}", assignee.as_deref().unwrap_or("none")));
        commit_and_answer(change, event, row).await
    }

    /// Moves the escalation, saying why: `open → in_review → appealed` (level 1, level 2,
    /// external review: each with `appeal`, what was sent and when) `→ won` (with
    /// `recoveredCents`, at most what the denial held back and the claim has unpaid) `| lost`,
    /// and `open | in_review | appealed → written_off` (with `writeOff`, how much of the open
    /// balance and the adjustment reason; without it, all of the open balance). The claim's
    /// status follows (a partial write-off leaves it denied). A write-off of
    /// `WARD_WRITE_OFF_APPROVAL_CENTS` or more waits for a second ops member: the escalation
    /// is returned unchanged, with `pendingWriteOff`; one waits at a time.
    #[graphql(guard = "Allow(Resource::Escalation, Action::Transition)")]
    #[allow(clippy::too_many_arguments)]
    async fn transition_escalation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        to: EscalationStatus,
        note: String,
        appeal: Option<AppealInput>,
        recovered_cents: Option<i64>,
        write_off: Option<WriteOffInput>,
    ) -> Gql<Escalation> {
        let id = parse_id(&id, "escalation")?;
        let threshold = ctx.data_opt::<WriteOffThreshold>().copied().unwrap_or_default();
        let write_off = match write_off {
            Some(w) => Some(WriteOff {
                cents: w.amount_cents,
                adjustment: Some(Adjustment::checked(w.adjustment_group.code(), &w.adjustment_code)?),
            }),
            None => None,
        };
        let adjustment = write_off.as_ref().and_then(|w| w.adjustment.as_ref()).map(|a| format!(" ({})", a.key()));
        let step = Move {
            to: to.into(),
            note,
            appeal: appeal.map(|a| SentAppeal { sent: a.sent, sent_on: a.sent_on }),
            recovered_cents,
            write_off,
        };
        if step.recovered_cents.is_some() || step.write_off.is_some() {
            // An amount is weighed against the claim's balance, and a refusal names the
            // balance: the mover must be able to read the claim's billing, labels included.
            let row = service::find_row(db(ctx)?, id).await?;
            Escalation::visible(access(ctx)?, row)?.check_billing(ctx).await?;
        }
        let change = Audited::begin(ctx, Some((Resource::Escalation, Action::Transition))).await?;
        let moved =
            service::transition(change.txn(), change.actor(), id, expected_version, step.clone(), threshold).await?;
        let event = match &moved.pending {
            Some(request) => Event::new(AuditAction::WriteOffRequest, id).because(format!(
                "approval {}{}: {}",
                request.id,
                adjustment.unwrap_or_default(),
                step.note.trim()
            )),
            None => Event::new(AuditAction::EscalationTransition, id).because(format!(
                "to {}{}: {}",
                super::workflow::status_name(step.to),
                adjustment.unwrap_or_default(),
                step.note.trim()
            )),
        };
        commit_and_answer(change, event, moved.row).await
    }
}
