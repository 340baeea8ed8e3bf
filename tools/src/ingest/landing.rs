//! Landing a file: its SHA-256 and size, read as a stream, and its row in `import_file`,
//! written before anything of it is read for meaning. A file whose SHA-256 is on record is
//! not read again: the answer names the run that imported it. A run ward could not finish
//! (the database went away) is marked `failed`, and the same file may be sent again.

use super::report::ImportReport;
use crate::kit::audit::{self, NewEvent, recorder::EventBase};
use crate::kit::{ApiError, ApiResult};
use chrono::Utc;
use entities::import_file;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use uuid::Uuid;

/// What a file holds, as `import_file.kind` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Remittance835,
    Claims837P,
    Directory,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Remittance835 => "x12_835",
            FileKind::Claims837P => "x12_837p",
            FileKind::Directory => "ndjson",
        }
    }
}

/// Who sent a file (a staff member, a service account, or the command line's operator), as
/// the audit trail names them: a request's `Access::event_base`, or `EventBase::operator`.
pub type Sender = EventBase;

/// A file's digest and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest256 {
    pub sha256: String,
    pub bytes: u64,
}

/// Reads `path` once, in 64 KiB steps, for its SHA-256.
pub fn digest(path: &Path) -> std::io::Result<Digest256> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>();
    Ok(Digest256 { sha256, bytes })
}

/// A landed file: its row, or the run that already imported the same bytes.
pub enum Landed {
    New(import_file::Model),
    Before(import_file::Model),
}

/// Lands a file: a new `running` row, or the earlier run of the same bytes (a `failed` one
/// is taken over and run again).
pub async fn land(db: &impl ConnectionTrait, kind: FileKind, digest: &Digest256, sender: &Sender) -> ApiResult<Landed> {
    let earlier =
        import_file::Entity::find().filter(import_file::Column::Sha256.eq(digest.sha256.as_str())).one(db).await?;
    let now = Utc::now();
    if let Some(earlier) = earlier {
        if earlier.status != "failed" {
            return Ok(Landed::Before(earlier));
        }
        let mut again: import_file::ActiveModel = earlier.into();
        again.status = Set("running".into());
        again.sent_by = Set(sender.actor.clone());
        again.received_at = Set(now);
        again.finished_at = Set(None);
        return Ok(Landed::New(again.update(db).await?));
    }
    let row = import_file::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.as_str().into()),
        sha256: Set(digest.sha256.clone()),
        bytes: Set(i64::try_from(digest.bytes).map_err(|_| ApiError::BadUserInput("the file is too large".into()))?),
        sent_by: Set(sender.actor.clone()),
        received_at: Set(now),
        finished_at: Set(None),
        status: Set("running".into()),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(0),
        unmatched: Set(0),
        refused: Set(0),
        report: Set("{}".into()),
    };
    Ok(Landed::New(row.insert(db).await?))
}

/// A run's audited event: who sent the file, its kind and SHA-256, and what came of it. Timed
/// now, not when the file was sent (a run ends long after).
fn run_event(sender: &Sender, run: Uuid, kind: &str, digest: &Digest256, outcome: &str) -> NewEvent {
    EventBase { at: Utc::now(), ..sender.clone() }
        .event("import", "ingest", Some(run.to_string()), None)
        .because(format!("{kind} sha256 {}: {outcome}", digest.sha256))
}

/// Appends one event in a transaction of its own.
async fn record(db: &DatabaseConnection, event: NewEvent) -> ApiResult<()> {
    let txn = audit::begin(db).await?;
    txn.append(vec![event]).await?;
    txn.commit().await
}

fn counts(report: &ImportReport) -> String {
    format!(
        "created {}, updated {}, unchanged {}, unmatched {}, refused {}",
        report.created, report.updated, report.unchanged, report.unmatched, report.refused
    )
}

