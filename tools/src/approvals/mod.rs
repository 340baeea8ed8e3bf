//! The approvals queue: four-eyes changes waiting for a second member, and the decisions on
//! them. Each kind's change is applied by the tool that owns it ([`apply`]), in the same
//! transaction as the decision and its audit event.

use crate::kit::agent::{Agent, agent};
use crate::kit::approvals::{self, ApprovalKind};
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::loaders::{StaffId, StaffSub, load_error, loaders};
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::parse_id;
use crate::kit::{ApiError, ApiResult, AuditAction, Audited, Event, Gql, access, db};
use async_graphql::{Context, ID, InputObject, Json, MergedObject, Object};
use chrono::{DateTime, Utc};
use entities::pending_approval::{self, ApprovalStatus as Status};
use sea_orm::DatabaseTransaction;

mod eligible;

use eligible::may_not_approve;
pub use eligible::sole_approver_of;

mirror_enum!(
    /// Where a four-eyes request stands.
    ApprovalStatus = Status { Pending, Approved, Rejected, Withdrawn }
);

/// A change waiting for (or decided by) a second member of the team.
pub struct PendingApproval(pending_approval::Model);

impl From<pending_approval::Model> for PendingApproval {
    fn from(model: pending_approval::Model) -> Self {
        PendingApproval(model)
    }
}

