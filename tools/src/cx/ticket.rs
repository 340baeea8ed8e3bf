//! The `Ticket` type, the ticket queries and the ticket mutations.

use super::loaders::{PatientTickets, TicketComments, TicketHistory};
use super::ticket_service::{self as service, NewTicket, TicketChanges, TicketFilter};
use super::workflow::{SlaHours, allowed_moves, sla_breached};
use crate::directory::{Patient, Provider, patient_of, provider_of};
use crate::kit::agent::{Agent, agent, with_people};
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::loaders::relation_page;
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::parse_id;
use crate::kit::{Access, Allow, ApiResult, AuditAction, Audited, Event, Gql, access, db, null_on_error};
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::ticket::{self, TicketChannel as Channel, TicketPriority as Priority, TicketStatus as Status};
use policies::{Action, Labels, PhiClass, Resource};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

mirror_enum!(TicketStatus = Status { Open, Pending, Resolved, Closed });
mirror_enum!(TicketPriority = Priority { Low, Normal, High, Urgent });
mirror_enum!(TicketChannel = Channel { Email, Phone, Chat });

/// A support ticket. Reaching one requires `ticket · read`.
pub struct Ticket(ticket::Model);

impl Ticket {
    pub fn visible(access: &Access, model: ticket::Model) -> ApiResult<Self> {
        access.require(Resource::Ticket, Action::Read)?;
        Ok(Ticket(model))
    }

    /// The gate of the ticket's text (subject, description, comments): people write
    /// diagnoses into tickets, so about a patient it is PHI of class `correspondence`,
    /// checked for that patient and recorded; otherwise the role's `ticket · correspondence`.
    async fn correspondence(&self, ctx: &Context<'_>) -> Option<()> {
        correspondence_of(ctx, &self.0).await
    }
}

/// [`Ticket::correspondence`] for a ticket row: `null` and `FORBIDDEN` at the field if refused.
async fn correspondence_of(ctx: &Context<'_>, ticket: &ticket::Model) -> Option<()> {
    let checked = async { check_correspondence(access(ctx)?, db(ctx)?, ticket).await };
    null_on_error(ctx, checked.await)
}

/// The one rule for a ticket's text (fields, saved-reply placeholders): about a patient, the
/// `correspondence` class checked for that patient and the disclosure recorded; otherwise the
/// role's `ticket · correspondence`. Refusals are recorded either way.
pub(super) async fn check_correspondence(
    access: &Access,
    db: &impl ConnectionTrait,
    ticket: &ticket::Model,
) -> ApiResult<()> {
    let class = PhiClass::Correspondence;
    match ticket.patient_id {
        Some(patient) => {
            let record = (Resource::Ticket, ticket.id, Labels::parse(&ticket.security_labels));
            access.disclose(db, patient, record, class).await
        }
        // About no patient, no consent can open what its labels hide: refused.
        None => match Labels::parse(&ticket.security_labels).iter().next() {
            Some(label) => {
                let message = format!(
                    "{}: a labelled ticket about no patient opens to no one",
                    crate::kit::on_file::words(label)
                );
                let error = crate::kit::ApiError::Restricted { label, message };
                Err(access.refuse(Resource::Ticket, class.action(), None, error))
            }
            None => access.require(Resource::Ticket, class.action()).map(|_| ()),
        },
    }
}

/// Whether a history entry's changes quote the ticket's text.
fn quotes_text(changes: &serde_json::Value) -> bool {
    TEXT_FIELDS.iter().any(|field| changes.get(field).is_some())
}

const TEXT_FIELDS: [&str; 2] = ["subject", "description"];

