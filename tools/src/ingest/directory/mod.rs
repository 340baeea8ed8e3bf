//! Importing the directory and care records from the practice-management system: NDJSON, one
//! record a line ([`records`] is the schema), read a line at a time ([`lines`]) and written in
//! batches ([`write`]).
//!
//! A batch is at most [`BATCH_LINES`] records (or [`BATCH_BYTES`] of text, whichever comes
//! first) and is one transaction: every line of it is written, or none is. One bad line
//! refuses its batch, not the file: a practice-management export of a million lines with a
//! typo on one should not wait on it, and a batch is small enough for the sender to find what
//! was refused and send those lines again (the report names every bad line and field; the
//! lines that stood are `unchanged` the second time). Batches are written in file order, so a
//! line may name a patient created by an earlier batch; one that names a record a refused
//! batch held is refused too, and the report says why.

pub mod lines;
pub mod records;
pub mod write;

use super::landing::{self, Analyzed, FileKind, Sender, blocking, io_error};
use super::report::{BatchReport, ImportReport};
use crate::kit::transaction::begin_write;
use crate::kit::{ApiError, ApiResult};
use entities::{import_file, staff};
use lines::{Lines, Raw};
use records::{Line, LineError, MAX_LINE_BYTES};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use std::path::Path;
use uuid::Uuid;
use write::Refused;

/// Records a batch holds at most.
pub const BATCH_LINES: usize = 1_000;
/// Text a batch holds at most: a batch of long notes closes early, so a run's memory stays
/// bounded whatever the file holds.
pub const BATCH_BYTES: usize = 8 * 1024 * 1024;
/// Problems a refused batch lists; the rest are counted.
pub const MAX_PROBLEMS: usize = 20;
/// Problems and notes a whole run lists, so its report stays small whatever the file holds;
/// the rest are counted.
pub const MAX_LISTED: usize = 1_000;

/// One batch as read: its lines, or what was wrong with them.
struct Batch {
    first_line: u64,
    last_line: u64,
    records: u64,
    bytes: usize,
    lines: Vec<Line>,
    problems: Vec<LineError>,
}

impl Batch {
    fn new() -> Self {
        Batch { first_line: 0, last_line: 0, records: 0, bytes: 0, lines: Vec::new(), problems: Vec::new() }
    }

    fn full(&self) -> bool {
        self.records as usize >= BATCH_LINES || self.bytes >= BATCH_BYTES
    }

    /// Its report, listing at most `room` of its problems (and never more than [`MAX_PROBLEMS`]).
    fn report(&self, outcome: &str, problems: &[LineError], room: usize) -> BatchReport {
        let shown = MAX_PROBLEMS.min(room);
        let mut listed: Vec<String> = problems.iter().take(shown).map(ToString::to_string).collect();
        if problems.len() > shown {
            listed.push(format!("and {} more problems in this batch", problems.len() - shown));
        }
        BatchReport {
            first_line: self.first_line,
            last_line: self.last_line,
            outcome: outcome.into(),
            records: self.records,
            problems: listed,
        }
    }
}

/// Reads `path` into batches, sent one at a time (at most three held: one being read, one
/// waiting, one being written).
fn read_batches(path: &Path, out: &tokio::sync::mpsc::Sender<Batch>) -> std::io::Result<()> {
    let file = std::fs::File::open(path)?;
    let mut lines = Lines::new(std::io::BufReader::with_capacity(64 * 1024, file));
    let mut batch = Batch::new();
    while let Some(raw) = lines.next_line()? {
        let number = match &raw {
            Raw::Text { number, .. } | Raw::TooLong { number } => *number,
        };
        if batch.records == 0 {
            batch.first_line = number;
        }
        batch.last_line = number;
        batch.records += 1;
        match raw {
            Raw::TooLong { number } => batch.problems.push(LineError {
                line: number,
                field: None,
                problem: format!("longer than {MAX_LINE_BYTES} bytes"),
            }),
            Raw::Text { number, bytes } => {
                batch.bytes += bytes.len();
                match records::parse(number, &bytes) {
                    Ok(line) => batch.lines.push(line),
                    Err(problem) => batch.problems.push(problem),
                }
            }
        }
        if batch.full() && out.blocking_send(std::mem::replace(&mut batch, Batch::new())).is_err() {
            return Ok(());
        }
    }
    if batch.records > 0 {
        out.blocking_send(batch).ok();
    }
    Ok(())
}

