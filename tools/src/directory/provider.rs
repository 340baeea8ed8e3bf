//! The `Provider` type (a therapist or prescriber; not PHI) and its query.

use super::lookup_service as service;
use crate::kit::{Access, Allow, ApiError, ApiResult, Gql, access, db};
use async_graphql::{Context, ID, Object};
use entities::provider;
use policies::{Action, Resource};

/// A provider: therapist, psychologist or psychiatric prescriber. Requires `provider · read`.
pub struct Provider(provider::Model);

impl Provider {
    pub fn visible(access: &Access, model: provider::Model) -> ApiResult<Self> {
        access.require(Resource::Provider, Action::Read)?;
        Ok(Provider(model))
    }
}

#[Object]
impl Provider {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Full name with credential, as patients see it.
    async fn name(&self) -> String {
        format!("{} {}, {}", self.0.first_name, self.0.last_name, self.0.credential)
    }

    /// Credential, e.g. LCSW, PsyD, PMHNP.
    async fn credential(&self) -> &str {
        &self.0.credential
    }

    async fn specialty(&self) -> &str {
        &self.0.specialty
    }

    /// National Provider Identifier.
    async fn npi(&self) -> &str {
        &self.0.npi
    }

    /// The US state the provider is licensed in.
    async fn state(&self) -> &str {
        &self.0.state
    }

    async fn active(&self) -> bool {
        self.0.active
    }
}

#[derive(Default)]
pub struct ProviderQuery;

#[Object]
impl ProviderQuery {
    /// One provider by id.
    #[graphql(guard = "Allow(Resource::Provider, Action::Read)")]
    async fn provider(&self, ctx: &Context<'_>, id: ID) -> Gql<Provider> {
        let id = crate::kit::parse_id(&id, "provider")?;
        let found = service::find_provider(db(ctx)?, id).await?;
        Ok(Provider::visible(access(ctx)?, found.ok_or_else(|| ApiError::NotFound(format!("provider {id}")))?)?)
    }
}
