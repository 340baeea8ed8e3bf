//! The directory: patients, providers and appointments (read-mostly, PHI-classified fields).

pub mod lookup_service;
mod patient;
mod provider;

pub use crate::patient::Patient;
pub use patient::{PatientFields, PatientQuery};
pub use provider::{Provider, ProviderQuery};

use crate::kit::loaders::{PatientId, ProviderId, load_error, loaders};

#[derive(async_graphql::MergedObject, Default)]
pub struct DirectoryQuery(PatientQuery, ProviderQuery);

/// The patient behind `patient(id)` and every relation: `patient · read`, a refusal recorded
/// against the patient's id.
pub async fn patient_of(ctx: &async_graphql::Context<'_>, id: uuid::Uuid) -> crate::kit::ApiResult<Patient> {
    let access = crate::kit::access(ctx)?;
    access.require_about(policies::Resource::Patient, policies::Action::Read, Some(id))?;
    let model = loaders(ctx)?
        .load_one(PatientId(id))
        .await
        .map_err(load_error)?
        .ok_or_else(|| crate::kit::ApiError::NotFound(format!("patient {id}")))?;
    Patient::visible(access, model)
}

/// The provider behind a relation, checked like `provider(id)`.
pub async fn provider_of(ctx: &async_graphql::Context<'_>, id: uuid::Uuid) -> crate::kit::ApiResult<Provider> {
    let access = crate::kit::access(ctx)?;
    access.require(policies::Resource::Provider, policies::Action::Read)?;
    let model = loaders(ctx)?
        .load_one(ProviderId(id))
        .await
        .map_err(load_error)?
        .ok_or_else(|| crate::kit::ApiError::NotFound(format!("provider {id}")))?;
    Provider::visible(access, model)
}
