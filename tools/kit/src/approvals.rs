//! Four eyes: a change that needs a second person is stored as a pending request (who asked,
//! what, why, and the version of the record it was made against). Another active member who
//! holds the kind's approver permission approves it (the change is applied in the same
//! transaction) or rejects it; the requester never can; an approval of a record that changed
//! since the request is `CONFLICT`.

use super::notes;
use super::pagination::PageRequest;
use super::versioned;
use super::{ApiError, ApiResult};
use chrono::Utc;
use entities::pending_approval::{self, ApprovalStatus};
use policies::{Action, Resource, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, SqlErr,
};
use serde_json::Value;
use uuid::Uuid;

/// What a pending request would do once approved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApprovalKind {
    /// Grant a role that opens PHI or the audit trail.
    GrantRole,
    /// Write off a denial at or above the write-off threshold.
    WriteOff,
    /// Amend a care record that a completed review signed off.
    CareRecordAmend,
    /// Add a policy rule that opens a PHI class, the audit trail, break-glass, staff
    /// management or policy editing to a role ([`policies::Resource::is_guarded`]).
    PolicyRuleAdd,
    /// Reactivate a deactivated member whose roles open PHI or a power over access: the
    /// same second admin a grant of those roles would need.
    Reactivate,
    /// Remove a security label from a record: what it hid opens.
    LabelRemove,
    /// Lift a patient's restriction: what it refused opens.
    RestrictionLift,
}

impl ApprovalKind {
    pub const ALL: [ApprovalKind; 7] = [
        ApprovalKind::GrantRole,
        ApprovalKind::WriteOff,
        ApprovalKind::CareRecordAmend,
        ApprovalKind::PolicyRuleAdd,
        ApprovalKind::Reactivate,
        ApprovalKind::LabelRemove,
        ApprovalKind::RestrictionLift,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalKind::GrantRole => "grant_role",
            ApprovalKind::WriteOff => "write_off",
            ApprovalKind::CareRecordAmend => "care_record_amend",
            ApprovalKind::PolicyRuleAdd => "policy_rule_add",
            ApprovalKind::Reactivate => "staff_reactivate",
            ApprovalKind::LabelRemove => "label_remove",
            ApprovalKind::RestrictionLift => "restriction_lift",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The permission an approver must hold (and the team it is: the role that holds it in
    /// the baseline policy).
    pub fn approver_rule(self) -> (Resource, Action) {
        match self {
            ApprovalKind::GrantRole | ApprovalKind::Reactivate => (Resource::Staff, Action::Manage),
            ApprovalKind::WriteOff => (Resource::Escalation, Action::Transition),
            ApprovalKind::CareRecordAmend => (Resource::CareRecord, Action::Edit),
            ApprovalKind::PolicyRuleAdd => (Resource::Policy, Action::Edit),
            ApprovalKind::LabelRemove => (Resource::Label, Action::Update),
            ApprovalKind::RestrictionLift => (Resource::Restriction, Action::Update),
        }
    }

    /// The permission the request needed when it was made, and that its requester must still
    /// hold when it is approved: a request never outlives its requester's authority. (The
    /// same as the approver's: asking and deciding are the same team's work.)
    pub fn requester_rule(self) -> (Resource, Action) {
        self.approver_rule()
    }

    /// Whether applying the change edits the policy store (which must then be reloaded).
    pub fn changes_policy(self) -> bool {
        matches!(self, ApprovalKind::GrantRole | ApprovalKind::PolicyRuleAdd)
    }

    /// Whether one request of this kind waits per record at a time: two versions of one
    /// write-off or amendment would leave the approver a choice where one must fail. (Role
    /// grants are per role: a member may wait for several.) A partial unique index holds it.
    pub fn waits_alone(self) -> bool {
        matches!(self, ApprovalKind::WriteOff | ApprovalKind::CareRecordAmend)
    }

    /// What the request is of, for messages: "write-off", "amendment", "role grant".
    fn noun(self) -> &'static str {
        match self {
            ApprovalKind::GrantRole => "role grant",
            ApprovalKind::WriteOff => "write-off",
            ApprovalKind::CareRecordAmend => "amendment",
            ApprovalKind::PolicyRuleAdd => "policy rule",
            ApprovalKind::Reactivate => "reactivation",
            ApprovalKind::LabelRemove => "label removal",
            ApprovalKind::RestrictionLift => "restriction lift",
        }
    }

    pub fn team(self) -> Role {
        match self {
            ApprovalKind::GrantRole | ApprovalKind::PolicyRuleAdd | ApprovalKind::Reactivate => Role::Admin,
            ApprovalKind::WriteOff => Role::Ops,
            ApprovalKind::CareRecordAmend => Role::Medical,
            ApprovalKind::LabelRemove | ApprovalKind::RestrictionLift => Role::Compliance,
        }
    }
}

/// A request for a second pair of eyes.
pub struct NewApproval {
    pub kind: ApprovalKind,
    pub resource: Resource,
    pub resource_id: Uuid,
    /// The version of the record the request was made against.
    pub target_version: i32,
    pub reason: String,
    /// What to apply, as the kind understands it.
    pub payload: Value,
}

/// `CONFLICT` naming the request already waiting for this record.
fn already_waiting(kind: ApprovalKind, waiting: &pending_approval::Model) -> ApiError {
    ApiError::Conflict(format!(
        "a {} of this record is already waiting for approval: request {} (approve or reject it first)",
        kind.noun(),
        waiting.id
    ))
}

/// Stores a pending request. An identical one already pending is `CONFLICT`, and so is any
/// other of a kind that [waits alone](ApprovalKind::waits_alone), also when two arrive at once.
pub async fn request(
    db: &impl ConnectionTrait,
    requested_by: Uuid,
    new: NewApproval,
) -> ApiResult<pending_approval::Model> {
    let mut payload = new.payload;
    if let Some(object) = payload.as_object_mut() {
        object.insert("targetVersion".into(), new.target_version.into());
    }
    let same = pending_approval::Entity::find()
        .filter(pending_approval::Column::Status.eq(ApprovalStatus::Pending))
        .filter(pending_approval::Column::Kind.eq(new.kind.as_str()))
        .filter(pending_approval::Column::ResourceId.eq(new.resource_id))
        .all(db)
        .await?;
    if same.iter().any(|p| without_version(&p.payload) == without_version(&payload)) {
        return Err(ApiError::Conflict("the same change is already waiting for approval".into()));
    }
    if let Some(waiting) = same.first().filter(|_| new.kind.waits_alone()) {
        return Err(already_waiting(new.kind, waiting));
    }
    let now = Utc::now();
    let inserted = pending_approval::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(new.kind.as_str().to_owned()),
        resource_type: Set(new.resource.as_str().to_owned()),
        resource_id: Set(new.resource_id),
        team: Set(new.kind.team().as_str().to_owned()),
        requested_by: Set(requested_by),
        reason: Set(new.reason),
        payload: Set(payload),
        status: Set(ApprovalStatus::Pending),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_note: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        requester_seen_at: Set(None),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(row) => Ok(row),
        // Another request for the record landed between the check and this insert. (On
        // PostgreSQL the transaction is now aborted, so the winner cannot be read to name it.)
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Err(ApiError::Conflict(
            format!("another {} of this record was asked for just now; reload to see it", new.kind.noun()),
        )),
        Err(err) => Err(err.into()),
    }
}

