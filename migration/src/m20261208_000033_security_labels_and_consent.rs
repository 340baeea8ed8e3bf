//! Security labels on the records that can carry clinical content (care record, claim,
//! ticket, appointment: a comma list, empty for none), the mark of a provider that is a
//! 42 CFR Part 2 program, and Part 2 consents on file beside the authorizations: the table
//! of what a patient signed becomes `patient_permission`, each row of a `kind`
//! (`authorization` or `part2_consent`), naming its recipients by team and by staff member.
//! Compliance records and revokes consents (`consent · read, create, update`) and records
//! and lifts restrictions (`restriction · ...`, a lift with four eyes: restrictions are rows
//! of kind `restriction`); medical and compliance label records (`label · create, update`,
//! a removal with four eyes).

use crate::policy_rules::{self, Rule, rule};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const RULES: [Rule; 10] = [
    rule("compliance", "consent", "read"),
    rule("compliance", "consent", "create"),
    rule("compliance", "consent", "update"),
    rule("compliance", "restriction", "read"),
    rule("compliance", "restriction", "create"),
    rule("compliance", "restriction", "update"),
    rule("medical", "label", "create"),
    rule("compliance", "label", "create"),
    rule("medical", "label", "update"),
    rule("compliance", "label", "update"),
];

/// The tables whose rows carry labels.
const LABELLED: [&str; 4] = ["care_record", "claim", "ticket", "appointment"];

async fn add(manager: &SchemaManager<'_>, table: &'static str, column: &mut ColumnDef) -> Result<(), DbErr> {
    // One column per statement: SQLite alters a table one column at a time.
    manager.alter_table(Table::alter().table(table).add_column(column.to_owned()).to_owned()).await
}

async fn drop(manager: &SchemaManager<'_>, table: &'static str, column: &'static str) -> Result<(), DbErr> {
    manager.alter_table(Table::alter().table(table).drop_column(column).to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in LABELLED {
            add(manager, table, string_len("security_labels", 64).default("")).await?;
        }
        add(manager, "provider", boolean("part2_program").default(false)).await?;
        manager.rename_table(Table::rename().table("patient_authorization", "patient_permission").to_owned()).await?;
        add(manager, "patient_permission", string_len("kind", 32).default("authorization")).await?;
        // The staff a consent names, by id (a Part 2 consent may name a person, not a team).
        add(manager, "patient_permission", text("staff").default("")).await?;
        policy_rules::grant(manager, &RULES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        policy_rules::revoke(manager, &RULES).await?;
        manager
            .exec_stmt(
                Query::delete()
                    .from_table("patient_permission")
                    .and_where(Expr::col("kind").ne("authorization"))
                    .to_owned(),
            )
            .await?;
        drop(manager, "patient_permission", "staff").await?;
        drop(manager, "patient_permission", "kind").await?;
        manager.rename_table(Table::rename().table("patient_permission", "patient_authorization").to_owned()).await?;
        drop(manager, "provider", "part2_program").await?;
        for table in LABELLED {
            drop(manager, table, "security_labels").await?;
        }
        Ok(())
    }
}
