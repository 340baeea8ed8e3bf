//! The ops tool: claims, their denials, and the escalations that work them through appeal
//! levels to an outcome, with four eyes on large write-offs.

mod claim;
pub mod claim_service;
mod escalation;
pub mod escalation_service;
pub mod loaders;
mod of_patient;
mod summary;
pub mod workflow;
pub mod write_off;

pub use claim::{Claim, ClaimQuery, Denial};
pub use escalation::{Escalation, EscalationMutation, EscalationQuery};
pub use of_patient::ClaimsOfPatient;
pub use summary::{SummaryCache, SummaryQuery};
pub use workflow::WriteOffThreshold;

#[derive(async_graphql::MergedObject, Default)]
pub struct OpsQuery(ClaimQuery, EscalationQuery, SummaryQuery);

#[derive(async_graphql::MergedObject, Default)]
pub struct OpsMutation(EscalationMutation);