fn without_version(payload: &Value) -> Value {
    let mut payload = payload.clone();
    if let Some(object) = payload.as_object_mut() {
        object.remove("targetVersion");
    }
    payload
}

/// The version a request was made against.
pub fn target_version(approval: &pending_approval::Model) -> Option<i32> {
    approval.payload.get("targetVersion").and_then(Value::as_i64).and_then(|v| i32::try_from(v).ok())
}

/// `CONFLICT` unless the record a request is about is still at the version the request was
/// made against (`noun` and `change` name them: "escalation", "write-off").
pub fn unchanged_since(approval: &pending_approval::Model, current: i32, noun: &str, change: &str) -> ApiResult<()> {
    let asked_at = target_version(approval).unwrap_or(-1);
    if current == asked_at {
        return Ok(());
    }
    Err(ApiError::Conflict(format!(
        "the {noun} changed since the {change} was asked for (version {asked_at}, now {current}): reject this request and ask again"
    )))
}

/// The request of `kind` about record `resource_id` still waiting for a decision, if any.
pub async fn pending_for(
    db: &impl ConnectionTrait,
    kind: ApprovalKind,
    resource_id: Uuid,
) -> ApiResult<Option<pending_approval::Model>> {
    Ok(pending_approval::Entity::find()
        .filter(pending_approval::Column::Kind.eq(kind.as_str()))
        .filter(pending_approval::Column::ResourceId.eq(resource_id))
        .filter(pending_approval::Column::Status.eq(ApprovalStatus::Pending))
        .one(db)
        .await?)
}

/// Withdraws the request of `kind` waiting on `resource_id`, if any: the record moved on, so
/// the change could no longer be approved (approving it would be `CONFLICT`). `by`, who moved
/// the record, is kept as `decided_by`, and `why` as the note.
pub async fn withdraw_waiting(
    db: &impl ConnectionTrait,
    kind: ApprovalKind,
    resource_id: Uuid,
    by: Uuid,
    why: String,
) -> ApiResult<Option<pending_approval::Model>> {
    let Some(waiting) = pending_for(db, kind, resource_id).await? else {
        return Ok(None);
    };
    withdraw(db, &waiting, by, why).await.map(Some)
}

