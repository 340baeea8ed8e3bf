//! The directory: patients, providers and appointments (read-mostly, PHI-classified fields).

mod patient;
mod provider;
pub mod service;

pub use patient::{Patient, PatientQuery};
pub use provider::{Provider, ProviderQuery};

#[derive(async_graphql::MergedObject, Default)]
pub struct DirectoryQuery(PatientQuery, ProviderQuery);
