//! Staff and access administration (admin only); also `me`, the caller's own record.

pub mod access_service;
mod policy;
mod reactivation;
pub mod service_account_service;
mod staff;
pub mod staff_cache;

pub use policy::{PolicyMutation, PolicyQuery, apply_policy_rule};
pub use reactivation::{ReactivationMutation, apply_reactivation};
pub use staff::{StaffMember, StaffMutation, StaffQuery, apply_role_grant};

#[derive(async_graphql::MergedObject, Default)]
pub struct AdminQuery(StaffQuery, PolicyQuery);

#[derive(async_graphql::MergedObject, Default)]
pub struct AdminMutation(StaffMutation, PolicyMutation, ReactivationMutation);
