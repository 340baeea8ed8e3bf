//! The hash chain: each event's hash is SHA-256 over the previous hash, the event's sequence
//! number, a unit separator (0x1F) and the event's canonical body, so an edit, a deletion or
//! a reordering breaks every later link.
//!
//! Appends are serialised. PostgreSQL: `ward_audit_append` (migration 9) takes a
//! transaction-scoped advisory lock around each batch, so several ward instances write one
//! chain, in one round trip. SQLite (one instance): a process-wide mutex, with the hashes
//! computed here by the same formula.

use super::NewEvent;
use crate::transaction::begin_write;
use crate::{ApiError, ApiResult};
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use entities::audit_event;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryOrder, Statement,
};
use sha2::{Digest, Sha256};
use std::ops::Deref;
use tokio::sync::{Mutex, MutexGuard};

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows per INSERT when SQLite writes a batch.
const ROWS_PER_STATEMENT: usize = 500;

static CHAIN: Mutex<()> = Mutex::const_new(());

fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The body format new events are written in. Format 1 (before `client_request_id`) stays
/// verifiable: each event names the format its hash covers.
pub const FORMAT: i16 = 2;

/// The canonical body of an event: every field but the sequence number and the hashes, in a
/// fixed order, as a JSON array; the time in one UTC form (microseconds, `Z`), whatever form
/// the database hands back. Serialised straight from the fields (a tuple is a JSON array),
/// with no intermediate `serde_json::Value`: this runs for every event of every request.
pub fn body(event: &audit_event::Model) -> String {
    let common = (
        timestamp(&event.occurred_at),
        &event.actor,
        &event.actor_roles,
        &event.action,
        &event.resource_type,
        &event.resource_id,
        event.patient_id.map(|id| id.to_string()),
        &event.phi_classes,
        &event.outcome,
        &event.reason,
        &event.purpose,
        &event.policy_version,
        &event.request_id,
    );
    let (a, b, c, d, e, f, g, h, i, j, k, l, m) = common;
    let written = if event.format >= 2 {
        serde_json::to_string(&(a, b, c, d, e, f, g, h, i, j, k, l, m, event.format, &event.client_request_id))
    } else {
        serde_json::to_string(&(a, b, c, d, e, f, g, h, i, j, k, l, m))
    };
    // Strings, numbers and nulls always serialise.
    written.unwrap_or_default()
}

/// SHA-256 (hex) over the previous hash, the sequence number, 0x1F and the body.
pub fn link_hash(prev_hash: &str, event: &audit_event::Model) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(event.seq.to_string().as_bytes());
    hasher.update([0x1f]);
    hasher.update(body(event).as_bytes());
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The event as a row, before the chain numbers and hashes it.
fn unlinked(event: NewEvent) -> audit_event::Model {
    audit_event::Model {
        seq: 0,
        occurred_at: event.occurred_at.trunc_subsecs(6),
        actor: event.actor,
        actor_roles: event.actor_roles,
        action: event.action,
        resource_type: event.resource_type,
        resource_id: event.resource_id,
        patient_id: event.patient_id,
        phi_classes: event.phi_classes,
        outcome: event.outcome.as_str().to_owned(),
        reason: event.reason,
        purpose: event.purpose,
        policy_version: event.policy_version,
        request_id: event.request_id,
        client_request_id: event.client_request_id,
        format: FORMAT,
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// Appends `events` on `db`: on PostgreSQL in one statement (its own transaction); on
/// SQLite in a transaction of its own.
pub async fn append_batch(db: &DatabaseConnection, events: Vec<NewEvent>) -> ApiResult<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        return append_postgres(db, events).await;
    }
    let txn = begin(db).await?;
    txn.append(events).await?;
    txn.commit().await
}

/// One event as `ward_audit_append` reads it (migration 19): the body to hash and the columns.
#[derive(serde::Serialize)]
struct AppendRow<'a> {
    body: String,
    occurred_at: String,
    actor: &'a str,
    actor_roles: &'a str,
    action: &'a str,
    resource_type: &'a str,
    resource_id: Option<&'a str>,
    patient_id: Option<uuid::Uuid>,
    phi_classes: &'a str,
    outcome: &'a str,
    reason: Option<&'a str>,
    purpose: Option<&'a str>,
    policy_version: &'a str,
    request_id: &'a str,
    client_request_id: Option<&'a str>,
    format: i16,
}

impl<'a> AppendRow<'a> {
    fn of(m: &'a audit_event::Model) -> Self {
        AppendRow {
            body: body(m),
            occurred_at: timestamp(&m.occurred_at),
            actor: &m.actor,
            actor_roles: &m.actor_roles,
            action: &m.action,
            resource_type: &m.resource_type,
            resource_id: m.resource_id.as_deref(),
            patient_id: m.patient_id,
            phi_classes: &m.phi_classes,
            outcome: &m.outcome,
            reason: m.reason.as_deref(),
            purpose: m.purpose.as_deref(),
            policy_version: &m.policy_version,
            request_id: &m.request_id,
            client_request_id: m.client_request_id.as_deref(),
            format: m.format,
        }
    }
}

