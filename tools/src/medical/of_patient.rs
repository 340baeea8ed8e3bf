//! What the medical tool adds to `Patient`: their care records.

use super::CareRecord;
use crate::kit::loaders::{PatientCareRecords, load_error, loaders};
use crate::kit::pagination::{Page, PageRequest};
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
    ) -> Option<Page<CareRecord>> {
        let page = async {
            let db = db(ctx)?;
            let check = access(ctx)?.check_read(db, self.0, Resource::CareRecord).await?;
            let page = PageRequest::new(ctx, first, after)?;
            let rows = if page.is_first_page() {
                let key = PatientCareRecords { parent: self.0, limit: page.fetch_limit() };
                loaders(ctx)?.load_one(key).await.map_err(load_error)?.unwrap_or_default()
            } else {
                super::care_record_service::care_records_of(db, self.0, &page).await?
            };
            let rows = rows.into_iter().map(|r| CareRecord::read(&check, r)).collect::<ApiResult<Vec<_>>>()?;
            Ok(page.into_page(rows, |r| r.key().to_string(), |r| r))
        };
        null_on_error(ctx, page.await)
    }
}
