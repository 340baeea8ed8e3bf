//! Ticket desk rules on a plain connection or transaction: validation, versions, history.

use super::workflow::{SlaHours, check_transition};
use crate::kit::pagination::PageRequest;
use crate::kit::text_search::contains;
use crate::kit::versioned::{self, HistoryEntry, Versioned};
use crate::kit::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entities::ticket::{self, TicketChannel, TicketPriority, TicketStatus};
use entities::{appointment, claim, patient, provider, staff, ticket_comment, ticket_event};
use policies::{Labels, Role};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 32_000;

pub struct NewTicket {
    pub subject: String,
    pub description: String,
    pub channel: TicketChannel,
    pub priority: TicketPriority,
    pub patient_id: Option<Uuid>,
    pub provider_id: Option<Uuid>,
    pub appointment_id: Option<Uuid>,
    pub claim_id: Option<Uuid>,
}

#[derive(Default)]
pub struct TicketChanges {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub channel: Option<TicketChannel>,
    pub priority: Option<TicketPriority>,
}

fn subject(text: &str) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::BadUserInput("`subject` must not be empty".into()));
    }
    if text.chars().count() > MAX_SUBJECT_CHARS {
        return Err(ApiError::BadUserInput(format!("`subject` is at most {MAX_SUBJECT_CHARS} characters")));
    }
    Ok(text.to_owned())
}

fn long_text(field: &str, text: &str) -> ApiResult<String> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::BadUserInput(format!("`{field}` is at most {MAX_TEXT_CHARS} characters")));
    }
    Ok(text.to_owned())
}

async fn must_exist<E: EntityTrait>(db: &impl ConnectionTrait, field: &str, id: Option<Uuid>) -> ApiResult<()>
where
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    if let Some(id) = id
        && E::find_by_id(id).one(db).await?.is_none()
    {
        return Err(ApiError::BadUserInput(format!("`{field}` {id} names nothing that exists")));
    }
    Ok(())
}

/// The labels a new ticket takes from the claim and appointment it is about: what is
/// written about a Part 2 claim is as protected as the claim. A claim or appointment of
/// another patient than the ticket's is `BAD_USER_INPUT`.
async fn inherited_labels(
    db: &impl ConnectionTrait,
    patient: Option<Uuid>,
    claim: Option<Uuid>,
    appointment: Option<Uuid>,
) -> ApiResult<Labels> {
    let mut labels = Labels::NONE;
    let another = |field: &str| ApiError::BadUserInput(format!("`{field}` is of another patient than `patientId`"));
    if let Some(id) = claim
        && let Some(found) = claim::Entity::find_by_id(id).one(db).await?
    {
        if patient.is_some_and(|p| p != found.patient_id) {
            return Err(another("claimId"));
        }
        labels = labels.union(Labels::parse(&found.security_labels));
    }
    if let Some(id) = appointment
        && let Some(found) = appointment::Entity::find_by_id(id).one(db).await?
    {
        if patient.is_some_and(|p| p != found.patient_id) {
            return Err(another("appointmentId"));
        }
        labels = labels.union(Labels::parse(&found.security_labels));
    }
    Ok(labels)
}

/// A history entry outside a versioned update (creation, comments).
async fn history(
    db: &impl ConnectionTrait,
    ticket_id: Uuid,
    actor: Uuid,
    kind: &'static str,
    changes: Value,
) -> ApiResult<()> {
    <ticket::Entity as Versioned>::record_history(db, ticket_id, &HistoryEntry { actor, kind, changes }).await
}

#[tracing::instrument(skip(db, new, sla))]
pub async fn create(
    db: &impl ConnectionTrait,
    actor: Uuid,
    new: NewTicket,
    sla: &SlaHours,
) -> ApiResult<ticket::Model> {
    let subject = subject(&new.subject)?;
    let description = long_text("description", &new.description)?;
    if new.patient_id.is_none() && new.provider_id.is_none() {
        return Err(ApiError::BadUserInput(
            "a ticket is about a patient, a provider or both: give `patientId` or `providerId`".into(),
        ));
    }
    must_exist::<patient::Entity>(db, "patientId", new.patient_id).await?;
    must_exist::<provider::Entity>(db, "providerId", new.provider_id).await?;
    must_exist::<appointment::Entity>(db, "appointmentId", new.appointment_id).await?;
    must_exist::<claim::Entity>(db, "claimId", new.claim_id).await?;
    let labels = inherited_labels(db, new.patient_id, new.claim_id, new.appointment_id).await?;
    let now = Utc::now();
    let model = ticket::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject: Set(subject),
        description: Set(description),
        channel: Set(new.channel),
        priority: Set(new.priority),
        status: Set(TicketStatus::Open),
        patient_id: Set(new.patient_id),
        provider_id: Set(new.provider_id),
        appointment_id: Set(new.appointment_id),
        claim_id: Set(new.claim_id),
        assignee_id: Set(None),
        created_by: Set(actor),
        sla_due_at: Set(sla.due(new.priority, now)),
        resolved_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        security_labels: Set(labels.to_text()),
    }
    .insert(db)
    .await?;
    history(
        db,
        model.id,
        actor,
        "created",
        json!({ "status": [null, "open"], "priority": [null, format!("{:?}", new.priority).to_lowercase()] }),
    )
    .await?;
    Ok(model)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<ticket::Model> {
    ticket::Entity::find_by_id(id).one(db).await?.ok_or_else(|| ApiError::NotFound(format!("ticket {id}")))
}

