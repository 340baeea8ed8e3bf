//! The GraphQL documents the console's pages ask, one `.graphql` file each under
//! `documents/<page folder>/`, with the team whose member asks it:
//! `every_console_document_is_valid_for_its_team` runs each as that team against the schema.

use policies::Role;

/// One document a page sends, and the team that sends it.
pub struct Document {
    /// Its file, under `documents/`.
    pub file: &'static str,
    pub team: Role,
    pub text: &'static str,
}

macro_rules! documents {
    ($($name:ident: $team:ident, $file:literal;)+) => {
        $(pub const $name: Document = Document { file: $file, team: Role::$team, text: include_str!(concat!("documents/", $file)) };)+
        /// Every document, for the test that validates them.
        pub const ALL: &[Document] = &[$($name),+];
    };
}

documents! {
    ADMIN_STAFF: Admin, "admin/staff.graphql";
    APPROVALS_QUEUE: Ops, "approvals/queue.graphql";
    COMPLIANCE_AUDIT: Compliance, "compliance/audit.graphql";
    COMPLIANCE_PATIENT: Compliance, "compliance/patient.graphql";
    COMPLIANCE_GRANTS: Compliance, "compliance/grants.graphql";
    CX_QUEUE: Cx, "cx/queue.graphql";
    CX_TICKET: Cx, "cx/ticket.graphql";
    MEDICAL_REVIEWS: Medical, "medical/reviews.graphql";
    MEDICAL_RECORDS: Medical, "medical/records.graphql";
    MEDICAL_RECORD: Medical, "medical/record.graphql";
    MEDICAL_REVIEW: Medical, "medical/review.graphql";
    MEDICAL_QUALITY: Medical, "medical/quality.graphql";
    OPS_QUEUE: Ops, "ops/queue.graphql";
    OPS_DENIALS: Ops, "ops/denials.graphql";
    OPS_ESCALATION: Ops, "ops/escalation.graphql";
}
