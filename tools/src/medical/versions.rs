//! One version of a care record as it stood: the version a completed review scored, with its
//! text and codes then, and the revision that keeps them once the record moved on.

use super::care_record::CareRecord;
use super::care_record_service::AtVersion;
use crate::kit::records::split_codes;
use async_graphql::{Context, ID, Object};
use entities::care_record;

/// The record at one of its versions.
pub struct RecordVersion {
    pub version: i32,
    pub at: AtVersion,
    pub record: care_record::Model,
}

#[Object]
impl RecordVersion {
    async fn version(&self) -> i32 {
        self.version
    }

    /// Whether the record still stands at this version (no edit since).
    async fn current(&self) -> bool {
        self.at.revision.is_none()
    }

    /// The revision that keeps this version's text, once the record moved on: compare from
    /// it (`CareRecord.diff(fromRevision:)`) to see what changed since.
    async fn revision_id(&self) -> Option<ID> {
        self.at.revision.map(|id| ID(id.to_string()))
    }

    /// The text at this version. PHI: clinical.
    async fn body(&self, ctx: &Context<'_>) -> Option<String> {
        let body = self.at.body.clone();
        CareRecord::from(self.record.clone()).clinical(ctx, |_| body).await
    }

    /// The diagnosis codes at this version. PHI: clinical.
    async fn diagnosis_codes(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        let codes = split_codes(&self.at.diagnosis_codes);
        CareRecord::from(self.record.clone()).clinical(ctx, |_| codes).await
    }
}
