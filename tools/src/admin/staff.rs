//! The `StaffMember` type and `me`.

use crate::kit::principal;
use async_graphql::{Context, ID, Object};

/// A member of staff as the API shows them.
pub struct StaffMember {
    pub id: uuid::Uuid,
    pub sub: String,
    pub display_name: String,
    pub roles: Vec<String>,
}

#[Object]
impl StaffMember {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// The subject their tokens carry.
    async fn sub(&self) -> &str {
        &self.sub
    }

    async fn display_name(&self) -> &str {
        &self.display_name
    }

    /// Roles held now, from the policy store.
    async fn roles(&self) -> &[String] {
        &self.roles
    }
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// The staff member making this request.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<StaffMember> {
        let me = principal(ctx)?;
        Ok(StaffMember {
            id: me.staff_id,
            sub: me.sub.clone(),
            display_name: me.display_name.clone(),
            roles: me.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        })
    }
}
