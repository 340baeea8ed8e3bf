//! Ceremony once: every mutation is its permission, one transaction, the change, its typed
//! audit event appended in that same transaction, and the commit. A resolver opens an
//! [`Audited`] change, does its work on [`Audited::txn`], and commits it with the event; an
//! error anywhere drops the transaction, so nothing is half-written and nothing is recorded
//! as done that was not.

use super::access::{Access, access};
use super::audit::{self, AuditTxn};
use super::{ApiResult, db};
use async_graphql::Context;
use policies::{Action, Resource};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

/// What a mutation did: the audit trail's `action` on its resource. The names stored are
/// part of the trail's meaning; they never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    TicketCreate,
    TicketUpdate,
    TicketAssign,
    TicketTransition,
    TicketComment,
    MacroCreate,
    BreakGlassRequest,
    BreakGlassReview,
    BreakGlassEnd,
    RoleGrant,
    RoleGrantRequest,
    RoleGrantApprove,
    RoleGrantReject,
    RoleRevoke,
    StaffDeactivate,
    StaffReactivate,
    StaffReactivateRequest,
    StaffReactivateApprove,
    StaffReactivateReject,
    PolicyRuleAdd,
    PolicyRuleRemove,
    PolicyRuleRequest,
    PolicyRuleApprove,
    PolicyRuleReject,
    /// A four-eyes request closed without a decision, on the resource its kind is about.
    ApprovalWithdraw(Resource),
    EscalationCreate,
    EscalationAssign,
    EscalationTransition,
    WriteOffRequest,
    WriteOffApprove,
    WriteOffReject,
    CareRecordEdit,
    CareRecordAmendRequest,
    CareRecordAmendApprove,
    CareRecordAmendReject,
    CareReviewStart,
    CareReviewComplete,
    CareReviewSample,
    RemittanceMatch,
    RemittanceDismiss,
    AuthorizationRecord,
    AuthorizationRevoke,
    ConsentRecord,
    ConsentRevoke,
    RestrictionRecord,
    RestrictionLiftRequest,
    RestrictionLiftApprove,
    RestrictionLiftReject,
    LabelAdd,
    LabelRemoveRequest,
    LabelRemoveApprove,
    LabelRemoveReject,
}