/// Writes `next` over the ticket at `expected_version`, with its history entry.
async fn save(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    next: ticket::ActiveModel,
    history: HistoryEntry,
) -> ApiResult<ticket::Model> {
    versioned::update::<ticket::Entity>(db, id, expected_version, next, Some(history)).await
}

fn name<T: std::fmt::Debug>(value: T) -> String {
    format!("{value:?}").to_lowercase()
}

#[tracing::instrument(skip(db, changes, sla))]
pub async fn update(
    db: &impl ConnectionTrait,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    changes: TicketChanges,
    sla: &SlaHours,
) -> ApiResult<ticket::Model> {
    let current = find(db, id).await?;
    let mut next = <ticket::ActiveModel as Default>::default();
    let mut what = serde_json::Map::new();
    if let Some(text) = changes.subject {
        let text = subject(&text)?;
        what.insert("subject".into(), json!([current.subject, text]));
        next.subject = Set(text);
    }
    if let Some(text) = changes.description {
        next.description = Set(long_text("description", &text)?);
        what.insert("description".into(), json!(["…", "…"]));
    }
    if let Some(channel) = changes.channel {
        what.insert("channel".into(), json!([name(current.channel), name(channel)]));
        next.channel = Set(channel);
    }
    if let Some(priority) = changes.priority {
        what.insert("priority".into(), json!([name(current.priority), name(priority)]));
        next.priority = Set(priority);
        next.sla_due_at = Set(sla.due(priority, current.created_at));
    }
    if what.is_empty() {
        return Err(ApiError::BadUserInput("nothing to change: give at least one field".into()));
    }
    save(db, id, expected_version, next, HistoryEntry { actor, kind: "updated", changes: Value::Object(what) }).await
}

/// Assigns to an active CX agent (`None` unassigns).
#[tracing::instrument(skip(db))]
pub async fn assign(
    db: &impl ConnectionTrait,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    assignee_sub: Option<&str>,
) -> ApiResult<(ticket::Model, Option<staff::Model>)> {
    let current = find(db, id).await?;
    let assignee = match assignee_sub {
        None => None,
        Some(sub) => Some(crate::admin::access_service::active_member_of(db, sub, Role::Cx, "tickets").await?),
    };
    let next = ticket::ActiveModel { assignee_id: Set(assignee.as_ref().map(|m| m.id)), ..Default::default() };
    let previous = crate::admin::access_service::sub_of(db, current.assignee_id).await?;
    let changes = json!({ "assignee": [previous, assignee.as_ref().map(|m| m.sub.clone())] });
    let saved = save(db, id, expected_version, next, HistoryEntry { actor, kind: "assigned", changes }).await?;
    Ok((saved, assignee))
}

#[tracing::instrument(skip(db))]
pub async fn transition(
    db: &impl ConnectionTrait,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    to: TicketStatus,
) -> ApiResult<ticket::Model> {
    let current = find(db, id).await?;
    check_transition(current.status, to)?;
    let resolved_at = match to {
        TicketStatus::Resolved => Some(Utc::now()),
        TicketStatus::Closed => current.resolved_at,
        _ => None,
    };
    let next = ticket::ActiveModel { status: Set(to), resolved_at: Set(resolved_at), ..Default::default() };
    let changes = json!({ "status": [name(current.status), name(to)] });
    save(db, id, expected_version, next, HistoryEntry { actor, kind: "transitioned", changes }).await
}

#[tracing::instrument(skip(db, body))]
pub async fn comment(
    db: &impl ConnectionTrait,
    actor: Uuid,
    id: Uuid,
    body: &str,
    internal: bool,
) -> ApiResult<ticket_comment::Model> {
    find(db, id).await?;
    let body = body.trim();
    if body.is_empty() {
        return Err(ApiError::BadUserInput("a comment must not be empty".into()));
    }
    let body = long_text("body", body)?;
    let saved = ticket_comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(id),
        author_id: Set(actor),
        body: Set(body),
        internal: Set(internal),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    history(db, id, actor, "commented", json!({ "comment": [null, saved.id], "internal": [null, internal] })).await?;
    Ok(saved)
}

