//! The `StaffMember` type, `me`, and staff administration.

use super::service;
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::policy_store::PolicyStore;
use crate::kit::{Allow, ApiError, AuditAction, Audited, Event, Gql, access, db};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entities::staff;
use policies::{Action, Grant, PolicySnapshot, Resource};

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
}

#[derive(Default)]
pub struct StaffQuery;

#[Object]
impl StaffQuery {
    /// The staff member making this request.
    async fn me(&self, ctx: &Context<'_>) -> Gql<StaffMember> {
        let me = access(ctx)?.principal();
        let model = service::find_staff(db(ctx)?, &me.sub)
            .await?
            .ok_or_else(|| ApiError::Unauthenticated("the caller is no longer a staff member".into()))?;
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
    /// Grants a role (`cx`, `ops`, `medical`, `compliance`, `admin`); effective on the next request.
    #[graphql(guard = "Allow(Resource::Staff, Action::Manage)")]
    async fn grant_role(&self, ctx: &Context<'_>, sub: String, role: String) -> Gql<StaffMember> {
        let grant = Grant::parse(&sub, &role).map_err(|e| ApiError::BadUserInput(e.to_string()))?;
        let change = Audited::begin(ctx, Some((Resource::Staff, Action::Manage))).await?;
        let member = service::grant_role(change.txn(), &grant).await?;
        change.commit(Event::new(AuditAction::RoleGrant, &grant.sub).because(grant.to_string())).await?;
        ctx.data::<PolicyStore>()?.changed(db(ctx)?).await?;
        fresh(ctx, member).await
    }

    /// Revokes a role; effective on the next request. The last active admin keeps `admin`.
    #[graphql(guard = "Allow(Resource::Staff, Action::Manage)")]
    async fn revoke_role(&self, ctx: &Context<'_>, sub: String, role: String) -> Gql<StaffMember> {
        let grant = Grant::parse(&sub, &role).map_err(|e| ApiError::BadUserInput(e.to_string()))?;
        let change = Audited::begin(ctx, Some((Resource::Staff, Action::Manage))).await?;
        let member = service::revoke_role(change.txn(), &grant).await?;
        change.commit(Event::new(AuditAction::RoleRevoke, &grant.sub).because(grant.to_string())).await?;
        ctx.data::<PolicyStore>()?.changed(db(ctx)?).await?;
        fresh(ctx, member).await
    }

    /// Deactivates a staff member: their tokens are refused from the next request on.
    #[graphql(guard = "Allow(Resource::Staff, Action::Manage)")]
    async fn deactivate_staff(&self, ctx: &Context<'_>, sub: String, expected_version: i32) -> Gql<StaffMember> {
        let change = Audited::begin(ctx, Some((Resource::Staff, Action::Manage))).await?;
        let member = service::deactivate_staff(change.txn(), &sub, expected_version).await?;
        change.commit(Event::new(AuditAction::StaffDeactivate, sub)).await?;
        StaffMember::new(ctx, member)
    }
}

/// The member as stored now, with roles from the policy now in force.
async fn fresh(ctx: &Context<'_>, member: staff::Model) -> Gql<StaffMember> {
    Ok(StaffMember::under(&ctx.data::<PolicyStore>()?.authorizer().snapshot(), member))
}
