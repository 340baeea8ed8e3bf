//! A completed review names the version of the record it scored: a record amended after its
//! review is then read as "scored at version 3, now at version 4", never as signed off in
//! its new words.
//!
//! The statement below fills it for the reviews completed already: the version the record
//! stood at when the review was completed (the version the first later revision kept, else
//! the record's version now). ward's medical service sets it from then on at completion.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::integer_null;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The record's version when the review was completed, as a correlated subquery of `care_review`.
const SCORED: &str = "COALESCE(\
    (SELECT MIN(r.replaced_version) FROM care_record_revision r \
      WHERE r.care_record_id = care_review.care_record_id AND r.created_at > care_review.completed_at), \
    (SELECT c.version FROM care_record c WHERE c.id = care_review.care_record_id))";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("care_review").add_column(integer_null("record_version")).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared(&format!("UPDATE care_review SET record_version = {SCORED} WHERE status = 'completed'"))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("care_review").drop_column("record_version").to_owned()).await
    }
}
