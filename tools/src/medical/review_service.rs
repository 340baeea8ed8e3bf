//! Care-quality reviews on a plain connection or transaction: start one (one open review per
//! record), complete it with a score, findings and flags, the review queue, and sampling a
//! reviewer's week. Nobody reviews a record they edited.

use super::care_record_service::{care_record_or_not_found, edited_by};
use super::workflow;
use crate::kit::dates;
use crate::kit::pagination::PageRequest;
use crate::kit::versioned;
use crate::kit::{ApiError, ApiResult};
use chrono::{DateTime, NaiveDate, Utc};
use entities::care_review::{self, CareReviewStatus};
use entities::{care_record, care_record_revision, staff};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query, UnionType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, RelationTrait, Select, SqlErr,
};
use std::collections::HashMap;
use uuid::Uuid;

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<care_review::Model> {
    care_review::Entity::find_by_id(id).one(db).await?.ok_or_else(|| ApiError::NotFound(format!("care review {id}")))
}

/// `FORBIDDEN` if `reviewer` edited the record: a review is a second person's judgement.
async fn not_own_edit(db: &impl ConnectionTrait, record: Uuid, reviewer: Uuid) -> ApiResult<()> {
    if edited_by(db, record, reviewer).await? {
        return Err(ApiError::Forbidden("nobody reviews a care record they edited".into()));
    }
    Ok(())
}

/// The open (pending or in-review) review of a record, if any.
async fn open_review_of(db: &impl ConnectionTrait, record: Uuid) -> ApiResult<Option<care_review::Model>> {
    Ok(care_review::Entity::find()
        .filter(care_review::Column::CareRecordId.eq(record))
        .filter(care_review::Column::Status.ne(CareReviewStatus::Completed))
        .one(db)
        .await?)
}

/// A staff member's `sub` for a message (the id if the member is gone).
async fn sub_of(db: &impl ConnectionTrait, staff_id: Uuid) -> ApiResult<String> {
    Ok(staff::Entity::find_by_id(staff_id).one(db).await?.map_or_else(|| staff_id.to_string(), |m| m.sub))
}

fn open_conflict(existing: &care_review::Model) -> ApiError {
    ApiError::Conflict(format!("this care record already has an open review: {}", existing.id))
}

/// Inserts a review; a second open review of the record (two at once included) is `CONFLICT`.
async fn insert(db: &impl ConnectionTrait, review: care_review::ActiveModel) -> ApiResult<care_review::Model> {
    match review.insert(db).await {
        Ok(row) => Ok(row),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ApiError::Conflict("someone opened a review of this care record just now; reload".into()))
        }
        Err(err) => Err(err.into()),
    }
}

fn new_review(record: Uuid, actor: Uuid, status: CareReviewStatus) -> care_review::ActiveModel {
    let now = Utc::now();
    care_review::ActiveModel {
        id: Set(Uuid::now_v7()),
        care_record_id: Set(record),
        requested_by: Set(actor),
        reviewer_id: Set(Some(actor)),
        status: Set(status),
        score: Set(None),
        findings: Set(None),
        flags: Set(String::new()),
        started_at: Set((status == CareReviewStatus::InReview).then_some(now)),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        record_version: Set(None),
    }
}

/// Opens a review of the record, reviewed by `actor`.
#[tracing::instrument(skip(db))]
pub async fn start(
    db: &impl ConnectionTrait,
    actor: Uuid,
    record: Uuid,
) -> ApiResult<(care_review::Model, care_record::Model)> {
    let record = care_record_or_not_found(db, record).await?;
    workflow::not_a_psychotherapy_note(&record.kind, "Reviewing it")?;
    not_own_edit(db, record.id, actor).await?;
    if let Some(open) = open_review_of(db, record.id).await? {
        let review = start_pending(db, actor, open).await?;
        return Ok((review, record));
    }
    let review = insert(db, new_review(record.id, actor, CareReviewStatus::InReview)).await?;
    Ok((review, record))
}

/// Starts the record's pending review (`pending → in_review`): the caller's, or one nobody
/// was given. Someone else's, or one already in review, is `CONFLICT`.
async fn start_pending(
    db: &impl ConnectionTrait,
    actor: Uuid,
    open: care_review::Model,
) -> ApiResult<care_review::Model> {
    if open.status != CareReviewStatus::Pending {
        return Err(open_conflict(&open));
    }
    if let Some(reviewer) = open.reviewer_id.filter(|r| *r != actor) {
        let sub = sub_of(db, reviewer).await?;
        return Err(ApiError::Conflict(format!(
            "this care record's review {} waits for {sub}: it is theirs to start",
            open.id
        )));
    }
    workflow::check_review_move(open.status, CareReviewStatus::InReview)?;
    let next = care_review::ActiveModel {
        status: Set(CareReviewStatus::InReview),
        reviewer_id: Set(Some(actor)),
        started_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    versioned::update::<care_review::Entity>(db, open.id, open.version, next, None).await
}

/// A completed review's verdict.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub score: i32,
    pub findings: String,
    pub flags: Vec<String>,
    /// The record's version the reviewer read, when they name it: the review scores that
    /// version, so a record changed since is `CONFLICT`.
    pub record_version: Option<i32>,
}

