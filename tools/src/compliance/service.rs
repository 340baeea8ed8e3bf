//! Break-glass grants: opening, listing, reviewing.

use crate::kit::pagination::PageRequest;
use crate::kit::{ApiError, ApiResult};
use chrono::{Duration, Utc};
use entities::break_glass_grant::{self, BreakGlassReviewStatus};
use entities::{patient, staff};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// A written reason shorter than this is refused: "emergency" alone explains nothing.
pub const MIN_REASON_CHARS: usize = 20;
const MAX_REASON_CHARS: usize = 2_000;

/// Opens emergency access of `staff_id` to one patient for `minutes`.
#[tracing::instrument(skip(db, reason))]
pub async fn request(
    db: &impl ConnectionTrait,
    staff_id: Uuid,
    patient_id: Uuid,
    reason: &str,
    minutes: i64,
) -> ApiResult<break_glass_grant::Model> {
    let reason = reason.trim();
    let length = reason.chars().count();
    if length < MIN_REASON_CHARS {
        return Err(ApiError::BadUserInput(format!(
            "a break-glass reason must say why in at least {MIN_REASON_CHARS} characters"
        )));
    }
    if length > MAX_REASON_CHARS {
        return Err(ApiError::BadUserInput(format!("a break-glass reason is at most {MAX_REASON_CHARS} characters")));
    }
    if patient::Entity::find_by_id(patient_id).one(db).await?.is_none() {
        return Err(ApiError::NotFound(format!("patient {patient_id}")));
    }
    let now = Utc::now();
    let grant = break_glass_grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        staff_id: Set(staff_id),
        patient_id: Set(patient_id),
        reason: Set(reason.to_owned()),
        granted_at: Set(now),
        expires_at: Set(now + Duration::minutes(minutes)),
        review_status: Set(BreakGlassReviewStatus::Pending),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        review_note: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    };
    Ok(grant.insert(db).await?)
}

/// Filters of compliance's review queue.
#[derive(Clone, Debug, Default)]
pub struct GrantFilter {
    pub review_status: Option<BreakGlassReviewStatus>,
    pub staff_sub: Option<String>,
    pub patient_id: Option<Uuid>,
    pub active_only: bool,
}

/// Grants, newest first.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &GrantFilter,
    page: &PageRequest,
) -> ApiResult<Vec<break_glass_grant::Model>> {
    let mut query = break_glass_grant::Entity::find().order_by_desc(break_glass_grant::Column::Id);
    if let Some(status) = filter.review_status {
        query = query.filter(break_glass_grant::Column::ReviewStatus.eq(status));
    }
    if let Some(sub) = &filter.staff_sub {
        let ids: Vec<Uuid> = staff::Entity::find()
            .select_only()
            .column(staff::Column::Id)
            .filter(staff::Column::Sub.eq(sub.as_str()))
            .into_tuple()
            .all(db)
            .await?;
        query = query.filter(break_glass_grant::Column::StaffId.is_in(ids));
    }
    if let Some(patient_id) = filter.patient_id {
        query = query.filter(break_glass_grant::Column::PatientId.eq(patient_id));
    }
    if filter.active_only {
        query = query.filter(break_glass_grant::Column::ExpiresAt.gt(Utc::now()));
    }
    if let Some(after) = page.after_id()? {
        query = query.filter(break_glass_grant::Column::Id.lt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

/// Records compliance's verdict on a grant, once.
#[tracing::instrument(skip(db, note))]
pub async fn review(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    reviewer_id: Uuid,
    verdict: BreakGlassReviewStatus,
    note: Option<String>,
) -> ApiResult<break_glass_grant::Model> {
    let grant = break_glass_grant::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("break-glass grant {id}")))?;
    if verdict == BreakGlassReviewStatus::Pending {
        return Err(ApiError::BadUserInput("a review concludes JUSTIFIED or UNJUSTIFIED".into()));
    }
    if grant.review_status != BreakGlassReviewStatus::Pending {
        return Err(ApiError::Conflict("this grant was reviewed already".into()));
    }
    let now = Utc::now();
    let updated = break_glass_grant::Entity::update_many()
        .col_expr(break_glass_grant::Column::ReviewStatus, verdict.into())
        .col_expr(break_glass_grant::Column::ReviewedBy, Some(reviewer_id).into())
        .col_expr(break_glass_grant::Column::ReviewedAt, Some(now).into())
        .col_expr(break_glass_grant::Column::ReviewNote, note.into())
        .col_expr(break_glass_grant::Column::UpdatedAt, now.into())
        .col_expr(break_glass_grant::Column::Version, (expected_version + 1).into())
        .filter(break_glass_grant::Column::Id.eq(id))
        .filter(break_glass_grant::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(ApiError::Conflict(format!(
            "the grant is at version {}, not {expected_version}: reload and try again",
            grant.version
        )));
    }
    break_glass_grant::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("break-glass grant {id}")))
}
