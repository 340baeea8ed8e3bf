//! `importRuns`: every file landed, newest first, with its report, for ops and admin. A
//! report names positions and codes only, so reading it discloses nothing.

use super::report::{BatchReport, ImportReport, SetReport};
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::{Allow, Gql, db};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::import_file;
use policies::{Action, Resource};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// One file ward imported, and what came of it.
pub struct ImportRun {
    model: import_file::Model,
    report: ImportReport,
}

impl ImportRun {
    pub fn new(model: import_file::Model) -> Self {
        let report = serde_json::from_str(&model.report).unwrap_or_default();
        ImportRun { model, report }
    }
}

/// The fate of one transaction set of a run.
#[derive(SimpleObject)]
pub struct ImportSet {
    /// ST02.
    pub control: String,
    /// The ST's segment number in the file.
    pub segment: i64,
    /// `imported`, `unchanged` (imported before) or `refused`.
    pub outcome: String,
    pub claims: i64,
    /// Why it was refused, by position: `segment 17 (CLP), element CLP04: not an amount`.
    pub problem: Option<String>,
}

impl From<&SetReport> for ImportSet {
    fn from(set: &SetReport) -> Self {
        ImportSet {
            control: set.control.clone(),
            segment: i64::try_from(set.segment).unwrap_or(i64::MAX),
            outcome: set.outcome.clone(),
            claims: i64::try_from(set.claims).unwrap_or(i64::MAX),
            problem: set.problem.clone(),
        }
    }
}

/// The fate of one NDJSON batch of a run (one transaction: all of its lines, or none).
#[derive(SimpleObject)]
pub struct ImportBatch {
    pub first_line: i64,
    pub last_line: i64,
    /// `imported` or `refused`.
    pub outcome: String,
    pub records: i64,
    /// Why it was refused, a line and field each: ``line 12, field `dateOfBirth`: not a date (YYYY-MM-DD)``.
    pub problems: Vec<String>,
}

impl From<&BatchReport> for ImportBatch {
    fn from(batch: &BatchReport) -> Self {
        let wide = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        ImportBatch {
            first_line: wide(batch.first_line),
            last_line: wide(batch.last_line),
            outcome: batch.outcome.clone(),
            records: wide(batch.records),
            problems: batch.problems.clone(),
        }
    }
}

#[Object]
impl ImportRun {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// `x12_835`, `x12_837p`, `ndjson`.
    async fn kind(&self) -> &str {
        &self.model.kind
    }

    async fn sha256(&self) -> &str {
        &self.model.sha256
    }

    async fn bytes(&self) -> i64 {
        self.model.bytes
    }

    /// The staff member or service account that sent it.
    async fn sent_by(&self) -> &str {
        &self.model.sent_by
    }

    async fn received_at(&self) -> DateTime<Utc> {
        self.model.received_at
    }

    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.model.finished_at
    }

    /// `running`, `imported`, `partial`, `refused` or `failed` (may be sent again).
    async fn status(&self) -> &str {
        &self.model.status
    }

    /// An 835: claim payments recorded against ward's claims. An 837P: claims created.
    /// NDJSON: records created.
    async fn created(&self) -> i32 {
        self.model.created
    }

    /// An 835: ward's claims those payments changed. An 837P: claims changed. NDJSON:
    /// records changed (each with a new version and a history entry or revision).
    async fn updated(&self) -> i32 {
        self.model.updated
    }

    /// An 835: claim payments of remittances imported before. An 837P or NDJSON: records
    /// ward already held as sent.
    async fn unchanged(&self) -> i32 {
        self.model.unchanged
    }

    /// An 835: claim payments whose claim ward does not know (on the unmatched queue). An
    /// 837P: claims whose patient or provider ward does not know (not written).
    async fn unmatched(&self) -> i32 {
        self.model.unmatched
    }

    /// Transaction sets (X12) or batches (NDJSON) refused.
    async fn refused(&self) -> i32 {
        self.model.refused
    }

    /// An X12 file's transaction sets.
    async fn sets(&self) -> Vec<ImportSet> {
        self.report.sets.iter().map(ImportSet::from).collect()
    }

    /// An NDJSON file's batches.
    async fn batches(&self) -> Vec<ImportBatch> {
        self.report.batches.iter().map(ImportBatch::from).collect()
    }

    /// What refused the whole file (its envelope), if anything did.
    async fn file_problem(&self) -> Option<&str> {
        self.report.file_problem.as_deref()
    }

    /// What the run left for people to know (a reversal that met an escalated denial).
    async fn notes(&self) -> &[String] {
        &self.report.notes
    }
}

#[derive(Default)]
pub struct ImportRunQuery;

#[Object]
impl ImportRunQuery {
    /// Every file landed, newest first, with its counts and report.
    #[graphql(
        guard = "Allow(Resource::Ingest, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn import_runs(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Gql<Page<ImportRun>> {
        let page = PageRequest::new(ctx, first, after)?;
        let mut query = import_file::Entity::find().order_by_desc(import_file::Column::Id);
        if let Some(after) = page.after_id()? {
            query = query.filter(import_file::Column::Id.lt(after));
        }
        let rows = query.limit(page.fetch_limit()).all(db(ctx)?).await?;
        Ok(page.into_page(rows, |r| r.id.to_string(), ImportRun::new))
    }
}