#[Object]
impl Ticket {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its security labels: `SUD_PART2` values open only under the patient's consent,
    /// `PSYCHOTHERAPY_NOTE` values under their authorization, `RESTRICTED` values are kept from
    /// whom their restrictions name.
    async fn security_labels(&self) -> Vec<crate::compliance::labels::SecurityLabelName> {
        crate::compliance::labels::names(&self.0.security_labels)
    }
    /// PHI: correspondence (for a ticket about a patient).
    async fn subject(&self, ctx: &Context<'_>) -> Option<&str> {
        self.correspondence(ctx).await.map(|_| self.0.subject.as_str())
    }
    /// PHI: correspondence (for a ticket about a patient).
    async fn description(&self, ctx: &Context<'_>) -> Option<&str> {
        self.correspondence(ctx).await.map(|_| self.0.description.as_str())
    }
    async fn channel(&self) -> TicketChannel {
        self.0.channel.into()
    }
    async fn priority(&self) -> TicketPriority {
        self.0.priority.into()
    }
    async fn status(&self) -> TicketStatus {
        self.0.status.into()
    }
    /// Where `transitionTicket` may move it from here (the ticket's transition table).
    async fn allowed_moves(&self) -> Vec<TicketStatus> {
        allowed_moves(self.0.status).iter().map(|s| (*s).into()).collect()
    }
    /// When the ticket is due to be resolved, from its priority.
    async fn sla_due_at(&self) -> DateTime<Utc> {
        self.0.sla_due_at
    }
    /// Unresolved past its due time, or resolved after it.
    async fn sla_breached(&self) -> bool {
        sla_breached(self.0.status, self.0.sla_due_at, self.0.resolved_at, Utc::now())
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Name it as `expectedVersion` when changing the ticket.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn assignee(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, self.0.assignee_id).await
    }
    async fn created_by(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, Some(self.0.created_by)).await
    }
    /// Whom `assignTicket` may name: the CX team's active members, by name.
    /// (It reads a team's roster: it costs as a page of twenty, so a long list of records
    /// cannot ask it of each.)
    #[graphql(complexity = "20 * child_complexity + 1")]
    async fn assignable_agents(&self, ctx: &Context<'_>) -> Gql<Vec<Agent>> {
        let members = crate::admin::access_service::active_members_of(db(ctx)?, policies::Role::Cx).await?;
        Ok(members.into_iter().map(Agent::from).collect())
    }
    /// The patient it is about, checked like `patient(id)`.
    async fn patient(&self, ctx: &Context<'_>) -> Option<Patient> {
        let id = self.0.patient_id?;
        null_on_error(ctx, patient_of(ctx, id).await)
    }
    /// The provider it is about, checked like `provider(id)`; for a ticket labelled
    /// `sud_part2` or `restricted` (the provider would name the program), correspondence as well.
    async fn provider(&self, ctx: &Context<'_>) -> Option<Provider> {
        let id = self.0.provider_id?;
        if let Some(patient) = self.0.patient_id {
            let record = (Resource::Ticket, self.0.id, Labels::parse(&self.0.security_labels));
            crate::kit::labelled_field(ctx, patient, record, PhiClass::Correspondence).await?;
        }
        null_on_error(ctx, provider_of(ctx, id).await)
    }
    async fn appointment_id(&self) -> Option<ID> {
        self.0.appointment_id.map(|id| ID(id.to_string()))
    }
    async fn claim_id(&self) -> Option<ID> {
        self.0.claim_id.map(|id| ID(id.to_string()))
    }
    /// Comments, oldest first, a page at a time. PHI: correspondence (for a ticket about a
    /// patient).
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Option<Page<TicketComment>>> {
        if self.correspondence(ctx).await.is_none() {
            return Ok(None);
        }
        let page = PageRequest::new(ctx, first, after)?;
        let (db, id) = (db(ctx)?, self.0.id);
        let key = |limit| TicketComments { parent: id, limit };
        let rows = relation_page(ctx, &page, key, || service::comments(db, id, &page)).await?;
        let mut comments = Vec::with_capacity(rows.len());
        for c in rows {
            comments.push(TicketComment {
                author: agent(ctx, Some(c.author_id)).await?,
                id: ID(c.id.to_string()),
                body: Some(c.body),
                internal: c.internal,
                created_at: c.created_at,
            });
        }
        Ok(Some(page.into_page(comments, |c| c.id.to_string(), |c| c)))
    }
    /// Every change, oldest first, a page at a time: who, when, what (`{"field": [old, new]}`).
    /// Old and new subjects and descriptions are correspondence: without it they read `null`.
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<TicketHistoryEntry>> {
        let page = PageRequest::new(ctx, first, after)?;
        let (db, id) = (db(ctx)?, self.0.id);
        let key = |limit| TicketHistory { parent: id, limit };
        let rows = relation_page(ctx, &page, key, || service::events(db, id, &page)).await?;
        let text_open =
            if rows.iter().any(|e| quotes_text(&e.changes)) { self.correspondence(ctx).await.is_some() } else { true };
        let mut rows = rows;
        for e in &mut rows {
            if !text_open && let Some(changes) = e.changes.as_object_mut() {
                for field in TEXT_FIELDS {
                    if let Some(change) = changes.get_mut(field) {
                        *change = serde_json::json!([null, null]);
                    }
                }
            }
        }
        let named = with_people(ctx, rows.iter().map(|e| e.changes.clone()).collect()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (e, (changes, people)) in rows.into_iter().zip(named) {
            out.push(TicketHistoryEntry {
                id: e.id,
                actor: agent(ctx, Some(e.actor_id)).await?,
                kind: e.kind,
                changes: Json(changes),
                people,
                at: e.created_at,
            });
        }
        Ok(page.into_page(out, |h| h.id.to_string(), |h| h))
    }
}