/// Records the run: its row's counts, report and status, and its audited event, at once.
pub(crate) async fn finish(
    db: &DatabaseConnection,
    sender: &Sender,
    digest: &Digest256,
    run: import_file::Model,
    report: ImportReport,
) -> ApiResult<(import_file::Model, ImportReport)> {
    let txn = audit::begin(db).await?;
    let event = run_event(sender, run.id, &run.kind, digest, &counts(&report));
    let as_i32 = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let mut row: import_file::ActiveModel = run.into();
    row.status = Set(report.status().into());
    row.finished_at = Set(Some(Utc::now()));
    row.created = Set(as_i32(report.created));
    row.updated = Set(as_i32(report.updated));
    row.unchanged = Set(as_i32(report.unchanged));
    row.unmatched = Set(as_i32(report.unmatched));
    row.refused = Set(as_i32(report.refused));
    row.report =
        Set(serde_json::to_string(&report).map_err(|e| ApiError::internal("writing a report", anyhow::anyhow!(e)))?);
    let row = row.update(&*txn).await?;
    txn.append(vec![event]).await?;
    txn.commit().await?;
    Ok((row, report))
}

/// The same file again: nothing read, the attempt recorded.
pub(crate) async fn record_repeat(
    db: &DatabaseConnection,
    sender: &Sender,
    digest: &Digest256,
    earlier: &import_file::Model,
) -> ApiResult<()> {
    let outcome = format!("the same file as run {}, nothing changed", earlier.id);
    record(db, run_event(sender, earlier.id, &earlier.kind, digest, &outcome)).await
}

pub(crate) fn io_error(path: &Path, err: std::io::Error) -> ApiError {
    ApiError::BadUserInput(format!("cannot read {}: {err}", path.display()))
}

/// Runs blocking work (reading a file) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(job).await.map_err(|e| ApiError::internal("reading a file", anyhow::anyhow!(e)))
}

/// PostgreSQL's planner statistics, kept up with a first load. An import's look-ups (by
/// external id, by claim number) are planned from statistics that autovacuum refreshes only
/// now and then: a directory's first import, into tables that held a few hundred rows, would
/// have each batch's look-ups scan whole tables that it has meanwhile grown to tens of
/// thousands (measured: 370 ms a look-up at 30,000 patients, 2,256 lines a second). The tables are analysed whenever the
/// run's created records have grown fourfold since it last did, from 1,000 (six times in a
/// million lines), and only the columns looked up (at 100,000 rows: 140 ms, against 430 ms for
/// whole tables).
pub(crate) struct Analyzed {
    tables: &'static str,
    at: u32,
}

impl Analyzed {
    /// For `tables`, as `ANALYZE` takes them: `patient (external_id), claim (claim_number)`.
    pub(crate) fn new(tables: &'static str) -> Self {
        Analyzed { tables, at: 0 }
    }

    /// Analyses the tables when `created` has grown fourfold since the last time.
    pub(crate) async fn keep_up(&mut self, db: &DatabaseConnection, created: u32) -> ApiResult<()> {
        if db.get_database_backend() != DbBackend::Postgres || created < 1_000 || created < self.at.saturating_mul(4) {
            return Ok(());
        }
        db.execute_unprepared(&format!("ANALYZE {}", self.tables)).await?;
        self.at = created;
        Ok(())
    }
}

/// A whole run, whatever the file holds: its digest, its landing (or the earlier run of the
/// same bytes), `work` on it, and its record; a run `work` could not finish is `failed`.
pub(crate) async fn import(
    db: &DatabaseConnection,
    path: &Path,
    sender: &Sender,
    kind: FileKind,
    work: impl AsyncFnOnce(&import_file::Model) -> ApiResult<ImportReport>,
) -> ApiResult<(import_file::Model, ImportReport)> {
    let owned = path.to_owned();
    let digest = blocking(move || self::digest(&owned)).await?.map_err(|e| io_error(path, e))?;
    let run = match land(db, kind, &digest, sender).await? {
        Landed::Before(earlier) => {
            let report = ImportReport { already_imported: Some(earlier.id.to_string()), ..ImportReport::default() };
            record_repeat(db, sender, &digest, &earlier).await?;
            return Ok((earlier, report));
        }
        Landed::New(run) => run,
    };
    match work(&run).await {
        Ok(report) => finish(db, sender, &digest, run, report).await,
        Err(err) => {
            let id = run.id;
            let mut failed: import_file::ActiveModel = run.into();
            failed.status = Set("failed".into());
            failed.finished_at = Set(Some(Utc::now()));
            failed.update(db).await.ok();
            // What its committed sets or batches wrote stands, so the run is on the trail
            // even so (when the database is there to take it).
            let outcome = "failed before it finished; what its sets or batches committed stands";
            record(db, run_event(sender, id, kind.as_str(), &digest, outcome)).await.ok();
            Err(err)
        }
    }
}
