//! Reading and editing the policy's permissions (admin only). Edits are stored in the
//! database and take effect on the next request, on every instance.

use super::service;
use crate::kit::policy_store::PolicyStore;
use crate::kit::{Allow, ApiError, AuditAction, Audited, Event, Gql, access, db};
use async_graphql::{Context, Object, SimpleObject};
use policies::{Action, Permission, PolicySnapshot, Resource};

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
    /// Allows `role` to do `action` on `resource`. Unknown names are refused with the valid ones.
    #[graphql(guard = "Allow(Resource::Policy, Action::Edit)")]
    async fn add_policy_rule(&self, ctx: &Context<'_>, role: String, resource: String, action: String) -> Gql<Policy> {
        let permission = parse(&role, &resource, &action)?;
        let change = Audited::begin(ctx, Some((Resource::Policy, Action::Edit))).await?;
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