#[derive(SimpleObject)]
pub struct TicketComment {
    pub id: ID,
    pub author: Option<Agent>,
    /// PHI: correspondence (for a ticket about a patient).
    pub body: Option<String>,
    /// Internal notes are never shown to the requester.
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(SimpleObject)]
pub struct TicketHistoryEntry {
    #[graphql(skip)]
    pub id: Uuid,
    /// `created`, `updated`, `assigned`, `transitioned`, `commented`.
    pub kind: String,
    pub actor: Option<Agent>,
    /// `{"field": [old, new]}`; an assignee by its `sub`.
    pub changes: Json<serde_json::Value>,
    /// The staff the change names (an assignment's earlier and new assignee), each once.
    pub people: Vec<Agent>,
    pub at: DateTime<Utc>,
}

#[derive(InputObject, Default)]
pub struct TicketFilterInput {
    pub status: Option<Vec<TicketStatus>>,
    /// `me`, `unassigned`, or an agent's `sub`.
    pub assignee: Option<String>,
    pub priority: Option<TicketPriority>,
    pub patient_id: Option<ID>,
    pub provider_id: Option<ID>,
    pub sla_breached: Option<bool>,
    /// Words in the subject or description (2 to 100 characters). Matching reads ticket
    /// text, so it needs `ticket · correspondence`, and every ticket about a patient that it
    /// returns is a recorded disclosure of that class.
    pub text: Option<String>,
}

#[derive(Default)]
pub struct TicketQuery;

#[Object]
impl TicketQuery {
    /// One ticket by id.
    #[graphql(guard = "Allow(Resource::Ticket, Action::Read)")]
    async fn ticket(&self, ctx: &Context<'_>, id: ID) -> Gql<Ticket> {
        let id = parse_id(&id, "ticket")?;
        Ok(Ticket::visible(access(ctx)?, service::find(db(ctx)?, id).await?)?)
    }

    /// The ticket queue, soonest SLA first.
    #[graphql(
        guard = "Allow(Resource::Ticket, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        filter: Option<TicketFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<Ticket>> {
        let input = filter.unwrap_or_default();
        let db = db(ctx)?;
        let assignee = crate::kit::agent::whose(ctx, "assignee", input.assignee.as_deref()).await?;
        let filter = TicketFilter {
            statuses: input.status.unwrap_or_default().into_iter().map(Into::into).collect(),
            assignee,
            priority: input.priority.map(Into::into),
            patient_id: input.patient_id.map(|id| parse_id(&id, "patient")).transpose()?,
            provider_id: input.provider_id.map(|id| parse_id(&id, "provider")).transpose()?,
            sla_breached: input.sla_breached,
            text: input.text,
        };
        let access = access(ctx)?;
        if filter.text.is_some() {
            access.require(Resource::Ticket, Action::Correspondence)?;
        }
        let page = PageRequest::new(ctx, first, after)?;
        let rows = service::list(db, &filter, &page).await?;
        if let Some(term) = filter.text.as_deref() {
            let about_patients: Vec<_> = rows
                .iter()
                .filter_map(|t| t.patient_id.map(|p| (p, t.id, Labels::parse(&t.security_labels))))
                .collect();
            access.disclose_matches(db, about_patients, Resource::Ticket, PhiClass::Correspondence, term).await?;
        }
        Ok(page.into_page(rows, service::cursor, Ticket))
    }
}

