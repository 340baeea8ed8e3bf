//! Insurance claims, their denials (CARC/RARC) and the escalations ops work them through.

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
                        .table("claim")
                        .col(pk_uuid("id"))
                        .col(string_len_uniq("claim_number", 32))
                        .col(uuid("patient_id"))
                        .col(uuid("provider_id"))
                        .col(uuid_null("appointment_id"))
                        .col(string_len("payer", 100))
                        .col(date("service_date"))
                        // Money in cents: exact, and the same type on every database.
                        .col(big_integer("billed_cents"))
                        .col(big_integer_null("allowed_cents"))
                        .col(big_integer("paid_cents").default(0))
                        .col(string_len("status", 16))
                        .col(string_len("diagnosis_codes", 200))
                        .col(string_len("procedure_codes", 200))
                        .col(timestamp_with_time_zone("submitted_at"))
                        .foreign_key(&mut fk("claim", "patient_id", "patient"))
                        .foreign_key(&mut fk("claim", "provider_id", "provider"))
                        .foreign_key(&mut fk("claim", "appointment_id", "appointment")),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("denial")
                    .col(pk_uuid("id"))
                    .col(uuid("claim_id"))
                    .col(string_len("carc_group", 2))
                    .col(string_len("carc_code", 8))
                    .col(string_len_null("rarc_code", 8))
                    .col(big_integer("denied_cents"))
                    .col(timestamp_with_time_zone("denied_at"))
                    .col(date("appeal_deadline"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("denial", "claim_id", "claim"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                editable(
                    Table::create()
                        .table("escalation")
                        .col(pk_uuid("id"))
                        .col(uuid("denial_id"))
                        .col(string_len("status", 16))
                        .col(uuid("opened_by"))
                        .col(uuid_null("assignee_id"))
                        .col(text("summary"))
                        // Copied from the denial so the deadline queue is one index scan.
                        .col(date("appeal_deadline"))
                        .col(timestamp_with_time_zone_null("closed_at"))
                        .foreign_key(&mut fk("escalation", "denial_id", "denial"))
                        .foreign_key(&mut fk("escalation", "opened_by", "staff"))
                        .foreign_key(&mut fk("escalation", "assignee_id", "staff")),
                )
                .to_owned(),
            )
            .await?;
        // A denial has at most one escalation that is not finished.
        let mut one_open_escalation = index("escalation", "denial_id_unfinished", &["denial_id"]);
        one_open_escalation.unique().and_where(Expr::col("status").is_not_in(["resolved", "written_off"]));
        create_indexes(
            manager,
            vec![
                index("claim", "patient_id_service_date", &["patient_id", "service_date"]),
                index("claim", "status_service_date", &["status", "service_date"]),
                index("denial", "claim_id", &["claim_id"]),
                index("denial", "appeal_deadline", &["appeal_deadline"]),
                one_open_escalation,
                index("escalation", "status_appeal_deadline", &["status", "appeal_deadline"]),
                index("escalation", "assignee_id_status", &["assignee_id", "status"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["escalation", "denial", "claim"]).await
    }
}
