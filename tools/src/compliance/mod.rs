//! Compliance: break-glass (requested by care teams, reviewed here), who can see a patient,
//! the audit log and its export, finding a patient and their accounting of disclosures, and
//! patients' authorizations on file (what alone opens psychotherapy notes).

mod access_report;
pub mod accounting;
mod audit_export;
pub mod audit_log;
mod authorization;
pub mod authorization_service;
mod break_glass;
pub mod break_glass_service;
mod patient_lookup;

pub use access_report::AccessReportQuery;
pub use accounting::AccountingQuery;
pub use audit_export::AuditExportQuery;
pub use audit_log::AuditQuery;
pub use authorization::{AuthorizationMutation, AuthorizationQuery};
pub use break_glass::{BreakGlassConfig, BreakGlassMutation, BreakGlassQuery};
pub use patient_lookup::PatientLookupQuery;

#[derive(async_graphql::MergedObject, Default)]
pub struct ComplianceQuery(
    BreakGlassQuery,
    AccessReportQuery,
    AuditQuery,
    AuditExportQuery,
    AccountingQuery,
    PatientLookupQuery,
    AuthorizationQuery,
);

#[derive(async_graphql::MergedObject, Default)]
pub struct ComplianceMutation(BreakGlassMutation, AuthorizationMutation);
