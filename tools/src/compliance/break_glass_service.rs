//! Break-glass grants: opening (within limits), listing, reviewing, ending.

use super::break_glass::BreakGlassConfig;
use crate::kit::notes;
use crate::kit::pagination::PageRequest;
use crate::kit::records::{in_force, is_in_force};
use crate::kit::versioned;
use crate::kit::{ApiError, ApiResult};
use chrono::{DateTime, Duration, Utc};
use entities::break_glass_grant::{self, BreakGlassReviewStatus};
use entities::{patient, staff};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Whether a grant's requester may still hold it: active, and holding a role that may ask for
/// break-glass under `policy` (the requester of a request in flight is checked by `Access`).
pub fn requester_may_ask(policy: &policies::PolicySnapshot, member: &staff::Model) -> bool {
    member.active && policy.decide_for(&member.sub, policies::Resource::BreakGlass, policies::Action::Request).allowed
}

pub async fn find_grant(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<break_glass_grant::Model> {
    break_glass_grant::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("break-glass grant {id}")))
}

/// A written reason shorter than this is refused: "emergency" alone explains nothing.
pub const MIN_REASON_CHARS: usize = 20;
const MAX_REASON_CHARS: usize = 2_000;

/// Opens emergency access of `staff_id` to one patient for `config.minutes`, unless the
/// member holds `config.max_active` open grants or opened `config.per_day` in the last 24
/// hours (`LIMIT_EXCEEDED`).
#[tracing::instrument(skip(db, reason))]
pub async fn request(
    db: &impl ConnectionTrait,
    staff_id: Uuid,
    patient_id: Uuid,
    reason: &str,
    config: &BreakGlassConfig,
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
    within_limits(db, staff_id, now, config).await?;
    let grant = break_glass_grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        staff_id: Set(staff_id),
        patient_id: Set(patient_id),
        reason: Set(reason.to_owned()),
        granted_at: Set(now),
        expires_at: Set(now + Duration::minutes(config.minutes)),
        review_status: Set(BreakGlassReviewStatus::Pending),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        review_note: Set(None),
        ended_at: Set(None),
        ended_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    };
    Ok(grant.insert(db).await?)
}

/// The member's open grants and the grants of the last 24 hours, against the limits. Two
/// requests of one member are serialised (a row lock on PostgreSQL; SQLite's audited
/// transactions are serial already), so a burst cannot slip past the count.
async fn within_limits(
    db: &impl ConnectionTrait,
    staff_id: Uuid,
    now: DateTime<Utc>,
    config: &BreakGlassConfig,
) -> ApiResult<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        staff::Entity::find_by_id(staff_id).lock_exclusive().one(db).await?;
    }
    let mine = || break_glass_grant::Entity::find().filter(break_glass_grant::Column::StaffId.eq(staff_id));
    let open = in_force(mine(), now).count(db).await?;
    if open >= config.max_active {
        return Err(ApiError::LimitExceeded(format!(
            "break-glass limit: you hold {open} open grants (at most {}); end one before opening another",
            config.max_active
        )));
    }
    let today = mine().filter(break_glass_grant::Column::GrantedAt.gt(now - Duration::hours(24))).count(db).await?;
    if today >= config.per_day {
        return Err(ApiError::LimitExceeded(format!(
            "break-glass limit: {today} grants opened in the last 24 hours (at most {}); compliance has been told",
            config.per_day
        )));
    }
    Ok(())
}

/// Filters of compliance's review queue.
#[derive(Clone, Debug, Default)]
pub struct GrantFilter {
    pub review_status: Option<BreakGlassReviewStatus>,
    pub staff_sub: Option<String>,
    /// The member by id, when the caller already knows it (their own grants): no look-up.
    pub staff_id: Option<Uuid>,
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
    if let Some(id) = filter.staff_id {
        query = query.filter(break_glass_grant::Column::StaffId.eq(id));
    }
    if let Some(patient_id) = filter.patient_id {
        query = query.filter(break_glass_grant::Column::PatientId.eq(patient_id));
    }
    if filter.active_only {
        query = in_force(query, Utc::now());
    }
    if let Some(after) = page.after_id()? {
        query = query.filter(break_glass_grant::Column::Id.lt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

/// Records compliance's verdict on a grant, once, never by the grant's own requester. An
/// UNJUSTIFIED verdict ends the grant at once.
#[tracing::instrument(skip(db, note))]
pub async fn review(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    reviewer_id: Uuid,
    verdict: BreakGlassReviewStatus,
    note: Option<String>,
) -> ApiResult<break_glass_grant::Model> {
    let grant = find_grant(db, id).await?;
    if grant.staff_id == reviewer_id {
        return Err(ApiError::Forbidden("nobody reviews a break-glass grant they requested".into()));
    }
    if verdict == BreakGlassReviewStatus::Pending {
        return Err(ApiError::BadUserInput("a review concludes JUSTIFIED or UNJUSTIFIED".into()));
    }
    // Finding that a colleague misused emergency access is a finding someone will act on:
    // it says why. A justified access may stand without a note.
    let note = if verdict == BreakGlassReviewStatus::Unjustified {
        let why = "an UNJUSTIFIED verdict says what was wrong with the access, for whoever acts on it";
        Some(notes::required("note", note.as_deref().unwrap_or_default(), notes::MAX_CHARS, why)?)
    } else {
        notes::optional("note", note.as_deref(), notes::MAX_CHARS)?
    };
    if grant.review_status != BreakGlassReviewStatus::Pending {
        return Err(ApiError::Conflict("this grant was reviewed already".into()));
    }
    let now = Utc::now();
    let mut next = break_glass_grant::ActiveModel {
        review_status: Set(verdict),
        reviewed_by: Set(Some(reviewer_id)),
        reviewed_at: Set(Some(now)),
        review_note: Set(note),
        ..Default::default()
    };
    if verdict == BreakGlassReviewStatus::Unjustified && grant.ended_at.is_none() {
        next.ended_at = Set(Some(now));
        next.ended_by = Set(Some(reviewer_id));
    }
    versioned::update::<break_glass_grant::Entity>(db, id, expected_version, next, None).await
}

/// Ends a grant now. `may_end_others`: the caller reviews grants (compliance); anyone else
/// may end only their own.
#[tracing::instrument(skip(db))]
pub async fn end(
    db: &impl ConnectionTrait,
    id: Uuid,
    caller: Uuid,
    may_end_others: bool,
) -> ApiResult<break_glass_grant::Model> {
    let grant = find_grant(db, id).await?;
    if grant.staff_id != caller && !may_end_others {
        return Err(ApiError::Forbidden("only the requester or compliance may end a break-glass grant".into()));
    }
    let now = Utc::now();
    if !is_in_force(&grant, now) {
        return Err(ApiError::Conflict("this grant no longer opens access: nothing to end".into()));
    }
    let next =
        break_glass_grant::ActiveModel { ended_at: Set(Some(now)), ended_by: Set(Some(caller)), ..Default::default() };
    versioned::update::<break_glass_grant::Entity>(db, id, grant.version, next, None).await
}
