//! Break-glass grants (emergency access to one patient) and four-eyes pending approvals.

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
                        .table("break_glass_grant")
                        .col(pk_uuid("id"))
                        .col(uuid("staff_id"))
                        .col(uuid("patient_id"))
                        .col(text("reason"))
                        .col(timestamp_with_time_zone("granted_at"))
                        .col(timestamp_with_time_zone("expires_at"))
                        .col(string_len("review_status", 16))
                        .col(uuid_null("reviewed_by"))
                        .col(timestamp_with_time_zone_null("reviewed_at"))
                        .col(text_null("review_note"))
                        .foreign_key(&mut fk("break_glass_grant", "staff_id", "staff"))
                        .foreign_key(&mut fk("break_glass_grant", "patient_id", "patient"))
                        .foreign_key(&mut fk("break_glass_grant", "reviewed_by", "staff")),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                editable(
                    Table::create()
                        .table("pending_approval")
                        .col(pk_uuid("id"))
                        .col(string_len("kind", 32))
                        .col(string_len("resource_type", 32))
                        .col(uuid("resource_id"))
                        // The team whose second member must approve (a role name).
                        .col(string_len("team", 32))
                        .col(uuid("requested_by"))
                        .col(text("reason"))
                        // The change to apply once approved, as JSON.
                        .col(json("payload"))
                        .col(string_len("status", 16))
                        .col(uuid_null("decided_by"))
                        .col(timestamp_with_time_zone_null("decided_at"))
                        .col(text_null("decision_note"))
                        .foreign_key(&mut fk("pending_approval", "requested_by", "staff"))
                        .foreign_key(&mut fk("pending_approval", "decided_by", "staff")),
                )
                .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("break_glass_grant", "staff_id_patient_id_expires_at", &["staff_id", "patient_id", "expires_at"]),
                index("break_glass_grant", "patient_id_expires_at", &["patient_id", "expires_at"]),
                index("break_glass_grant", "review_status_granted_at", &["review_status", "granted_at"]),
                index("pending_approval", "status_team_created_at", &["status", "team", "created_at"]),
                index("pending_approval", "resource_type_resource_id", &["resource_type", "resource_id"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["pending_approval", "break_glass_grant"]).await
    }
}
