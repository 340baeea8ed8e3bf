//! The queue header: escalations opened in a period, counted and summed by status, by payer
//! and by CARC group, and the recovery rate (recovered over the denied amounts appealed),
//! each one aggregate query.

use crate::kit::dates;
use crate::kit::{Allow, ApiError, ApiResult, Gql, db};
use async_graphql::{Context, Object, SimpleObject};
use chrono::{NaiveDate, Utc};
use entities::{appeal, claim, denial, escalation};
use policies::{Action, Resource};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ConnectionTrait, QueryResult, TryGetable};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One group of the summary: how many escalations, the denied amount they work, what they
/// recovered.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct SummaryGroup {
    /// The status, payer or CARC group.
    pub key: String,
    pub count: i64,
    pub denied_cents: i64,
    pub recovered_cents: i64,
}

#[derive(SimpleObject, Debug, Clone)]
pub struct EscalationSummary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by_status: Vec<SummaryGroup>,
    pub by_payer: Vec<SummaryGroup>,
    pub by_carc_group: Vec<SummaryGroup>,
    /// Of the escalations that were appealed: the amount they denied, and what came back.
    pub appealed_cents: i64,
    pub recovered_cents: i64,
    /// `recovered / appealed`, `null` when nothing was appealed.
    pub recovery_rate: Option<f64>,
    /// The escalations being worked now, whenever they were opened.
    pub working: WorkingCounts,
}

/// The escalations being worked now (open, in review or appealed), counted as the queue's
/// filters find them.
#[derive(SimpleObject, Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCounts {
    pub open: i64,
    pub in_review: i64,
    pub appealed: i64,
    /// Past their appeal deadline.
    pub overdue: i64,
    /// Due today or within the next [`DUE_SOON_DAYS`] days.
    pub due_soon: i64,
    pub unassigned: i64,
}

/// "Due soon": a deadline from today to this many days ahead.
pub const DUE_SOON_DAYS: i64 = 14;

/// [`WorkingCounts`] in one aggregate query.
async fn working(db: &impl ConnectionTrait) -> ApiResult<WorkingCounts> {
    let today = Utc::now().date_naive();
    let soon = today + chrono::Duration::days(DUE_SOON_DAYS + 1);
    let count = |condition: &str| {
        Expr::cust(format!("CAST(COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS BIGINT)"))
    };
    // Dates as ISO text: SQLite stores them so, and PostgreSQL reads the literal as a date.
    let overdue = format!("appeal_deadline < '{today}'");
    let due_soon = format!("appeal_deadline >= '{today}' AND appeal_deadline < '{soon}'");
    let mut select = Query::select();
    select
        .from(escalation::Entity)
        .and_where(Expr::col((escalation::Entity, escalation::Column::Status)).is_in(["open", "in_review", "appealed"]))
        .expr_as(count("status = 'open'"), Alias::new("open"))
        .expr_as(count("status = 'in_review'"), Alias::new("in_review"))
        .expr_as(count("status = 'appealed'"), Alias::new("appealed"))
        .expr_as(count("assignee_id IS NULL"), Alias::new("unassigned"))
        .expr_as(count(&overdue), Alias::new("overdue"))
        .expr_as(count(&due_soon), Alias::new("due_soon"));
    let row = db
        .query_one(&select)
        .await?
        .ok_or_else(|| ApiError::internal("counting the escalations worked", anyhow::anyhow!("no row")))?;
    Ok(WorkingCounts {
        open: get(&row, "open")?,
        in_review: get(&row, "in_review")?,
        appealed: get(&row, "appealed")?,
        overdue: get(&row, "overdue")?,
        due_soon: get(&row, "due_soon")?,
        unassigned: get(&row, "unassigned")?,
    })
}

/// Escalations opened on `from`..=`to`, joined to their denial and claim, leaving out the
/// claims labelled `sud_part2` or `restricted`: a period narrowed to one day would otherwise
/// give a labelled claim's amounts away by subtraction.
fn opened_in(from: NaiveDate, to: NaiveDate) -> SelectStatement {
    // The resolver checked that `to` has a day after it.
    let (start, end) = (dates::start_of(from), dates::end_of(to, "to").unwrap_or(chrono::DateTime::<Utc>::MAX_UTC));
    let mut select = Query::select();
    select
        .from(escalation::Entity)
        .inner_join(
            denial::Entity,
            Expr::col((denial::Entity, denial::Column::Id)).equals((escalation::Entity, escalation::Column::DenialId)),
        )
        .and_where(Expr::col((escalation::Entity, escalation::Column::CreatedAt)).gte(start))
        .and_where(Expr::col((escalation::Entity, escalation::Column::CreatedAt)).lt(end))
        .inner_join(
            claim::Entity,
            Expr::col((claim::Entity, claim::Column::Id)).equals((denial::Entity, denial::Column::ClaimId)),
        )
        .and_where(Expr::col((claim::Entity, claim::Column::SecurityLabels)).eq(""));
    select
}

/// `CAST(SUM(expr) AS BIGINT)`: PostgreSQL sums a bigint as numeric; both read back as i64.
fn sum(expr: &str) -> Expr {
    Expr::cust(format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)"))
}

fn totals(mut select: SelectStatement) -> SelectStatement {
    select
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .expr_as(sum("denial.denied_cents"), Alias::new("denied"))
        .expr_as(sum("escalation.recovered_cents"), Alias::new("recovered"));
    select
}

