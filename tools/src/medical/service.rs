//! Care-record reads, on a plain connection.

use crate::kit::ApiResult;
use crate::kit::pagination::PageRequest;
use entities::care_record;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

#[tracing::instrument(skip(db))]
pub async fn find_care_record(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<care_record::Model>> {
    Ok(care_record::Entity::find_by_id(id).one(db).await?)
}

/// One page of a patient's care records, newest first.
#[tracing::instrument(skip(db))]
pub async fn care_records_of(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    page: &PageRequest,
) -> ApiResult<Vec<care_record::Model>> {
    let mut query = care_record::Entity::find()
        .filter(care_record::Column::PatientId.eq(patient_id))
        .order_by_desc(care_record::Column::Id);
    if let Some(after) = page.after_id()? {
        query = query.filter(care_record::Column::Id.lt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}
