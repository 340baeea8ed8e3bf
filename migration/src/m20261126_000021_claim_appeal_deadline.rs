//! The claims list sorts soonest appeal deadline first. A claim's deadline is the soonest
//! among its open denials (no escalation of the denial reached an outcome): the escalation's
//! deadline while one works the denial (it moves with each appeal level), else the denial's
//! own. Computing that per row on every page read every claim's denials, so it is kept on
//! the claim, indexed, and set again whenever an escalation moves the claim.
//!
//! The statement below fills it for the claims already stored; ward's ops service keeps it
//! from then on with the same definition (and the seed writes it as it generates claims).

use crate::columns::{create_indexes, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::date_null;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A claim's deadline, as a correlated subquery of `claim`.
const DEADLINE: &str = "(SELECT MIN(COALESCE(e.appeal_deadline, d.appeal_deadline)) FROM denial d \
    LEFT JOIN escalation e ON e.denial_id = d.id AND e.status NOT IN ('won', 'lost', 'written_off') \
    WHERE d.claim_id = claim.id AND NOT EXISTS (SELECT 1 FROM escalation f \
      WHERE f.denial_id = d.id AND f.status IN ('won', 'lost', 'written_off')))";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("claim").add_column(date_null("appeal_deadline")).to_owned()).await?;
        // "Did an escalation of this denial reach an outcome?" (in the deadline, and in the
        // denial list's `open`) otherwise reads every finished escalation per denial on
        // SQLite: filling the column for 100,000 patients took 95-130 s without it, 0.2 s with.
        create_indexes(manager, vec![index("escalation", "denial_id_status", &["denial_id", "status"])]).await?;
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE claim SET appeal_deadline = {DEADLINE} WHERE EXISTS (SELECT 1 FROM denial WHERE denial.claim_id = claim.id)"
            ))
            .await?;
        create_indexes(manager, vec![index("claim", "appeal_deadline_id", &["appeal_deadline", "id"])]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_escalation_denial_id_status").table("escalation").to_owned())
            .await?;
        manager.drop_index(Index::drop().name("idx_claim_appeal_deadline_id").table("claim").to_owned()).await?;
        manager.alter_table(Table::alter().table("claim").drop_column("appeal_deadline").to_owned()).await
    }
}
