//! Access checks. Every resolver names its resource and action here, either as a guard
//! (`#[graphql(guard = "Allow(Resource::Claim, Action::Read)")]`) or, for a value that belongs
//! to one patient, through [`Access::require_for_patient`], which also honours break-glass.

use super::context::Principal;
use super::error::{ApiError, ApiResult};
use async_graphql::{Context, Guard};
use chrono::{DateTime, Utc};
use entities::break_glass_grant;
use policies::{Action, Permission, PolicySnapshot, Resource};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::sync::Arc;
use tokio::sync::OnceCell;
use uuid::Uuid;

/// Why an access was allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// A permission of one of the caller's roles.
    Role(Permission),
    /// The caller's emergency access to this patient.
    BreakGlass { grant_id: Uuid },
}

/// An active break-glass grant of the caller.
#[derive(Clone, Copy, Debug)]
pub struct ActiveGrant {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// Who is asking and under which policy version: one per request, shared by its resolvers.
pub struct Access {
    principal: Principal,
    policy: Arc<PolicySnapshot>,
    break_glass: OnceCell<Vec<ActiveGrant>>,
}

impl Access {
    pub fn new(principal: Principal, policy: Arc<PolicySnapshot>) -> Self {
        Access {
            principal,
            policy,
            break_glass: OnceCell::new(),
        }
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn policy(&self) -> &PolicySnapshot {
        &self.policy
    }

    /// The role permission for `action` on `resource`, if the caller has one.
    pub fn permission(&self, resource: Resource, action: Action) -> Option<Permission> {
        self.policy.decide(&self.principal.roles, resource, action).permission
    }

    pub fn allows(&self, resource: Resource, action: Action) -> bool {
        self.permission(resource, action).is_some()
    }

    /// `FORBIDDEN` unless one of the caller's roles may do `action` on `resource`.
    pub fn require(&self, resource: Resource, action: Action) -> ApiResult<Permission> {
        self.permission(resource, action)
            .ok_or_else(|| forbidden(&self.principal, resource, action))
    }

    /// For a value that belongs to `patient_id`: allowed by a role, or by an active break-glass
    /// grant of the caller for that patient where break-glass reaches (identity, clinical, and
    /// reading care records).
    pub async fn require_for_patient(
        &self,
        db: &impl ConnectionTrait,
        patient_id: Uuid,
        resource: Resource,
        action: Action,
    ) -> ApiResult<Via> {
        if let Some(permission) = self.permission(resource, action) {
            return Ok(Via::Role(permission));
        }
        if break_glass_reaches(resource, action) {
            let now = Utc::now();
            let grants = self.active_grants(db).await?;
            if let Some(grant) = grants.iter().find(|g| g.patient_id == patient_id && g.expires_at > now) {
                return Ok(Via::BreakGlass { grant_id: grant.id });
            }
        }
        Err(forbidden(&self.principal, resource, action))
    }

    /// Whether `action` on `resource` could be allowed for some patient: by a role, or by a
    /// break-glass grant the caller holds now. Lets a query refuse before it reads anything.
    pub async fn may_for_some_patient(
        &self,
        db: &impl ConnectionTrait,
        resource: Resource,
        action: Action,
    ) -> ApiResult<bool> {
        if self.allows(resource, action) {
            return Ok(true);
        }
        Ok(break_glass_reaches(resource, action) && !self.active_grants(db).await?.is_empty())
    }

    /// The caller's unexpired break-glass grants, read once per request.
    pub async fn active_grants(&self, db: &impl ConnectionTrait) -> ApiResult<&[ActiveGrant]> {
        let grants = self
            .break_glass
            .get_or_try_init(|| async {
                let rows: Vec<(Uuid, Uuid, DateTime<Utc>)> = break_glass_grant::Entity::find()
                    .select_only()
                    .column(break_glass_grant::Column::Id)
                    .column(break_glass_grant::Column::PatientId)
                    .column(break_glass_grant::Column::ExpiresAt)
                    .filter(break_glass_grant::Column::StaffId.eq(self.principal.staff_id))
                    .filter(break_glass_grant::Column::ExpiresAt.gt(Utc::now()))
                    .into_tuple()
                    .all(db)
                    .await?;
                Ok::<_, ApiError>(
                    rows.into_iter()
                        .map(|(id, patient_id, expires_at)| ActiveGrant {
                            id,
                            patient_id,
                            expires_at,
                        })
                        .collect(),
                )
            })
            .await?;
        Ok(grants)
    }
}

/// Break-glass opens identity and clinical PHI of one patient, and that patient's care records.
pub fn break_glass_reaches(resource: Resource, action: Action) -> bool {
    matches!(
        (resource, action),
        (_, Action::Identity) | (_, Action::Clinical) | (Resource::CareRecord, Action::Read)
    )
}

fn forbidden(principal: &Principal, resource: Resource, action: Action) -> ApiError {
    let roles = if principal.roles.is_empty() {
        "no role".to_owned()
    } else {
        principal
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    ApiError::Forbidden(format!("{resource} · {action} is not allowed for {roles}"))
}

/// The request's access context; `UNAUTHENTICATED` if there is none.
pub fn access<'a>(ctx: &Context<'a>) -> ApiResult<&'a Access> {
    ctx.data_opt::<Arc<Access>>()
        .map(Arc::as_ref)
        .ok_or_else(|| ApiError::Unauthenticated("a bearer token is required".into()))
}

/// Answers a nullable field's error as `null` with the error at the field's path, as GraphQL
/// specifies. (Returning the error would make async-graphql drop the field from its parent,
/// and a parent whose every field failed would turn `null` itself.)
pub fn null_on_error<T>(ctx: &Context<'_>, result: ApiResult<T>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(err) => {
            let error = async_graphql::Error::from(err).into_server_error(ctx.item.pos);
            ctx.add_error(ctx.set_error_path(error));
            None
        }
    }
}

/// A field guard: the field resolves only if a role of the caller may do `action` on `resource`.
pub struct Allow(pub Resource, pub Action);

impl Guard for Allow {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        access(ctx)?.require(self.0, self.1)?;
        Ok(())
    }
}
