//! The GraphQL documents the console's pages send (their queries and their forms' mutations),
//! one `.graphql` file each under `documents/<page folder>/`, with the team whose member sends
//! it: `every_console_document_is_valid_for_its_team` runs each as that team against the schema.
//! (The accounting's CSV pages through a query built from the CSV writer's own field list.)

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
    COMPLIANCE_AUDIT_CSV: Compliance, "compliance/audit_csv.graphql";
    COMPLIANCE_PATIENT: Compliance, "compliance/patient.graphql";
    COMPLIANCE_LOOKUP: Compliance, "compliance/lookup.graphql";
    COMPLIANCE_ACCOUNTING_CSV: Compliance, "compliance/accounting_csv.graphql";
    COMPLIANCE_GRANTS: Compliance, "compliance/grants.graphql";
    CX_QUEUE: Cx, "cx/queue.graphql";
    CX_TICKET: Cx, "cx/ticket.graphql";
    MEDICAL_REVIEWS: Medical, "medical/reviews.graphql";
    MEDICAL_RECORDS: Medical, "medical/records.graphql";
    MEDICAL_RECORD: Medical, "medical/record.graphql";
    MEDICAL_REVIEW: Medical, "medical/review.graphql";
    MEDICAL_QUALITY: Medical, "medical/quality.graphql";
    MEDICAL_PROVIDER_REVIEWS: Medical, "medical/provider_reviews.graphql";
    OPS_QUEUE: Ops, "ops/queue.graphql";
    OPS_DENIALS: Ops, "ops/denials.graphql";
    OPS_ESCALATION: Ops, "ops/escalation.graphql";
    OPS_IMPORTS: Ops, "ops/imports.graphql";
    ADMIN_REVOKE_ROLE: Admin, "admin/revoke_role.graphql";
    ADMIN_GRANT_ROLE: Admin, "admin/grant_role.graphql";
    ADMIN_DEACTIVATE_STAFF: Admin, "admin/deactivate_staff.graphql";
    ADMIN_REACTIVATE_STAFF: Admin, "admin/reactivate_staff.graphql";
    ADMIN_MEMBER: Admin, "admin/member.graphql";
    APPROVALS_REJECT: Ops, "approvals/reject.graphql";
    APPROVALS_APPROVE: Ops, "approvals/approve.graphql";
    APPROVALS_INBOX: Ops, "approvals/inbox.graphql";
    APPROVALS_REQUEST: Ops, "approvals/request.graphql";
    APPROVALS_POLICY: Admin, "approvals/policy.graphql";
    APPROVALS_ACKNOWLEDGE: Ops, "approvals/acknowledge.graphql";
    COMPLIANCE_REVIEW_BREAK_GLASS: Compliance, "compliance/review_break_glass.graphql";
    COMPLIANCE_REQUEST_BREAK_GLASS: Medical, "compliance/request_break_glass.graphql";
    COMPLIANCE_END_BREAK_GLASS: Cx, "compliance/end_break_glass.graphql";
    COMPLIANCE_RECORD_AUTHORIZATION: Compliance, "compliance/record_authorization.graphql";
    COMPLIANCE_REVOKE_AUTHORIZATION: Compliance, "compliance/revoke_authorization.graphql";
    COMPLIANCE_RECORD_CONSENT: Compliance, "compliance/record_consent.graphql";
    COMPLIANCE_REVOKE_CONSENT: Compliance, "compliance/revoke_consent.graphql";
    COMPLIANCE_RECORD_RESTRICTION: Compliance, "compliance/record_restriction.graphql";
    COMPLIANCE_LIFT_RESTRICTION: Compliance, "compliance/lift_restriction.graphql";
    CX_ADD_TICKET_COMMENT: Cx, "cx/add_ticket_comment.graphql";
    CX_TRANSITION_TICKET: Cx, "cx/transition_ticket.graphql";
    CX_ASSIGN_TICKET: Cx, "cx/assign_ticket.graphql";
    MEDICAL_SAMPLE_FOR_REVIEW: Medical, "medical/sample_for_review.graphql";
    MEDICAL_EDIT_CARE_RECORD: Medical, "medical/edit_care_record.graphql";
    MEDICAL_START_CARE_REVIEW: Medical, "medical/start_care_review.graphql";
    MEDICAL_COMPLETE_CARE_REVIEW: Medical, "medical/complete_care_review.graphql";
    OPS_ESCALATE_DENIAL: Ops, "ops/escalate_denial.graphql";
    OPS_TRANSITION_ESCALATION: Ops, "ops/transition_escalation.graphql";
    OPS_ASSIGN_ESCALATION: Ops, "ops/assign_escalation.graphql";
    OPS_MATCH_REMITTANCE: Ops, "ops/match_remittance.graphql";
    OPS_DISMISS_REMITTANCE: Ops, "ops/dismiss_remittance.graphql";
}