impl AuditAction {
    /// The resource and the action name the event is stored under.
    pub fn stored_as(self) -> (Resource, &'static str) {
        use AuditAction::*;
        match self {
            TicketCreate => (Resource::Ticket, "create"),
            TicketUpdate => (Resource::Ticket, "update"),
            TicketAssign => (Resource::Ticket, "assign"),
            TicketTransition => (Resource::Ticket, "transition"),
            TicketComment => (Resource::Ticket, "comment"),
            MacroCreate => (Resource::Ticket, "create_macro"),
            BreakGlassRequest => (Resource::BreakGlass, "request"),
            BreakGlassReview => (Resource::BreakGlass, "review"),
            BreakGlassEnd => (Resource::BreakGlass, "end"),
            RoleGrant => (Resource::Staff, "grant_role"),
            RoleGrantRequest => (Resource::Staff, "request_grant_role"),
            RoleGrantApprove => (Resource::Staff, "approve_grant_role"),
            RoleGrantReject => (Resource::Staff, "reject_grant_role"),
            RoleRevoke => (Resource::Staff, "revoke_role"),
            StaffDeactivate => (Resource::Staff, "deactivate"),
            StaffReactivate => (Resource::Staff, "reactivate"),
            StaffReactivateRequest => (Resource::Staff, "request_reactivate"),
            StaffReactivateApprove => (Resource::Staff, "approve_reactivate"),
            StaffReactivateReject => (Resource::Staff, "reject_reactivate"),
            PolicyRuleAdd => (Resource::Policy, "add_policy_rule"),
            PolicyRuleRemove => (Resource::Policy, "remove_policy_rule"),
            PolicyRuleRequest => (Resource::Policy, "request_add_policy_rule"),
            PolicyRuleApprove => (Resource::Policy, "approve_add_policy_rule"),
            PolicyRuleReject => (Resource::Policy, "reject_add_policy_rule"),
            ApprovalWithdraw(resource) => (resource, "withdraw_approval"),
            EscalationCreate => (Resource::Escalation, "create"),
            EscalationAssign => (Resource::Escalation, "assign"),
            EscalationTransition => (Resource::Escalation, "transition"),
            WriteOffRequest => (Resource::Escalation, "request_write_off"),
            WriteOffApprove => (Resource::Escalation, "approve_write_off"),
            WriteOffReject => (Resource::Escalation, "reject_write_off"),
            CareRecordEdit => (Resource::CareRecord, "edit"),
            CareRecordAmendRequest => (Resource::CareRecord, "request_amend"),
            CareRecordAmendApprove => (Resource::CareRecord, "approve_amend"),
            CareRecordAmendReject => (Resource::CareRecord, "reject_amend"),
            CareReviewStart => (Resource::CareReview, "create"),
            CareReviewComplete => (Resource::CareReview, "complete"),
            CareReviewSample => (Resource::CareReview, "sample"),
            RemittanceMatch => (Resource::Ingest, "match_remittance"),
            RemittanceDismiss => (Resource::Ingest, "dismiss_remittance"),
            AuthorizationRecord => (Resource::Authorization, "create"),
            AuthorizationRevoke => (Resource::Authorization, "revoke"),
            ConsentRecord => (Resource::Consent, "create"),
            ConsentRevoke => (Resource::Consent, "revoke"),
            RestrictionRecord => (Resource::Restriction, "create"),
            RestrictionLiftRequest => (Resource::Restriction, "request_lift"),
            RestrictionLiftApprove => (Resource::Restriction, "approve_lift"),
            RestrictionLiftReject => (Resource::Restriction, "reject_lift"),
            LabelAdd => (Resource::Label, "add"),
            LabelRemoveRequest => (Resource::Label, "request_remove"),
            LabelRemoveApprove => (Resource::Label, "approve_remove"),
            LabelRemoveReject => (Resource::Label, "reject_remove"),
        }
    }
}

/// The audit event of one change: what, on which record, about which patient, and why.
#[derive(Clone, Debug)]
pub struct Event {
    action: AuditAction,
    record: String,
    patient: Option<Uuid>,
    reason: Option<String>,
}

impl Event {
    pub fn new(action: AuditAction, record: impl ToString) -> Self {
        Event { action, record: record.to_string(), patient: None, reason: None }
    }

    /// The patient the changed record is about.
    pub fn about(mut self, patient: Option<Uuid>) -> Self {
        self.patient = patient;
        self
    }

    /// What changed, or why.
    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// A mutation in progress: its permission checked, its transaction open.
pub struct Audited<'a> {
    access: &'a Access,
    txn: AuditTxn,
}

impl<'a> Audited<'a> {
    /// Checks `rule` (a refusal is `FORBIDDEN` and recorded) and opens the transaction.
    /// `None` for a mutation whose permission depends on the record (the change checks it).
    pub async fn begin(ctx: &Context<'a>, rule: Option<(Resource, Action)>) -> ApiResult<Audited<'a>> {
        let access = access(ctx)?;
        if let Some((resource, action)) = rule {
            access.require(resource, action)?;
        }
        let txn = audit::begin(db(ctx)?).await?;
        Ok(Audited { access, txn })
    }

    /// The transaction the change runs in.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn access(&self) -> &'a Access {
        self.access
    }

    /// The staff member making the change.
    pub fn actor(&self) -> Uuid {
        self.access.principal().staff_id
    }

    /// Appends `event` to the audit chain in the change's transaction, and commits both.
    pub async fn commit(self, event: Event) -> ApiResult<()> {
        self.commit_all(vec![event]).await
    }

    /// [`Audited::commit`] of a change that touched several records (one event each).
    pub async fn commit_all(self, events: Vec<Event>) -> ApiResult<()> {
        let recorded = events
            .into_iter()
            .map(|event| {
                let (resource, action) = event.action.stored_as();
                let mut recorded = self.access.event(action, resource, Some(event.record), event.patient);
                recorded.reason = event.reason;
                recorded
            })
            .collect();
        self.txn.append(recorded).await?;
        self.txn.commit().await
    }
}