/// The ticket queue's filters.
#[derive(Default)]
pub struct TicketFilter {
    pub statuses: Vec<TicketStatus>,
    /// `Some(None)`: unassigned; `Some(Some(id))`: that assignee.
    pub assignee: Option<Option<Uuid>>,
    pub priority: Option<TicketPriority>,
    pub patient_id: Option<Uuid>,
    pub provider_id: Option<Uuid>,
    pub sla_breached: Option<bool>,
    pub text: Option<String>,
}

/// The queue: by SLA due time (soonest first), then id; keyset cursor `due|id`.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &TicketFilter,
    page: &PageRequest,
) -> ApiResult<Vec<ticket::Model>> {
    let mut query = ticket::Entity::find().order_by_asc(ticket::Column::SlaDueAt).order_by_asc(ticket::Column::Id);
    if !filter.statuses.is_empty() {
        query = query.filter(ticket::Column::Status.is_in(filter.statuses.clone()));
    }
    match filter.assignee {
        Some(None) => query = query.filter(ticket::Column::AssigneeId.is_null()),
        Some(Some(id)) => query = query.filter(ticket::Column::AssigneeId.eq(id)),
        None => {}
    }
    if let Some(priority) = filter.priority {
        query = query.filter(ticket::Column::Priority.eq(priority));
    }
    if let Some(id) = filter.patient_id {
        query = query.filter(ticket::Column::PatientId.eq(id));
    }
    if let Some(id) = filter.provider_id {
        let shown = crate::kit::records::provider_tells_nothing(ticket::Column::SecurityLabels);
        query = query.filter(ticket::Column::ProviderId.eq(id)).filter(shown);
    }
    if let Some(breached) = filter.sla_breached {
        let now = Utc::now();
        let condition = Condition::any()
            .add(
                Condition::all()
                    .add(ticket::Column::Status.is_in([TicketStatus::Open, TicketStatus::Pending]))
                    .add(ticket::Column::SlaDueAt.lt(now)),
            )
            .add(Expr::col(ticket::Column::ResolvedAt).gt(Expr::col(ticket::Column::SlaDueAt)));
        query = query.filter(if breached { condition } else { condition.not() });
    }
    if let Some(text) = &filter.text {
        let text = text.trim();
        if !(2..=100).contains(&text.chars().count()) {
            return Err(ApiError::BadUserInput("`text` must be 2 to 100 characters".into()));
        }
        // A search of ticket text never matches a labelled ticket (what it quotes is protected).
        query = query
            .filter(
                Condition::any()
                    .add(contains(ticket::Column::Subject, text))
                    .add(contains(ticket::Column::Description, text)),
            )
            .filter(ticket::Column::SecurityLabels.eq(""));
    }
    let after = page.after_key(|key| {
        let (due, id) = key.split_once('|')?;
        Some((due.parse::<DateTime<Utc>>().ok()?, Uuid::parse_str(id).ok()?))
    })?;
    if let Some((due, id)) = after {
        query = query.filter(
            Condition::any()
                .add(ticket::Column::SlaDueAt.gt(due))
                .add(Condition::all().add(ticket::Column::SlaDueAt.eq(due)).add(ticket::Column::Id.gt(id))),
        );
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

pub fn cursor(t: &ticket::Model) -> String {
    format!("{}|{}", t.sla_due_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true), t.id)
}

/// One page of a ticket's comments, oldest first (UUIDv7 ids are time-ordered).
pub async fn comments(
    db: &impl ConnectionTrait,
    ticket_id: Uuid,
    page: &PageRequest,
) -> ApiResult<Vec<ticket_comment::Model>> {
    let mut query = ticket_comment::Entity::find()
        .filter(ticket_comment::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_comment::Column::Id);
    if let Some(after) = page.after_id()? {
        query = query.filter(ticket_comment::Column::Id.gt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

/// One page of a ticket's history, oldest first.
pub async fn events(
    db: &impl ConnectionTrait,
    ticket_id: Uuid,
    page: &PageRequest,
) -> ApiResult<Vec<ticket_event::Model>> {
    let mut query = ticket_event::Entity::find()
        .filter(ticket_event::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_event::Column::Id);
    if let Some(after) = page.after_id()? {
        query = query.filter(ticket_event::Column::Id.gt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

pub async fn staff_member(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<staff::Model>> {
    Ok(staff::Entity::find_by_id(id).one(db).await?)
}
