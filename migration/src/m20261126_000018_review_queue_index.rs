//! The review queue lists each status's reviews newest first (`status = ? ORDER BY id DESC`):
//! an index in that order reads one page per status instead of every review of the status.

use crate::columns::{create_indexes, index};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_indexes(manager, vec![index("care_review", "status_id", &["status", "id"])]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_care_review_status_id").table("care_review").to_owned()).await
    }
}