/// Withdraws one pending request (`by` is kept as `decided_by`, `why` as the note), whatever
/// version of it the caller read: a request that can no longer be approved is closed.
pub async fn withdraw(
    db: &impl ConnectionTrait,
    waiting: &pending_approval::Model,
    by: Uuid,
    why: String,
) -> ApiResult<pending_approval::Model> {
    let next = pending_approval::ActiveModel {
        status: Set(ApprovalStatus::Withdrawn),
        decided_by: Set(Some(by)),
        decided_at: Set(Some(Utc::now())),
        decision_note: Set(Some(why)),
        ..Default::default()
    };
    versioned::update::<pending_approval::Entity>(db, waiting.id, waiting.version, next, None).await
}

/// Records a decision on a pending request at `expected_version`. The caller has checked the
/// approver permission; this refuses the requester and a request already decided.
pub async fn decide(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    decider: Uuid,
    approve: bool,
    note: Option<String>,
) -> ApiResult<pending_approval::Model> {
    let note = if approve {
        notes::optional("note", note.as_deref(), notes::MAX_CHARS)?
    } else {
        let why = "a rejection's note is kept with the request, and its requester reads it";
        Some(notes::required("note", note.as_deref().unwrap_or_default(), notes::MAX_CHARS, why)?)
    };
    let approval = find(db, id).await?;
    if approval.requested_by == decider {
        return Err(ApiError::Forbidden("nobody approves or rejects their own request".into()));
    }
    if approval.status != ApprovalStatus::Pending {
        return Err(ApiError::Conflict("this request was decided already".into()));
    }
    let next = pending_approval::ActiveModel {
        status: Set(if approve { ApprovalStatus::Approved } else { ApprovalStatus::Rejected }),
        decided_by: Set(Some(decider)),
        decided_at: Set(Some(Utc::now())),
        decision_note: Set(note),
        ..Default::default()
    };
    versioned::update::<pending_approval::Entity>(db, id, expected_version, next, None).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<pending_approval::Model> {
    pending_approval::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("approval request {id}")))
}

/// The queue: requests of the given kinds (those the caller may decide) or made by
/// `requested_by`, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    kinds: &[ApprovalKind],
    requested_by: Uuid,
    status: Option<ApprovalStatus>,
    page: &PageRequest,
) -> ApiResult<Vec<pending_approval::Model>> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let mut query = pending_approval::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(pending_approval::Column::Kind.is_in(kinds))
                .add(pending_approval::Column::RequestedBy.eq(requested_by)),
        )
        .order_by_desc(pending_approval::Column::Id);
    if let Some(status) = status {
        query = query.filter(pending_approval::Column::Status.eq(status));
    }
    if let Some(after) = page.after_id()? {
        query = query.filter(pending_approval::Column::Id.lt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

/// How many requests of `kinds` wait that `me` did not make (what `me` may decide).
pub async fn count_waiting(db: &impl ConnectionTrait, kinds: &[ApprovalKind], me: Uuid) -> ApiResult<u64> {
    use sea_orm::PaginatorTrait;
    if kinds.is_empty() {
        return Ok(0);
    }
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    Ok(pending_approval::Entity::find()
        .filter(pending_approval::Column::Status.eq(ApprovalStatus::Pending))
        .filter(pending_approval::Column::Kind.is_in(kinds))
        .filter(pending_approval::Column::RequestedBy.ne(me))
        .count(db)
        .await?)
}

/// Decisions on `me`'s own requests that `me` has not acknowledged, newest first.
pub async fn unseen_decisions(
    db: &impl ConnectionTrait,
    me: Uuid,
    limit: u64,
) -> ApiResult<Vec<pending_approval::Model>> {
    Ok(pending_approval::Entity::find()
        .filter(pending_approval::Column::RequestedBy.eq(me))
        .filter(pending_approval::Column::Status.ne(ApprovalStatus::Pending))
        .filter(pending_approval::Column::RequesterSeenAt.is_null())
        .order_by_desc(pending_approval::Column::DecidedAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// Marks the decided requests of `ids` that `me` made as seen; answers how many were marked.
pub async fn acknowledge(db: &impl ConnectionTrait, me: Uuid, ids: &[Uuid]) -> ApiResult<i32> {
    use sea_orm::sea_query::Expr;
    if ids.is_empty() {
        return Ok(0);
    }
    let marked = pending_approval::Entity::update_many()
        .col_expr(pending_approval::Column::RequesterSeenAt, Expr::value(Utc::now()))
        .filter(pending_approval::Column::Id.is_in(ids.to_vec()))
        .filter(pending_approval::Column::RequestedBy.eq(me))
        .filter(pending_approval::Column::Status.ne(ApprovalStatus::Pending))
        .filter(pending_approval::Column::RequesterSeenAt.is_null())
        .exec(db)
        .await?;
    Ok(i32::try_from(marked.rows_affected).unwrap_or(i32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_power_to_approve_any_kind_is_itself_guarded() {
        for kind in ApprovalKind::ALL {
            let (resource, action) = kind.approver_rule();
            assert!(resource.is_guarded(action), "{kind:?}: {resource} {action} would let one admin approve alone");
        }
    }
}
