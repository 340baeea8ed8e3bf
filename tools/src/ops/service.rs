//! Claim and denial reads, on a plain connection.

use crate::kit::ApiResult;
use crate::kit::pagination::PageRequest;
use entities::{claim, denial};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

#[tracing::instrument(skip(db))]
pub async fn find_claim(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<claim::Model>> {
    Ok(claim::Entity::find_by_id(id).one(db).await?)
}

/// One page of a patient's claims, newest first.
#[tracing::instrument(skip(db))]
pub async fn claims_of(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    page: &PageRequest,
) -> ApiResult<Vec<claim::Model>> {
    let mut query =
        claim::Entity::find().filter(claim::Column::PatientId.eq(patient_id)).order_by_desc(claim::Column::Id);
    if let Some(after) = page.after_id()? {
        query = query.filter(claim::Column::Id.lt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

/// A claim is adjudicated a handful of times (a denial, a corrected claim, an appeal): no
/// real claim has more denials than this, and the list is priced by it.
pub const MAX_DENIALS_PER_CLAIM: usize = 20;

#[tracing::instrument(skip(db))]
pub async fn denials_of(db: &impl ConnectionTrait, claim_id: Uuid) -> ApiResult<Vec<denial::Model>> {
    Ok(denial::Entity::find()
        .filter(denial::Column::ClaimId.eq(claim_id))
        .order_by_asc(denial::Column::DeniedAt)
        .limit(MAX_DENIALS_PER_CLAIM as u64)
        .all(db)
        .await?)
}
