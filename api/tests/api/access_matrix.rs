//! The access table (docs/ARCHITECTURE.md), cell by cell, through the real server: every query, mutation and
//! PHI field, for every role, and for no token, a bad token and a deactivated member.
//! Each tool issue adds its operations to `operations()`.

use crate::helpers::*;
use serde_json::{Value, json};

/// The demo member who holds exactly one role.
const MEMBERS: [(&str, &str); 5] =
    [("cx", "alice"), ("ops", "owen"), ("medical", "maya"), ("compliance", "cora"), ("admin", "adam")];

/// One cell row: an operation, the field whose value it discloses, the roles allowed.
struct Operation {
    name: &'static str,
    document: &'static str,
    /// Response path of the value the cell is about (list steps take the first element).
    path: &'static [&'static str],
    allowed: &'static [&'static str],
}

const CARE: &[&str] = &["cx", "ops", "medical"];

#[allow(clippy::too_many_lines, reason = "the access table itself, a row per operation")]
fn operations() -> Vec<Operation> {
    let op = |name, document, path, allowed| Operation { name, document, path, allowed };
    vec![
        op("me", "{ me { sub } }", &["me", "sub"], &["cx", "ops", "medical", "compliance", "admin"]),
        // patient · read
        op(
            "patient",
            "query($patient: ID!) { patient(id: $patient) { id state createdAt } }",
            &["patient", "id"],
            CARE,
        ),
        op("patients", "{ patients(first: 2) { edges { node { id } } } }", &["patients", "edges", "node", "id"], CARE),
        op(
            "patient.memberIdLast4",
            "query($patient: ID!) { patient(id: $patient) { memberIdLast4 } }",
            &["patient", "memberIdLast4"],
            CARE,
        ),
        op(
            "patient.birthYear",
            "query($patient: ID!) { patient(id: $patient) { birthYear } }",
            &["patient", "birthYear"],
            CARE,
        ),
        // patient · contact
        op("patient.name", "query($patient: ID!) { patient(id: $patient) { name } }", &["patient", "name"], CARE),
        op(
            "patient.firstName",
            "query($patient: ID!) { patient(id: $patient) { firstName } }",
            &["patient", "firstName"],
            CARE,
        ),
        op(
            "patient.lastName",
            "query($patient: ID!) { patient(id: $patient) { lastName } }",
            &["patient", "lastName"],
            CARE,
        ),
        op("patient.email", "query($patient: ID!) { patient(id: $patient) { email } }", &["patient", "email"], CARE),
        op("patient.phone", "query($patient: ID!) { patient(id: $patient) { phone } }", &["patient", "phone"], CARE),
        op("patients(search)", "{ patients(search: \"ma\", first: 1) { edges { node { id } } } }", &["patients"], CARE),
        // patient · identity
        op(
            "patient.dateOfBirth",
            "query($patient: ID!) { patient(id: $patient) { dateOfBirth } }",
            &["patient", "dateOfBirth"],
            &["ops", "medical"],
        ),
        op(
            "patient.memberId",
            "query($patient: ID!) { patient(id: $patient) { memberId } }",
            &["patient", "memberId"],
            &["ops", "medical"],
        ),
        // ticket · read, comment; create, update, assign, transition (cx edits, care teams read)
        op("ticket", "query($ticket1: ID!) { ticket(id: $ticket1) { status } }", &["ticket", "status"], CARE),
        // ticket · correspondence
        op("ticket.subject", "query($ticket1: ID!) { ticket(id: $ticket1) { subject } }", &["ticket", "subject"], CARE),
        op(
            "ticket.description",
            "query($ticket1: ID!) { ticket(id: $ticket1) { description } }",
            &["ticket", "description"],
            CARE,
        ),
        op(
            "ticket.comments",
            "query($ticket1: ID!) { ticket(id: $ticket1) { comments { edges { node { id } } } } }",
            &["ticket", "comments"],
            CARE,
        ),
        op(
            "tickets(text)",
            "{ tickets(first: 2, filter: { text: \"session\" }) { edges { node { id } } } }",
            &["tickets"],
            CARE,
        ),
        op("tickets", "{ tickets(first: 2) { edges { node { id } } } }", &["tickets", "edges", "node", "id"], CARE),
        op(
            "patient.tickets",
            "query($patient: ID!) { patient(id: $patient) { tickets { edges { node { id } } } } }",
            &["patient", "tickets", "edges", "node", "id"],
            CARE,
        ),
        op("macros", "{ macros { name } }", &["macros", "name"], CARE),
        op(
            "renderMacro",
            "query($ticket1: ID!, $macro: ID!) { renderMacro(ticketId: $ticket1, macroId: $macro) { text } }",
            &["renderMacro", "text"],
            CARE,
        ),
        op(
            "addTicketComment",
            "mutation($ticket1: ID!) { addTicketComment(ticketId: $ticket1, body: \"Looking into it\") { body } }",
            &["addTicketComment", "body"],
            CARE,
        ),
        op(
            "createTicket",
            "mutation($patient: ID!) { createTicket(input: { subject: \"Billing question\", description: \"\", channel: EMAIL, patientId: $patient }) { id } }",
            &["createTicket", "id"],
            &["cx"],
        ),
        op(
            "updateTicket",
            "mutation($ticket1: ID!) { updateTicket(id: $ticket1, expectedVersion: 1, input: { priority: HIGH }) { version } }",
            &["updateTicket", "version"],
            &["cx"],
        ),
        op(
            "assignTicket",
            "mutation($ticket2: ID!) { assignTicket(id: $ticket2, expectedVersion: 1, assignee: \"alice\") { version } }",
            &["assignTicket", "version"],
            &["cx"],
        ),
        op(
            "transitionTicket",
            "mutation($ticket3: ID!) { transitionTicket(id: $ticket3, expectedVersion: 1, to: PENDING) { status } }",
            &["transitionTicket", "status"],
            &["cx"],
        ),
        op(
            "createMacro",
            "mutation { createMacro(name: \"Thanks\", body: \"Thank you, {{patient.firstName}}.\") { id } }",
            &["createMacro", "id"],
            &["cx"],
        ),
        // provider · read
        op("provider", "query($provider: ID!) { provider(id: $provider) { name npi } }", &["provider", "name"], CARE),
        // claim · read, denial · read, claim · clinical
        op(
            "claim",
            "query($claim: ID!) { claim(id: $claim) { claimNumber status billedCents } }",
            &["claim", "claimNumber"],
            &["cx", "ops"],
        ),
        op(
            "patient.claims",
            "query($patient: ID!) { patient(id: $patient) { claims { edges { node { id } } } } }",
            &["patient", "claims", "edges", "node", "id"],
            &["cx", "ops"],
        ),
        op(
            "claim.denials",
            "query($claim: ID!) { claim(id: $claim) { denials { carcGroup carcCode } } }",
            &["claim", "denials", "carcCode"],
            &["cx", "ops"],
        ),
        op(
            "claim.diagnosisCodes",
            "query($claim: ID!) { claim(id: $claim) { diagnosisCodes } }",
            &["claim", "diagnosisCodes"],
            &["ops"],
        ),
        op(
            "claim.procedureCodes",
            "query($claim: ID!) { claim(id: $claim) { procedureCodes } }",
            &["claim", "procedureCodes"],
            &["cx", "ops"],
        ),
        // claim · billing: procedure codes, amounts, payment status (one class)
        op(
            "claim.status",
            "query($claim: ID!) { claim(id: $claim) { status paidCents } }",
            &["claim", "status"],
            &["cx", "ops"],
        ),
        op(
            "claim.billedCents",
            "query($claim: ID!) { claim(id: $claim) { billedCents } }",
            &["claim", "billedCents"],
            &["cx", "ops"],
        ),
        op(
            "claim.paidCents",
            "query($claim: ID!) { claim(id: $claim) { paidCents } }",
            &["claim", "paidCents"],
            &["cx", "ops"],
        ),
        op(
            "claim.allowedCents",
            "query($paid: ID!) { claim(id: $paid) { allowedCents } }",
            &["claim", "allowedCents"],
            &["cx", "ops"],
        ),
        op(
            "denial.deniedCents",
            "query($claim: ID!) { claim(id: $claim) { denials { deniedCents } } }",
            &["claim", "denials", "deniedCents"],
            &["cx", "ops"],
        ),
        op(
            "denial.allowedCents",
            "query($won: ID!) { escalation(id: $won) { denial { allowedCents } } }",
            &["escalation", "denial", "allowedCents"],
            &["cx", "ops"],
        ),
        op(
            "claims",
            "{ claims(first: 2) { edges { node { claimNumber } } } }",
            &["claims", "edges", "node", "claimNumber"],
            &["cx", "ops"],
        ),
        op(
            "claims(status)",
            "{ claims(first: 2, filter: { status: [DENIED] }) { edges { node { id } } } }",
            &["claims", "edges", "node", "id"],
            &["cx", "ops"],
        ),
        // claims sorted by deadline, and a claim's deadline, read denials (cx, ops)
        op(
            "claims(orderBy: DEADLINE)",
            "{ claims(first: 2, orderBy: DEADLINE) { edges { node { id } } } }",
            &["claims", "edges", "node", "id"],
            &["cx", "ops"],
        ),
        op(
            "claim.appealDeadline",
            "query($claim: ID!) { claim(id: $claim) { daysLeft appealDeadline } }",
            &["claim", "appealDeadline"],
            &["cx", "ops"],
        ),
        op(
            "denials",
            "{ denials(first: 2) { edges { node { carcCode daysLeft } } } }",
            &["denials", "edges", "node", "carcCode"],
            &["cx", "ops"],
        ),
        op("payers", "{ payers { name level1AppealDays } }", &["payers", "name"], &["cx", "ops"]),
        // escalation · read (cx, ops); create, assign, transition (ops)
        op(
            "escalation",
            "query($escalation: ID!) { escalation(id: $escalation) { status daysLeft payer } }",
            &["escalation", "status"],
            &["cx", "ops"],
        ),
        op(
            "escalations",
            "{ escalations(first: 2) { edges { node { id appealDeadline } } } }",
            &["escalations", "edges", "node", "id"],
            &["cx", "ops"],
        ),
        op(
            "escalations(minAmount)",
            "{ escalations(first: 2, filter: { minAmount: 1 }) { edges { node { id } } } }",
            &["escalations", "edges", "node", "id"],
            &["cx", "ops"],
        ),
        op(
            "escalation.summary",
            "query($escalation: ID!) { escalation(id: $escalation) { summary } }",
            &["escalation", "summary"],
            &["cx", "ops"],
        ),
        op(
            "escalation.amountAtStake",
            "query($escalation: ID!) { escalation(id: $escalation) { amountAtStake } }",
            &["escalation", "amountAtStake"],
            &["cx", "ops"],
        ),
        op(
            "escalation.recoveredCents",
            "query($won: ID!) { escalation(id: $won) { recoveredCents } }",
            &["escalation", "recoveredCents"],
            &["cx", "ops"],
        ),
        op(
            "escalation.history",
            "query($escalation: ID!) { escalation(id: $escalation) { history { edges { node { kind } } } } }",
            &["escalation", "history", "edges", "node", "kind"],
            &["cx", "ops"],
        ),
        op(
            "escalation.claim",
            "query($escalation: ID!) { escalation(id: $escalation) { claim { claimNumber } } }",
            &["escalation", "claim", "claimNumber"],
            &["cx", "ops"],
        ),
        op(
            "escalation.patient",
            "query($escalation: ID!) { escalation(id: $escalation) { patient { id } } }",
            &["escalation", "patient", "id"],
            &["cx", "ops"],
        ),
        op(
            "escalation.openBalanceCents",
            "query($escalation: ID!) { escalation(id: $escalation) { openBalanceCents } }",
            &["escalation", "openBalanceCents"],
            &["cx", "ops"],
        ),
        op(
            "escalation.writtenOffCents",
            "query($writtenOff: ID!) { escalation(id: $writtenOff) { writtenOffCents } }",
            &["escalation", "writtenOffCents"],
            &["cx", "ops"],
        ),
        op(
            "escalation.requestedWriteOffCents",
            "query($waiting: ID!) { escalation(id: $waiting) { requestedWriteOffCents } }",
            &["escalation", "requestedWriteOffCents"],
            &["cx", "ops"],
        ),
        // An appeal argues medical necessity from the diagnosis: clinical, ops only.
        op(
            "appeal.sent",
            "query($escalation: ID!) { escalation(id: $escalation) { appeals { sent } } }",
            &["escalation", "appeals", "sent"],
            &["ops"],
        ),
        op(
            "escalationSummary",
            "{ escalationSummary { byStatus { key count } recoveryRate } }",
            &["escalationSummary", "byStatus", "key"],
            &["cx", "ops"],
        ),
        op(
            "escalateDenial",
            "mutation($denial: ID!) { escalateDenial(denialId: $denial, reason: \"Authorization was on file\") { id } }",
            &["escalateDenial", "id"],
            &["ops"],
        ),
        op(
            "assignEscalation",
            "mutation($fresh1: ID!) { assignEscalation(id: $fresh1, expectedVersion: 1, assignee: \"olga\") { version } }",
            &["assignEscalation", "version"],
            &["ops"],
        ),
        op(
            "transitionEscalation",
            "mutation($fresh2: ID!) { transitionEscalation(id: $fresh2, expectedVersion: 1, to: IN_REVIEW, note: \"Pulling the records\") { status } }",
            &["transitionEscalation", "status"],
            &["ops"],
        ),
        // care_record · read, clinical
        op(
            "careRecord",
            "query($record: ID!) { careRecord(id: $record) { id kind } }",
            &["careRecord", "id"],
            &["medical"],
        ),
        op(
            "patient.careRecords",
            "query($patient: ID!) { patient(id: $patient) { careRecords { edges { node { id } } } } }",
            &["patient", "careRecords", "edges", "node", "id"],
            &["medical"],
        ),
        op(
            "careRecord.body",
            "query($record: ID!) { careRecord(id: $record) { body } }",
            &["careRecord", "body"],
            &["medical"],
        ),
        op(
            "careRecord.diagnosisCodes",
            "query($record: ID!) { careRecord(id: $record) { diagnosisCodes } }",
            &["careRecord", "diagnosisCodes"],
            &["medical"],
        ),
        op(
            "careRecords",
            "{ careRecords(first: 2) { edges { node { id } } } }",
            &["careRecords", "edges", "node", "id"],
            &["medical"],
        ),
        op(
            "careRecord.revisions",
            "query($edited: ID!) { careRecord(id: $edited) { revisions { edges { node { body reason } } } } }",
            &["careRecord", "revisions", "edges", "node", "body"],
            &["medical"],
        ),
        op(
            "careRecord.diff",
            "query($edited: ID!, $revision: ID!) { careRecord(id: $edited) { diff(fromRevision: $revision) { text } } }",
            &["careRecord", "diff", "text"],
            &["medical"],
        ),
        op(
            "careRecord.codeChanges",
            "query($edited: ID!, $revision: ID!) { careRecord(id: $edited) { codeChanges(fromRevision: $revision) { change code } } }",
            &["careRecord", "codeChanges"],
            &["medical"],
        ),
        op(
            "amendmentRequest.reason",
            "query($amended: ID!) { careRecord(id: $amended) { amendments { reason } } }",
            &["careRecord", "amendments", "reason"],
            &["medical"],
        ),
        op(
            "pendingAmendment.diff",
            "query($amended: ID!) { careRecord(id: $amended) { pendingAmendment { diff { text } } } }",
            &["careRecord", "pendingAmendment", "diff"],
            &["medical"],
        ),
        op(
            "pendingAmendment.codeChanges",
            "query($amended: ID!) { careRecord(id: $amended) { pendingAmendment { codeChanges { code } } } }",
            &["careRecord", "pendingAmendment", "codeChanges"],
            &["medical"],
        ),
        op(
            "recordVersion.body",
            "query($completed: ID!) { careReview(id: $completed) { scoredVersion { body } } }",
            &["careReview", "scoredVersion", "body"],
            &["medical"],
        ),
        op(
            "recordVersion.diagnosisCodes",
            "query($completed: ID!) { careReview(id: $completed) { scoredVersion { diagnosisCodes } } }",
            &["careReview", "scoredVersion", "diagnosisCodes"],
            &["medical"],
        ),
        op(
            "pendingAmendment.body",
            "query($amended: ID!) { careRecord(id: $amended) { pendingAmendment { body } } }",
            &["careRecord", "pendingAmendment", "body"],
            &["medical"],
        ),
        op(
            "pendingAmendment.diagnosisCodes",
            "query($amended: ID!) { careRecord(id: $amended) { pendingAmendment { diagnosisCodes } } }",
            &["careRecord", "pendingAmendment", "diagnosisCodes"],
            &["medical"],
        ),
        op(
            "pendingAmendment.reason",
            "query($amended: ID!) { careRecord(id: $amended) { pendingAmendment { reason } } }",
            &["careRecord", "pendingAmendment", "reason"],
            &["medical"],
        ),
        op(
            "editCareRecord",
            "mutation($editable: ID!) { editCareRecord(id: $editable, expectedVersion: 1, input: { body: \"Rewritten note\" }, reason: \"Corrected the session summary\") { version } }",
            &["editCareRecord", "version"],
            &["medical"],
        ),
        // care_review · read (medical, compliance); create, complete (medical)
        op(
            "careReview",
            "query($completed: ID!) { careReview(id: $completed) { score flags } }",
            &["careReview", "score"],
            &["medical", "compliance"],
        ),
        op(
            "careReview.findings",
            "query($completed: ID!) { careReview(id: $completed) { findings } }",
            &["careReview", "findings"],
            &["medical"],
        ),
        op(
            "careReviews",
            "{ careReviews(first: 2) { edges { node { status } } } }",
            &["careReviews", "edges", "node", "status"],
            &["medical", "compliance"],
        ),
        op("reviewFlags", "{ reviewFlags { name } }", &["reviewFlags", "name"], &["medical", "compliance"]),
        op(
            "providerQuality",
            "query($provider: ID!) { providerQuality(providerId: $provider) { reviews } }",
            &["providerQuality", "reviews"],
            &["medical", "compliance"],
        ),
        op(
            "providerQualityRanking",
            "{ providerQualityRanking(from: \"2024-01-01\", first: 3) { reviews } }",
            &["providerQualityRanking", "reviews"],
            &["medical", "compliance"],
        ),
        op(
            "rankedProviders",
            "{ rankedProviders(from: \"2024-01-01\", first: 3) { totalCount edges { node { rank reviews } } } }",
            &["rankedProviders", "totalCount"],
            &["medical", "compliance"],
        ),
        op(
            "startCareReview",
            "mutation($startable: ID!) { startCareReview(careRecordId: $startable) { status } }",
            &["startCareReview", "status"],
            &["medical"],
        ),
        op(
            "completeCareReview",
            "mutation($started: ID!) { completeCareReview(id: $started, expectedVersion: 1, input: { score: 4, findings: \"Clear plan\" }) { status } }",
            &["completeCareReview", "status"],
            &["medical"],
        ),
        op(
            "sampleForReview",
            "mutation { sampleForReview(size: 1) { status } }",
            &["sampleForReview", "status"],
            &["medical"],
        ),
        // audit · read
        op(
            "accessReport",
            "query($patient: ID!) { accessReport(patientId: $patient) { policyVersion entries { sub } } }",
            &["accessReport", "policyVersion"],
            &["compliance"],
        ),
        op(
            "auditEvents",
            "{ auditEvents(first: 2) { edges { node { seq actor } } } }",
            &["auditEvents", "edges", "node", "seq"],
            &["compliance"],
        ),
        op("auditEventCount", "{ auditEventCount }", &["auditEventCount"], &["compliance"]),
        op("auditEventsCsv", "{ auditEventsCsv(filter: { actor: \"owen\" }) }", &["auditEventsCsv"], &["compliance"]),
        op(
            "accountingReport",
            "query($patient: ID!) { accountingReport(patientId: $patient) { patientName lines { what } } }",
            &["accountingReport", "patientName"],
            &["compliance"],
        ),
        op(
            "patientLookup",
            "{ patientLookup(search: \"an\", first: 2) { edges { node { id name } } } }",
            &["patientLookup", "edges", "node", "id"],
            &["compliance"],
        ),
        op(
            "disclosures",
            "query($patient: ID!) { disclosures(patientId: $patient) { edges { node { actor } } } }",
            &["disclosures"],
            &["compliance"],
        ),
        // care_record · psychotherapy_notes: no role (only an authorization on file opens it)
        op(
            "careRecord.body(psychotherapy_note)",
            "query($note: ID!) { careRecord(id: $note) { body } }",
            &["careRecord", "body"],
            &[],
        ),
        op(
            "careRecord.revisions(psychotherapy_note)",
            "query($note: ID!) { careRecord(id: $note) { revisions { edges { node { body } } } } }",
            &["careRecord", "revisions"],
            &[],
        ),
        // authorization · read, create, update: compliance
        op(
            "authorizations",
            "query($patient: ID!) { authorizations(patientId: $patient) { id teams } }",
            &["authorizations"],
            &["compliance"],
        ),
        op(
            "recordAuthorization",
            "mutation($patient: ID!) { recordAuthorization(input: { patientId: $patient, teams: [\"medical\"], purposes: [TREATMENT], validFrom: \"2026-01-01\", validUntil: \"2027-12-31\", document: \"Signed release, for the matrix\" }) { id } }",
            &["recordAuthorization", "id"],
            &["compliance"],
        ),
        op(
            "revokeAuthorization",
            "mutation($authorization: ID!) { revokeAuthorization(id: $authorization, reason: \"The patient revoked it\") { inForce } }",
            &["revokeAuthorization", "inForce"],
            &["compliance"],
        ),
        // consent · read, create, update: compliance
        op(
            "consents",
            "query($patient: ID!) { consents(patientId: $patient) { id covers } }",
            &["consents"],
            &["compliance"],
        ),
        op(
            "recordConsent",
            "mutation($patient: ID!) { recordConsent(input: { patientId: $patient, covers: [\"sud_part2\"], teams: [\"ops\"], purposes: [PAYMENT], validFrom: \"2026-01-01\", validUntil: \"2027-12-31\", document: \"Signed Part 2 consent, for the matrix\" }) { id } }",
            &["recordConsent", "id"],
            &["compliance"],
        ),
        op(
            "revokeConsent",
            "mutation($consent: ID!) { revokeConsent(id: $consent, reason: \"The patient revoked it\") { inForce } }",
            &["revokeConsent", "inForce"],
            &["compliance"],
        ),
        // restriction · read, create, update: compliance
        op(
            "restrictions",
            "query($patient: ID!) { restrictions(patientId: $patient) { id covers } }",
            &["restrictions"],
            &["compliance"],
        ),
        op(
            "recordRestriction",
            "mutation($patient: ID!) { recordRestriction(input: { patientId: $patient, covers: [\"restricted\"], purposes: [PAYMENT], validFrom: \"2026-01-01\", validUntil: \"2027-12-31\", document: \"The patient's written request, for the matrix\" }) { id } }",
            &["recordRestriction", "id"],
            &["compliance"],
        ),
        op(
            "liftRestriction",
            "mutation($restriction: ID!) { liftRestriction(id: $restriction, reason: \"The patient withdrew the request\") { id } }",
            &["liftRestriction", "id"],
            &["compliance"],
        ),
        // label · create, update: medical and compliance
        op(
            "addSecurityLabel",
            "mutation($appointment: ID!) { addSecurityLabel(resource: APPOINTMENT, id: $appointment, label: RESTRICTED, reason: \"Paid out of pocket, for the matrix\") { labels } }",
            &["addSecurityLabel", "labels"],
            &["medical", "compliance"],
        ),
        op(
            "removeSecurityLabel",
            "mutation($labelled: ID!) { removeSecurityLabel(resource: APPOINTMENT, id: $labelled, label: RESTRICTED, reason: \"Labelled by mistake, for the matrix\") { id } }",
            &["removeSecurityLabel", "id"],
            &["medical", "compliance"],
        ),
        // break_glass · request, review
        op(
            "requestBreakGlass",
            "mutation($other: ID!) { requestBreakGlass(patientId: $other, reason: \"Patient in crisis on the phone, verifying identity\") { id } }",
            &["requestBreakGlass", "id"],
            CARE,
        ),
        // Only the requester (milo, outside this table) or compliance ends a grant.
        op(
            "endBreakGlass",
            "mutation($milos: ID!) { endBreakGlass(id: $milos) { active } }",
            &["endBreakGlass", "active"],
            &["compliance"],
        ),
        op(
            "breakGlassGrants",
            "{ breakGlassGrants(first: 5) { edges { node { id reason } } } }",
            &["breakGlassGrants", "edges", "node", "id"],
            &["compliance"],
        ),
        // Anyone's own grants, and only their own (`a_member_sees_only_their_own_emergency_access`).
        op(
            "myBreakGlassGrants",
            "{ myBreakGlassGrants { id active } }",
            &["myBreakGlassGrants"],
            &["cx", "ops", "medical", "compliance", "admin"],
        ),
        op(
            "reviewBreakGlass",
            "mutation($grant: ID!) { reviewBreakGlass(id: $grant, expectedVersion: 1, verdict: JUSTIFIED) { reviewStatus } }",
            &["reviewBreakGlass", "reviewStatus"],
            &["compliance"],
        ),
        // staff · read, manage; policy · read, edit
        op(
            "staffMembers",
            "{ staffMembers(first: 3) { edges { node { sub roles } } } }",
            &["staffMembers", "edges", "node", "sub"],
            &["admin"],
        ),
        op(
            "grantRole",
            "mutation { grantRole(sub: \"olga\", role: \"ops\") { roles } }",
            &["grantRole", "roles"],
            &["admin"],
        ),
        op(
            "revokeRole",
            "mutation { revokeRole(sub: \"milo\", role: \"cx\") { roles } }",
            &["revokeRole", "roles"],
            &["admin"],
        ),
        op(
            "deactivateStaff",
            "mutation { deactivateStaff(sub: \"dan\", expectedVersion: 1) { active } }",
            &["deactivateStaff", "active"],
            &["admin"],
        ),
        // Dan, deactivated above (version 2), holds cx: his return waits for a second admin.
        op(
            "reactivateStaff",
            "mutation { reactivateStaff(sub: \"dan\", expectedVersion: 2, reason: \"Back from leave\") { active } }",
            &["reactivateStaff", "active"],
            &["admin"],
        ),
        op("staffMember", "{ staffMember(sub: \"alice\") { sub } }", &["staffMember", "sub"], &["admin"]),
        op(
            "staffMember.soleApproverOf",
            "{ staffMember(sub: \"adam\") { soleApproverOf { id } } }",
            &["staffMember", "soleApproverOf"],
            &["admin"],
        ),
        op("policy", "{ policy { version permissions { role resource action } } }", &["policy", "version"], &["admin"]),
        // Four eyes: everyone sees the queue they may decide (and their own requests); a
        // second admin decides a role grant.
        op(
            "pendingApprovals",
            "{ pendingApprovals { edges { node { id } } } }",
            &["pendingApprovals"],
            &["cx", "ops", "medical", "compliance", "admin"],
        ),
        op(
            "pendingApproval",
            "query($approval2: ID!) { pendingApproval(id: $approval2) { id kind } }",
            &["pendingApproval", "id"],
            &["admin"],
        ),
        op(
            "approvalInbox",
            "{ approvalInbox { waiting } }",
            &["approvalInbox", "waiting"],
            &["cx", "ops", "medical", "compliance", "admin"],
        ),
        op(
            "acknowledgeDecisions",
            "mutation($approval2: ID!) { acknowledgeDecisions(ids: [$approval2]) }",
            &["acknowledgeDecisions"],
            &["cx", "ops", "medical", "compliance", "admin"],
        ),
        op(
            "approve",
            "mutation($approval1: ID!) { approve(id: $approval1, expectedVersion: 1) { status } }",
            &["approve", "status"],
            &["admin"],
        ),
        op(
            "reject",
            "mutation($approval2: ID!) { reject(id: $approval2, expectedVersion: 1, note: \"Not needed for the rota\") { status } }",
            &["reject", "status"],
            &["admin"],
        ),
        op(
            "addPolicyRule",
            "mutation { addPolicyRule(role: \"cx\", resource: \"patient\", action: \"read\") { version } }",
            &["addPolicyRule", "version"],
            &["admin"],
        ),
        // ingest · read: ops, admin; ingest · update with claim · billing: ops
        op(
            "importRuns",
            "{ importRuns(first: 5) { edges { node { status sets { outcome } } } } }",
            &["importRuns", "edges", "node", "status"],
            &["ops", "admin"],
        ),
        op(
            "unmatchedRemittances",
            "{ unmatchedRemittances(first: 5) { edges { node { claimNumber paidCents } } } }",
            &["unmatchedRemittances", "edges", "node", "claimNumber"],
            &["ops"],
        ),
        op(
            "matchRemittance",
            "mutation($unmatched1: ID!, $claimNumber: String!) { matchRemittance(id: $unmatched1, claimNumber: $claimNumber, note: \"a typo in the claim number\") }",
            &["matchRemittance"],
            &["ops"],
        ),
        op(
            "dismissRemittance",
            "mutation($unmatched2: ID!) { dismissRemittance(id: $unmatched2, note: \"not a claim of ours at all\") }",
            &["dismissRemittance"],
            &["ops"],
        ),
        op(
            "removePolicyRule",
            "mutation { removePolicyRule(role: \"compliance\", resource: \"appointment\", action: \"read\") { version } }",
            &["removePolicyRule", "version"],
            &["admin"],
        ),
    ]
}

