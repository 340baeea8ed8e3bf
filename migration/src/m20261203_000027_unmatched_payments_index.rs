//! The unmatched remittance queue's index holds only its own lines.
//!
//! The queue reads the unmatched claim payments in id order; the index of migration 24 held
//! every payment by (match state, created at, id), so each of the hundreds of thousands of
//! matched lines a month paid for an index entry no question reads. A partial index on the
//! id of the unmatched lines serves the queue's filter and order and costs a matched line
//! nothing. Both backends take `CREATE INDEX ... WHERE`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS idx_claim_payment_match_state_created_at").await?;
        db.execute_unprepared(
            "CREATE INDEX idx_claim_payment_unmatched ON claim_payment (id) WHERE match_state = 'unmatched'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS idx_claim_payment_unmatched").await?;
        db.execute_unprepared(
            "CREATE INDEX idx_claim_payment_match_state_created_at ON claim_payment (match_state, created_at, id)",
        )
        .await?;
        Ok(())
    }
}
