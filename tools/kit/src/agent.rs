//! A staff member as a tool shows them beside its records (assignee, author, actor): who,
//! not what they may do.

use super::loaders::{StaffId, load_error, loaders};
use super::{ApiResult, Gql};
use async_graphql::{Context, SimpleObject};
use uuid::Uuid;

#[derive(SimpleObject)]
pub struct Agent {
    pub sub: String,
    pub display_name: String,
}

/// The staff member `id` (batched per request), if any.
pub async fn agent(ctx: &Context<'_>, id: Option<Uuid>) -> Gql<Option<Agent>> {
    let Some(id) = id else { return Ok(None) };
    Ok(agent_of(ctx, id).await?)
}

/// [`agent`] inside a resolver that answers `ApiResult`.
pub async fn agent_of(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Agent>> {
    let member = loaders(ctx)?.load_one(StaffId(id)).await.map_err(load_error)?;
    Ok(member.map(|m| Agent { sub: m.sub, display_name: m.display_name }))
}

/// A queue's "whose" filter (`me`, `unassigned`, or a staff member's `sub`) as the staff id to
/// match: `None` no filter, `Some(None)` nobody's yet. `field` names the argument in errors.
pub async fn whose(ctx: &Context<'_>, field: &str, value: Option<&str>) -> ApiResult<Option<Option<Uuid>>> {
    Ok(match value {
        None => None,
        Some("unassigned") => Some(None),
        Some("me") => Some(Some(super::access(ctx)?.principal().staff_id)),
        Some(sub) => {
            let member = crate::records::find_staff(super::db(ctx)?, sub).await?;
            let member = member
                .ok_or_else(|| super::ApiError::BadUserInput(format!("`{field}` {sub:?} is not a staff member")))?;
            Some(Some(member.id))
        }
    })
}