/// The value at `path`; list steps take the first element.
fn value_at<'a>(data: &'a Value, path: &[&str]) -> &'a Value {
    let mut value = data;
    for step in path {
        while let Value::Array(items) = value {
            value = items.first().unwrap_or(&Value::Null);
        }
        value = &value[*step];
    }
    value
}

/// A FORBIDDEN error at `path` or above it (a refused parent hides its children).
fn forbidden_on_path(body: &Value, path: &[&str]) -> bool {
    body["errors"].as_array().is_some_and(|errors| {
        errors.iter().any(|e| {
            let at: Vec<&str> =
                e["path"].as_array().map(|p| p.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            e["extensions"]["code"] == "FORBIDDEN" && !at.is_empty() && path.starts_with(&at)
        })
    })
}

/// Ids the operations refer to, and the state the mutations need.
#[allow(clippy::too_many_lines, reason = "one record of each kind the rows read, made in order")]
async fn arrange(app: &TestApp) -> Value {
    let rows = app
        .sql("SELECT c.id AS claim, c.patient_id AS patient FROM claim c JOIN denial d ON d.claim_id = c.id ORDER BY c.id LIMIT 1")
        .await;
    let claim: uuid::Uuid = rows[0].try_get("", "claim").unwrap();
    let patient: uuid::Uuid = rows[0].try_get("", "patient").unwrap();
    let record = care_record_of(app, patient).await.expect("a patient with a claim has care records");
    let other: uuid::Uuid =
        app.sql("SELECT id FROM patient ORDER BY id DESC LIMIT 1").await[0].try_get("", "id").unwrap();
    assert_ne!(other, patient);
    let provider: uuid::Uuid =
        app.sql("SELECT id FROM provider ORDER BY id LIMIT 1").await[0].try_get("", "id").unwrap();

    // A grant for compliance to review, a role for admin to revoke, a rule for admin to remove.
    let grant = app
        .gql("alice", "mutation($p: ID!) { requestBreakGlass(patientId: $p, reason: \"Caller reports an emergency, confirming identity\") { id } }", json!({ "p": other }))
        .await;
    let grant = grant["data"]["requestBreakGlass"]["id"].clone();
    assert!(grant.is_string(), "{grant}");
    let milos = app
        .gql("milo", "mutation($p: ID!) { requestBreakGlass(patientId: $p, reason: \"Covering a colleague's crisis call, verifying identity\") { id } }", json!({ "p": other }))
        .await;
    let milos = milos["data"]["requestBreakGlass"]["id"].clone();
    assert!(milos.is_string(), "{milos}");
    let paid: uuid::Uuid =
        app.sql("SELECT id FROM claim WHERE status = 'paid' ORDER BY id LIMIT 1").await[0].try_get("", "id").unwrap();
    crate::fixtures::grant_approved(app, "milo", "cx").await;
    let setup = app
        .gql(
            "adam",
            "mutation { addPolicyRule(role: \"compliance\", resource: \"appointment\", action: \"read\") { version } }",
            json!({}),
        )
        .await;
    assert!(setup["errors"].is_null(), "{setup}");
    // Two requests of ada's for adam to decide: one to approve, one to reject.
    let mut asked = Vec::new();
    for (sub, role) in [("olga", "cx"), ("milo", "ops")] {
        let body = app
            .gql(
                "ada",
                "mutation($s: String!, $r: String!) { grantRole(sub: $s, role: $r) { sub } }",
                json!({ "s": sub, "r": role }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        let queue = app
            .gql(
                "adam",
                "{ pendingApprovals(filter: { status: PENDING }) { edges { node { id change } } } }",
                json!({}),
            )
            .await;
        let id = queue["data"]["pendingApprovals"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["change"]["sub"] == sub)
            .unwrap()["node"]["id"]
            .clone();
        asked.push(id);
    }
    // An escalation with appeals, a won one, two fresh ones (version 1) and a denial to escalate.
    let with_appeal: uuid::Uuid =
        app.sql("SELECT escalation_id AS id FROM appeal ORDER BY escalation_id LIMIT 1").await[0]
            .try_get("", "id")
            .unwrap();
    let won: uuid::Uuid = app.sql("SELECT id FROM escalation WHERE status = 'won' ORDER BY id LIMIT 1").await[0]
        .try_get("", "id")
        .unwrap();
    let free: Vec<uuid::Uuid> = app
        .sql("SELECT d.id AS id FROM denial d WHERE NOT EXISTS (SELECT 1 FROM escalation e WHERE e.denial_id = d.id) ORDER BY d.id LIMIT 3")
        .await
        .iter()
        .map(|r| r.try_get("", "id").unwrap())
        .collect();
    let mut fresh = Vec::new();
    for denial in &free[..2] {
        let body = app
            .gql(
                "olga",
                "mutation($d: ID!) { escalateDenial(denialId: $d, reason: \"Set up for the matrix\") { id } }",
                json!({ "d": denial }),
            )
            .await;
        fresh.push(body["data"]["escalateDenial"]["id"].clone());
        assert!(fresh.last().unwrap().is_string(), "{body}");
    }
    // A write-off waiting for a second ops member, and one written off (from the seed).
    let big: uuid::Uuid = app
        .sql(
            "SELECT d.id AS id FROM denial d WHERE NOT EXISTS (SELECT 1 FROM escalation e WHERE e.denial_id = d.id) \
              AND d.denied_cents >= 50000 ORDER BY d.id DESC LIMIT 1",
        )
        .await[0]
        .try_get("", "id")
        .unwrap();
    let escalated = app
        .gql("olga", "mutation($d: ID!) { escalateDenial(denialId: $d, reason: \"Set up for the matrix\") { id openBalanceCents } }", json!({ "d": big }))
        .await;
    let waiting = escalated["data"]["escalateDenial"]["id"].clone();
    let write_off = json!({ "amountCents": escalated["data"]["escalateDenial"]["openBalanceCents"], "adjustmentGroup": "CO", "adjustmentCode": "45" });
    let body = app
        .gql(
            "olga",
            "mutation($id: ID!, $w: WriteOffInput!) { transitionEscalation(id: $id, expectedVersion: 1, to: WRITTEN_OFF, note: \"Not worth an appeal\", writeOff: $w) { requestedWriteOffCents } }",
            json!({ "id": waiting, "w": write_off }),
        )
        .await;
    assert!(body["data"]["transitionEscalation"]["requestedWriteOffCents"].is_number(), "{body}");
    let written_off: uuid::Uuid =
        app.sql("SELECT id FROM escalation WHERE written_off_cents IS NOT NULL ORDER BY id LIMIT 1").await[0]
            .try_get("", "id")
            .unwrap();
    // Care records in every state the medical rows need.
    let fresh_records: Vec<uuid::Uuid> = app
        .sql("SELECT r.id AS id FROM care_record r WHERE NOT EXISTS (SELECT 1 FROM care_review v WHERE v.care_record_id = r.id) \
              AND NOT EXISTS (SELECT 1 FROM care_record_revision x WHERE x.care_record_id = r.id) ORDER BY r.id LIMIT 6")
        .await
        .iter()
        .map(|r| r.try_get("", "id").unwrap())
        .collect();
    let medical = |query: &'static str, record: uuid::Uuid, who: &'static str| async move {
        let body = app.gql(who, query, json!({ "r": record })).await;
        assert!(body["errors"].is_null(), "{body}");
        body
    };
    let edit = "mutation($r: ID!) { editCareRecord(id: $r, expectedVersion: 1, input: { body: \"Amended note\" }, reason: \"Set up for the matrix\") { version } }";
    let start = "mutation($r: ID!) { startCareReview(careRecordId: $r) { id version } }";
    medical(edit, fresh_records[0], "milo").await;
    let revision: uuid::Uuid =
        app.sql("SELECT id FROM care_record_revision ORDER BY id DESC LIMIT 1").await[0].try_get("", "id").unwrap();
    let signed = medical(start, fresh_records[1], "milo").await;
    let signed = &signed["data"]["startCareReview"];
    let complete = app
        .gql("milo", "mutation($id: ID!, $v: Int!) { completeCareReview(id: $id, expectedVersion: $v, input: { score: 3, findings: \"Fine\" }) { id } }", json!({ "id": signed["id"], "v": signed["version"] }))
        .await;
    assert!(complete["errors"].is_null(), "{complete}");
    let amend = "mutation($r: ID!) { editCareRecord(id: $r, expectedVersion: 1, input: { body: \"Amended note\", diagnosisCodes: [\"F41.1\"] }, reason: \"Set up for the matrix\") { version } }";
    medical(amend, fresh_records[1], "maya").await;
    let started = medical(start, fresh_records[2], "maya").await["data"]["startCareReview"]["id"].clone();
    let completed = complete["data"]["completeCareReview"]["id"].clone();
    let mut tickets = Vec::new();
    for _ in 0..3 {
        tickets.push(crate::tickets::create_ticket(app, patient, "NORMAL").await["id"].clone());
    }
    let macros = app.gql("alice", "{ macros { id name } }", json!({})).await;
    let masked = macros["data"]["macros"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Masked identity check")
        .unwrap()["id"]
        .clone();
    let unmatched = unmatched_lines(app).await;
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        entities::care_record::Entity::update_many()
            .col_expr(entities::care_record::Column::Kind, Expr::value("psychotherapy_note"))
            .filter(entities::care_record::Column::Id.eq(fresh_records[5]))
            .exec(&app.db)
            .await
            .unwrap();
    }
    let authorization = app
        .gql("cora", "mutation($p: ID!) { recordAuthorization(input: { patientId: $p, teams: [\"medical\"], purposes: [TREATMENT], validFrom: \"2026-01-01\", validUntil: \"2027-12-31\", document: \"Signed release, for the matrix\" }) { id } }", json!({ "p": patient }))
        .await["data"]["recordAuthorization"]["id"]
        .clone();
    assert!(authorization.is_string(), "an authorization to revoke");
    let consent = app
        .gql("cora", "mutation($p: ID!) { recordConsent(input: { patientId: $p, covers: [\"sud_part2\"], teams: [\"ops\"], purposes: [PAYMENT], validFrom: \"2026-01-01\", validUntil: \"2027-12-31\", document: \"Signed Part 2 consent, for the matrix\" }) { id } }", json!({ "p": patient }))
        .await["data"]["recordConsent"]["id"]
        .clone();
    assert!(consent.is_string(), "a consent to revoke");
    let restriction = app
        .gql("cora", "mutation($p: ID!) { recordRestriction(input: { patientId: $p, covers: [\"restricted\"], purposes: [PAYMENT], validFrom: \"2026-01-01\", validUntil: \"2027-12-31\", document: \"The patient's written request, for the matrix\" }) { id } }", json!({ "p": patient }))
        .await["data"]["recordRestriction"]["id"]
        .clone();
    assert!(restriction.is_string(), "a restriction to lift");
    let (appointment, labelled) = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};
        let two = entities::appointment::Entity::find()
            .order_by_asc(entities::appointment::Column::Id)
            .limit(2)
            .all(&app.db)
            .await
            .unwrap();
        entities::appointment::Entity::update_many()
            .col_expr(entities::appointment::Column::SecurityLabels, Expr::value("restricted"))
            .filter(entities::appointment::Column::Id.eq(two[1].id))
            .exec(&app.db)
            .await
            .unwrap();
        (two[0].id, two[1].id)
    };
    let claim_number: String = {
        use sea_orm::EntityTrait;
        entities::claim::Entity::find_by_id(claim).one(&app.db).await.unwrap().unwrap().claim_number
    };
    json!({ "patient": patient, "claim": claim, "paid": paid, "milos": milos, "approval1": asked[0], "approval2": asked[1], "record": record, "other": other, "provider": provider, "grant": grant,
            "ticket1": tickets[0], "ticket2": tickets[1], "ticket3": tickets[2], "macro": masked,
            "edited": fresh_records[0], "revision": revision, "amended": fresh_records[1], "started": started,
            "completed": completed, "startable": fresh_records[3], "editable": fresh_records[4],
            "escalation": with_appeal, "won": won, "waiting": waiting, "writtenOff": written_off, "fresh1": fresh[0], "fresh2": fresh[1], "denial": free[2],
            "unmatched1": unmatched[0], "unmatched2": unmatched[1], "claimNumber": claim_number, "authorization": authorization, "note": fresh_records[5],
            "consent": consent, "restriction": restriction, "appointment": appointment, "labelled": labelled })
}

/// Two remittance lines no claim matched (an 835 naming claim numbers ward does not have).
async fn unmatched_lines(app: &TestApp) -> Vec<String> {
    let mut set = crate::ingest::header(20_000, "EFT-MATRIX");
    set.extend(crate::ingest::claim("CLM-2099-0000001", "1", 10_000, 10_000, "CO", "45", None));
    set.extend(crate::ingest::claim("CLM-2099-0000002", "1", 10_000, 10_000, "CO", "45", None));
    let file = tempfile_with(&crate::ingest::interchange(&[set]));
    let sender = tools::kit::audit::recorder::EventBase::operator("cli:test");
    tools::ingest::remittance_import::import_835(&app.db, file.path(), &sender).await.expect("import the 835");
    let rows = app.sql("SELECT id FROM claim_payment WHERE match_state = 'unmatched' ORDER BY id").await;
    rows.iter().map(|r| r.try_get::<uuid::Uuid>("", "id").unwrap().to_string()).collect()
}

fn tempfile_with(text: &str) -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

async fn care_record_of(app: &TestApp, patient: uuid::Uuid) -> Option<uuid::Uuid> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entities::care_record::Entity::find()
        .filter(entities::care_record::Column::PatientId.eq(patient))
        .one(&app.db)
        .await
        .unwrap()
        .map(|r| r.id)
}

