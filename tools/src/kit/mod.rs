//! What every tool uses: request context, errors, Relay pagination.

pub mod access;
pub mod agent;
pub mod approvals;
pub mod audit;
pub mod codes;
pub mod context;
pub mod error;
pub mod graphql_enum;
pub mod loaders;
pub mod mutation;
pub mod pagination;
pub mod policy_store;
pub mod purpose;
pub mod text_search;
pub mod versioned;

pub use access::{Access, Allow, Via, access, null_on_error, phi_field};
pub use context::{Principal, db};
pub use error::{ApiError, ApiResult, Code, Gql};
pub use mutation::{AuditAction, Audited, Event};
