//! Claim and denial reads, on a plain connection: one claim, a patient's claims, the claims
//! list and the denial list (soonest appeal deadline first).

use super::workflow::FINISHED;
use crate::kit::pagination::PageRequest;
use crate::kit::{ApiError, ApiResult};
use chrono::NaiveDate;
use entities::claim::ClaimStatus;
use entities::{claim, denial, escalation, payer};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
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
    let filter = ClaimFilter { patient_id: Some(patient_id), ..Default::default() };
    list_claims(db, &filter, ClaimOrder::Newest, page).await
}

/// The claims list's filters.
#[derive(Default, Debug)]
pub struct ClaimFilter {
    pub statuses: Vec<ClaimStatus>,
    pub payer: Option<String>,
    pub provider_id: Option<Uuid>,
    pub patient_id: Option<Uuid>,
    pub service_from: Option<NaiveDate>,
    pub service_to: Option<NaiveDate>,
}

/// How the claims list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClaimOrder {
    /// Newest first (UUIDv7 ids follow submission); keyset cursor: the id.
    #[default]
    Newest,
    /// Soonest appeal deadline first, then the claims with nothing to appeal, newest first;
    /// keyset cursor `deadline|id`, or `none|id` once past the deadlines.
    Deadline,
}

/// Where a deadline-ordered page of claims resumes.
enum DeadlineKey {
    Dated(NaiveDate, Uuid),
    Undated(Uuid),
}

/// The cursor of a claim in the deadline order.
pub fn claim_deadline_cursor(claim: &claim::Model) -> String {
    match claim.appeal_deadline {
        Some(deadline) => deadline_cursor(deadline, claim.id),
        None => format!("none|{}", claim.id),
    }
}

fn claim_deadline_key(key: &str) -> Option<DeadlineKey> {
    match key.strip_prefix("none|") {
        Some(id) => Uuid::parse_str(id).ok().map(DeadlineKey::Undated),
        None => deadline_key(key).map(|(deadline, id)| DeadlineKey::Dated(deadline, id)),
    }
}

/// Claims in `order`. The deadline order reads the claims with a deadline down the
/// `(appeal_deadline, id)` index, and only when those run out, the rest newest first.
#[tracing::instrument(skip(db))]
pub async fn list_claims(
    db: &impl ConnectionTrait,
    filter: &ClaimFilter,
    order: ClaimOrder,
    page: &PageRequest,
) -> ApiResult<Vec<claim::Model>> {
    let mut query = claim::Entity::find();
    if !filter.statuses.is_empty() {
        // A filter on PHI never matches a labelled claim: it is found by browsing, where each
        // value is checked, never by what it says (a match, or a refused one, would confirm it).
        query = query
            .filter(claim::Column::Status.is_in(filter.statuses.clone()))
            .filter(claim::Column::SecurityLabels.eq(""));
    }
    if let Some(payer) = &filter.payer {
        query = query.filter(crate::kit::text_search::starts_with(claim::Column::Payer, payer));
    }
    if let Some(id) = filter.provider_id {
        let shown = crate::kit::records::provider_tells_nothing(claim::Column::SecurityLabels);
        query = query.filter(claim::Column::ProviderId.eq(id)).filter(shown);
    }
    if let Some(id) = filter.patient_id {
        query = query.filter(claim::Column::PatientId.eq(id));
    }
    if let (Some(from), Some(to)) = (filter.service_from, filter.service_to)
        && from > to
    {
        return Err(ApiError::BadUserInput(format!("`serviceFrom` {from} is after `serviceTo` {to}")));
    }
    if let Some(from) = filter.service_from {
        query = query.filter(claim::Column::ServiceDate.gte(from));
    }
    if let Some(to) = filter.service_to {
        query = query.filter(claim::Column::ServiceDate.lte(to));
    }
    let newest = |query: sea_orm::Select<claim::Entity>, after: Option<Uuid>, limit: u64| {
        let query = match after {
            Some(after) => query.filter(claim::Column::Id.lt(after)),
            None => query,
        };
        query.order_by_desc(claim::Column::Id).limit(limit)
    };
    if order == ClaimOrder::Newest {
        return Ok(newest(query, page.after_id()?, page.fetch_limit()).all(db).await?);
    }
    let after = page.after_key(claim_deadline_key)?;
    let mut rows = Vec::new();
    let undated_after = match after {
        Some(DeadlineKey::Undated(id)) => Some(id),
        dated => {
            let mut dated_query = query.clone().filter(claim::Column::AppealDeadline.is_not_null());
            if let Some(DeadlineKey::Dated(deadline, id)) = dated {
                dated_query = dated_query.filter(after_deadline(
                    claim::Column::AppealDeadline,
                    claim::Column::Id,
                    (deadline, id),
                ));
            }
            rows = dated_query
                .order_by_asc(claim::Column::AppealDeadline)
                .order_by_asc(claim::Column::Id)
                .limit(page.fetch_limit())
                .all(db)
                .await?;
            None
        }
    };
    let missing = page.fetch_limit() - rows.len() as u64;
    if missing > 0 {
        let undated = query.filter(claim::Column::AppealDeadline.is_null());
        rows.extend(newest(undated, undated_after, missing).all(db).await?);
    }
    Ok(rows)
}

