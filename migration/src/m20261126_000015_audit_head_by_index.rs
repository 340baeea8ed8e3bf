//! `ward_audit_append` finds the chain's head by the primary key, always. A long-lived
//! connection keeps the function's plans; planned while `audit_event` was empty, the head
//! lookup (`ORDER BY seq DESC LIMIT 1`) was a sequential scan and sort, kept as the table grew:
//! measured, an append of a few events took 40-85 ms once the trail held ~100,000 events (1 ms
//! fresh), and every request with PHI waits for its append. Planning inside the function with
//! sequential scans off makes the lookup an index scan whatever the statistics said.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) fn with_index_plans() -> String {
    crate::m20261126_000011_seal_phi_core::APPEND_V2
        .replace("LANGUAGE plpgsql AS $$", "LANGUAGE plpgsql SET enable_seqscan = off AS $$")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(&with_index_plans()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared("DROP FUNCTION IF EXISTS ward_audit_append(jsonb)").await?;
            db.execute_unprepared(crate::m20261126_000011_seal_phi_core::APPEND_V2).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_function_is_planned_with_sequential_scans_off() {
        let sql = super::with_index_plans();
        assert!(sql.contains("LANGUAGE plpgsql SET enable_seqscan = off AS $$"), "{sql}");
    }
}
