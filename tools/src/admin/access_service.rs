//! Staff and policy administration, each change in one transaction.

use crate::kit::policy_store::{grant_row, permission_row};
use crate::kit::versioned;
use crate::kit::{ApiError, ApiResult, Principal, find_staff};
use entities::{policy_rule, staff};
use policies::{Grant, Permission, PolicySnapshot, Role};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// The active staff member with this `sub`, with the roles the policy grants them.
/// `None` for an unknown or deactivated member.
#[tracing::instrument(skip(db, policy))]
pub async fn load_principal(
    db: &impl ConnectionTrait,
    sub: &str,
    policy: &PolicySnapshot,
) -> ApiResult<Option<Principal>> {
    Ok(active_member(db, sub).await?.and_then(|m| principal_of(m, policy)))
}

async fn active_member(db: &impl ConnectionTrait, sub: &str) -> ApiResult<Option<staff::Model>> {
    Ok(staff::Entity::find().filter(staff::Column::Sub.eq(sub)).filter(staff::Column::Active.eq(true)).one(db).await?)
}

/// [`load_principal`], answered from `cache` when it can be (and kept there).
pub async fn load_principal_cached(
    db: &impl ConnectionTrait,
    sub: &str,
    policy: &PolicySnapshot,
    cache: &super::staff_cache::StaffCache,
) -> ApiResult<Option<Principal>> {
    if let Some(member) = cache.get(sub) {
        return Ok(principal_of(member, policy));
    }
    let ticket = cache.ticket();
    let member = active_member(db, sub).await?;
    if let Some(member) = &member {
        cache.put(ticket, member);
    }
    Ok(member.and_then(|m| principal_of(m, policy)))
}

/// A member as a principal, with the roles `policy` grants them; `None` when deactivated.
pub fn principal_of(member: staff::Model, policy: &PolicySnapshot) -> Option<Principal> {
    member.active.then(|| Principal {
        roles: policy.roles_of(&member.sub).to_vec(),
        staff_id: member.id,
        sub: member.sub,
        display_name: member.display_name,
    })
}

/// Whether a staff member with this `sub` exists (active or not).
pub async fn staff_exists(db: &impl ConnectionTrait, sub: &str) -> ApiResult<bool> {
    Ok(find_staff(db, sub).await?.is_some())
}

pub async fn staff_by_id(db: &impl ConnectionTrait, id: uuid::Uuid) -> ApiResult<Option<staff::Model>> {
    Ok(staff::Entity::find_by_id(id).one(db).await?)
}

/// The active member `sub` of `team` (a role held directly): whom that team's work can go
/// to. `work` names the work in the refusals ("tickets", "escalations").
pub async fn active_member_of(db: &impl ConnectionTrait, sub: &str, team: Role, work: &str) -> ApiResult<staff::Model> {
    let member = find_staff(db, sub).await?;
    let member = member.ok_or_else(|| ApiError::BadUserInput(format!("{sub:?} is not a staff member")))?;
    if !member.active {
        return Err(ApiError::BadUserInput(format!("{sub} is deactivated and cannot take {work}")));
    }
    let in_team = policy_rule::Entity::find()
        .filter(policy_rule::Column::Ptype.eq("g"))
        .filter(policy_rule::Column::V0.eq(sub))
        .filter(policy_rule::Column::V1.eq(team.as_str()))
        .one(db)
        .await?
        .is_some();
    if !in_team {
        return Err(ApiError::BadUserInput(format!("{sub} is not in the {team} team; {work} go to the {team} team")));
    }
    Ok(member)
}

/// The `sub` of the staff member `id` names (an assignee as a history records them).
pub async fn sub_of(db: &impl ConnectionTrait, id: Option<uuid::Uuid>) -> ApiResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    Ok(staff_by_id(db, id).await?.map(|m| m.sub))
}

