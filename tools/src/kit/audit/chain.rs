//! The hash chain: each event's hash is SHA-256 over the previous hash and the event's
//! canonical bytes, so an edit, a deletion or a reordering breaks every later link.
//!
//! Appends are serialised: in this process by a mutex, across instances on PostgreSQL by a
//! transaction-scoped advisory lock, so several ward instances still write one chain.

use super::NewEvent;
use crate::kit::{ApiError, ApiResult};
use chrono::{SecondsFormat, SubsecRound};
use entities::audit_event;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryOrder, TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::ops::Deref;
use tokio::sync::{Mutex, MutexGuard};

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// PostgreSQL advisory-lock key of the chain.
const CHAIN_LOCK_KEY: i64 = 7_277_002;
/// Rows per INSERT when a batch is written.
const ROWS_PER_STATEMENT: usize = 500;

static CHAIN: Mutex<()> = Mutex::const_new(());

/// The bytes an event's hash covers: every field but the hashes, in a fixed order.
pub fn canonical(event: &audit_event::Model) -> Vec<u8> {
    let fields = serde_json::json!([
        event.seq,
        event.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        event.actor,
        event.actor_roles,
        event.action,
        event.resource_type,
        event.resource_id,
        event.patient_id.map(|id| id.to_string()),
        event.phi_classes,
        event.outcome,
        event.reason,
        event.purpose,
        event.policy_version,
        event.request_id,
    ]);
    fields.to_string().into_bytes()
}

/// SHA-256 (hex) over the previous hash and the event's canonical bytes.
pub fn link_hash(prev_hash: &str, event: &audit_event::Model) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(canonical(event));
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A transaction that may append to the chain. Holding it serialises appends in this process.
pub struct AuditTxn {
    txn: DatabaseTransaction,
    _turn: MutexGuard<'static, ()>,
}

/// Begins a transaction whose audit events join the chain atomically with its other writes.
/// Take it before any other write of the transaction, so locks are always taken in one order.
pub async fn begin(db: &DatabaseConnection) -> ApiResult<AuditTxn> {
    let turn = CHAIN.lock().await;
    let txn = db.begin().await.map_err(|e| ApiError::from_db("beginning an audited transaction", e))?;
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
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")).await?;
        }
        let last = audit_event::Entity::find().order_by_desc(audit_event::Column::Seq).one(txn).await?;
        let (mut seq, mut prev_hash) = last.map_or((0, GENESIS.to_owned()), |e| (e.seq, e.hash));
        let mut rows = Vec::with_capacity(events.len());
        for event in events {
            seq += 1;
            let mut model = audit_event::Model {
                seq,
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
                prev_hash: prev_hash.clone(),
                hash: String::new(),
            };
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
        prev_hash: Set(m.prev_hash),
        hash: Set(m.hash),
    }
}
