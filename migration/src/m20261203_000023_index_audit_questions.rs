//! Each question compliance asks of the audit trail gets the index that answers it in the
//! order it is answered: newest first by the time the event occurred, then `seq`.
//!
//! Migration 7's indexes led with the right column but gave no usable order: every question
//! sorted by `seq`, so with millions of events PostgreSQL walked the primary key backwards
//! through every newer event (an actor with 25 old events: 2.1 s at 10 million), or sorted
//! all of a wide range, and the plan flipped between the two with each ANALYZE. SQLite
//! filtered times through `unixepoch(occurred_at, 'subsec')`, which no index held.
//!
//! Every index here is (the question's column, time, `seq`), where time on SQLite is that
//! same expression, so a question reads one page of its own rows down one index, a time range
//! is a range of it, and a later page starts where the cursor's event sits. The service's
//! statements are in `tools/src/compliance/audit_log.rs`; the test of their plans is
//! `api/tests/api/audit_plans.rs`.
//!
//! On PostgreSQL the indexes are built inside the migration's transaction, which holds off
//! appends to the trail while it builds (about a minute per 10 million events); schedule the
//! upgrade of a large trail accordingly.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each index's name and the column it leads with (`None`: time alone, the whole log and
/// plain time ranges).
const QUESTIONS: [(&str, Option<&str>); 6] = [
    ("idx_audit_event_time", None),
    ("idx_audit_event_actor_time", Some("actor")),
    ("idx_audit_event_patient_time", Some("patient_id")),
    ("idx_audit_event_request_time", Some("request_id")),
    ("idx_audit_event_action_time", Some("action")),
    ("idx_audit_event_outcome_time", Some("outcome")),
];

/// Migration 7's, replaced.
const FORMER: [(&str, &str); 3] = [
    ("idx_audit_event_patient_id_occurred_at", "patient_id, occurred_at"),
    ("idx_audit_event_actor_occurred_at", "actor, occurred_at"),
    ("idx_audit_event_occurred_at", "occurred_at"),
];

fn time(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Sqlite => "unixepoch(occurred_at, 'subsec')",
        _ => "occurred_at",
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in FORMER {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}")).await?;
        }
        let time = time(manager.get_database_backend());
        for (name, lead) in QUESTIONS {
            let columns = lead.map(|column| format!("{column}, ")).unwrap_or_default();
            db.execute_unprepared(&format!("CREATE INDEX {name} ON audit_event ({columns}{time}, seq)")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in QUESTIONS {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}")).await?;
        }
        for (name, columns) in FORMER {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON audit_event ({columns})")).await?;
        }
        Ok(())
    }
}
