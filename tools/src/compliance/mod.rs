//! Compliance: break-glass (requested by care teams, reviewed here), who can see a patient,
//! the audit log and a patient's accounting of disclosures.

mod access_report;
pub mod accounting;
pub mod audit_log;
mod break_glass;
pub mod break_glass_service;

pub use access_report::AccessReportQuery;
pub use audit_log::AuditQuery;
pub use break_glass::{BreakGlassConfig, BreakGlassMutation, BreakGlassQuery};

#[derive(async_graphql::MergedObject, Default)]
pub struct ComplianceQuery(BreakGlassQuery, AccessReportQuery, AuditQuery);

#[derive(async_graphql::MergedObject, Default)]
pub struct ComplianceMutation(BreakGlassMutation);