fn get<T: TryGetable>(row: &QueryResult, column: &str) -> ApiResult<T> {
    row.try_get("", column)
        .map_err(|err| ApiError::internal("reading the escalation summary", anyhow::anyhow!("{column}: {err:?}")))
}

async fn grouped(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    key: (impl sea_orm::sea_query::IntoIden + Copy, impl sea_orm::sea_query::IntoIden + Copy),
) -> ApiResult<Vec<SummaryGroup>> {
    let mut select = totals(opened_in(from, to));
    select.expr_as(Expr::col(key), Alias::new("key")).group_by_col(key).order_by(key, sea_orm::Order::Asc);
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| {
            Ok(SummaryGroup {
                key: get(row, "key")?,
                count: get(row, "n")?,
                denied_cents: get(row, "denied")?,
                recovered_cents: get(row, "recovered")?,
            })
        })
        .collect()
}

pub async fn summary(db: &impl ConnectionTrait, from: NaiveDate, to: NaiveDate) -> ApiResult<EscalationSummary> {
    let mut by_status = grouped(db, from, to, (escalation::Entity, escalation::Column::Status)).await?;
    for group in &mut by_status {
        // Stored names are the API's names, upper-cased as GraphQL enums are.
        group.key = group.key.to_uppercase();
    }
    let by_payer = grouped(db, from, to, (claim::Entity, claim::Column::Payer)).await?;
    let by_carc_group = grouped(db, from, to, (denial::Entity, denial::Column::CarcGroup)).await?;
    let appealed = Query::select()
        .expr(Expr::val(1))
        .from(appeal::Entity)
        .and_where(
            Expr::col((appeal::Entity, appeal::Column::EscalationId))
                .equals((escalation::Entity, escalation::Column::Id)),
        )
        .to_owned();
    let mut rate = totals(opened_in(from, to));
    rate.and_where(Expr::exists(appealed)).expr_as(
        Expr::cust(
            "CAST(COALESCE(SUM(escalation.recovered_cents), 0) AS DOUBLE PRECISION) / NULLIF(SUM(denial.denied_cents), 0)",
        ),
        Alias::new("rate"),
    );
    let row = db
        .query_one(&rate)
        .await?
        .ok_or_else(|| ApiError::internal("reading the recovery rate", anyhow::anyhow!("no row")))?;
    Ok(EscalationSummary {
        from,
        to,
        by_status,
        by_payer,
        by_carc_group,
        appealed_cents: get(&row, "denied")?,
        recovered_cents: get(&row, "recovered")?,
        recovery_rate: get(&row, "rate")?,
        working: working(db).await?,
    })
}

/// How long a computed header is served again: every view of the ops queue shows it, its
/// aggregates read every escalation of the period, and totals a few seconds old serve a
/// queue header as well.
pub const SUMMARY_TTL: Duration = Duration::from_secs(30);

/// Recent summaries by period, one cache per server (in the schema's data).
#[derive(Default)]
pub struct SummaryCache(std::sync::Mutex<HashMap<(NaiveDate, NaiveDate), (Instant, EscalationSummary)>>);

impl SummaryCache {
    fn get(&self, period: (NaiveDate, NaiveDate)) -> Option<EscalationSummary> {
        let cached = self.0.lock().ok()?;
        cached.get(&period).filter(|(at, _)| at.elapsed() < SUMMARY_TTL).map(|(_, s)| s.clone())
    }

    fn put(&self, period: (NaiveDate, NaiveDate), summary: EscalationSummary) {
        if let Ok(mut cached) = self.0.lock() {
            cached.retain(|_, (at, _)| at.elapsed() < SUMMARY_TTL);
            cached.insert(period, (Instant::now(), summary));
        }
    }
}

#[derive(Default)]
pub struct SummaryQuery;

#[Object]
impl SummaryQuery {
    /// The ops queue's header over escalations opened from `from` to `to` (inclusive; by
    /// default the last 90 days): counts, denied and recovered amounts by status, payer and
    /// CARC group, and the recovery rate. Totals across patients, never one patient's
    /// figures; needs `escalation · read` and `claim · billing`. The period's totals are at
    /// most 30 seconds old; `working` (what is being worked now) is always counted afresh.
    #[graphql(guard = "Allow(Resource::Escalation, Action::Read).and(Allow(Resource::Claim, Action::Billing))")]
    async fn escalation_summary(
        &self,
        ctx: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Gql<EscalationSummary> {
        let to = to.unwrap_or_else(|| Utc::now().date_naive());
        dates::end_of(to, "to")?;
        let from = match from {
            Some(from) => from,
            None => dates::days_before(to, 90, "to")?,
        };
        if from > to {
            return Err(ApiError::BadUserInput(format!("`from` {from} is after `to` {to}")).into());
        }
        if (to - from).num_days() > 3 * 366 {
            return Err(ApiError::BadUserInput("a summary covers at most three years".into()).into());
        }
        let cache = ctx.data_opt::<SummaryCache>();
        if let Some(mut cached) = cache.and_then(|c| c.get((from, to))) {
            // The cards beside the queue open it filtered to what they count: a count older
            // than the queue would disagree with it after the member's own change.
            cached.working = working(db(ctx)?).await?;
            return Ok(cached);
        }
        let fresh = summary(db(ctx)?, from, to).await?;
        if let Some(cache) = cache {
            cache.put((from, to), fresh.clone());
        }
        Ok(fresh)
    }
}
