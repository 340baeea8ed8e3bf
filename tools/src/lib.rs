//! ward's internal tools, one module each, on the shared kit.

/// The kit, its own crate (`tools/kit`), under the name every tool reaches it by.
pub use kit;

pub mod admin;
pub mod approvals;
pub mod compliance;
pub mod cx;
pub mod directory;
pub mod ingest;
pub mod medical;
pub mod ops;
pub mod patient;
