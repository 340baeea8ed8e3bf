//! Indexes the harness asked for: the ops queue header sums escalations opened in a period
//! (by `created_at`), which scanned every escalation on each view of the queue.

use crate::columns::{create_indexes, index};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_indexes(manager, vec![index("escalation", "created_at", &["created_at"])]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_escalation_created_at").table("escalation").to_owned()).await
    }
}
