//! Data in: the one ingest path every outside system uses. Claims and remittances come as
//! X12 (read by the `x12` crate, stage by stage), the directory and care records as NDJSON
//! from the practice-management system.
//!
//! - [`landing`]: every file is landed once, by its SHA-256, with who sent it and when; the
//!   same file again changes nothing.
//! - [`remittance_import`]: an 835, read twice from its landed copy: once to judge every
//!   transaction set (nothing is written for a set that breaks any rule), once to write the
//!   sets that stood, each in its own transaction.
//! - [`claims_import`]: an 837P, the same way: claims created or updated by their number,
//!   linked to patients and providers ward knows, never to invented ones.
//! - [`directory`]: the practice-management system's NDJSON (patients, providers,
//!   appointments, care records), upserted by external id in batches of one transaction each.
//! - [`payment_effects`]: what a claim payment does to ward's claim: its paid amount, its
//!   status, the denials derived from its adjustments, its appeal deadline.
//! - [`report`]: what a run tells its sender: counts, and each refusal by position.
//! - [`import_run`] and [`unmatched`]: what ops and admin see of it in the schema: the runs
//!   with their reports, and the queue of remittance lines no claim matched.

pub mod claims_import;
pub mod directory;
mod import_run;
pub mod landing;
pub mod payment_effects;
pub mod remittance_import;
pub mod report;
mod unmatched;
pub mod unmatched_service;

pub use import_run::{ImportBatch, ImportRun, ImportRunQuery, ImportSet};
pub use landing::{FileKind, Sender};
pub use report::{BatchReport, ImportReport, SetReport};
pub use unmatched::{UnmatchedMutation, UnmatchedQuery, UnmatchedRemittance};

/// The ingest tool's queries.
#[derive(async_graphql::MergedObject, Default)]
pub struct IngestQuery(ImportRunQuery, UnmatchedQuery);

/// The ingest tool's mutations.
#[derive(async_graphql::MergedObject, Default)]
pub struct IngestMutation(UnmatchedMutation);
