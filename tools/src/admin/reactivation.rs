//! Bringing a deactivated member back. Their roles were never taken away, so a return opens
//! again whatever those roles open: one that opens PHI or a power over access waits for a
//! second admin, as a grant of those roles would.

use super::access_service as service;
use super::staff::{StaffMember, fresh};
use crate::kit::approvals::{self, ApprovalKind, NewApproval};
use crate::kit::{Allow, ApiError, ApiResult, AuditAction, Audited, Event, Gql, notes};
use async_graphql::{Context, Object};
use entities::pending_approval;
use policies::{Action, Resource};
use sea_orm::DatabaseTransaction;

#[derive(Default)]
pub struct ReactivationMutation;

#[Object]
impl ReactivationMutation {
    /// Reactivates a deactivated member, with why (kept in the audit trail). When the roles
    /// they still hold open patient data, the audit trail or a power over access, the return
    /// waits in `pendingApprovals` for a second admin and the member is answered still
    /// inactive; otherwise it applies at once.
    #[graphql(guard = "Allow(Resource::Staff, Action::Manage)")]
    async fn reactivate_staff(
        &self,
        ctx: &Context<'_>,
        sub: String,
        expected_version: i32,
        reason: String,
    ) -> Gql<StaffMember> {
        let why = "the admin who approves the return reads it, and the audit trail keeps it";
        let reason = notes::required("reason", &reason, notes::MAX_CHARS, why)?;
        let change = Audited::begin(ctx, Some((Resource::Staff, Action::Manage))).await?;
        let member = crate::kit::find_staff(change.txn(), &sub)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("staff member {sub:?}")))?;
        if member.active {
            return Err(ApiError::BadUserInput(format!("{sub} is active already")).into());
        }
        if member.version != expected_version {
            return Err(
                crate::kit::versioned::stale::<entities::staff::Entity>(member.version, expected_version).into()
            );
        }
        service::lock_policy(change.txn()).await?;
        let policy = crate::kit::policy_store::load(change.txn()).await?;
        let guarded = service::guarded_roles(&policy, &sub);
        if guarded.is_empty() {
            let member = service::reactivate_staff(change.txn(), &sub, expected_version).await?;
            change.commit(Event::new(AuditAction::StaffReactivate, &sub).because(reason)).await?;
            return fresh(ctx, member).await;
        }
        let roles: Vec<&str> = guarded.iter().map(|r| r.as_str()).collect();
        let new = NewApproval {
            kind: ApprovalKind::Reactivate,
            resource: Resource::Staff,
            resource_id: member.id,
            target_version: member.version,
            reason: reason.clone(),
            payload: serde_json::json!({ "sub": sub, "roles": roles }),
        };
        approvals::request(change.txn(), change.actor(), new).await?;
        change.commit(Event::new(AuditAction::StaffReactivateRequest, &sub).because(reason)).await?;
        fresh(ctx, member).await
    }
}

/// Applies an approved return, unless the member changed since the request.
pub async fn apply_reactivation(txn: &DatabaseTransaction, approval: &pending_approval::Model) -> ApiResult<()> {
    let sub = approval.payload.get("sub").and_then(|v| v.as_str()).unwrap_or_default();
    let member =
        crate::kit::find_staff(txn, sub).await?.ok_or_else(|| ApiError::NotFound(format!("staff member {sub:?}")))?;
    approvals::unchanged_since(approval, member.version, "staff member", "return")?;
    service::reactivate_staff(txn, sub, member.version).await?;
    Ok(())
}
