//! Who may decide a waiting request: another active member who holds its kind's approver
//! permission and would not gain from it. Approving checks one member; an admin about to
//! deactivate someone asks which requests only that member could still decide.

use crate::kit::ApiResult;
use crate::kit::approvals::ApprovalKind;
use entities::pending_approval::{self, ApprovalStatus};
use entities::staff;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Why `approver` (a `sub`) may not approve this request, if so: they no longer hold the
/// approver permission, or they would gain from it (the member a role is granted to or who is
/// reactivated; a holder of the role a rule widens).
pub(super) fn may_not_approve(
    policy: &policies::PolicySet,
    kind: ApprovalKind,
    request: &pending_approval::Model,
    approver: &str,
) -> Option<String> {
    let (resource, action) = kind.approver_rule();
    let roles = policy.roles_of(approver);
    if policy.permission_for(roles, resource, action).is_none() {
        return Some(format!("approving this needs {resource} · {action}, which you no longer hold"));
    }
    let field = |name: &str| request.payload.get(name).and_then(|v| v.as_str()).unwrap_or_default();
    match kind {
        ApprovalKind::GrantRole if field("sub") == approver => {
            Some("nobody approves a role granted to themselves".into())
        }
        ApprovalKind::Reactivate if field("sub") == approver => Some("nobody approves their own return".into()),
        ApprovalKind::PolicyRuleAdd if roles.iter().any(|r| r.as_str() == field("role")) => Some(format!(
            "nobody approves a rule that widens a role they hold ({}): a member who does not hold it decides",
            field("role")
        )),
        _ => None,
    }
}

/// The most waiting requests [`sole_approver_of`] looks through (a queue longer than this
/// is a backlog the team sees anyway).
const WAITING_LIMIT: u64 = 1000;

/// The waiting requests that `member` alone could decide now: nobody else active may. Taking
/// away what lets them decide (deactivating them, revoking the role) would strand these.
#[tracing::instrument(skip(db, policy, member), fields(member = %member.sub))]
pub async fn sole_approver_of(
    db: &impl ConnectionTrait,
    policy: &policies::PolicySet,
    member: &staff::Model,
) -> ApiResult<Vec<pending_approval::Model>> {
    let eligible = |request: &pending_approval::Model, kind: ApprovalKind, who: &staff::Model| {
        who.active && who.id != request.requested_by && may_not_approve(policy, kind, request, &who.sub).is_none()
    };
    let waiting = pending_approval::Entity::find()
        .filter(pending_approval::Column::Status.eq(ApprovalStatus::Pending))
        .order_by_asc(pending_approval::Column::Id)
        .limit(WAITING_LIMIT)
        .all(db)
        .await?;
    let mut mine: Vec<(pending_approval::Model, ApprovalKind)> = waiting
        .into_iter()
        .filter_map(|request| ApprovalKind::parse(&request.kind).map(|kind| (request, kind)))
        .filter(|(request, kind)| eligible(request, *kind, member))
        .collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let others = staff::Entity::find()
        .filter(staff::Column::Active.eq(true))
        .filter(staff::Column::Id.ne(member.id))
        .all(db)
        .await?;
    mine.retain(|(request, kind)| !others.iter().any(|other| eligible(request, *kind, other)));
    Ok(mine.into_iter().map(|(request, _)| request).collect())
}
