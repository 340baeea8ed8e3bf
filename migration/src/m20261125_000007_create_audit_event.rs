//! The append-only, hash-chained audit trail.

use crate::columns::{create_indexes, drop_tables, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_event")
                    // Assigned by the single audit writer, so the chain has no gaps.
                    .col(big_integer("seq").primary_key())
                    .col(timestamp_with_time_zone("occurred_at"))
                    .col(string_len("actor", 128))
                    .col(string_len("actor_roles", 200))
                    .col(string_len("action", 64))
                    .col(string_len("resource_type", 32))
                    .col(string_len_null("resource_id", 64))
                    .col(uuid_null("patient_id"))
                    .col(string_len("phi_classes", 64).default(""))
                    .col(string_len("outcome", 16))
                    .col(text_null("reason"))
                    .col(string_len_null("purpose", 100))
                    .col(string_len("policy_version", 64))
                    .col(string_len("request_id", 64))
                    .col(string_len("prev_hash", 64))
                    .col(string_len("hash", 64))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("audit_event", "patient_id_occurred_at", &["patient_id", "occurred_at"]),
                index("audit_event", "actor_occurred_at", &["actor", "occurred_at"]),
                index("audit_event", "occurred_at", &["occurred_at"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["audit_event"]).await
    }
}
