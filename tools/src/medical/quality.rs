//! Provider quality: completed reviews per provider over a period (how many, the average
//! score, each flag's count) and the share of their notes written late, each one aggregate
//! query; one provider's figures, and the ranking the medical lead opens each week.

use super::workflow::{FLAGS, LATE_NOTE_HOURS};
use crate::directory::{Provider, provider_of};
use crate::kit::dates;
use crate::kit::pagination::{CountedPage, PageRequest};
use crate::kit::parse_id;
use crate::kit::{Allow, ApiError, ApiResult, Gql, db, null_on_error};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{NaiveDate, Utc};
use entities::care_review::{self, CareReviewStatus};
use entities::{appointment, care_record};
use policies::{Action, Resource};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult, TryGetable};
use std::collections::HashMap;
use uuid::Uuid;

/// One provider's figures over a period.
#[derive(Clone, Debug, Default)]
pub struct Quality {
    pub provider_id: Uuid,
    pub reviews: i64,
    pub average_score: Option<f64>,
    pub flag_counts: Vec<(&'static str, i64)>,
    pub notes: i64,
    pub late_notes: i64,
}

fn get<T: TryGetable>(row: &QueryResult, column: &str) -> ApiResult<T> {
    row.try_get("", column)
        .map_err(|err| ApiError::internal("reading provider quality", anyhow::anyhow!("{column}: {err:?}")))
}

/// The instants that bound a period [`period`] checked (its `to` has a day after it).
fn day_range(from: NaiveDate, to: NaiveDate) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (dates::start_of(from), dates::end_of(to, "to").unwrap_or(chrono::DateTime::<Utc>::MAX_UTC))
}

