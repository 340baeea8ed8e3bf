//! ward's schema, one migration per file, each runnable up and down on PostgreSQL and SQLite.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261125_000001_create_staff_and_policy_rule;
mod m20261125_000002_create_directory;
mod m20261125_000003_create_medical;
mod m20261125_000004_create_ops;
mod m20261125_000005_create_cx;
mod m20261125_000006_create_access_workflows;
mod m20261125_000007_create_audit_event;
mod m20261125_000008_protect_audit_event;
mod m20261125_000009_create_audit_append_function;
mod m20261125_000010_create_ticket_history_and_macro;
mod m20261126_000011_seal_phi_core;
mod m20261126_000012_ops_workflow;
mod m20261126_000013_medical_workflow;
mod m20261126_000014_console_session;
mod m20261126_000015_audit_head_by_index;
mod m20261126_000016_queue_indexes;
mod m20261126_000017_staff_notify;
mod m20261126_000018_review_queue_index;
mod m20261126_000019_audit_append_in_one_insert;
mod m20261126_000020_one_waiting_change;
mod m20261126_000021_claim_appeal_deadline;
mod m20261202_000022_write_baseline_policy;
mod m20261203_000023_index_audit_questions;
mod m20261203_000024_create_ingest;
mod m20261203_000025_grant_ingest;
mod m20261203_000026_directory_external_ids;
mod m20261203_000027_unmatched_payments_index;
mod m20261203_000028_add_staff_title;
mod m20261203_000029_review_record_version;
mod m20261203_000030_escalation_write_off;
mod m20261203_000031_approval_seen_by_requester;
mod m20261207_000032_patient_authorization;
mod m20261208_000033_security_labels_and_consent;
pub mod policy_rules;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_staff_and_policy_rule::Migration),
            Box::new(m20261125_000002_create_directory::Migration),
            Box::new(m20261125_000003_create_medical::Migration),
            Box::new(m20261125_000004_create_ops::Migration),
            Box::new(m20261125_000005_create_cx::Migration),
            Box::new(m20261125_000006_create_access_workflows::Migration),
            Box::new(m20261125_000007_create_audit_event::Migration),
            Box::new(m20261125_000008_protect_audit_event::Migration),
            Box::new(m20261125_000009_create_audit_append_function::Migration),
            Box::new(m20261125_000010_create_ticket_history_and_macro::Migration),
            Box::new(m20261126_000011_seal_phi_core::Migration),
            Box::new(m20261126_000012_ops_workflow::Migration),
            Box::new(m20261126_000013_medical_workflow::Migration),
            Box::new(m20261126_000014_console_session::Migration),
            Box::new(m20261126_000015_audit_head_by_index::Migration),
            Box::new(m20261126_000016_queue_indexes::Migration),
            Box::new(m20261126_000017_staff_notify::Migration),
            Box::new(m20261126_000018_review_queue_index::Migration),
            Box::new(m20261126_000019_audit_append_in_one_insert::Migration),
            Box::new(m20261126_000020_one_waiting_change::Migration),
            Box::new(m20261126_000021_claim_appeal_deadline::Migration),
            Box::new(m20261202_000022_write_baseline_policy::Migration),
            Box::new(m20261203_000023_index_audit_questions::Migration),
            Box::new(m20261203_000024_create_ingest::Migration),
            Box::new(m20261203_000025_grant_ingest::Migration),
            Box::new(m20261203_000026_directory_external_ids::Migration),
            Box::new(m20261203_000027_unmatched_payments_index::Migration),
            Box::new(m20261203_000028_add_staff_title::Migration),
            Box::new(m20261203_000029_review_record_version::Migration),
            Box::new(m20261203_000030_escalation_write_off::Migration),
            Box::new(m20261203_000031_approval_seen_by_requester::Migration),
            Box::new(m20261207_000032_patient_authorization::Migration),
            Box::new(m20261208_000033_security_labels_and_consent::Migration),
        ]
    }
}