/// Completes the review at `expected_version`: its reviewer (or anyone of the team if it has
/// none) who did not edit the record.
#[tracing::instrument(skip(db, verdict))]
pub async fn complete(
    db: &impl ConnectionTrait,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    verdict: Verdict,
) -> ApiResult<(care_review::Model, care_record::Model)> {
    let review = find(db, id).await?;
    let score = workflow::score(verdict.score)?;
    let findings = workflow::findings(&verdict.findings)?;
    let flags = workflow::flags(&verdict.flags)?;
    if review.status == CareReviewStatus::Completed {
        return Err(ApiError::Conflict("this review was completed already".into()));
    }
    workflow::check_review_move(review.status, CareReviewStatus::Completed)?;
    if let Some(reviewer) = review.reviewer_id
        && reviewer != actor
    {
        let sub = sub_of(db, reviewer).await?;
        return Err(ApiError::Forbidden(format!("this review is {sub}'s to complete")));
    }
    not_own_edit(db, review.care_record_id, actor).await?;
    let record = care_record_or_not_found(db, review.care_record_id).await?;
    if let Some(read) = verdict.record_version.filter(|read| *read != record.version) {
        return Err(ApiError::Conflict(format!(
            "the care record changed while you reviewed it: you read version {read}, it is now at version {}; \
             read it again, then complete the review",
            record.version
        )));
    }
    let now = Utc::now();
    let next = care_review::ActiveModel {
        status: Set(CareReviewStatus::Completed),
        reviewer_id: Set(Some(actor)),
        score: Set(Some(score)),
        findings: Set(Some(findings)),
        flags: Set(flags),
        completed_at: Set(Some(now)),
        record_version: Set(Some(record.version)),
        ..Default::default()
    };
    let saved = versioned::update::<care_review::Entity>(db, id, expected_version, next, None).await?;
    Ok((saved, record))
}

/// A span of completion times: from the first (if any, included) to the second (if any,
/// excluded).
pub type CompletedSpan = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The review queue's filters.
#[derive(Default, Debug)]
pub struct ReviewFilter {
    pub statuses: Vec<CareReviewStatus>,
    /// `Some(None)`: nobody's yet.
    pub reviewer: Option<Option<Uuid>>,
    pub provider_id: Option<Uuid>,
    pub flag: Option<&'static str>,
    /// Completed with a score below this.
    pub score_below: Option<i32>,
    /// Completed at or after the first time (if any) and before the second (if any).
    pub completed: Option<CompletedSpan>,
}

/// The completion times of the days `from..=to` (either open), for [`ReviewFilter::completed`].
pub fn completed_between(from: Option<NaiveDate>, to: Option<NaiveDate>) -> ApiResult<Option<CompletedSpan>> {
    if from.is_none() && to.is_none() {
        return Ok(None);
    }
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(ApiError::BadUserInput(format!("`completedFrom` {from} is after `completedTo` {to}")));
    }
    let start = from.map(dates::start_of);
    let end = to.map(|d| dates::end_of(d, "completedTo")).transpose()?;
    Ok(Some((start, end)))
}

/// Reviews narrowed to `filter`, but for its statuses (which [`list`] reads a status at a
/// time).
fn filtered(filter: &ReviewFilter) -> ApiResult<Select<care_review::Entity>> {
    let mut query = care_review::Entity::find();
    match filter.reviewer {
        Some(None) => query = query.filter(care_review::Column::ReviewerId.is_null()),
        Some(Some(id)) => query = query.filter(care_review::Column::ReviewerId.eq(id)),
        None => {}
    }
    if let Some(provider) = filter.provider_id {
        query = query
            .join(JoinType::InnerJoin, care_review::Relation::CareRecord.def())
            .filter(care_record::Column::ProviderId.eq(provider))
            .filter(crate::kit::records::provider_tells_nothing(care_record::Column::SecurityLabels));
    }
    if let Some(flag) = filter.flag {
        // Flags are stored comma-joined; match one whole name.
        query = query.filter(Expr::cust(format!("(',' || care_review.flags || ',') LIKE '%,{flag},%'")));
    }
    if let Some((start, end)) = filter.completed {
        query = query.filter(care_review::Column::Status.eq(CareReviewStatus::Completed));
        if let Some(start) = start {
            query = query.filter(care_review::Column::CompletedAt.gte(start));
        }
        if let Some(end) = end {
            query = query.filter(care_review::Column::CompletedAt.lt(end));
        }
    }
    if let Some(below) = filter.score_below {
        if !(1..=6).contains(&below) {
            return Err(ApiError::BadUserInput(format!("`scoreBelow` is 1 to 6, not {below}")));
        }
        query = query.filter(care_review::Column::Score.lt(below));
    }
    Ok(query)
}