/// Completed reviews per provider, with a count column per flag.
fn reviews_query(from: NaiveDate, to: NaiveDate, provider: Option<Uuid>) -> SelectStatement {
    let (start, end) = day_range(from, to);
    let mut select = Query::select();
    select
        .expr_as(Expr::col((care_record::Entity, care_record::Column::ProviderId)), Alias::new("provider"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("reviews"))
        .expr_as(Expr::cust("AVG(CAST(care_review.score AS DOUBLE PRECISION))"), Alias::new("average"))
        .from(care_review::Entity)
        .inner_join(
            care_record::Entity,
            Expr::col((care_record::Entity, care_record::Column::Id))
                .equals((care_review::Entity, care_review::Column::CareRecordId)),
        )
        .and_where(Expr::col((care_review::Entity, care_review::Column::Status)).eq(CareReviewStatus::Completed))
        .and_where(Expr::col((care_review::Entity, care_review::Column::CompletedAt)).gte(start))
        .and_where(Expr::col((care_review::Entity, care_review::Column::CompletedAt)).lt(end))
        .group_by_col((care_record::Entity, care_record::Column::ProviderId));
    for (i, (flag, _)) in FLAGS.iter().enumerate() {
        // Flags come from the fixed list, never from input.
        select.expr_as(
            Expr::cust(format!(
                "CAST(SUM(CASE WHEN (',' || care_review.flags || ',') LIKE '%,{flag},%' THEN 1 ELSE 0 END) AS BIGINT)"
            )),
            Alias::new(format!("flag{i}")),
        );
    }
    if let Some(provider) = provider {
        select.and_where(Expr::col((care_record::Entity, care_record::Column::ProviderId)).eq(provider));
    }
    select
}

/// Notes with a session per provider, and how many were written more than
/// [`LATE_NOTE_HOURS`] after it.
fn notes_query(backend: DatabaseBackend, from: NaiveDate, to: NaiveDate, provider: Option<Uuid>) -> SelectStatement {
    let (start, end) = day_range(from, to);
    let late = match backend {
        DatabaseBackend::Postgres => {
            format!("care_record.created_at > appointment.starts_at + INTERVAL '{LATE_NOTE_HOURS} hours'")
        }
        _ => format!("julianday(care_record.created_at) > julianday(appointment.starts_at) + {LATE_NOTE_HOURS} / 24.0"),
    };
    let mut select = Query::select();
    select
        .expr_as(Expr::col((care_record::Entity, care_record::Column::ProviderId)), Alias::new("provider"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("notes"))
        .expr_as(Expr::cust(format!("CAST(SUM(CASE WHEN {late} THEN 1 ELSE 0 END) AS BIGINT)")), Alias::new("late"))
        .from(care_record::Entity)
        .inner_join(
            appointment::Entity,
            Expr::col((appointment::Entity, appointment::Column::Id))
                .equals((care_record::Entity, care_record::Column::AppointmentId)),
        )
        .and_where(Expr::col((care_record::Entity, care_record::Column::CreatedAt)).gte(start))
        .and_where(Expr::col((care_record::Entity, care_record::Column::CreatedAt)).lt(end))
        .group_by_col((care_record::Entity, care_record::Column::ProviderId));
    if let Some(provider) = provider {
        select.and_where(Expr::col((care_record::Entity, care_record::Column::ProviderId)).eq(provider));
    }
    select
}

/// Every provider's figures over `from..=to` (or one provider's), keyed by provider.
pub async fn quality(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    provider: Option<Uuid>,
) -> ApiResult<HashMap<Uuid, Quality>> {
    let mut out: HashMap<Uuid, Quality> = HashMap::new();
    for row in db.query_all(&reviews_query(from, to, provider)).await? {
        let provider_id: Uuid = get(&row, "provider")?;
        let entry = out.entry(provider_id).or_insert_with(|| Quality { provider_id, ..Default::default() });
        entry.reviews = get(&row, "reviews")?;
        entry.average_score = get(&row, "average")?;
        entry.flag_counts = FLAGS
            .iter()
            .enumerate()
            .map(|(i, (flag, _))| Ok((*flag, get::<i64>(&row, &format!("flag{i}"))?)))
            .collect::<ApiResult<_>>()?;
    }
    for row in db.query_all(&notes_query(db.get_database_backend(), from, to, provider)).await? {
        let provider_id: Uuid = get(&row, "provider")?;
        let entry = out.entry(provider_id).or_insert_with(|| Quality { provider_id, ..Default::default() });
        entry.notes = get(&row, "notes")?;
        entry.late_notes = get(&row, "late")?;
    }
    for entry in out.values_mut() {
        if entry.flag_counts.is_empty() {
            entry.flag_counts = FLAGS.iter().map(|(flag, _)| (*flag, 0)).collect();
        }
    }
    Ok(out)
}

#[derive(SimpleObject)]
pub struct FlagCount {
    pub flag: String,
    pub count: i64,
}

/// The completed reviews in the period a provider needs to be ranked
/// (`WARD_QUALITY_MIN_REVIEWS`): an average of one or two reviews says more about the
/// reviewers than the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RankingMinimum(pub i64);

impl Default for RankingMinimum {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl RankingMinimum {
    pub const DEFAULT: Self = RankingMinimum(5);

    fn of(ctx: &Context<'_>) -> Self {
        ctx.data_opt::<RankingMinimum>().copied().unwrap_or_default()
    }
}

/// A provider's care quality over a period, and their place in the ranking where it was
/// listed in one.
pub struct ProviderQuality(Quality, RankingMinimum, Option<i64>);

#[Object]
impl ProviderQuality {
    async fn provider_id(&self) -> ID {
        ID(self.0.provider_id.to_string())
    }

    /// The provider, checked like `provider(id)`.
    async fn provider(&self, ctx: &Context<'_>) -> Option<Provider> {
        null_on_error(ctx, provider_of(ctx, self.0.provider_id).await)
    }

    /// Reviews completed in the period: what the average score rests on.
    async fn reviews(&self) -> i64 {
        self.0.reviews
    }

    /// The completed reviews a provider needs in the period to be ranked.
    async fn reviews_to_rank(&self) -> i64 {
        self.1.0
    }

    /// Whether enough reviews were completed in the period to rank the provider.
    async fn ranked(&self) -> bool {
        self.0.reviews >= self.1.0
    }

    /// Their place in `rankedProviders`, 1 the lowest average score; `null` when not ranked
    /// or not asked for through a ranking.
    async fn rank(&self) -> Option<i64> {
        self.2
    }

    /// 1 to 5; `null` without reviews.
    async fn average_score(&self) -> Option<f64> {
        self.0.average_score
    }

    /// How often each flag was raised, in the order of the fixed list.
    async fn flag_counts(&self) -> Vec<FlagCount> {
        self.0.flag_counts.iter().map(|(flag, count)| FlagCount { flag: (*flag).to_owned(), count: *count }).collect()
    }

    /// Notes of sessions written in the period.
    async fn notes(&self) -> i64 {
        self.0.notes
    }

    /// Of those, written more than 72 hours after the session.
    async fn late_notes(&self) -> i64 {
        self.0.late_notes
    }

    /// `lateNotes / notes`; `null` without notes.
    async fn late_note_share(&self) -> Option<f64> {
        (self.0.notes > 0).then(|| self.0.late_notes as f64 / self.0.notes as f64)
    }
}

/// The period asked for: `to` defaults to today, `from` to 90 days before it.
fn period(from: Option<NaiveDate>, to: Option<NaiveDate>) -> ApiResult<(NaiveDate, NaiveDate)> {
    let to = to.unwrap_or_else(|| Utc::now().date_naive());
    dates::end_of(to, "to")?;
    let from = match from {
        Some(from) => from,
        None => dates::days_before(to, 90, "to")?,
    };
    if from > to {
        return Err(ApiError::BadUserInput(format!("`from` {from} is after `to` {to}")));
    }
    if (to - from).num_days() > 3 * 366 {
        return Err(ApiError::BadUserInput("a period covers at most three years".into()));
    }
    Ok((from, to))
}

/// Most providers a ranking lists.
const MAX_RANKING: i32 = 200;

#[derive(Default)]
pub struct QualityQuery;

#[Object]
impl QualityQuery {
    /// One provider's care quality from `from` to `to` (inclusive; by default the last 90
    /// days). Figures across that provider's patients, never one patient's.
    #[graphql(guard = "Allow(Resource::CareReview, Action::Read)")]
    async fn provider_quality(
        &self,
        ctx: &Context<'_>,
        provider_id: ID,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Gql<ProviderQuality> {
        let provider = parse_id(&provider_id, "provider")?;
        let (from, to) = period(from, to)?;
        let mut found = quality(db(ctx)?, from, to, Some(provider)).await?;
        let figures = found.remove(&provider).unwrap_or_else(|| Quality {
            provider_id: provider,
            flag_counts: FLAGS.iter().map(|(flag, _)| (*flag, 0)).collect(),
            ..Default::default()
        });
        Ok(ProviderQuality(figures, RankingMinimum::of(ctx), None))
    }

    /// Providers with at least `reviewsToRank` reviews completed in the period
    /// (`WARD_QUALITY_MIN_REVIEWS`, 5 by default), lowest average score first (those to look
    /// at first), then most reviews; at most `first` (default 50, at most 200). With
    /// `unranked: true`, instead the providers with some reviews in the period but too few
    /// to rank, most reviews first.
    #[graphql(
        guard = "Allow(Resource::CareReview, Action::Read)",
        // Every call ranks the whole period (two aggregates and a sort), whatever `first`.
        complexity = "crate::kit::pagination::REPORT_COMPLEXITY + crate::kit::pagination::complexity(first, child_complexity)",
        deprecation = "a list cut at `first`: use `rankedProviders`, which pages and counts"
    )]
    async fn provider_quality_ranking(
        &self,
        ctx: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        first: Option<i32>,
        #[graphql(default)] unranked: bool,
    ) -> Gql<Vec<ProviderQuality>> {
        let first = first.unwrap_or(50);
        if !(1..=MAX_RANKING).contains(&first) {
            return Err(ApiError::BadUserInput(format!("`first` is 1 to {MAX_RANKING}")).into());
        }
        let (minimum, mut listed) = ranking(ctx, from, to, unranked).await?;
        listed.truncate(first as usize);
        Ok(listed.into_iter().map(|(rank, q)| ProviderQuality(q, minimum, rank)).collect())
    }

    /// The same ranking a page at a time, with `totalCount`: providers with at least
    /// `reviewsToRank` completed reviews in the period, lowest average score first, then
    /// most reviews, each with its `rank`; with `unranked: true`, those with too few, most
    /// reviews first. `after` holds the place in the order, so a page never repeats or skips
    /// a provider whose figures did not change.
    #[graphql(
        guard = "Allow(Resource::CareReview, Action::Read)",
        // Every call ranks the whole period (two aggregates and a sort), whatever `first`.
        complexity = "crate::kit::pagination::REPORT_COMPLEXITY + crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn ranked_providers(
        &self,
        ctx: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        #[graphql(default)] unranked: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<CountedPage<ProviderQuality>> {
        let page = PageRequest::new(ctx, first, after)?;
        let after = page.after_key(Place::parse)?;
        let (minimum, listed) = ranking(ctx, from, to, unranked).await?;
        let total = i64::try_from(listed.len()).unwrap_or(i64::MAX);
        let rows: Vec<_> = listed
            .into_iter()
            .filter(|(_, q)| after.as_ref().is_none_or(|after| Place::of(q, unranked).follows(after)))
            .take(page.fetch_limit() as usize)
            .collect();
        Ok(page.into_counted_page(
            rows,
            |(_, q)| Place::of(q, unranked).key(),
            |(rank, q)| ProviderQuality(q, minimum, rank),
            Some(total),
        ))
    }
}

/// The providers of a ranking in its order, each with its rank (`None` in the list of those
/// with too few reviews to rank).
async fn ranking(
    ctx: &Context<'_>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    unranked: bool,
) -> ApiResult<(RankingMinimum, Vec<(Option<i64>, Quality)>)> {
    let (from, to) = period(from, to)?;
    let minimum = RankingMinimum::of(ctx);
    let figures = quality(db(ctx)?, from, to, None).await?.into_values().filter(|q| q.reviews > 0);
    let mut listed: Vec<Quality> = figures.filter(|q| (q.reviews >= minimum.0) != unranked).collect();
    listed.sort_by(|a, b| Place::of(a, unranked).cmp(&Place::of(b, unranked)));
    let ranks = (1..).map(|rank| (!unranked).then_some(rank));
    Ok((minimum, ranks.zip(listed).collect()))
}

/// Where a provider stands in a ranking's order: by average score (none, in the list of the
/// unranked), most reviews first, then by id, so that no two providers share a place.
#[derive(Debug, PartialEq)]
struct Place {
    score: f64,
    reviews: i64,
    provider: Uuid,
}

impl Place {
    fn of(q: &Quality, unranked: bool) -> Place {
        let score = if unranked { 0.0 } else { q.average_score.unwrap_or(f64::MAX) };
        Place { score, reviews: q.reviews, provider: q.provider_id }
    }

    fn cmp(&self, other: &Place) -> std::cmp::Ordering {
        self.score
            .total_cmp(&other.score)
            .then(other.reviews.cmp(&self.reviews))
            .then(self.provider.cmp(&other.provider))
    }

    fn follows(&self, other: &Place) -> bool {
        self.cmp(other) == std::cmp::Ordering::Greater
    }

    /// The cursor's key: the score's bits, so that it reads back exactly.
    fn key(&self) -> String {
        format!("{}:{}:{}", self.score.to_bits(), self.reviews, self.provider)
    }

    fn parse(key: &str) -> Option<Place> {
        let mut parts = key.splitn(3, ':');
        let score = f64::from_bits(parts.next()?.parse().ok()?);
        let reviews = parts.next()?.parse().ok()?;
        let provider = Uuid::parse_str(parts.next()?).ok()?;
        Some(Place { score, reviews, provider })
    }
}
