//! Staff lookups, on a plain connection.

use crate::kit::{ApiResult, Principal};
use entities::{policy_rule, staff};
use policies::Role;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// The active staff member with this `sub`, with the roles the policy store grants them now.
/// `None` for an unknown or deactivated member.
#[tracing::instrument(skip(db))]
pub async fn load_principal(db: &impl ConnectionTrait, sub: &str) -> ApiResult<Option<Principal>> {
    let Some(member) = staff::Entity::find()
        .filter(staff::Column::Sub.eq(sub))
        .filter(staff::Column::Active.eq(true))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let grants = policy_rule::Entity::find()
        .filter(policy_rule::Column::Ptype.eq("g"))
        .filter(policy_rule::Column::V0.eq(sub))
        .order_by_asc(policy_rule::Column::V1)
        .all(db)
        .await?;
    let roles = grants
        .iter()
        .filter_map(|rule| match rule.v1.parse::<Role>() {
            Ok(role) => Some(role),
            Err(err) => {
                tracing::warn!(%err, "ignoring a role grant of an unknown role");
                None
            }
        })
        .collect();
    Ok(Some(Principal {
        staff_id: member.id,
        sub: member.sub,
        display_name: member.display_name,
        roles,
    }))
}

/// Whether a staff member with this `sub` exists (active or not).
pub async fn staff_exists(db: &impl ConnectionTrait, sub: &str) -> ApiResult<bool> {
    Ok(staff::Entity::find()
        .filter(staff::Column::Sub.eq(sub))
        .one(db)
        .await?
        .is_some())
}