crate::both!(every_role_gets_exactly_its_cells_of_the_access_table, |app| {
    let variables = arrange(&app).await;
    let mut failures = Vec::new();
    for operation in operations() {
        let document = operation.document;
        // Keep only the variables the document declares.
        let vars: serde_json::Map<String, Value> = variables
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| document.contains(&format!("${k}:")))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (role, sub) in MEMBERS {
            let body = app.gql(sub, document, Value::Object(vars.clone())).await;
            let allowed = operation.allowed.contains(&role);
            let value = value_at(&body["data"], operation.path);
            let forbidden = forbidden_on_path(&body, operation.path);
            let ok = if allowed {
                !forbidden && !value.is_null() && body["errors"].is_null()
            } else {
                forbidden && value.is_null()
            };
            if !ok {
                failures.push(format!(
                    "{} as {role}: expected {}, got {body}",
                    operation.name,
                    if allowed { "allowed" } else { "FORBIDDEN" }
                ));
            }
        }
        for (who, token) in [
            ("no token", None),
            ("a bad token", Some("not-a-token".to_owned())),
            ("deactivated dan", Some(app.token("dan"))),
        ] {
            let (status, body) = app.post(token.as_deref(), &json!({ "query": document, "variables": vars })).await;
            if status != 401 || codes(&body) != ["UNAUTHENTICATED"] {
                failures
                    .push(format!("{} with {who}: expected 401 UNAUTHENTICATED, got {status} {body}", operation.name));
            }
        }
    }
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
});

