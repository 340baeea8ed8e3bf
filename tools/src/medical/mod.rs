//! The medical tool: care records (with revisions) and care-quality reviews.

mod care_record;
pub mod service;

pub use care_record::{CareRecord, CareRecordQuery, split_codes};

#[derive(async_graphql::MergedObject, Default)]
pub struct MedicalQuery(CareRecordQuery);