/// Whether `sub` may send the directory: the practice-management system's service account,
/// never a person. Holding `ingest · create` lets ops send claims and remittances, but a
/// directory file rewrites patients' details and therapists' notes, which no person's role
/// edits that way (a signed-off note is amended only with a second medical member's
/// approval). The command line's operator, who holds the database itself, may.
pub fn may_send(sub: &str) -> ApiResult<()> {
    if sub.starts_with(crate::admin::service_account_service::SUB_PREFIX) {
        return Ok(());
    }
    Err(ApiError::Forbidden(
        "the directory and care records come from the practice-management system: only a service account sends \
         NDJSON"
            .into(),
    ))
}

/// Imports the NDJSON file at `path` as `sender`.
pub async fn import_directory(
    db: &DatabaseConnection,
    path: &Path,
    sender: &Sender,
) -> ApiResult<(import_file::Model, ImportReport)> {
    landing::import(db, path, sender, FileKind::Directory, async |run| read_and_write(db, path, sender, run.id).await)
        .await
}

async fn read_and_write(db: &DatabaseConnection, path: &Path, sender: &Sender, run: Uuid) -> ApiResult<ImportReport> {
    let editor: Option<Uuid> = staff::Entity::find()
        .select_only()
        .column(staff::Column::Id)
        .filter(staff::Column::Sub.eq(sender.actor.as_str()))
        .into_tuple()
        .one(db)
        .await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(1);
    let owned = path.to_owned();
    let reading = blocking(move || read_batches(&owned, &tx));
    // The writer owns the receiver: if it stops on an error, dropping the receiver frees the
    // reader from a full channel (a borrowed one would wait for a batch never taken).
    let writing = async move {
        let mut report = ImportReport::default();
        let mut analyzed = Analyzed::new(
            "patient (external_id), provider (external_id, npi), appointment (external_id), care_record (external_id)",
        );
        // Problems and notes listed so far, counted as they are (not summed again per batch).
        let mut listed = 0;
        while let Some(batch) = rx.recv().await {
            let notes = report.notes.len();
            write_batch(db, run, editor, batch, &mut report, MAX_LISTED.saturating_sub(listed)).await?;
            listed += report.notes.len() - notes + report.batches.last().map_or(0, |b| b.problems.len());
            analyzed.keep_up(db, report.created).await?;
        }
        Ok::<_, ApiError>((report, listed))
    };
    let (read, written) = tokio::join!(reading, writing);
    read?.map_err(|e| io_error(path, e))?;
    let (mut report, listed) = written?;
    if listed >= MAX_LISTED {
        report.notes.push(format!("more problems and notes than the {MAX_LISTED} listed: each batch says how many"));
    }
    if report.batches.is_empty() {
        report.file_problem = Some("the file holds no records: one JSON object a line".into());
    }
    Ok(report)
}

/// Writes one batch in its transaction, listing at most `room` of its problems and notes.
async fn write_batch(
    db: &DatabaseConnection,
    run: Uuid,
    editor: Option<Uuid>,
    mut batch: Batch,
    report: &mut ImportReport,
    room: usize,
) -> ApiResult<()> {
    if !batch.problems.is_empty() {
        report.refused += 1;
        report.batches.push(batch.report("refused", &batch.problems, room));
        return Ok(());
    }
    let txn = begin_write(db).await?;
    match write::write(&txn, run, editor, std::mem::take(&mut batch.lines)).await {
        Ok(written) => {
            txn.commit().await?;
            report.created += written.created;
            report.updated += written.updated;
            report.unchanged += written.unchanged;
            report.notes.extend(written.notes.into_iter().take(room));
            report.batches.push(batch.report("imported", &[], 0));
            Ok(())
        }
        Err(Refused::Lines(problems)) => {
            txn.rollback().await?;
            report.refused += 1;
            report.batches.push(batch.report("refused", &problems, room));
            Ok(())
        }
        Err(Refused::Failed(err)) => Err(err),
    }
}
