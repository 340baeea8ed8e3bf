//! A patient's authorizations on file (45 CFR 164.508): the signed permission that alone opens
//! their psychotherapy notes, to the teams and for the purposes it names, within its period.
//! Compliance records and revokes them (`authorization · read, create, update`).

use crate::columns::{create_indexes, drop_tables, fk, index};
use crate::policy_rules::{self, Rule, rule};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const RULES: [Rule; 3] = [
    rule("compliance", "authorization", "read"),
    rule("compliance", "authorization", "create"),
    rule("compliance", "authorization", "update"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("patient_authorization")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    // The classes it opens, comma-separated (`psychotherapy_notes`).
                    .col(string_len("covers", 128))
                    // The teams (role names) and purposes (treatment, payment, operations) it names.
                    .col(string_len("teams", 128))
                    .col(string_len("purposes", 64))
                    // Its period, whole days, both included.
                    .col(date("valid_from"))
                    .col(date("valid_until"))
                    // What the signed document is and where it is kept.
                    .col(text("document"))
                    .col(uuid("recorded_by"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(uuid_null("revoked_by"))
                    .col(text_null("revoke_reason"))
                    .foreign_key(&mut fk("patient_authorization", "patient_id", "patient"))
                    .foreign_key(&mut fk("patient_authorization", "recorded_by", "staff"))
                    .foreign_key(&mut fk("patient_authorization", "revoked_by", "staff"))
                    .to_owned(),
            )
            .await?;
        create_indexes(manager, vec![index("patient_authorization", "patient_id", &["patient_id"])]).await?;
        policy_rules::grant(manager, &RULES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        policy_rules::revoke(manager, &RULES).await?;
        drop_tables(manager, &["patient_authorization"]).await
    }
}
