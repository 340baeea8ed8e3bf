//! What the medical tool adds to `Patient`: their care records.

use super::CareRecord;
use super::loaders::PatientCareRecords;
use crate::kit::loaders::relation_page;
use crate::kit::pagination::{CountedPage, PageRequest, wants_total};
use crate::kit::{ApiResult, access, db, null_on_error};
use async_graphql::{Context, Object};
use policies::Resource;
use uuid::Uuid;

/// `Patient.careRecords`, for the patient with this id.
pub struct CareOfPatient(pub Uuid);

#[Object]
impl CareOfPatient {
    /// The patient's care records, newest first. Requires `care_record · read` (or break-glass).
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn care_records(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Option<CountedPage<CareRecord>> {
        let page = async {
            let db = db(ctx)?;
            let check = access(ctx)?.check_read(db, self.0, Resource::CareRecord).await?;
            let page = PageRequest::new(ctx, first, after)?;
            let key = |limit| PatientCareRecords { parent: self.0, limit };
            let later = || super::care_record_service::care_records_of(db, self.0, &page);
            let rows = relation_page(ctx, &page, key, later).await?;
            let rows = rows.into_iter().map(|r| CareRecord::read(&check, r)).collect::<ApiResult<Vec<_>>>()?;
            let total = if wants_total(ctx) {
                let filter =
                    super::care_record_service::CareRecordFilter { patient_id: Some(self.0), ..Default::default() };
                Some(super::care_record_service::count(db, &filter).await?)
            } else {
                None
            };
            Ok(page.into_counted_page(rows, |r| r.key().to_string(), |r| r, total))
        };
        null_on_error(ctx, page.await)
    }
}