/// The exported schema's root fields, and its fields whose description says they carry PHI,
/// as `(type, field, description)`.
fn schema_fields() -> (Vec<String>, Vec<(String, String)>) {
    let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    let (mut roots, mut phi) = (Vec::new(), Vec::new());
    let (mut current_type, mut description, mut in_description) = (None::<String>, String::new(), false);
    for line in sdl.lines() {
        if let Some(rest) = line.strip_prefix("type ") {
            current_type = rest.split_whitespace().next().map(str::to_owned);
            continue;
        }
        if line == "}" {
            current_type = None;
            continue;
        }
        let Some(inner) = line.strip_prefix('\t') else { continue };
        if inner.starts_with("\"\"\"") {
            in_description = !in_description || inner.len() > 3 && inner.ends_with("\"\"\"");
            if inner.len() > 3 && inner.ends_with("\"\"\"") && inner.len() > 6 {
                description = inner.to_owned();
                in_description = false;
            }
            continue;
        }
        if in_description {
            description.push_str(inner);
            description.push(' ');
            continue;
        }
        let Some(ty) = &current_type else { continue };
        let name: String = inner.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            continue;
        }
        if ty == "QueryRoot" || ty == "MutationRoot" {
            roots.push(name.clone());
        }
        if description.contains("PHI:") {
            phi.push((ty.clone(), name));
        }
        description.clear();
    }
    (roots, phi)
}

