//! Compliance's view of the audit trail: the log with filters, and per patient the
//! accounting of disclosures (who saw which classes, when, why).

use crate::kit::loaders::{StaffSub, load_error, loaders};
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::parse_id;
use crate::kit::{Allow, ApiResult, Gql, access, db};
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entities::{audit_event, staff};
use policies::{Action, Resource};
use sea_orm::Value;
use sea_orm::sea_query::{Expr, Order, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum AuditOutcome {
    Allowed,
    Denied,
    BreakGlass,
}

impl AuditOutcome {
    fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Allowed => "allowed",
            AuditOutcome::Denied => "denied",
            AuditOutcome::BreakGlass => "break_glass",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [AuditOutcome::Allowed, AuditOutcome::Denied, AuditOutcome::BreakGlass].into_iter().find(|o| o.as_str() == text)
    }
}

fn list(text: &str) -> Vec<String> {
    text.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// One link of the audit chain.
pub struct AuditEvent(audit_event::Model);

#[Object]
impl AuditEvent {
    /// Position in the chain (gap-free, from 1).
    async fn seq(&self) -> String {
        self.0.seq.to_string()
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The staff member's `sub`.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The staff member's display name as it is now (`null` when no member has that `sub`).
    async fn actor_name(&self, ctx: &Context<'_>) -> Gql<Option<String>> {
        let member = loaders(ctx)?.load_one(StaffSub(self.0.actor.clone())).await.map_err(load_error)?;
        Ok(member.map(|m| m.display_name))
    }
    async fn actor_roles(&self) -> Vec<String> {
        list(&self.0.actor_roles)
    }
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn resource_type(&self) -> &str {
        &self.0.resource_type
    }
    async fn resource_id(&self) -> Option<&str> {
        self.0.resource_id.as_deref()
    }
    async fn patient_id(&self) -> Option<ID> {
        self.0.patient_id.map(|id| ID(id.to_string()))
    }
    /// The PHI classes disclosed (or, for a denial, refused).
    async fn phi_classes(&self) -> Vec<String> {
        list(&self.0.phi_classes)
    }
    async fn outcome(&self) -> Option<AuditOutcome> {
        AuditOutcome::parse(&self.0.outcome)
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// Purpose of use the request stated (`x-ward-purpose`).
    async fn purpose(&self) -> Option<&str> {
        self.0.purpose.as_deref()
    }
    /// SHA-256 of the policy rules that decided.
    async fn policy_version(&self) -> &str {
        &self.0.policy_version
    }
    /// The server's id of the request (unique; in the server's log lines).
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
    /// The `x-request-id` the client or a proxy sent, if any (neither unique nor trusted).
    async fn client_request_id(&self) -> Option<&str> {
        self.0.client_request_id.as_deref()
    }
    async fn hash(&self) -> &str {
        &self.0.hash
    }
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
}

#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// The actor's `sub`.
    pub actor: Option<String>,
    /// The actor's name, or its start, in any case ("ali" finds Alice Moreno's events):
    /// every staff member whose name matches.
    pub actor_name: Option<String>,
    pub patient_id: Option<ID>,
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// The server's id of one request (`requestId`): everything that request did.
    pub request_id: Option<String>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (exclusive).
    pub to: Option<DateTime<Utc>>,
}

/// The time every audit question orders and filters by, as the indexes of migration 23 hold
/// it. PostgreSQL stores `timestamptz`; SQLite stores text, where a time written in another
/// form (another offset, a space for the `T`) would compare wrongly as text and could hide an
/// event from a range, so SQLite compares the instants the texts denote, and indexes that
/// expression (millisecond precision: events of one millisecond are ordered by `seq`).
fn time_key(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Sqlite => "unixepoch(occurred_at, 'subsec')",
        _ => "occurred_at",
    }
}

/// `sql` with its `?` bound to `values` in order, in the placeholders of `backend`.
fn bound(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> SimpleExpr {
    match backend {
        DatabaseBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 4);
            for (n, part) in sql.split('?').enumerate() {
                if n > 0 {
                    numbered.push_str(&format!("${n}"));
                }
                numbered.push_str(part);
            }
            Expr::cust_with_values(numbered, values)
        }
        _ => Expr::cust_with_values(sql.to_owned(), values),
    }
}

/// `occurred_at <op> at`, comparing instants (on SQLite, `at` as the same expression).
fn compare_time(backend: DatabaseBackend, op: &'static str, at: DateTime<Utc>) -> SimpleExpr {
    let at_key = if backend == DatabaseBackend::Sqlite { "unixepoch(?, 'subsec')" } else { "?" };
    bound(backend, &format!("{} {op} {at_key}", time_key(backend)), vec![at.into()])
}

/// `query` in time order (ties by `seq`), the order every audit index holds.
pub fn in_time_order(
    backend: DatabaseBackend,
    query: Select<audit_event::Entity>,
    order: Order,
) -> Select<audit_event::Entity> {
    query.order_by(Expr::cust(time_key(backend)), order.clone()).order_by(audit_event::Column::Seq, order)
}

