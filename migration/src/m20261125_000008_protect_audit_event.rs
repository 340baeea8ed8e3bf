//! The audit trail is append-only in the database too: UPDATE, DELETE (and on PostgreSQL
//! TRUNCATE) of `audit_event` are rejected by triggers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = r#"
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP;
END;
$$;
CREATE TRIGGER trg_audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER trg_audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"#;

const POSTGRES_DOWN: &str = r#"
DROP TRIGGER IF EXISTS trg_audit_event_no_truncate ON audit_event;
DROP TRIGGER IF EXISTS trg_audit_event_no_update_delete ON audit_event;
DROP FUNCTION IF EXISTS audit_event_append_only();
"#;

const SQLITE_UP: [&str; 2] = [
    "CREATE TRIGGER trg_audit_event_no_update BEFORE UPDATE ON audit_event
     BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE is not allowed'); END",
    "CREATE TRIGGER trg_audit_event_no_delete BEFORE DELETE ON audit_event
     BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE is not allowed'); END",
];

const SQLITE_DOWN: [&str; 2] =
    ["DROP TRIGGER IF EXISTS trg_audit_event_no_update", "DROP TRIGGER IF EXISTS trg_audit_event_no_delete"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => db.execute_unprepared(POSTGRES_UP).await.map(|_| ()),
            _ => {
                for statement in SQLITE_UP {
                    db.execute_unprepared(statement).await?;
                }
                Ok(())
            }
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => db.execute_unprepared(POSTGRES_DOWN).await.map(|_| ()),
            _ => {
                for statement in SQLITE_DOWN {
                    db.execute_unprepared(statement).await?;
                }
                Ok(())
            }
        }
    }
}