async fn append_postgres(db: &impl ConnectionTrait, events: Vec<NewEvent>) -> ApiResult<()> {
    let models: Vec<audit_event::Model> = events.into_iter().map(unlinked).collect();
    let rows: Vec<AppendRow> = models.iter().map(AppendRow::of).collect();
    // One JSON text, cast to jsonb by PostgreSQL: no `serde_json::Value` tree built and cloned.
    let rows = serde_json::to_string(&rows).map_err(|e| ApiError::internal("encoding audit events", e))?;
    let statement = Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT ward_audit_append($1::text::jsonb)",
        [rows.into()],
    );
    db.execute_raw(statement).await?;
    Ok(())
}

/// A transaction whose audit events join the chain atomically with its other writes.
pub struct AuditTxn {
    txn: DatabaseTransaction,
    _turn: Option<MutexGuard<'static, ()>>,
}

/// Begins an audited transaction. Take it before any other write of the transaction, so
/// the chain's lock is always taken first.
pub async fn begin(db: &DatabaseConnection) -> ApiResult<AuditTxn> {
    // SQLite: this process's turn first (PostgreSQL's advisory lock is taken in the append).
    // The chain's head is read and then written, so the transaction begins as a write.
    let turn = match db.get_database_backend() {
        DatabaseBackend::Postgres => None,
        _ => Some(CHAIN.lock().await),
    };
    let txn = begin_write(db).await.map_err(|e| ApiError::from_db("beginning an audited transaction", e))?;
    Ok(AuditTxn { txn, _turn: turn })
}

impl Deref for AuditTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl AuditTxn {
    /// Links `events` to the end of the chain, inside this transaction.
    pub async fn append(&self, events: Vec<NewEvent>) -> ApiResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let txn = &self.txn;
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            return append_postgres(txn, events).await;
        }
        let last = audit_event::Entity::find().order_by_desc(audit_event::Column::Seq).one(txn).await?;
        let (mut seq, mut prev_hash) = last.map_or((0, GENESIS.to_owned()), |e| (e.seq, e.hash));
        let mut rows = Vec::with_capacity(events.len());
        for event in events {
            seq += 1;
            let mut model = unlinked(event);
            model.seq = seq;
            model.prev_hash = prev_hash.clone();
            model.hash = link_hash(&prev_hash, &model);
            prev_hash = model.hash.clone();
            rows.push(active(model));
        }
        while !rows.is_empty() {
            let chunk: Vec<_> = rows.drain(..rows.len().min(ROWS_PER_STATEMENT)).collect();
            audit_event::Entity::insert_many(chunk).exec_without_returning(txn).await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> ApiResult<()> {
        self.txn.commit().await.map_err(|e| ApiError::from_db("committing an audited transaction", e))
    }
}

fn active(m: audit_event::Model) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        seq: Set(m.seq),
        occurred_at: Set(m.occurred_at),
        actor: Set(m.actor),
        actor_roles: Set(m.actor_roles),
        action: Set(m.action),
        resource_type: Set(m.resource_type),
        resource_id: Set(m.resource_id),
        patient_id: Set(m.patient_id),
        phi_classes: Set(m.phi_classes),
        outcome: Set(m.outcome),
        reason: Set(m.reason),
        purpose: Set(m.purpose),
        policy_version: Set(m.policy_version),
        request_id: Set(m.request_id),
        client_request_id: Set(m.client_request_id),
        format: Set(m.format),
        prev_hash: Set(m.prev_hash),
        hash: Set(m.hash),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(format: i16) -> audit_event::Model {
        audit_event::Model {
            seq: 42,
            occurred_at: Utc.with_ymd_and_hms(2026, 11, 26, 8, 1, 2).single().unwrap_or_default()
                + chrono::Duration::microseconds(345_678),
            actor: "alice".into(),
            actor_roles: "cx".into(),
            action: "read".into(),
            resource_type: "patient".into(),
            resource_id: Some("0193a0c4-1111-7222-8333-444455556666".into()),
            patient_id: uuid::Uuid::parse_str("0193a0c4-1111-7222-8333-444455556666").ok(),
            phi_classes: "contact,identity".into(),
            outcome: "allowed".into(),
            reason: Some("matched contact search \"Gar\\cía\"\n".into()),
            purpose: None,
            policy_version: "v1".into(),
            request_id: "req-1".into(),
            client_request_id: if format >= 2 { Some("client-1".into()) } else { None },
            format,
            prev_hash: GENESIS.into(),
            hash: String::new(),
        }
    }

    /// Every hash already on a trail covers these exact bytes: the body's form never changes.
    #[test]
    fn the_canonical_body_and_its_hash_keep_their_exact_bytes() {
        assert_eq!(
            body(&event(2)),
            r#"["2026-11-26T08:01:02.345678Z","alice","cx","read","patient","0193a0c4-1111-7222-8333-444455556666","0193a0c4-1111-7222-8333-444455556666","contact,identity","allowed","matched contact search \"Gar\\cía\"\n",null,"v1","req-1",2,"client-1"]"#
        );
        assert_eq!(
            body(&event(1)),
            r#"["2026-11-26T08:01:02.345678Z","alice","cx","read","patient","0193a0c4-1111-7222-8333-444455556666","0193a0c4-1111-7222-8333-444455556666","contact,identity","allowed","matched contact search \"Gar\\cía\"\n",null,"v1","req-1"]"#
        );
        assert_eq!(link_hash(GENESIS, &event(2)), EXPECTED_HASH);
    }

    const EXPECTED_HASH: &str = "6e7b5e11814c7b98b7d3ddd936f897ffce02ccfd922466d031a59fa14db8d78b";
}
