//! Sealing the PHI core: break-glass grants that can end early, audit events that keep the
//! server's request id apart from a client's and name the format their hash covers, and the
//! two new PHI classes (billing, correspondence) granted where a store already held the reads
//! they were carved out of, so an existing deployment keeps answering as before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `ward_audit_append` with the two new columns; the hash formula is unchanged (ward computes
/// the canonical body, whose form follows `format`).
pub(crate) const APPEND_V2: &str = r#"
CREATE OR REPLACE FUNCTION ward_audit_append(events jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
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
                                 phi_classes, outcome, reason, purpose, policy_version, request_id,
                                 client_request_id, format, prev_hash, hash)
        VALUES (head_seq, (e->>'occurred_at')::timestamptz, e->>'actor', e->>'actor_roles', e->>'action',
                e->>'resource_type', e->>'resource_id', (e->>'patient_id')::uuid, e->>'phi_classes', e->>'outcome',
                e->>'reason', e->>'purpose', e->>'policy_version', e->>'request_id',
                e->>'client_request_id', (e->>'format')::smallint, head_hash, next_hash);
        head_hash := next_hash;
    END LOOP;
    RETURN head_seq;
END;
$$;
"#;

/// Grants `resource · new_action` to every role that holds `resource · read` in a store that
/// is already loaded (an empty store gets the whole baseline from migration 22 instead).
fn carve_out(resource: &str, new_action: &str) -> String {
    format!(
        "INSERT INTO policy_rule (ptype, v0, v1, v2, v3, v4, v5)
         SELECT 'p', v0, v1, '{new_action}', '', '', '' FROM policy_rule r
         WHERE r.ptype = 'p' AND r.v1 = '{resource}' AND r.v2 = 'read'
           AND NOT EXISTS (SELECT 1 FROM policy_rule x
                           WHERE x.ptype = 'p' AND x.v0 = r.v0 AND x.v1 = '{resource}' AND x.v2 = '{new_action}')"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("break_glass_grant")
                    .add_column(timestamp_with_time_zone_null("ended_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table("break_glass_grant").add_column(uuid_null("ended_by")).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter().table("audit_event").add_column(string_len_null("client_request_id", 64)).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table("audit_event").add_column(small_integer("format").default(1)).to_owned())
            .await?;
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared(APPEND_V2).await?;
        }
        db.execute_unprepared(&carve_out("claim", "billing")).await?;
        db.execute_unprepared(&carve_out("ticket", "correspondence")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "DELETE FROM policy_rule WHERE ptype = 'p' AND ((v1 = 'claim' AND v2 = 'billing') OR (v1 = 'ticket' AND v2 = 'correspondence'))",
        )
        .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS ward_audit_append(jsonb)").await?;
            db.execute_unprepared(crate::m20261125_000009_create_audit_append_function::UP).await?;
        }
        for (table, column) in [
            ("audit_event", "format"),
            ("audit_event", "client_request_id"),
            ("break_glass_grant", "ended_by"),
            ("break_glass_grant", "ended_at"),
        ] {
            manager.alter_table(Table::alter().table(table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