/// The events `filter` asks for, unordered, and the patient it names.
pub fn events(backend: DatabaseBackend, filter: AuditFilter) -> ApiResult<(Select<audit_event::Entity>, Option<Uuid>)> {
    let mut query = audit_event::Entity::find();
    if let Some(actor) = filter.actor {
        query = query.filter(audit_event::Column::Actor.eq(actor));
    }
    if let Some(name) = filter.actor_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        let named = Query::select()
            .column(staff::Column::Sub)
            .from(staff::Entity)
            .and_where(crate::kit::text_search::starts_with(staff::Column::DisplayName, name))
            .to_owned();
        query = query.filter(audit_event::Column::Actor.in_subquery(named));
    }
    let patient = filter.patient_id.map(|id| parse_id(&id, "patient")).transpose()?;
    if let Some(patient) = patient {
        query = query.filter(audit_event::Column::PatientId.eq(patient));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_event::Column::Action.eq(action));
    }
    if let Some(outcome) = filter.outcome {
        query = query.filter(audit_event::Column::Outcome.eq(outcome.as_str()));
    }
    if let Some(request_id) = filter.request_id {
        query = query.filter(audit_event::Column::RequestId.eq(request_id));
    }
    if let Some(from) = filter.from {
        query = query.filter(compare_time(backend, ">=", from));
    }
    if let Some(to) = filter.to {
        query = query.filter(compare_time(backend, "<", to));
    }
    Ok((query, patient))
}

/// One page of `query`, newest first, after the event `after` (a page's cursor is its
/// last event's `seq`): the statement every audit question runs.
///
/// Newest first means by the time an event occurred, then by `seq`: events are appended when
/// their request ends, so `seq` and time disagree between concurrent requests, and only one
/// of the two orders can come down an index that also serves a time range. Each question's
/// index (its column, then the time, then `seq`) gives this order, so a page reads its own
/// rows and no more, whatever the trail holds.
pub fn page_query(
    backend: DatabaseBackend,
    query: Select<audit_event::Entity>,
    after: Option<i64>,
    limit: u64,
) -> Select<audit_event::Entity> {
    let query = match after {
        // "Before the cursor's event in (time, seq)": the first term is the index's range,
        // the second settles the events of the cursor's own instant.
        Some(seq) => {
            let key = time_key(backend);
            let cursor = format!("(SELECT {key} FROM audit_event WHERE seq = ?)");
            query.filter(bound(backend, &format!("{key} <= {cursor}"), vec![seq.into()])).filter(bound(
                backend,
                &format!("({key} < {cursor} OR seq < ?)"),
                vec![seq.into(), seq.into()],
            ))
        }
        None => query,
    };
    in_time_order(backend, query, Order::Desc).limit(limit)
}

/// Events newest first, keyset-paginated.
pub async fn page_of(
    db: &impl ConnectionTrait,
    query: Select<audit_event::Entity>,
    page: &PageRequest,
) -> ApiResult<Vec<audit_event::Model>> {
    let after = page.after_key(|key| key.parse::<i64>().ok())?;
    Ok(page_query(db.get_database_backend(), query, after, page.fetch_limit()).all(db).await?)
}

/// A patient's accounting of disclosures: every event that disclosed their PHI.
pub fn disclosures_of(patient: Uuid) -> Select<audit_event::Entity> {
    audit_event::Entity::find()
        .filter(audit_event::Column::PatientId.eq(patient))
        .filter(audit_event::Column::Outcome.is_in(["allowed", "break_glass"]))
        .filter(audit_event::Column::PhiClasses.ne(""))
}

/// The most events `auditEventCount` counts: past it, a search says "10,000 or more" rather
/// than count a trail of years.
pub use crate::kit::pagination::COUNT_LIMIT;

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log, newest first. Compliance only.
    #[graphql(
        guard = "Allow(Resource::Audit, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<AuditEvent>> {
        let db = db(ctx)?;
        let (query, patient) = events(db.get_database_backend(), filter.unwrap_or_default())?;
        let page = PageRequest::new(ctx, first, after)?;
        let rows = page_of(db, query, &page).await?;
        access(ctx)?.record_read("audit.read", Resource::Audit, patient);
        Ok(page.into_page(rows, |e| e.seq.to_string(), AuditEvent))
    }

    /// How many events `filter` finds, counted up to [`COUNT_LIMIT`] (10,000): that figure
    /// means "that many or more". Reading it is reading the trail, recorded as such.
    #[graphql(guard = "Allow(Resource::Audit, Action::Read)")]
    async fn audit_event_count(&self, ctx: &Context<'_>, filter: Option<AuditFilter>) -> Gql<i64> {
        let db = db(ctx)?;
        let (query, patient) = events(db.get_database_backend(), filter.unwrap_or_default())?;
        let count = crate::kit::pagination::bounded_count(db, query).await?;
        access(ctx)?.record_read("audit.read", Resource::Audit, patient);
        Ok(count)
    }

    /// The accounting of disclosures of one patient: who saw which PHI classes, when, and
    /// why, newest first. Compliance only.
    #[graphql(
        guard = "Allow(Resource::Audit, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn disclosures(
        &self,
        ctx: &Context<'_>,
        patient_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<AuditEvent>> {
        let patient = parse_id(&patient_id, "patient")?;
        let page = PageRequest::new(ctx, first, after)?;
        let rows = page_of(db(ctx)?, disclosures_of(patient), &page).await?;
        access(ctx)?.record_read("audit.disclosures", Resource::Audit, Some(patient));
        Ok(page.into_page(rows, |e| e.seq.to_string(), AuditEvent))
    }
}
