//! Reading and changing a record's security labels. Adding one only hides: it takes effect at
//! once. Removing one opens what it hid, so it waits for a second member's approval
//! ([`ApprovalKind::LabelRemove`]), and is applied then.

use crate::kit::approvals::{self, ApprovalKind, NewApproval};
use crate::kit::{ApiError, ApiResult, notes};
use entities::{appointment, care_record, claim, pending_approval, ticket};
use policies::{Labels, Resource, SecurityLabel};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// A record that carries labels, as the store holds it.
pub struct Labelled {
    pub resource: Resource,
    pub id: Uuid,
    /// Its patient (a ticket about a provider only has none).
    pub patient: Option<Uuid>,
    pub labels: Labels,
    /// The labels as stored (compared when they are written back).
    raw: String,
    /// A care record's kind (a psychotherapy note is one by its kind, whatever its labels).
    pub kind: Option<String>,
}

/// The resources whose records carry labels (the access report reads the same list).
pub const LABELLED: [Resource; 4] = [Resource::CareRecord, Resource::Claim, Resource::Ticket, Resource::Appointment];

/// The record `id` of `resource`, or `NOT_FOUND`.
pub async fn find(db: &impl ConnectionTrait, resource: Resource, id: Uuid) -> ApiResult<Labelled> {
    let row = |patient: Option<Uuid>, raw: String, kind: Option<String>| Labelled {
        resource,
        id,
        patient,
        labels: Labels::parse(&raw),
        raw,
        kind,
    };
    let found = match resource {
        Resource::CareRecord => care_record::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|r| row(Some(r.patient_id), r.security_labels, Some(r.kind))),
        Resource::Claim => {
            claim::Entity::find_by_id(id).one(db).await?.map(|r| row(Some(r.patient_id), r.security_labels, None))
        }
        Resource::Ticket => {
            ticket::Entity::find_by_id(id).one(db).await?.map(|r| row(r.patient_id, r.security_labels, None))
        }
        Resource::Appointment => {
            appointment::Entity::find_by_id(id).one(db).await?.map(|r| row(Some(r.patient_id), r.security_labels, None))
        }
        _ => None,
    };
    found.ok_or_else(|| ApiError::NotFound(format!("{resource} {id}")))
}

/// Stores `labels` as record `id`'s, if they are still `was` (`CONFLICT` if they changed).
async fn store(db: &impl ConnectionTrait, record: &Labelled, labels: Labels) -> ApiResult<()> {
    let (was, next) = (record.raw.as_str(), labels.to_text());
    let written = match record.resource {
        Resource::CareRecord => {
            swap::<care_record::Entity>(
                db,
                (care_record::Column::Id, care_record::Column::SecurityLabels),
                record.id,
                was,
                next,
            )
            .await?
        }
        Resource::Claim => {
            swap::<claim::Entity>(db, (claim::Column::Id, claim::Column::SecurityLabels), record.id, was, next).await?
        }
        Resource::Ticket => {
            swap::<ticket::Entity>(db, (ticket::Column::Id, ticket::Column::SecurityLabels), record.id, was, next)
                .await?
        }
        _ => {
            swap::<appointment::Entity>(
                db,
                (appointment::Column::Id, appointment::Column::SecurityLabels),
                record.id,
                was,
                next,
            )
            .await?
        }
    };
    if written == 0 {
        return Err(ApiError::Conflict(format!(
            "the labels of {} {} changed meanwhile: reload and try again",
            record.resource, record.id
        )));
    }
    Ok(())
}

/// Sets row `id`'s labels column to `next` where it still reads `was`: how many rows changed.
async fn swap<E: EntityTrait>(
    db: &impl ConnectionTrait,
    (id_column, labels): (E::Column, E::Column),
    id: Uuid,
    was: &str,
    next: String,
) -> ApiResult<u64> {
    let written = E::update_many()
        .col_expr(labels, Expr::value(next))
        .filter(id_column.eq(id))
        .filter(labels.eq(was))
        .exec(db)
        .await?;
    Ok(written.rows_affected)
}