/// Fields whose matrix row is named after the relation that reaches them.
const COVERED_BY: &[(&str, &str)] = &[("TicketComment.body", "ticket.comments")];

#[test]
fn every_root_field_and_every_phi_field_has_a_row_in_the_access_matrix() {
    let names: Vec<&str> = operations().iter().map(|o| o.name).collect();
    let (roots, phi) = schema_fields();
    assert!(roots.len() > 20 && phi.len() > 10, "the SDL was read: {roots:?} {phi:?}");
    let mut missing = Vec::new();
    for root in &roots {
        let covered = names.iter().any(|n| {
            n == root
                || n.strip_prefix(root.as_str()).is_some_and(|rest| rest.starts_with('(') || rest.starts_with('.'))
        });
        if !covered {
            missing.push(format!("root field `{root}`"));
        }
    }
    for (ty, field) in &phi {
        let qualified = format!("{ty}.{field}");
        let mut lower = ty.clone();
        lower[..1].make_ascii_lowercase();
        let row = COVERED_BY
            .iter()
            .find(|(f, _)| *f == qualified)
            .map_or(format!("{lower}.{field}"), |(_, r)| (*r).to_owned());
        if !names.contains(&row.as_str()) {
            missing.push(format!("PHI field `{qualified}` (a row named `{row}`)"));
        }
    }
    assert!(missing.is_empty(), "the access matrix has no row for:\n{}", missing.join("\n"));
}
