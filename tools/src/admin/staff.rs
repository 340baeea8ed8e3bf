//! The `StaffMember` type, `me`, and staff administration.

use super::access_service as service;
use crate::kit::approvals::{self, ApprovalKind, NewApproval};
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::policy_store::PolicyStore;
use crate::kit::{Allow, ApiError, ApiResult, AuditAction, Audited, Event, Gql, access, db, notes};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entities::{pending_approval, staff};
use policies::{Action, Grant, PolicySnapshot, Resource, Role};
use sea_orm::DatabaseTransaction;

/// A member of staff. Their roles come from the policy in force for this request.
pub struct StaffMember {
    model: staff::Model,
    roles: Vec<String>,
}

impl StaffMember {
    /// With the roles `policy` grants.
    fn under(policy: &PolicySnapshot, model: staff::Model) -> Self {
        let roles = policy.roles_of(&model.sub).iter().map(|r| r.as_str().to_owned()).collect();
        StaffMember { model, roles }
    }

    /// With the roles of the policy this request runs under.
    fn new(ctx: &Context<'_>, model: staff::Model) -> Gql<Self> {
        Ok(Self::under(access(ctx)?.policy(), model))
    }
}

#[Object]
impl StaffMember {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// The subject their tokens carry.
    async fn sub(&self) -> &str {
        &self.model.sub
    }

    async fn display_name(&self) -> &str {
        &self.model.display_name
    }

    async fn email(&self) -> &str {
        &self.model.email
    }

    /// A deactivated member's tokens are refused.
    async fn active(&self) -> bool {
        self.model.active
    }

    /// Roles held now, from the policy store.
    async fn roles(&self) -> &[String] {
        &self.roles
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }

    /// Optimistic-concurrency version: name it as `expectedVersion` when changing this member.
    async fn version(&self) -> i32 {
        self.model.version
    }

    /// The waiting requests only this member could decide now (nobody else active may):
    /// deactivating them, or revoking the role that lets them decide, would strand these.
    #[graphql(guard = "Allow(Resource::Staff, Action::Manage)")]
    async fn sole_approver_of(&self, ctx: &Context<'_>) -> Gql<Vec<crate::approvals::PendingApproval>> {
        let policy = access(ctx)?.policy();
        let stranded = crate::approvals::sole_approver_of(db(ctx)?, policy.set(), &self.model).await?;
        Ok(stranded.into_iter().map(Into::into).collect())
    }
}

#[derive(Default)]
pub struct StaffQuery;

#[Object]
impl StaffQuery {
    /// The staff member making this request.
    async fn me(&self, ctx: &Context<'_>) -> Gql<StaffMember> {
        let me = access(ctx)?.principal();
        let model = crate::kit::find_staff(db(ctx)?, &me.sub)
            .await?
            .ok_or_else(|| ApiError::Unauthenticated("the caller is no longer a staff member".into()))?;
        StaffMember::new(ctx, model)
    }

    /// One staff member, by `sub` (`NOT_FOUND` for none).
    #[graphql(guard = "Allow(Resource::Staff, Action::Read)")]
    async fn staff_member(&self, ctx: &Context<'_>, sub: String) -> Gql<StaffMember> {
        let model = crate::kit::find_staff(db(ctx)?, &sub)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("staff member {sub:?}")))?;
        StaffMember::new(ctx, model)
    }

    /// Every staff member, by `sub`.
    #[graphql(
        guard = "Allow(Resource::Staff, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn staff_members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<StaffMember>> {
        let page = PageRequest::new(ctx, first, after)?;
        let rows = service::list_staff(db(ctx)?, page.after.as_deref(), page.fetch_limit()).await?;
        let members = rows.into_iter().map(|m| StaffMember::new(ctx, m)).collect::<Gql<Vec<_>>>()?;
        Ok(page.into_page(members, |m| m.model.sub.clone(), |m| m))
    }
}

#[derive(Default)]
pub struct StaffMutation;

