//! The request context every resolver reads: who is asking (see `access` for the rest), over
//! which connection.

use super::error::{ApiError, ApiResult};
use async_graphql::Context;
use policies::Role;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

/// The authenticated staff member behind a request. Roles come from the policy store.
#[derive(Clone, Debug)]
pub struct Principal {
    pub staff_id: Uuid,
    pub sub: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

pub fn db<'a>(ctx: &Context<'a>) -> ApiResult<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("no database in the schema context: {}", err.message)))
}