/// The active members of `team` who may take its work, by name: whom an assignment may
/// name (the same test as [`active_member_of`]). At most [`TEAM_LIMIT`].
pub async fn active_members_of(db: &impl ConnectionTrait, team: Role) -> ApiResult<Vec<staff::Model>> {
    let subs = policy_rule::Entity::find()
        .filter(policy_rule::Column::Ptype.eq("g"))
        .filter(policy_rule::Column::V1.eq(team.as_str()))
        .select_only()
        .column(policy_rule::Column::V0);
    let members = staff::Entity::find()
        .filter(staff::Column::Active.eq(true))
        .filter(staff::Column::Sub.in_subquery(sea_orm::QueryTrait::into_query(subs)))
        .order_by_asc(staff::Column::DisplayName)
        .order_by_asc(staff::Column::Sub)
        .limit(TEAM_LIMIT)
        .all(db)
        .await?;
    Ok(members)
}

/// The most members a team's picker lists.
pub const TEAM_LIMIT: u64 = 500;

/// A page of staff in `sub` order, after `after`.
pub async fn list_staff(db: &impl ConnectionTrait, after: Option<&str>, limit: u64) -> ApiResult<Vec<staff::Model>> {
    let mut query = staff::Entity::find().order_by_asc(staff::Column::Sub);
    if let Some(after) = after {
        query = query.filter(staff::Column::Sub.gt(after));
    }
    Ok(query.limit(limit).all(db).await?)
}

/// Serialises policy edits. PostgreSQL: a transaction-scoped advisory lock, so two admins
/// cannot each remove "the other" last admin. SQLite: its single writer does it, provided the
/// transaction writes before it reads (as every edit below does).
pub async fn lock_policy(txn: &DatabaseTransaction) -> ApiResult<()> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(7277001)").await?;
    }
    Ok(())
}

fn rule_filter(ptype: &str, [v0, v1, v2]: [&str; 3]) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(policy_rule::Column::Ptype.eq(ptype))
        .add(policy_rule::Column::V0.eq(v0))
        .add(policy_rule::Column::V1.eq(v1))
        .add(policy_rule::Column::V2.eq(v2))
}

/// Active staff who hold `admin`, as the store says inside this transaction.
async fn active_admins(txn: &DatabaseTransaction) -> ApiResult<u64> {
    let holders: Vec<String> = policy_rule::Entity::find()
        .select_only()
        .column(policy_rule::Column::V0)
        .filter(policy_rule::Column::Ptype.eq("g"))
        .filter(policy_rule::Column::V1.eq(Role::Admin.as_str()))
        .into_tuple()
        .all(txn)
        .await?;
    if holders.is_empty() {
        return Ok(0);
    }
    let active = staff::Entity::find()
        .filter(staff::Column::Sub.is_in(holders))
        .filter(staff::Column::Active.eq(true))
        .all(txn)
        .await?;
    Ok(active.len() as u64)
}

fn last_admin() -> ApiError {
    ApiError::Conflict("that would leave no active admin: grant admin to someone else first".into())
}

/// Grants `role` to an active staff member, inside the caller's (audited) transaction. Granting a role held already changes nothing.
pub async fn grant_role(txn: &DatabaseTransaction, grant: &Grant) -> ApiResult<staff::Model> {
    lock_policy(txn).await?;
    let member = find_staff(txn, &grant.sub)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("staff member {:?}", grant.sub)))?;
    if !member.active {
        return Err(ApiError::BadUserInput(format!("{} is deactivated; roles cannot be granted", grant.sub)));
    }
    let existing =
        policy_rule::Entity::find().filter(rule_filter("g", [&grant.sub, grant.role.as_str(), ""])).one(txn).await?;
    if existing.is_none() {
        grant_row(grant).insert(txn).await?;
    }
    Ok(member)
}

/// The member a role may be granted to: one that exists and is active.
pub async fn grantable(db: &impl ConnectionTrait, grant: &Grant) -> ApiResult<staff::Model> {
    let member =
        find_staff(db, &grant.sub).await?.ok_or_else(|| ApiError::NotFound(format!("staff member {:?}", grant.sub)))?;
    if !member.active {
        return Err(ApiError::BadUserInput(format!("{} is deactivated; roles cannot be granted", grant.sub)));
    }
    Ok(member)
}

/// Revokes `role`; refuses to leave no active admin.
pub async fn revoke_role(txn: &DatabaseTransaction, grant: &Grant) -> ApiResult<staff::Model> {
    lock_policy(txn).await?;
    let member = find_staff(txn, &grant.sub)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("staff member {:?}", grant.sub)))?;
    let deleted = policy_rule::Entity::delete_many()
        .filter(rule_filter("g", [&grant.sub, grant.role.as_str(), ""]))
        .exec(txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound(format!("{} does not hold {}", grant.sub, grant.role)));
    }
    if grant.role == Role::Admin && active_admins(txn).await? == 0 {
        return Err(last_admin());
    }
    Ok(member)
}

