//! PostgreSQL appends audit events in one round trip: `ward_audit_append(events)` takes the
//! chain's transaction-scoped advisory lock, reads the head, and links each event with
//! SHA-256 over the previous hash, the sequence number, a unit separator and the event's
//! canonical body (computed by ward; the same formula verifies on every backend).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) const UP: &str = r#"
CREATE FUNCTION ward_audit_append(events jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    next_hash text;
    e jsonb;
BEGIN
    PERFORM pg_advisory_xact_lock(7277002);
    SELECT seq, hash INTO head_seq, head_hash FROM audit_event ORDER BY seq DESC LIMIT 1;
    IF head_seq IS NULL THEN
        head_seq := 0;
        head_hash := repeat('0', 64);
    END IF;
    FOR e IN SELECT value FROM jsonb_array_elements(events) LOOP
        head_seq := head_seq + 1;
        next_hash := encode(sha256(convert_to(head_hash || head_seq::text || chr(31) || (e->>'body'), 'UTF8')), 'hex');
        INSERT INTO audit_event (seq, occurred_at, actor, actor_roles, action, resource_type, resource_id, patient_id,
                                 phi_classes, outcome, reason, purpose, policy_version, request_id, prev_hash, hash)
        VALUES (head_seq, (e->>'occurred_at')::timestamptz, e->>'actor', e->>'actor_roles', e->>'action',
                e->>'resource_type', e->>'resource_id', (e->>'patient_id')::uuid, e->>'phi_classes', e->>'outcome',
                e->>'reason', e->>'purpose', e->>'policy_version', e->>'request_id', head_hash, next_hash);
        head_hash := next_hash;
    END LOOP;
    RETURN head_seq;
END;
$$;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(UP).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared("DROP FUNCTION IF EXISTS ward_audit_append(jsonb)").await?;
        }
        Ok(())
    }
}
