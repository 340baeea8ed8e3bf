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
