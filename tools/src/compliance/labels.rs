//! Security labels, as medical and compliance set them (`label · create, update`; the
//! privacy rules live with compliance, and medical labels what it finds): `addSecurityLabel`
//! hides at once; `removeSecurityLabel` asks a second member, since removing one opens what
//! it hid. Labels set by themselves (a Part 2 program's records, a psychotherapy note) come
//! from ingest.

use super::labels_service as service;
use crate::approvals::PendingApproval;
use crate::kit::{Allow, AuditAction, Audited, Event, Gql, parse_id};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use policies::{Action, Resource, SecurityLabel};

/// A security label (as FHIR's `meta.security`): what hides a record's values beyond their
/// PHI class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum SecurityLabelName {
    PsychotherapyNote,
    #[graphql(name = "SUD_PART2")]
    SudPart2,
    Restricted,
}

impl From<SecurityLabel> for SecurityLabelName {
    fn from(label: SecurityLabel) -> Self {
        match label {
            SecurityLabel::PsychotherapyNote => SecurityLabelName::PsychotherapyNote,
            SecurityLabel::SudPart2 => SecurityLabelName::SudPart2,
            SecurityLabel::Restricted => SecurityLabelName::Restricted,
        }
    }
}

impl From<SecurityLabelName> for SecurityLabel {
    fn from(label: SecurityLabelName) -> Self {
        match label {
            SecurityLabelName::PsychotherapyNote => SecurityLabel::PsychotherapyNote,
            SecurityLabelName::SudPart2 => SecurityLabel::SudPart2,
            SecurityLabelName::Restricted => SecurityLabel::Restricted,
        }
    }
}

/// The records that carry labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum LabelledResource {
    CareRecord,
    Claim,
    Ticket,
    Appointment,
}

impl From<LabelledResource> for Resource {
    fn from(resource: LabelledResource) -> Self {
        match resource {
            LabelledResource::CareRecord => Resource::CareRecord,
            LabelledResource::Claim => Resource::Claim,
            LabelledResource::Ticket => Resource::Ticket,
            LabelledResource::Appointment => Resource::Appointment,
        }
    }
}

/// A record's labels, after a change.
#[derive(SimpleObject)]
pub struct LabelledRecord {
    pub resource: LabelledResource,
    pub id: ID,
    pub labels: Vec<SecurityLabelName>,
}

/// The labels of a stored comma list, in the vocabulary's order.
pub fn names(text: &str) -> Vec<SecurityLabelName> {
    policies::Labels::parse(text).iter().map(Into::into).collect()
}

#[derive(Default)]
pub struct LabelsMutation;

#[Object]
impl LabelsMutation {
    /// Labels a record, saying why (a label it carries already leaves it as it is): from the
    /// next request on, its values open only as the
    /// label allows (a consent for `sud_part2`, an authorization for `psychotherapy_note`;
    /// `restricted` values are refused to whom the patient's restrictions name). Medical and
    /// compliance; on the record.
    #[graphql(guard = "Allow(Resource::Label, Action::Create)")]
    async fn add_security_label(
        &self,
        ctx: &Context<'_>,
        resource: LabelledResource,
        id: ID,
        label: SecurityLabelName,
        reason: String,
    ) -> Gql<LabelledRecord> {
        let id = parse_id(&id, "record")?;
        let reason =
            crate::kit::notes::required("reason", &reason, crate::kit::notes::MAX_CHARS, "why the record is labelled")?;
        let change = Audited::begin(ctx, Some((Resource::Label, Action::Create))).await?;
        let record = service::find(change.txn(), resource.into(), id).await?;
        let label = SecurityLabel::from(label);
        let Some(labels) = service::add(change.txn(), &record, label).await? else {
            // It carries the label already: nothing changes, and nothing is recorded as done.
            let labels = record.labels.iter().map(Into::into).collect();
            return Ok(LabelledRecord { resource, id: ID(id.to_string()), labels });
        };
        let event = Event::new(AuditAction::LabelAdd, id)
            .about(record.patient)
            .because(format!("{label} on {} {id}: {reason}", record.resource));
        change.commit(event).await?;
        Ok(LabelledRecord { resource, id: ID(id.to_string()), labels: labels.iter().map(Into::into).collect() })
    }

    /// Asks to remove a record's label, saying why: it stays until a second member who may
    /// label records approves (`approve`). Answers the request.
    #[graphql(guard = "Allow(Resource::Label, Action::Update)")]
    async fn remove_security_label(
        &self,
        ctx: &Context<'_>,
        resource: LabelledResource,
        id: ID,
        label: SecurityLabelName,
        reason: String,
    ) -> Gql<PendingApproval> {
        let id = parse_id(&id, "record")?;
        let change = Audited::begin(ctx, Some((Resource::Label, Action::Update))).await?;
        let record = service::find(change.txn(), resource.into(), id).await?;
        let label = SecurityLabel::from(label);
        let request = service::request_removal(change.txn(), change.actor(), &record, label, &reason).await?;
        let event = Event::new(AuditAction::LabelRemoveRequest, id)
            .about(record.patient)
            .because(format!("{label} on {} {id}: {}", record.resource, request.reason));
        change.commit(event).await?;
        Ok(PendingApproval::from(request))
    }
}
