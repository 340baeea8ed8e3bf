//! A write-off of an escalation, or an amendment of a care record, waits for its second pair
//! of eyes one at a time: a second request for the same record while one waits would leave
//! the approver two versions of one change, one of them bound to fail. A partial unique index
//! holds that when two requests arrive at once, on both databases.
//!
//! Requests that already wait twice are settled first: the oldest keeps waiting and the later
//! ones are rejected with a note saying why (no approver decided them, so `decided_by` stays
//! empty).

use crate::columns::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_pending_approval_one_waiting";
const KINDS: [&str; 2] = ["write_off", "care_record_amend"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let kinds = KINDS.map(|k| format!("'{k}'")).join(", ");
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE pending_approval SET status = 'rejected', version = version + 1, \
                 decision_note = 'Superseded: an earlier request for the same record was already waiting' \
                 WHERE status = 'pending' AND kind IN ({kinds}) AND EXISTS ( \
                   SELECT 1 FROM pending_approval earlier \
                   WHERE earlier.kind = pending_approval.kind AND earlier.resource_id = pending_approval.resource_id \
                     AND earlier.status = 'pending' AND earlier.id < pending_approval.id)"
            ))
            .await?;
        let mut one = index("pending_approval", "one_waiting", &["kind", "resource_id"]);
        one.unique().and_where(Expr::col("status").eq("pending")).and_where(Expr::col("kind").is_in(KINDS));
        manager.create_index(one).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(NAME).table("pending_approval").to_owned()).await
    }
}