/// How many reviews `filter` finds (up to the kit's count limit).
pub async fn count(db: &impl ConnectionTrait, filter: &ReviewFilter) -> ApiResult<i64> {
    let mut query = filtered(filter)?;
    if !filter.statuses.is_empty() {
        query = query.filter(care_review::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    crate::kit::pagination::bounded_count(db, query).await
}

/// Reviews, newest first; keyset cursor: the id.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ReviewFilter,
    page: &PageRequest,
) -> ApiResult<Vec<care_review::Model>> {
    let mut query = filtered(filter)?;
    if let Some(after) = page.after_id()? {
        query = query.filter(care_review::Column::Id.lt(after));
    }
    let newest =
        |query: Select<care_review::Entity>| query.order_by_desc(care_review::Column::Id).limit(page.fetch_limit());
    let mut statuses: Vec<CareReviewStatus> = Vec::new();
    for status in &filter.statuses {
        if !statuses.contains(status) {
            statuses.push(*status);
        }
    }
    match statuses.as_slice() {
        [] => Ok(newest(query).all(db).await?),
        [status] => Ok(newest(query.filter(care_review::Column::Status.eq(*status))).all(db).await?),
        statuses => {
            // `status IN (..) ORDER BY id DESC` reads every row of those statuses and sorts
            // them (SQLite and PostgreSQL alike: an index orders one status's rows, not
            // several). Each status's newest rows, read down the `(status, id)` index and
            // merged, is one statement that reads a page per status.
            let mut parts = statuses.iter().enumerate().map(|(i, status)| {
                let newest = newest(query.clone().filter(care_review::Column::Status.eq(*status)));
                Query::select()
                    .column(Asterisk)
                    .from_subquery(newest.into_query(), Alias::new(format!("status_{i}")))
                    .to_owned()
            });
            let mut merged = parts.next().unwrap_or_else(Query::select);
            for part in parts {
                merged.union(UnionType::All, part);
            }
            let page_of_all = Query::select()
                .column(Asterisk)
                .from_subquery(merged, Alias::new("merged"))
                .order_by(Alias::new("id"), Order::Desc)
                .limit(page.fetch_limit())
                .to_owned();
            let statement = db.get_database_backend().build(&page_of_all);
            Ok(care_review::Entity::find().from_raw_sql(statement).all(db).await?)
        }
    }
}

/// A record's reviews, newest first.
pub async fn reviews_of(db: &impl ConnectionTrait, record: Uuid) -> ApiResult<Vec<care_review::Model>> {
    Ok(care_review::Entity::find()
        .filter(care_review::Column::CareRecordId.eq(record))
        .order_by_desc(care_review::Column::Id)
        .limit(MAX_REVIEWS_PER_RECORD as u64)
        .all(db)
        .await?)
}

/// A record is reviewed a handful of times at most; the list is priced by this.
pub const MAX_REVIEWS_PER_RECORD: usize = 20;

/// Largest sample one call draws.
pub const MAX_SAMPLE: u64 = 50;

/// Opens `size` reviews for `actor` of records never reviewed (and not edited by them), drawn
/// at random with weights towards providers whose reviews score low or who were reviewed
/// little: weight `(6 − average score) / √(1 + reviews)`, an unreviewed provider counting as
/// average 3. Weighted sampling without replacement (Efraimidis–Spirakis keys).
#[tracing::instrument(skip(db))]
pub async fn sample(
    db: &impl ConnectionTrait,
    actor: Uuid,
    size: i32,
    provider: Option<Uuid>,
) -> ApiResult<Vec<(care_review::Model, care_record::Model)>> {
    let size = u64::try_from(size)
        .ok()
        .filter(|s| (1..=MAX_SAMPLE).contains(s))
        .ok_or_else(|| ApiError::BadUserInput(format!("`size` is 1 to {MAX_SAMPLE}, not {size}")))?;
    let never_reviewed = Query::select()
        .expr(Expr::val(1))
        .from(care_review::Entity)
        .and_where(
            Expr::col((care_review::Entity, care_review::Column::CareRecordId))
                .equals((care_record::Entity, care_record::Column::Id)),
        )
        .to_owned();
    let own_edits = Query::select()
        .expr(Expr::val(1))
        .from(care_record_revision::Entity)
        .and_where(
            Expr::col((care_record_revision::Entity, care_record_revision::Column::CareRecordId))
                .equals((care_record::Entity, care_record::Column::Id)),
        )
        .and_where(Expr::col((care_record_revision::Entity, care_record_revision::Column::EditorId)).eq(actor))
        .to_owned();
    // A psychotherapy note is never reviewed: the review would read it.
    let mut candidates = care_record::Entity::find()
        .filter(Condition::all().add(Expr::exists(never_reviewed).not()).add(Expr::exists(own_edits).not()))
        .filter(care_record::Column::Kind.ne(workflow::PSYCHOTHERAPY_NOTE))
        .order_by(Expr::cust("RANDOM()"), sea_orm::Order::Asc)
        .limit(size * 20);
    if let Some(provider) = provider {
        candidates = candidates.filter(care_record::Column::ProviderId.eq(provider));
    }
    let candidates = candidates.all(db).await?;
    let stats = provider_review_stats(db).await?;
    let weighted = candidates.into_iter().map(|record| {
        let (average, reviews) = stats.get(&record.provider_id).copied().unwrap_or((3.0, 0));
        (provider_weight(average, reviews), record)
    });
    let mut opened = Vec::new();
    for record in weighted_draw(&mut fastrand::Rng::new(), weighted, size as usize) {
        let review = insert(db, new_review(record.id, actor, CareReviewStatus::Pending)).await?;
        opened.push((review, record));
    }
    Ok(opened)
}

/// How strongly a provider's records are drawn: a low average score (1 to 5) and few
/// completed reviews both raise it. Never zero, so every provider can be drawn.
pub fn provider_weight(average: f64, reviews: i64) -> f64 {
    let reviews = Ord::max(reviews, 0) as f64;
    f64::max((6.0 - average) / (1.0 + reviews).sqrt(), f64::EPSILON)
}

/// `n` items drawn without replacement, each with probability proportional to its weight
/// among those left (Efraimidis–Spirakis: the `n` largest keys `u^(1/w)`).
fn weighted_draw<T>(rng: &mut fastrand::Rng, items: impl IntoIterator<Item = (f64, T)>, n: usize) -> Vec<T> {
    let mut keyed: Vec<(f64, T)> =
        items.into_iter().map(|(weight, item)| (rng.f64().powf(1.0 / weight), item)).collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
    keyed.into_iter().take(n).map(|(_, item)| item).collect()
}

/// Average score and completed reviews per provider, over all time.
async fn provider_review_stats(db: &impl ConnectionTrait) -> ApiResult<HashMap<Uuid, (f64, i64)>> {
    let rows: Vec<(Uuid, Option<f64>, i64)> = care_review::Entity::find()
        .join(JoinType::InnerJoin, care_review::Relation::CareRecord.def())
        .filter(care_review::Column::Status.eq(CareReviewStatus::Completed))
        .select_only()
        .column(care_record::Column::ProviderId)
        .expr(Expr::cust("AVG(CAST(care_review.score AS DOUBLE PRECISION))"))
        .expr(Expr::cust("COUNT(*)"))
        .group_by(care_record::Column::ProviderId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(provider, average, n)| (provider, (average.unwrap_or(3.0), n))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_scores_and_few_reviews_weigh_more() {
        assert!(provider_weight(2.0, 10) > provider_weight(4.5, 10), "a lower average");
        assert!(provider_weight(4.0, 1) > provider_weight(4.0, 40), "fewer reviews");
        assert!(provider_weight(5.0, 1_000_000) > 0.0, "never zero");
    }

    #[test]
    fn a_draw_follows_the_weights() {
        // Seeded, so the figures are the same on every run: no flaky statistics.
        let mut rng = fastrand::Rng::with_seed(7);
        let (heavy, light) = (provider_weight(1.5, 2), provider_weight(4.5, 30));
        let expected = heavy / (heavy + light);
        let draws = 20_000;
        let mut heavy_first = 0;
        for _ in 0..draws {
            if weighted_draw(&mut rng, [(heavy, "heavy"), (light, "light")], 1) == ["heavy"] {
                heavy_first += 1;
            }
        }
        let share = f64::from(heavy_first) / f64::from(draws);
        assert!((share - expected).abs() < 0.02, "drawn {share:.3}, weights say {expected:.3}");
        // Without replacement: every item once, however the weights fall.
        let mut all = weighted_draw(&mut rng, (0..10).map(|i| (f64::from(i) + 1.0, i)), 20);
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }
}
