//! What every tool uses: request context and access, errors and their codes, Relay
//! pagination, loaders, the audit trail, approvals, the policy store.
//!
//! Its own crate, depending on `entities` and `policies` only: anything two tools need lives
//! here, and a kit that reached into a tool would not compile.

pub mod access;
pub mod agent;
pub mod approvals;
pub mod audit;
pub mod codes;
pub mod context;
pub mod dates;
pub mod error;
pub mod graphql_enum;
pub mod loaders;
pub mod mutation;
pub mod notes;
pub mod on_file;
pub mod pagination;
pub mod policy_store;
pub mod purpose;
pub mod records;
pub mod secrets;
pub mod text_search;
pub mod transaction;
pub mod versioned;

pub use access::{Access, Allow, Opened, Via, access, labelled_field, null_on_error, phi_field};
pub use context::{Principal, db};
pub use error::{ApiError, ApiResult, Code, Gql};
pub use mutation::{AuditAction, Audited, Event};
pub use records::{find_staff, parse_id};
