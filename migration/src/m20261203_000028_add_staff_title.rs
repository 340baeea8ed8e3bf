//! A staff member's job title ("Privacy Officer", "Claims Specialist"): a patient's accounting
//! of disclosures names each recipient by name and title, as a person reading it expects.
//! Nullable: members provisioned before it, and service accounts, have none.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("staff").add_column(string_len_null("title", 100)).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("staff").drop_column("title").to_owned()).await
    }
}
