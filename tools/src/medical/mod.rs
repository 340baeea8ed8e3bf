//! The medical tool: care records (edits keep revisions; a signed-off record is amended with
//! four eyes), care-quality reviews, provider quality and sampling.

mod amendment;
mod care_record;
pub mod care_record_service;
pub mod loaders;
mod of_patient;
mod quality;
mod review;
pub mod review_service;
mod versions;
pub mod workflow;

pub use care_record::{CareRecord, CareRecordMutation, CareRecordQuery};
pub use of_patient::CareOfPatient;
pub use quality::RankingMinimum;
pub use review::{CareReview, CareReviewMutation, CareReviewQuery};

/// A refusal of the medical rules (reviewing one's own edit, another's review, editing the
/// record one reviews, editing or reviewing a psychotherapy note) is recorded against the record's patient; other errors pass through.
fn refused(
    access: &crate::kit::Access,
    resource: policies::Resource,
    action: policies::Action,
    patient: Option<uuid::Uuid>,
    err: crate::kit::ApiError,
) -> crate::kit::ApiError {
    match err {
        err @ (crate::kit::ApiError::Forbidden(_) | crate::kit::ApiError::Restricted { .. }) => {
            access.refuse(resource, action, patient, err)
        }
        err => err,
    }
}

/// The patient of care record `record`, for recording a refusal against them.
async fn patient_of_record(ctx: &async_graphql::Context<'_>, record: uuid::Uuid) -> Option<uuid::Uuid> {
    care_record_service::find_care_record(crate::kit::db(ctx).ok()?, record).await.ok().flatten().map(|r| r.patient_id)
}

#[derive(async_graphql::MergedObject, Default)]
pub struct MedicalQuery(CareRecordQuery, CareReviewQuery, quality::QualityQuery, care_record::MedicalVocabularyQuery);

#[derive(async_graphql::MergedObject, Default)]
pub struct MedicalMutation(CareRecordMutation, CareReviewMutation);