/// A patient's tickets, queue order. Requires `ticket · read`.
pub async fn tickets_of_patient(
    ctx: &Context<'_>,
    patient: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<Page<Ticket>> {
    access(ctx)?.require(Resource::Ticket, Action::Read)?;
    let page = PageRequest::new(ctx, first, after)?;
    let (db, filter) = (db(ctx)?, TicketFilter { patient_id: Some(patient), ..Default::default() });
    let key = |limit| PatientTickets { parent: patient, limit };
    let rows = relation_page(ctx, &page, key, || service::list(db, &filter, &page)).await?;
    Ok(page.into_page(rows, service::cursor, Ticket))
}

#[derive(InputObject)]
pub struct CreateTicketInput {
    pub subject: String,
    pub description: String,
    pub channel: TicketChannel,
    #[graphql(default_with = "TicketPriority::Normal")]
    pub priority: TicketPriority,
    pub patient_id: Option<ID>,
    pub provider_id: Option<ID>,
    pub appointment_id: Option<ID>,
    pub claim_id: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct UpdateTicketInput {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub channel: Option<TicketChannel>,
    pub priority: Option<TicketPriority>,
}

fn sla(ctx: &Context<'_>) -> SlaHours {
    ctx.data_opt::<SlaHours>().copied().unwrap_or_default()
}

fn optional_id(id: Option<ID>, what: &str) -> ApiResult<Option<Uuid>> {
    id.map(|id| parse_id(&id, what)).transpose()
}

/// Commits the ticket's change with its audit event, and returns the ticket.
async fn commit_and_answer(change: Audited<'_>, action: AuditAction, model: ticket::Model) -> Gql<Ticket> {
    change.commit(Event::new(action, model.id).about(model.patient_id)).await?;
    Ok(Ticket(model))
}

#[derive(Default)]
pub struct TicketMutation;

#[Object]
impl TicketMutation {
    /// Opens a ticket about a patient and/or a provider; its SLA comes from its priority.
    #[graphql(guard = "Allow(Resource::Ticket, Action::Create)")]
    async fn create_ticket(&self, ctx: &Context<'_>, input: CreateTicketInput) -> Gql<Ticket> {
        let new = NewTicket {
            subject: input.subject,
            description: input.description,
            channel: input.channel.into(),
            priority: input.priority.into(),
            patient_id: optional_id(input.patient_id, "patient")?,
            provider_id: optional_id(input.provider_id, "provider")?,
            appointment_id: optional_id(input.appointment_id, "appointment")?,
            claim_id: optional_id(input.claim_id, "claim")?,
        };
        let change = Audited::begin(ctx, Some((Resource::Ticket, Action::Create))).await?;
        let model = service::create(change.txn(), change.actor(), new, &sla(ctx)).await?;
        commit_and_answer(change, AuditAction::TicketCreate, model).await
    }

    /// Changes subject, description, channel or priority (the SLA follows the priority).
    #[graphql(guard = "Allow(Resource::Ticket, Action::Update)")]
    async fn update_ticket(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdateTicketInput,
    ) -> Gql<Ticket> {
        let id = parse_id(&id, "ticket")?;
        let changes = TicketChanges {
            subject: input.subject,
            description: input.description,
            channel: input.channel.map(Into::into),
            priority: input.priority.map(Into::into),
        };
        let change = Audited::begin(ctx, Some((Resource::Ticket, Action::Update))).await?;
        let model = service::update(change.txn(), change.actor(), id, expected_version, changes, &sla(ctx)).await?;
        commit_and_answer(change, AuditAction::TicketUpdate, model).await
    }

    /// Assigns the ticket to an active CX agent (`assignee: null` unassigns).
    #[graphql(guard = "Allow(Resource::Ticket, Action::Assign)")]
    async fn assign_ticket(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        assignee: Option<String>,
    ) -> Gql<Ticket> {
        let id = parse_id(&id, "ticket")?;
        let change = Audited::begin(ctx, Some((Resource::Ticket, Action::Assign))).await?;
        let (model, _) =
            service::assign(change.txn(), change.actor(), id, expected_version, assignee.as_deref()).await?;
        commit_and_answer(change, AuditAction::TicketAssign, model).await
    }

    /// Moves the ticket: open ⇄ pending, open|pending → resolved → closed, resolved → open.
    #[graphql(guard = "Allow(Resource::Ticket, Action::Transition)")]
    async fn transition_ticket(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        to: TicketStatus,
    ) -> Gql<Ticket> {
        let id = parse_id(&id, "ticket")?;
        let change = Audited::begin(ctx, Some((Resource::Ticket, Action::Transition))).await?;
        let model = service::transition(change.txn(), change.actor(), id, expected_version, to.into()).await?;
        commit_and_answer(change, AuditAction::TicketTransition, model).await
    }

    /// Adds a comment; `internal` (default false) notes are never shown to the requester.
    #[graphql(guard = "Allow(Resource::Ticket, Action::Comment)")]
    async fn add_ticket_comment(
        &self,
        ctx: &Context<'_>,
        ticket_id: ID,
        body: String,
        internal: Option<bool>,
    ) -> Gql<TicketComment> {
        let internal = internal.unwrap_or(false);
        let id = parse_id(&ticket_id, "ticket")?;
        let change = Audited::begin(ctx, Some((Resource::Ticket, Action::Comment))).await?;
        let comment = service::comment(change.txn(), change.actor(), id, &body, internal).await?;
        let ticket = service::find(change.txn(), id).await?;
        change.commit(Event::new(AuditAction::TicketComment, id).about(ticket.patient_id)).await?;
        let body = correspondence_of(ctx, &ticket).await.map(|_| comment.body);
        Ok(TicketComment {
            author: agent(ctx, Some(comment.author_id)).await?,
            id: ID(comment.id.to_string()),
            body,
            internal: comment.internal,
            created_at: comment.created_at,
        })
    }
}