#[Object]
impl StaffMutation {
    /// Asks for a role (`cx`, `ops`, `medical`, `compliance`, `admin`) to be granted: every
    /// grant waits for a second admin, who is neither the requester nor the member granted.
    /// (Whether a role opens anything guarded is no test: its rules can be narrowed a moment
    /// before the grant and restored after.) The member is answered as they are, and the
    /// request is in `pendingApprovals` until `approve` applies it; a role held already
    /// changes nothing. Nobody asks for a role for themselves.
    #[graphql(guard = "Allow(Resource::Staff, Action::Manage)")]
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        sub: String,
        role: String,
        reason: Option<String>,
    ) -> Gql<StaffMember> {
        let grant = Grant::parse(&sub, &role).map_err(|e| ApiError::BadUserInput(e.to_string()))?;
        let change = Audited::begin(ctx, Some((Resource::Staff, Action::Manage))).await?;
        if grant.sub == change.access().principal().sub {
            let refused = ApiError::Forbidden("nobody grants a role to themselves".into());
            return Err(change.access().refuse(Resource::Staff, Action::Manage, None, refused).into());
        }
        let member = service::grantable(change.txn(), &grant).await?;
        if service::holds_role(change.txn(), &grant).await? {
            return fresh(ctx, member).await;
        }
        let reason = reason.unwrap_or_else(|| format!("grant {} to {}", grant.role, grant.sub));
        let new = NewApproval {
            kind: ApprovalKind::GrantRole,
            resource: Resource::Staff,
            resource_id: member.id,
            target_version: member.version,
            reason: reason.clone(),
            payload: serde_json::json!({ "sub": grant.sub, "role": grant.role.as_str() }),
        };
        approvals::request(change.txn(), change.actor(), new).await?;
        change.commit(Event::new(AuditAction::RoleGrantRequest, &grant.sub).because(reason)).await?;
        fresh(ctx, member).await
    }

    /// Revokes a role, with why (kept in the audit trail); effective on the next request. The
    /// last active admin keeps `admin`, and nobody revokes their own `admin`: another admin does.
    #[graphql(guard = "Allow(Resource::Staff, Action::Manage)")]
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        sub: String,
        role: String,
        reason: Option<String>,
    ) -> Gql<StaffMember> {
        let reason = notes::optional("reason", reason.as_deref(), notes::MAX_CHARS)?;
        let grant = Grant::parse(&sub, &role).map_err(|e| ApiError::BadUserInput(e.to_string()))?;
        let change = Audited::begin(ctx, Some((Resource::Staff, Action::Manage))).await?;
        if grant.role == Role::Admin && grant.sub == change.access().principal().sub {
            let refused = ApiError::Forbidden("nobody removes their own admin role: another admin does".into());
            return Err(change.access().refuse(Resource::Staff, Action::Manage, None, refused).into());
        }
        let member = service::revoke_role(change.txn(), &grant).await?;
        let why = reason.map_or_else(|| grant.to_string(), |reason| format!("{grant}: {reason}"));
        change.commit(Event::new(AuditAction::RoleRevoke, &grant.sub).because(why)).await?;
        ctx.data::<PolicyStore>()?.changed(db(ctx)?).await?;
        fresh(ctx, member).await
    }

    /// Deactivates a staff member, with why (kept in the audit trail): their tokens are
    /// refused from the next request on. `reactivateStaff` brings them back.
    #[graphql(guard = "Allow(Resource::Staff, Action::Manage)")]
    async fn deactivate_staff(
        &self,
        ctx: &Context<'_>,
        sub: String,
        expected_version: i32,
        reason: Option<String>,
    ) -> Gql<StaffMember> {
        let reason = notes::optional("reason", reason.as_deref(), notes::MAX_CHARS)?;
        let change = Audited::begin(ctx, Some((Resource::Staff, Action::Manage))).await?;
        let member = service::deactivate_staff(change.txn(), &sub, expected_version).await?;
        let event = Event::new(AuditAction::StaffDeactivate, sub);
        change
            .commit(match reason {
                Some(reason) => event.because(reason),
                None => event,
            })
            .await?;
        // This instance forgets at once; the others on the `staff` trigger's notification.
        if let Ok(cache) = ctx.data::<super::staff_cache::StaffCache>() {
            cache.changed();
        }
        StaffMember::new(ctx, member)
    }
}

/// Applies an approved role grant, unless the member changed since the request.
pub async fn apply_role_grant(txn: &DatabaseTransaction, approval: &pending_approval::Model) -> ApiResult<()> {
    let field = |name: &str| approval.payload.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let grant = Grant::parse(&field("sub"), &field("role")).map_err(|e| ApiError::BadUserInput(e.to_string()))?;
    let member = crate::kit::find_staff(txn, &grant.sub)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("staff member {:?}", grant.sub)))?;
    if approvals::target_version(approval) != Some(member.version) {
        return Err(ApiError::Conflict(format!(
            "{} changed since the request (now at version {}): ask again",
            grant.sub, member.version
        )));
    }
    service::grant_role(txn, &grant).await?;
    Ok(())
}

/// The member as stored now, with roles from the policy now in force.
pub(super) async fn fresh(ctx: &Context<'_>, member: staff::Model) -> Gql<StaffMember> {
    Ok(StaffMember::under(&ctx.data::<PolicyStore>()?.authorizer().snapshot(), member))
}
