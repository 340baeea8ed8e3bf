//! Care records (edits never overwrite: each one keeps a revision) and care-quality reviews.

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
                        .table("care_record")
                        .col(pk_uuid("id"))
                        .col(uuid("patient_id"))
                        .col(uuid("provider_id"))
                        .col(uuid_null("appointment_id"))
                        .col(string_len("kind", 32))
                        .col(text("body"))
                        // ICD-10 codes, comma-separated, in the order the clinician listed them.
                        .col(string_len("diagnosis_codes", 200))
                        .foreign_key(&mut fk("care_record", "patient_id", "patient"))
                        .foreign_key(&mut fk("care_record", "provider_id", "provider"))
                        .foreign_key(&mut fk("care_record", "appointment_id", "appointment")),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("care_record_revision")
                    .col(pk_uuid("id"))
                    .col(uuid("care_record_id"))
                    // The record version this revision replaced.
                    .col(integer("replaced_version"))
                    .col(uuid("editor_id"))
                    .col(text("reason"))
                    .col(text("old_body"))
                    .col(string_len("old_diagnosis_codes", 200))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("care_record_revision", "care_record_id", "care_record"))
                    .foreign_key(&mut fk("care_record_revision", "editor_id", "staff"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                editable(
                    Table::create()
                        .table("care_review")
                        .col(pk_uuid("id"))
                        .col(uuid("care_record_id"))
                        .col(uuid("requested_by"))
                        .col(uuid_null("reviewer_id"))
                        .col(string_len("status", 16))
                        .col(small_integer_null("score"))
                        .col(text_null("findings"))
                        // Review flags, comma-separated (e.g. `risk_not_assessed`).
                        .col(string_len("flags", 400).default(""))
                        .col(timestamp_with_time_zone_null("started_at"))
                        .col(timestamp_with_time_zone_null("completed_at"))
                        .foreign_key(&mut fk("care_review", "care_record_id", "care_record"))
                        .foreign_key(&mut fk("care_review", "requested_by", "staff"))
                        .foreign_key(&mut fk("care_review", "reviewer_id", "staff")),
                )
                .to_owned(),
            )
            .await?;
        let mut revision_per_version =
            index("care_record_revision", "care_record_id_replaced_version", &["care_record_id", "replaced_version"]);
        create_indexes(
            manager,
            vec![
                index("care_record", "patient_id_created_at", &["patient_id", "created_at"]),
                revision_per_version.unique().to_owned(),
                index("care_review", "status_created_at", &["status", "created_at"]),
                index("care_review", "care_record_id", &["care_record_id"]),
                index("care_review", "reviewer_id_status", &["reviewer_id", "status"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["care_review", "care_record_revision", "care_record"]).await
    }
}
