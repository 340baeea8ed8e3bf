//! What every tool uses: request context, errors, Relay pagination.

pub mod codes;
pub mod context;
pub mod error;
pub mod pagination;

pub use context::{Principal, RequestMeta, db, principal};
pub use error::{ApiError, ApiResult, code};
