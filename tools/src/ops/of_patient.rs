//! What the ops tool adds to `Patient`: their claims.

use super::Claim;
use super::loaders::PatientClaims;
use crate::kit::loaders::relation_page;
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::{ApiResult, access, db, null_on_error};
use async_graphql::{Context, Object};
use policies::Resource;
use uuid::Uuid;

/// `Patient.claims`, for the patient with this id.
pub struct ClaimsOfPatient(pub Uuid);

#[Object]
impl ClaimsOfPatient {
    /// The patient's claims, newest service first. Requires `claim · read`.
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn claims(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Option<Page<Claim>> {
        let page = async {
            let db = db(ctx)?;
            let check = access(ctx)?.check_read(db, self.0, Resource::Claim).await?;
            let page = PageRequest::new(ctx, first, after)?;
            let key = |limit| PatientClaims { parent: self.0, limit };
            let rows = relation_page(ctx, &page, key, || super::claim_service::claims_of(db, self.0, &page)).await?;
            let rows = rows.into_iter().map(|c| Claim::read(&check, c)).collect::<ApiResult<Vec<_>>>()?;
            Ok(page.into_page(rows, |c| c.key().to_string(), |c| c))
        };
        null_on_error(ctx, page.await)
    }
}