/// Deactivates a staff member: their tokens stop working on the next request.
pub async fn deactivate_staff(txn: &DatabaseTransaction, sub: &str, expected_version: i32) -> ApiResult<staff::Model> {
    lock_policy(txn).await?;
    let member = find_staff(txn, sub).await?.ok_or_else(|| ApiError::NotFound(format!("staff member {sub:?}")))?;
    let next = staff::ActiveModel { active: Set(false), ..Default::default() };
    let member = versioned::update::<staff::Entity>(txn, member.id, expected_version, next, None).await?;
    if active_admins(txn).await? == 0 {
        return Err(last_admin());
    }
    Ok(member)
}

/// Brings a deactivated member back at `expected_version`: their tokens work again from the
/// next request, with the roles they still hold.
pub async fn reactivate_staff(txn: &DatabaseTransaction, sub: &str, expected_version: i32) -> ApiResult<staff::Model> {
    let member = find_staff(txn, sub).await?.ok_or_else(|| ApiError::NotFound(format!("staff member {sub:?}")))?;
    if member.active {
        return Err(ApiError::BadUserInput(format!("{sub} is active already")));
    }
    let next = staff::ActiveModel { active: Set(true), ..Default::default() };
    versioned::update::<staff::Entity>(txn, member.id, expected_version, next, None).await
}

/// The roles `sub` holds in `policy` that open what only four eyes may open (a PHI class, the
/// audit trail, a power over access: [`policies::Resource::is_guarded`]).
pub fn guarded_roles(policy: &policies::PolicySet, sub: &str) -> Vec<Role> {
    let roles = policy.roles_of(sub);
    roles
        .iter()
        .copied()
        .filter(|role| policy.permissions().any(|p| p.role == *role && p.resource.is_guarded(p.action)))
        .collect()
}

/// Whether the store holds `permission`, read after the policy lock so a concurrent edit
/// is either wholly before or wholly after.
pub async fn holds(txn: &DatabaseTransaction, permission: &Permission) -> ApiResult<bool> {
    lock_policy(txn).await?;
    let fields = [permission.role.as_str(), permission.resource.as_str(), permission.action.as_str()];
    Ok(policy_rule::Entity::find().filter(rule_filter("p", fields)).one(txn).await?.is_some())
}

/// Whether the store holds `grant` (under the policy lock).
pub async fn holds_role(txn: &DatabaseTransaction, grant: &Grant) -> ApiResult<bool> {
    lock_policy(txn).await?;
    let fields = [grant.sub.as_str(), grant.role.as_str(), ""];
    Ok(policy_rule::Entity::find().filter(rule_filter("g", fields)).one(txn).await?.is_some())
}

/// Adds a permission; adding one that exists changes nothing.
pub async fn add_permission(txn: &DatabaseTransaction, permission: &Permission) -> ApiResult<()> {
    lock_policy(txn).await?;
    let fields = [permission.role.as_str(), permission.resource.as_str(), permission.action.as_str()];
    if policy_rule::Entity::find().filter(rule_filter("p", fields)).one(txn).await?.is_none() {
        permission_row(permission).insert(txn).await?;
    }
    Ok(())
}

/// Removes a permission. Admins keep what they need to undo any edit.
pub async fn remove_permission(txn: &DatabaseTransaction, permission: &Permission) -> ApiResult<()> {
    use policies::{Action, Resource};
    let protected = permission.role == Role::Admin
        && matches!(
            (permission.resource, permission.action),
            (Resource::Policy, Action::Edit | Action::Read) | (Resource::Staff, Action::Manage | Action::Read)
        );
    if protected {
        return Err(ApiError::Conflict(format!("{permission} keeps admins able to administer; it cannot be removed")));
    }
    lock_policy(txn).await?;
    let fields = [permission.role.as_str(), permission.resource.as_str(), permission.action.as_str()];
    let deleted = policy_rule::Entity::delete_many().filter(rule_filter("p", fields)).exec(txn).await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound(format!("rule `{permission}`")));
    }
    Ok(())
}