#[Object]
impl PendingApproval {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// `grant_role`, `policy_rule_add`, `staff_reactivate`, `write_off`, `care_record_amend`,
    /// `label_remove` or `restriction_lift`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn resource_type(&self) -> &str {
        &self.0.resource_type
    }
    async fn resource_id(&self) -> ID {
        ID(self.0.resource_id.to_string())
    }
    /// The team whose second member decides.
    async fn team(&self) -> &str {
        &self.0.team
    }
    /// Who asked (`sub`).
    async fn requested_by(&self, ctx: &Context<'_>) -> Gql<Option<String>> {
        Ok(loaders(ctx)?.load_one(StaffId(self.0.requested_by)).await.map_err(load_error)?.map(|m| m.sub))
    }
    /// Who asked, by name.
    async fn requester(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, Some(self.0.requested_by)).await
    }
    /// The staff member a role grant would change, by name (`null` for other kinds).
    async fn member(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        if self.0.kind != ApprovalKind::GrantRole.as_str() {
            return Ok(None);
        }
        let Some(sub) = self.0.payload.get("sub").and_then(serde_json::Value::as_str) else { return Ok(None) };
        let member = loaders(ctx)?.load_one(StaffSub(sub.to_owned())).await.map_err(load_error)?;
        Ok(member.map(Agent::from))
    }
    /// Why it was asked (an amendment's reason is clinical: read it on the care record).
    async fn reason(&self) -> &str {
        if self.0.kind == ApprovalKind::CareRecordAmend.as_str() {
            "[clinical: on the care record]"
        } else {
            &self.0.reason
        }
    }
    /// The change, as its kind describes it, with the record version it was made against
    /// (an amendment's clinical text stays on the care record).
    async fn change(&self) -> Json<serde_json::Value> {
        match ApprovalKind::parse(&self.0.kind) {
            Some(kind) => Json(without_phi(kind, &self.0.payload)),
            None => Json(self.0.payload.clone()),
        }
    }
    async fn status(&self) -> ApprovalStatus {
        self.0.status.into()
    }
    /// Who decided (`sub`).
    async fn decided_by(&self, ctx: &Context<'_>) -> Gql<Option<String>> {
        let Some(id) = self.0.decided_by else { return Ok(None) };
        Ok(loaders(ctx)?.load_one(StaffId(id)).await.map_err(load_error)?.map(|m| m.sub))
    }
    /// Who decided, by name.
    async fn decider(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, self.0.decided_by).await
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The escalation a write-off would close, as the caller may read it (`null` for other
    /// kinds): what the approver weighs, its amount, claim, payer, denial reason and history.
    async fn escalation(&self, ctx: &Context<'_>) -> Gql<Option<crate::ops::Escalation>> {
        if self.0.kind != ApprovalKind::WriteOff.as_str() {
            return Ok(None);
        }
        let row = crate::ops::escalation_service::find_row(db(ctx)?, self.0.resource_id).await?;
        Ok(Some(crate::ops::Escalation::visible(access(ctx)?, row)?))
    }
    /// Name it as `expectedVersion` when deciding.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(InputObject, Default)]
pub struct ApprovalFilter {
    pub status: Option<ApprovalStatus>,
}

/// The kinds of request the caller may decide, by the policy of this request.
fn decidable(access: &crate::kit::access::Access) -> Vec<ApprovalKind> {
    ApprovalKind::ALL
        .into_iter()
        .filter(|kind| {
            let (resource, action) = kind.approver_rule();
            access.allows(resource, action)
        })
        .collect()
}

#[derive(Default, MergedObject)]
pub struct ApprovalsQuery(QueueQuery, InboxQuery);

#[derive(Default)]
struct QueueQuery;

#[derive(Default)]
struct InboxQuery;

#[Object]
impl QueueQuery {
    /// One request, for the caller who may decide its kind or who made it (anyone else is
    /// `FORBIDDEN`, recorded): what the approver reads before deciding.
    async fn pending_approval(&self, ctx: &Context<'_>, id: ID) -> Gql<PendingApproval> {
        let access = access(ctx)?;
        let id = parse_id(&id, "approval request")?;
        let request = approvals::find(db(ctx)?, id).await?;
        let kind = ApprovalKind::parse(&request.kind).ok_or_else(|| {
            ApiError::internal("reading an approval", anyhow::anyhow!("unknown kind {}", request.kind))
        })?;
        if request.requested_by != access.principal().staff_id && !decidable(access).contains(&kind) {
            let (resource, action) = kind.approver_rule();
            let refused = ApiError::Forbidden(format!("this request is for members who hold {resource} · {action}"));
            return Err(access.refuse(resource, action, None, refused).into());
        }
        Ok(PendingApproval(request))
    }

    /// The approvals queue: requests the caller may decide, and the caller's own, newest first.
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn pending_approvals(
        &self,
        ctx: &Context<'_>,
        filter: Option<ApprovalFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<PendingApproval>> {
        let access = access(ctx)?;
        let decidable = decidable(access);
        let status = filter.unwrap_or_default().status.map(Into::into);
        let page = PageRequest::new(ctx, first, after)?;
        let rows = approvals::list(db(ctx)?, &decidable, access.principal().staff_id, status, &page).await?;
        Ok(page.into_page(rows, |a| a.id.to_string(), PendingApproval))
    }
}

/// What the console tells a member on every page about four eyes: how many requests wait
/// for them, and the decisions on their own requests they have not seen yet.
pub struct ApprovalInbox {
    waiting: u64,
    decided: Vec<pending_approval::Model>,
}

#[Object]
impl ApprovalInbox {
    /// Requests waiting that the caller may decide (never their own).
    async fn waiting(&self) -> u64 {
        self.waiting
    }
    /// Decisions on the caller's own requests (approved, rejected or withdrawn) not yet
    /// acknowledged, newest first; at most 20.
    async fn decided(&self) -> Vec<PendingApproval> {
        self.decided.iter().cloned().map(PendingApproval).collect()
    }
}

#[Object]
impl InboxQuery {
    /// The caller's four-eyes inbox: what waits for them, and what was decided on what they asked.
    async fn approval_inbox(&self, ctx: &Context<'_>) -> Gql<ApprovalInbox> {
        let access = access(ctx)?;
        let me = access.principal().staff_id;
        let waiting = approvals::count_waiting(db(ctx)?, &decidable(access), me).await?;
        let decided = approvals::unseen_decisions(db(ctx)?, me, 20).await?;
        Ok(ApprovalInbox { waiting, decided })
    }
}

#[derive(Default)]
pub struct ApprovalsMutation;

#[Object]
impl ApprovalsMutation {
    /// Approves a request and applies its change, at the version read. Another member
    /// holding the kind's approver permission only; never the requester.
    async fn approve(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        note: Option<String>,
    ) -> Gql<PendingApproval> {
        Ok(PendingApproval(decide(ctx, id, expected_version, true, note).await?))
    }

    /// Marks decisions on the caller's own requests as seen (those of `ids` that are theirs
    /// and decided; others are left as they are): the console stops announcing them.
    async fn acknowledge_decisions(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Gql<i32> {
        let ids = ids.iter().map(|id| parse_id(id, "approval request")).collect::<ApiResult<Vec<_>>>()?;
        let me = access(ctx)?.principal().staff_id;
        Ok(approvals::acknowledge(db(ctx)?, me, &ids).await?)
    }

    /// Rejects a request with a note saying why (never blank: the requester reads it);
    /// nothing is changed.
    async fn reject(&self, ctx: &Context<'_>, id: ID, expected_version: i32, note: String) -> Gql<PendingApproval> {
        Ok(PendingApproval(decide(ctx, id, expected_version, false, Some(note)).await?))
    }
}

async fn decide(
    ctx: &Context<'_>,
    id: ID,
    expected_version: i32,
    approve: bool,
    note: Option<String>,
) -> ApiResult<pending_approval::Model> {
    let id = parse_id(&id, "approval request")?;
    let request = approvals::find(db(ctx)?, id).await?;
    let kind = ApprovalKind::parse(&request.kind)
        .ok_or_else(|| ApiError::internal("deciding an approval", anyhow::anyhow!("unknown kind {}", request.kind)))?;
    let change = Audited::begin(ctx, Some(kind.approver_rule())).await?;
    if approve && request.status == Status::Pending {
        // The store as it stands now, under the policy lock: the request's snapshot may
        // predate a revocation of the approver or of the requester.
        crate::admin::access_service::lock_policy(change.txn()).await?;
        let policy = crate::kit::policy_store::load(change.txn()).await?;
        if let Some(refused) = may_not_approve(&policy, kind, &request, &change.access().principal().sub) {
            let (resource, action) = kind.approver_rule();
            return Err(change.access().refuse(resource, action, None, ApiError::Forbidden(refused)));
        }
        if let Some(lapsed) = lapsed_authority(change.txn(), &policy, kind, &request).await? {
            return withdraw_lapsed(change, kind, &request, lapsed).await;
        }
    }
    let decided = match approvals::decide(change.txn(), id, expected_version, change.actor(), approve, note).await {
        Ok(decided) => decided,
        Err(err @ ApiError::Forbidden(_)) => {
            let (resource, action) = kind.approver_rule();
            return Err(change.access().refuse(resource, action, None, err));
        }
        Err(err) => return Err(err),
    };
    let patient = if approve {
        apply(change.txn(), kind, &decided, change.actor()).await?
    } else {
        record_rejection(change.txn(), kind, &decided, change.actor()).await?;
        None
    };
    let action = match (kind, approve) {
        (ApprovalKind::GrantRole, true) => AuditAction::RoleGrantApprove,
        (ApprovalKind::GrantRole, false) => AuditAction::RoleGrantReject,
        (ApprovalKind::WriteOff, true) => AuditAction::WriteOffApprove,
        (ApprovalKind::WriteOff, false) => AuditAction::WriteOffReject,
        (ApprovalKind::CareRecordAmend, true) => AuditAction::CareRecordAmendApprove,
        (ApprovalKind::CareRecordAmend, false) => AuditAction::CareRecordAmendReject,
        (ApprovalKind::PolicyRuleAdd, true) => AuditAction::PolicyRuleApprove,
        (ApprovalKind::PolicyRuleAdd, false) => AuditAction::PolicyRuleReject,
        (ApprovalKind::Reactivate, true) => AuditAction::StaffReactivateApprove,
        (ApprovalKind::Reactivate, false) => AuditAction::StaffReactivateReject,
        (ApprovalKind::LabelRemove, true) => AuditAction::LabelRemoveApprove,
        (ApprovalKind::LabelRemove, false) => AuditAction::LabelRemoveReject,
        (ApprovalKind::RestrictionLift, true) => AuditAction::RestrictionLiftApprove,
        (ApprovalKind::RestrictionLift, false) => AuditAction::RestrictionLiftReject,
    };
    let reason = without_phi(kind, &decided.payload).to_string();
    change.commit(Event::new(action, decided.id).about(patient).because(reason)).await?;
    if kind == ApprovalKind::Reactivate
        && approve
        && let Ok(cache) = ctx.data::<crate::admin::staff_cache::StaffCache>()
    {
        cache.changed();
    }
    if kind.changes_policy() && approve {
        let store = ctx.data::<crate::kit::policy_store::PolicyStore>().map_err(|err| {
            ApiError::internal("reloading the policy", anyhow::anyhow!("no policy store: {}", err.message))
        })?;
        store.changed(db(ctx)?).await?;
    }
    Ok(decided)
}

/// Why the request's requester may no longer ask for it, if so: deactivated since, or no
/// longer holding the permission the request needed, as `policy` (the store inside this
/// transaction, after the policy lock) says.
async fn lapsed_authority(
    txn: &DatabaseTransaction,
    policy: &policies::PolicySet,
    kind: ApprovalKind,
    request: &pending_approval::Model,
) -> ApiResult<Option<String>> {
    let Some(requester) = crate::admin::access_service::staff_by_id(txn, request.requested_by).await? else {
        return Ok(Some("its requester is no longer on staff".into()));
    };
    if !requester.active {
        return Ok(Some(format!("{} was deactivated since asking", requester.sub)));
    }
    let (resource, action) = kind.requester_rule();
    if policy.permission_for(policy.roles_of(&requester.sub), resource, action).is_none() {
        return Ok(Some(format!("{} no longer holds {resource} · {action}, which asking for it needs", requester.sub)));
    }
    Ok(None)
}

/// Closes a request whose requester lost the authority to ask for it: withdrawn, on the
/// record, and `CONFLICT` for the approver naming why.
async fn withdraw_lapsed(
    change: Audited<'_>,
    kind: ApprovalKind,
    request: &pending_approval::Model,
    lapsed: String,
) -> ApiResult<pending_approval::Model> {
    let why = format!("withdrawn at approval: {lapsed}");
    let withdrawn = approvals::withdraw(change.txn(), request, change.actor(), why.clone()).await?;
    let (resource, _) = kind.approver_rule();
    change.commit(Event::new(AuditAction::ApprovalWithdraw(resource), withdrawn.id).because(why)).await?;
    Err(ApiError::Conflict(format!(
        "this request was withdrawn and nothing was changed: {lapsed}; it can be asked for again by someone who may"
    )))
}

/// Applies an approved request's change (by `approver`); a record changed since the request
/// is `CONFLICT`. Answers the patient the change is about, if any.
async fn apply(
    txn: &DatabaseTransaction,
    kind: ApprovalKind,
    approval: &pending_approval::Model,
    approver: uuid::Uuid,
) -> ApiResult<Option<uuid::Uuid>> {
    match kind {
        ApprovalKind::GrantRole => crate::admin::apply_role_grant(txn, approval).await.map(|_| None),
        ApprovalKind::PolicyRuleAdd => crate::admin::apply_policy_rule(txn, approval).await.map(|_| None),
        ApprovalKind::Reactivate => crate::admin::apply_reactivation(txn, approval).await.map(|_| None),
        ApprovalKind::WriteOff => {
            let row = crate::ops::escalation_service::apply_write_off(txn, approver, approval).await?;
            Ok(Some(row.patient_id()))
        }
        ApprovalKind::CareRecordAmend => {
            let record = crate::medical::care_record_service::apply_amendment(txn, approver, approval).await?;
            Ok(Some(record.patient_id))
        }
        ApprovalKind::RestrictionLift => {
            let lifted = crate::compliance::on_file_service::apply_lift(txn, approval).await?;
            Ok(Some(lifted.patient_id))
        }
        ApprovalKind::LabelRemove => crate::compliance::labels_service::apply_removal(txn, approval).await.map(Some),
    }
}

/// Puts a rejection on the history of the record it is about, where the record keeps one.
async fn record_rejection(
    txn: &DatabaseTransaction,
    kind: ApprovalKind,
    rejected: &pending_approval::Model,
    approver: uuid::Uuid,
) -> ApiResult<()> {
    match kind {
        ApprovalKind::WriteOff => {
            crate::ops::escalation_service::record_write_off_rejected(txn, approver, rejected).await
        }
        _ => Ok(()),
    }
}

/// A request's change as the queue and the audit trail show it: an amendment's new text and
/// codes are clinical PHI, read on the care record itself (`pendingAmendment`), where they
/// are checked and recorded, never here; so is a write-off's amount, billing PHI, read on the
/// escalation (`requestedWriteOffCents`).
fn without_phi(kind: ApprovalKind, payload: &serde_json::Value) -> serde_json::Value {
    let mut payload = payload.clone();
    if kind == ApprovalKind::WriteOff
        && let Some(object) = payload.as_object_mut()
    {
        object.remove("amountCents");
    }
    if kind == ApprovalKind::CareRecordAmend
        && let Some(object) = payload.as_object_mut()
    {
        for key in ["body", "diagnosisCodes", "reason"] {
            if object.get(key).is_some_and(|v| !v.is_null()) {
                object.insert(key.into(), serde_json::Value::String("[clinical: on the care record]".into()));
            }
        }
    }
    payload
}
