//! Every change to `staff` is announced on the `ward_staff` channel, whoever makes it (an
//! instance, the CLI, an operator's SQL): instances keep active members between requests and
//! forget them all on this signal (`tools::admin::staff_cache`). PostgreSQL only; on SQLite
//! nothing is kept between requests.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "
CREATE OR REPLACE FUNCTION ward_staff_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ward_staff', '');
  RETURN NULL;
END $$;
CREATE TRIGGER staff_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff
  FOR EACH STATEMENT EXECUTE FUNCTION ward_staff_changed();";

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
            let db = manager.get_connection();
            db.execute_unprepared("DROP TRIGGER IF EXISTS staff_changed ON staff").await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS ward_staff_changed()").await?;
        }
        Ok(())
    }
}
