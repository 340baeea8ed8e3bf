//! ward's internal tools, one module each, on the shared kit.

pub mod admin;
pub mod approvals;
pub mod compliance;
pub mod cx;
pub mod directory;
pub mod kit;
pub mod medical;
pub mod ops;
