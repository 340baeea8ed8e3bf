//! Reading and editing the policy's permissions (admin only). Edits are stored in the
//! database and take effect on the next request, on every instance.

use super::access_service as service;
use crate::kit::approvals::{self, ApprovalKind, NewApproval};
use crate::kit::policy_store::PolicyStore;
use crate::kit::{Allow, ApiError, ApiResult, AuditAction, Audited, Event, Gql, access, db};
use async_graphql::{Context, Object, SimpleObject};
use entities::pending_approval;
use policies::{Action, Permission, PolicySnapshot, Resource};
use sea_orm::DatabaseTransaction;

/// `role` may do `action` on `resource`.
#[derive(SimpleObject)]
pub struct PolicyRule {
    pub role: String,
    pub resource: String,
    pub action: String,
}

/// `sub` holds `role`.
#[derive(SimpleObject)]
pub struct RoleGrant {
    pub sub: String,
    pub role: String,
}

/// The policy in force: its version (SHA-256 of the rules, as the audit trail records it),
/// permissions and role grants.
#[derive(SimpleObject)]
pub struct Policy {
    pub version: String,
    pub permissions: Vec<PolicyRule>,
    pub grants: Vec<RoleGrant>,
}

impl From<&PolicySnapshot> for Policy {
    fn from(snapshot: &PolicySnapshot) -> Self {
        Policy {
            version: snapshot.version().to_owned(),
            permissions: snapshot
                .set()
                .permissions()
                .map(|p| PolicyRule {
                    role: p.role.as_str().into(),
                    resource: p.resource.as_str().into(),
                    action: p.action.as_str().into(),
                })
                .collect(),
            grants: snapshot
                .set()
                .grants()
                .map(|g| RoleGrant { sub: g.sub.clone(), role: g.role.as_str().into() })
                .collect(),
        }
    }
}

#[derive(Default)]
pub struct PolicyQuery;

#[Object]
impl PolicyQuery {
    /// The policy in force for this request.
    #[graphql(
        guard = "Allow(Resource::Policy, Action::Read)",
        complexity = "crate::kit::pagination::REPORT_COMPLEXITY + child_complexity"
    )]
    async fn policy(&self, ctx: &Context<'_>) -> Gql<Policy> {
        Ok(Policy::from(access(ctx)?.policy()))
    }
}

#[derive(Default)]
pub struct PolicyMutation;

fn parse(role: &str, resource: &str, action: &str) -> Gql<Permission> {
    Ok(Permission::parse(role, resource, action).map_err(|e| ApiError::BadUserInput(e.to_string()))?)
}

async fn in_force(ctx: &Context<'_>) -> Gql<Policy> {
    let store = ctx.data::<PolicyStore>()?;
    store.changed(db(ctx)?).await?;
    Ok(Policy::from(store.authorizer().snapshot().as_ref()))
}

#[Object]
impl PolicyMutation {
    /// Allows `role` to do `action` on `resource`. Unknown names are refused with the valid
    /// ones. A rule that opens a PHI class, the audit trail, break-glass, staff management or
    /// policy editing is not added at once: it waits in `pendingApprovals` for a second
    /// admin, and the policy is answered as it stands. Removing rules narrows access and
    /// applies at once.
    #[graphql(guard = "Allow(Resource::Policy, Action::Edit)")]
    async fn add_policy_rule(
        &self,
        ctx: &Context<'_>,
        role: String,
        resource: String,
        action: String,
        reason: Option<String>,
    ) -> Gql<Policy> {
        let permission = parse(&role, &resource, &action)?;
        let change = Audited::begin(ctx, Some((Resource::Policy, Action::Edit))).await?;
        // Whether the rule is held is read from the store under the policy lock, not from this
        // request's snapshot: a rule removed a moment ago on another instance is not "held".
        if permission.resource.is_guarded(permission.action) && !service::holds(change.txn(), &permission).await? {
            let reason = reason.unwrap_or_else(|| format!("add {permission}"));
            approvals::request(change.txn(), change.actor(), rule_request(&permission, reason.clone())).await?;
            change.commit(Event::new(AuditAction::PolicyRuleRequest, permission).because(reason)).await?;
            return in_force(ctx).await;
        }
        service::add_permission(change.txn(), &permission).await?;
        change.commit(Event::new(AuditAction::PolicyRuleAdd, permission)).await?;
        in_force(ctx).await
    }

    /// Removes a permission. Admins' own right to administer cannot be removed.
    #[graphql(guard = "Allow(Resource::Policy, Action::Edit)")]
    async fn remove_policy_rule(
        &self,
        ctx: &Context<'_>,
        role: String,
        resource: String,
        action: String,
    ) -> Gql<Policy> {
        let permission = parse(&role, &resource, &action)?;
        let change = Audited::begin(ctx, Some((Resource::Policy, Action::Edit))).await?;
        service::remove_permission(change.txn(), &permission).await?;
        change.commit(Event::new(AuditAction::PolicyRuleRemove, permission)).await?;
        in_force(ctx).await
    }
}

/// The four-eyes request for a guarded rule. The policy has no row of its own, so the
/// request is about the nil id, and it names no version: adding a rule is the same change
/// whatever else the policy holds by then.
fn rule_request(permission: &Permission, reason: String) -> NewApproval {
    NewApproval {
        kind: ApprovalKind::PolicyRuleAdd,
        resource: Resource::Policy,
        resource_id: uuid::Uuid::nil(),
        target_version: 0,
        reason,
        payload: serde_json::json!({
            "role": permission.role.as_str(),
            "resource": permission.resource.as_str(),
            "action": permission.action.as_str(),
        }),
    }
}

/// Applies an approved policy rule.
pub async fn apply_policy_rule(txn: &DatabaseTransaction, approval: &pending_approval::Model) -> ApiResult<()> {
    let field = |name: &str| approval.payload.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let permission = Permission::parse(&field("role"), &field("resource"), &field("action"))
        .map_err(|e| ApiError::BadUserInput(e.to_string()))?;
    service::add_permission(txn, &permission).await
}
