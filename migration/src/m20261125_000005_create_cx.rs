//! Support tickets from patients and providers, and their comments.

use crate::columns::{create_indexes, drop_tables, editable, fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                editable(
                    Table::create()
                        .table("ticket")
                        .col(pk_uuid("id"))
                        .col(string_len("subject", 200))
                        .col(text("description"))
                        .col(string_len("channel", 16))
                        .col(string_len("priority", 16))
                        .col(string_len("status", 16))
                        .col(uuid_null("patient_id"))
                        .col(uuid_null("provider_id"))
                        .col(uuid_null("appointment_id"))
                        .col(uuid_null("claim_id"))
                        .col(uuid_null("assignee_id"))
                        .col(uuid("created_by"))
                        .col(timestamp_with_time_zone("sla_due_at"))
                        .col(timestamp_with_time_zone_null("resolved_at"))
                        .foreign_key(&mut fk("ticket", "patient_id", "patient"))
                        .foreign_key(&mut fk("ticket", "provider_id", "provider"))
                        .foreign_key(&mut fk("ticket", "appointment_id", "appointment"))
                        .foreign_key(&mut fk("ticket", "claim_id", "claim"))
                        .foreign_key(&mut fk("ticket", "assignee_id", "staff"))
                        .foreign_key(&mut fk("ticket", "created_by", "staff")),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("ticket_comment")
                    .col(pk_uuid("id"))
                    .col(uuid("ticket_id"))
                    .col(uuid("author_id"))
                    .col(text("body"))
                    .col(boolean("internal").default(false))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("ticket_comment", "ticket_id", "ticket"))
                    .foreign_key(&mut fk("ticket_comment", "author_id", "staff"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("ticket", "status_sla_due_at", &["status", "sla_due_at"]),
                index("ticket", "assignee_id_status_sla_due_at", &["assignee_id", "status", "sla_due_at"]),
                index("ticket", "sla_due_at", &["sla_due_at"]),
                index("ticket", "patient_id", &["patient_id"]),
                index("ticket", "provider_id", &["provider_id"]),
                index("ticket_comment", "ticket_id_created_at", &["ticket_id", "created_at"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["ticket_comment", "ticket"]).await
    }
}