/// A claim's appeal deadline as SQL over `claim`: the soonest among its open denials (no
/// escalation of the denial reached an outcome), each at its working escalation's deadline
/// (which moves with each appeal level) or else its own. Migration 21 fills the column with
/// the same definition; the seed writes it as it generates claims.
pub(crate) fn claim_deadline_sql() -> String {
    let finished = FINISHED.map(|s| format!("'{}'", super::workflow::status_name(s))).join(", ");
    format!(
        "(SELECT MIN(COALESCE(e.appeal_deadline, d.appeal_deadline)) FROM denial d \
         LEFT JOIN escalation e ON e.denial_id = d.id AND e.status NOT IN ({finished}) \
         WHERE d.claim_id = claim.id AND NOT EXISTS (SELECT 1 FROM escalation f \
           WHERE f.denial_id = d.id AND f.status IN ({finished})))"
    )
}

/// A claim's appeal deadline as its denials and escalations now stand (within `db`'s
/// transaction: after a move of its escalation, the deadline that move left).
pub async fn claim_deadline(db: &impl ConnectionTrait, claim_id: Uuid) -> ApiResult<Option<NaiveDate>> {
    let select = Query::select()
        .expr_as(Expr::cust(claim_deadline_sql()), "deadline")
        .from(claim::Entity)
        .and_where(Expr::col((claim::Entity, claim::Column::Id)).eq(claim_id))
        .to_owned();
    let row = db.query_one(&select).await?;
    Ok(row.map(|r| r.try_get::<Option<NaiveDate>>("", "deadline")).transpose()?.flatten())
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

/// The denial list's filters.
#[derive(Default, Debug)]
pub struct DenialFilter {
    pub carc_group: Option<String>,
    pub carc_code: Option<String>,
    pub payer: Option<String>,
    /// Still to be worked: no escalation of it reached an outcome.
    pub open: Option<bool>,
    /// Appeal deadline strictly before this day.
    pub deadline_before: Option<NaiveDate>,
}

/// `query` (of denials joined to their claims) narrowed to `filter`.
fn with_denial_filter<Q: QueryFilter>(mut query: Q, filter: &DenialFilter) -> Q {
    if let Some(group) = &filter.carc_group {
        query = query.filter(denial::Column::CarcGroup.eq(group.as_str()));
    }
    if let Some(code) = &filter.carc_code {
        query = query.filter(denial::Column::CarcCode.eq(code.as_str()));
    }
    if let Some(payer) = &filter.payer {
        query = query.filter(crate::kit::text_search::starts_with(claim::Column::Payer, payer));
    }
    if let Some(open) = filter.open {
        let worked = Query::select()
            .expr(Expr::val(1))
            .from(escalation::Entity)
            .and_where(
                Expr::col((escalation::Entity, escalation::Column::DenialId))
                    .equals((denial::Entity, denial::Column::Id)),
            )
            .and_where(Expr::col((escalation::Entity, escalation::Column::Status)).is_in(FINISHED))
            .to_owned();
        let worked = Expr::exists(worked);
        query = query.filter(if open { worked.not() } else { worked });
    }
    if let Some(before) = filter.deadline_before {
        query = query.filter(denial::Column::AppealDeadline.lt(before));
    }
    query
}

/// How many denials `filter` finds (up to the kit's count limit).
pub async fn count_denials(db: &impl ConnectionTrait, filter: &DenialFilter) -> ApiResult<i64> {
    let query = with_denial_filter(denial::Entity::find().inner_join(claim::Entity), filter);
    crate::kit::pagination::bounded_count(db, query).await
}

/// Denials with their claims, soonest appeal deadline first; keyset cursor `deadline|id`.
#[tracing::instrument(skip(db))]
pub async fn list_denials(
    db: &impl ConnectionTrait,
    filter: &DenialFilter,
    page: &PageRequest,
) -> ApiResult<Vec<(denial::Model, claim::Model)>> {
    let query = denial::Entity::find()
        .find_also_related(claim::Entity)
        .order_by_asc(denial::Column::AppealDeadline)
        .order_by_asc(denial::Column::Id);
    let mut query = with_denial_filter(query, filter);
    if let Some(after) = page.after_key(deadline_key)? {
        query = query.filter(after_deadline(denial::Column::AppealDeadline, denial::Column::Id, after));
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    rows.into_iter()
        .map(|(denial, claim)| {
            let claim = claim.ok_or_else(|| {
                ApiError::internal("listing denials", anyhow::anyhow!("denial {} has no claim", denial.id))
            })?;
            Ok((denial, claim))
        })
        .collect()
}

/// A deadline-ordered list's cursor: `deadline|id`.
pub fn deadline_cursor(deadline: NaiveDate, id: Uuid) -> String {
    format!("{deadline}|{id}")
}

pub fn deadline_key(key: &str) -> Option<(NaiveDate, Uuid)> {
    let (deadline, id) = key.split_once('|')?;
    Some((deadline.parse().ok()?, Uuid::parse_str(id).ok()?))
}

/// The rows after `(deadline, id)` in a list ordered by `deadline_column`, then `id_column`.
pub fn after_deadline(
    deadline_column: impl ColumnTrait,
    id_column: impl ColumnTrait,
    (deadline, id): (NaiveDate, Uuid),
) -> Condition {
    Condition::any()
        .add(deadline_column.gt(deadline))
        .add(Condition::all().add(deadline_column.eq(deadline)).add(id_column.gt(id)))
}

/// Every payer ward knows, by name.
pub async fn payers(db: &impl ConnectionTrait) -> ApiResult<Vec<payer::Model>> {
    Ok(payer::Entity::find().order_by_asc(payer::Column::Name).all(db).await?)
}

pub async fn payer_named(db: &impl ConnectionTrait, name: &str) -> ApiResult<payer::Model> {
    payer::Entity::find().filter(payer::Column::Name.eq(name)).one(db).await?.ok_or_else(|| {
        ApiError::BadUserInput(format!("the claim's payer {name:?} has no appeal windows on file; add it to `payer`"))
    })
}

/// The payer's claim control number from the latest remittance line matched to `claim`.
pub async fn payer_claim_number(db: &impl ConnectionTrait, claim: Uuid) -> ApiResult<Option<String>> {
    use entities::claim_payment;
    let line = claim_payment::Entity::find()
        .filter(claim_payment::Column::ClaimId.eq(claim))
        .filter(claim_payment::Column::PayerClaimNumber.is_not_null())
        .order_by_desc(claim_payment::Column::Id)
        .one(db)
        .await?;
    Ok(line.and_then(|l| l.payer_claim_number))
}
