//! Compliance: break-glass (requested by care teams, reviewed here), who can see a patient,
//! the audit log and its export, finding a patient and their accounting of disclosures, and
//! what patients signed: authorizations (what alone opens psychotherapy notes), Part 2
//! consents (what opens substance-use disorder records) and restrictions (what keeps records
//! from whom the patient named), and records' security labels.

mod access_report;
pub mod accounting;
pub mod audit_export;
pub mod audit_log;
mod break_glass;
pub mod break_glass_service;
pub mod labels;
pub mod labels_service;
mod on_file;
pub mod on_file_service;
mod patient_lookup;

pub use access_report::AccessReportQuery;
pub use accounting::AccountingQuery;
pub use audit_export::AuditExportQuery;
pub use audit_log::AuditQuery;
pub use break_glass::{BreakGlassConfig, BreakGlassMutation, BreakGlassQuery};
pub use labels::LabelsMutation;
pub use on_file::{OnFileMutation, OnFileQuery};
pub use patient_lookup::PatientLookupQuery;

#[derive(async_graphql::MergedObject, Default)]
pub struct ComplianceQuery(
    BreakGlassQuery,
    AccessReportQuery,
    AuditQuery,
    AuditExportQuery,
    AccountingQuery,
    PatientLookupQuery,
    OnFileQuery,
);

#[derive(async_graphql::MergedObject, Default)]
pub struct ComplianceMutation(BreakGlassMutation, OnFileMutation, LabelsMutation);
