//! The medical tool: care records (edits keep revisions; a signed-off record is amended with
//! four eyes), care-quality reviews, provider quality and sampling.

mod care_record;
mod quality;
mod review;
pub mod review_service;
pub mod service;
pub mod workflow;

pub use care_record::{CareRecord, CareRecordMutation, CareRecordQuery, split_codes};
pub use review::{CareReview, CareReviewMutation, CareReviewQuery};

#[derive(async_graphql::MergedObject, Default)]
pub struct MedicalQuery(CareRecordQuery, CareReviewQuery, quality::QualityQuery, care_record::MedicalVocabularyQuery);

#[derive(async_graphql::MergedObject, Default)]
pub struct MedicalMutation(CareRecordMutation, CareReviewMutation);
