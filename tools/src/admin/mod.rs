//! Staff and access administration; also `me`, the caller's own staff record.

pub mod service;
mod staff;

pub use staff::{AdminQuery, StaffMember};
