//! `ward_audit_append` links a batch's events in a loop of hashes only, then inserts them all
//! in one statement. Before, each event was its own INSERT executed by plpgsql (executor
//! start-up, one row, tear-down, per event): the group commit hands it hundreds of events at a
//! time under load, and every PHI read waits for it. Same lock, same head lookup, same hashes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `hashes[i]` is the `prev_hash` of the batch's i-th event and `hashes[i + 1]` its hash.
pub(crate) const APPEND_V3: &str = r#"
CREATE OR REPLACE FUNCTION ward_audit_append(events jsonb) RETURNS bigint LANGUAGE plpgsql
SET enable_seqscan = off AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    hashes text[];
    body text;
    n integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(7277002);
    SELECT seq, hash INTO head_seq, head_hash FROM audit_event ORDER BY seq DESC LIMIT 1;
    IF head_seq IS NULL THEN
        head_seq := 0;
        head_hash := repeat('0', 64);
    END IF;
    hashes := ARRAY[head_hash];
    FOR body IN SELECT e->>'body' FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, i) ORDER BY i LOOP
        n := n + 1;
        hashes[n + 1] := encode(sha256(convert_to(hashes[n] || (head_seq + n)::text || chr(31) || body, 'UTF8')), 'hex');
    END LOOP;
    INSERT INTO audit_event (seq, occurred_at, actor, actor_roles, action, resource_type, resource_id, patient_id,
                             phi_classes, outcome, reason, purpose, policy_version, request_id,
                             client_request_id, format, prev_hash, hash)
    SELECT head_seq + i, (e->>'occurred_at')::timestamptz, e->>'actor', e->>'actor_roles', e->>'action',
           e->>'resource_type', e->>'resource_id', (e->>'patient_id')::uuid, e->>'phi_classes', e->>'outcome',
           e->>'reason', e->>'purpose', e->>'policy_version', e->>'request_id',
           e->>'client_request_id', (e->>'format')::smallint, hashes[i], hashes[i + 1]
    FROM jsonb_array_elements(events) WITH ORDINALITY AS t(e, i)
    ORDER BY i;
    RETURN head_seq + n;
END;
$$;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(APPEND_V3).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let previous = crate::m20261126_000015_audit_head_by_index::with_index_plans();
            manager.get_connection().execute_unprepared(&previous).await?;
        }
        Ok(())
    }
}
