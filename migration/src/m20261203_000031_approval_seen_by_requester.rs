//! When the member who asked for a four-eyes change saw its outcome: the console tells them
//! "your write-off was rejected" on their next page until they have seen it. Decisions made
//! before this column existed count as seen (nobody is told about last month's approvals).

use crate::columns::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("pending_approval")
                    .add_column(timestamp_with_time_zone_null("requester_seen_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE pending_approval SET requester_seen_at = decided_at WHERE status <> 'pending'")
            .await?;
        manager.create_index(index("pending_approval", "requester", &["requested_by", "status"])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_pending_approval_requester").table("pending_approval").to_owned())
            .await?;
        manager.alter_table(Table::alter().table("pending_approval").drop_column("requester_seen_at").to_owned()).await
    }
}
