//! The directory: patients, providers (therapists) and their appointments.

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
                        .table("patient")
                        .col(pk_uuid("id"))
                        // US state of residence: not PHI at state level (HIPAA safe harbor).
                        .col(string_len("state", 2))
                        .col(string_len("first_name", 100))
                        .col(string_len("last_name", 100))
                        .col(string_len("email", 320))
                        .col(string_len("phone", 32))
                        .col(date("date_of_birth"))
                        .col(string_len("payer", 100))
                        .col(string_len("member_id", 64)),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                editable(
                    Table::create()
                        .table("provider")
                        .col(pk_uuid("id"))
                        .col(string_len_uniq("npi", 10))
                        .col(string_len("first_name", 100))
                        .col(string_len("last_name", 100))
                        .col(string_len("credential", 16))
                        .col(string_len("specialty", 100))
                        .col(string_len("state", 2))
                        .col(string_len("email", 320))
                        .col(boolean("active").default(true)),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                editable(
                    Table::create()
                        .table("appointment")
                        .col(pk_uuid("id"))
                        .col(uuid("patient_id"))
                        .col(uuid("provider_id"))
                        .col(timestamp_with_time_zone("starts_at"))
                        .col(integer("duration_minutes"))
                        .col(string_len("kind", 32))
                        .col(string_len("status", 16))
                        .col(string_len("cpt_code", 8))
                        .foreign_key(&mut fk("appointment", "patient_id", "patient"))
                        .foreign_key(&mut fk("appointment", "provider_id", "provider")),
                )
                .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index("patient", "last_name_first_name", &["last_name", "first_name"]),
                index("patient", "email", &["email"]),
                index("patient", "member_id", &["member_id"]),
                index("patient", "created_at", &["created_at"]),
                index("provider", "last_name", &["last_name"]),
                index("appointment", "patient_id_starts_at", &["patient_id", "starts_at"]),
                index("appointment", "provider_id_starts_at", &["provider_id", "starts_at"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["appointment", "provider", "patient"]).await
    }
}
