//! The ops tool: claims, their denials, and the escalations that work them.

mod claim;
pub mod service;

pub use claim::{Claim, ClaimQuery, Denial};

#[derive(async_graphql::MergedObject, Default)]
pub struct OpsQuery(ClaimQuery);
