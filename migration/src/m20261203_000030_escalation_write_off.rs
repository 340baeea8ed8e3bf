//! What a write-off gave up, and why: the amount (a partial write-off leaves the rest of the
//! denied amount with the claim) and its adjustment reason as X12 writes one, a group (CO, PR,
//! OA, PI) and a CARC code. Nullable: an escalation not written off has none, and the
//! write-offs made before this migration recorded only their note.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite adds one at a time.
        for column in [
            big_integer_null("written_off_cents"),
            string_len_null("write_off_group", 2),
            string_len_null("write_off_code", 8),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table("escalation").add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["written_off_cents", "write_off_group", "write_off_code"] {
            manager.alter_table(Table::alter().table("escalation").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