/// Adds `label` to the record (one it carries already is left as it is: `None`).
pub async fn add(db: &impl ConnectionTrait, record: &Labelled, label: SecurityLabel) -> ApiResult<Option<Labels>> {
    if record.labels.contains(label) {
        return Ok(None);
    }
    let labels = record.labels.with(label);
    store(db, record, labels).await?;
    label_tickets_about(db, record.resource, record.id, Labels::of(label)).await?;
    Ok(Some(labels))
}

/// Gives `added` to the tickets about a claim or appointment that just took them (by hand or
/// at ingest): what was written about the record is as protected as the record.
pub async fn label_tickets_about(
    db: &impl ConnectionTrait,
    resource: Resource,
    id: Uuid,
    added: Labels,
) -> ApiResult<()> {
    let about = match resource {
        Resource::Claim => ticket::Column::ClaimId,
        Resource::Appointment => ticket::Column::AppointmentId,
        _ => return Ok(()),
    };
    if added.is_empty() {
        return Ok(());
    }
    for found in ticket::Entity::find().filter(about.eq(id)).all(db).await? {
        let labels = Labels::parse(&found.security_labels).union(added);
        if labels == Labels::parse(&found.security_labels) {
            continue;
        }
        ticket::Entity::update_many()
            .col_expr(ticket::Column::SecurityLabels, Expr::value(labels.to_text()))
            .filter(ticket::Column::Id.eq(found.id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Asks a second member to remove `label` from the record, saying why. A label the record
/// does not carry is `BAD_USER_INPUT`, and so is a psychotherapy note's own (its kind makes it
/// one: removing the label would open nothing, and say otherwise).
pub async fn request_removal(
    db: &impl ConnectionTrait,
    actor: Uuid,
    record: &Labelled,
    label: SecurityLabel,
    reason: &str,
) -> ApiResult<pending_approval::Model> {
    let reason = notes::required("reason", reason, notes::MAX_CHARS, "why the label is wrong")?;
    if !record.labels.contains(label) {
        return Err(ApiError::BadUserInput(format!("{} {} does not carry {label}", record.resource, record.id)));
    }
    if label == SecurityLabel::PsychotherapyNote
        && record.kind.as_deref() == Some(crate::medical::workflow::PSYCHOTHERAPY_NOTE)
    {
        return Err(ApiError::BadUserInput(
            "a psychotherapy note is one by its kind: its label stays while it is a note".into(),
        ));
    }
    let new = NewApproval {
        kind: ApprovalKind::LabelRemove,
        resource: record.resource,
        resource_id: record.id,
        target_version: 1,
        reason: reason.clone(),
        // Who asked is part of the change: two members asking is two requests, and the
        // second to be approved finds the label gone (`CONFLICT`).
        payload: json!({ "label": label.as_str(), "patientId": record.patient, "requestedBy": actor }),
    };
    approvals::request(db, actor, new).await
}

/// Removes the label an approved request names; one removed meanwhile is `CONFLICT`.
/// Answers the record's patient.
pub async fn apply_removal(db: &impl ConnectionTrait, approval: &pending_approval::Model) -> ApiResult<Uuid> {
    let resource: Resource = approval.resource_type.parse().map_err(|_| {
        ApiError::internal("removing a label", anyhow::anyhow!("unknown resource {}", approval.resource_type))
    })?;
    let label: SecurityLabel = approval
        .payload
        .get("label")
        .and_then(|l| l.as_str())
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| ApiError::internal("removing a label", anyhow::anyhow!("the request names no label")))?;
    let record = find(db, resource, approval.resource_id).await?;
    if !record.labels.contains(label) {
        return Err(ApiError::Conflict(format!("{resource} {} no longer carries {label}", record.id)));
    }
    store(db, &record, record.labels.without(label)).await?;
    record.patient.ok_or_else(|| ApiError::internal("removing a label", anyhow::anyhow!("a record of no patient")))
}
