//! The ticket desk's history (every change: who, when, what) and saved replies (macros).

use crate::columns::{create_indexes, drop_tables, editable, fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("ticket_event")
                    .col(pk_uuid("id"))
                    .col(uuid("ticket_id"))
                    .col(uuid("actor_id"))
                    .col(string_len("kind", 32))
                    // What changed, as JSON: {"field": [old, new]}.
                    .col(json("changes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("ticket_event", "ticket_id", "ticket"))
                    .foreign_key(&mut fk("ticket_event", "actor_id", "staff"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                editable(
                    Table::create()
                        .table("reply_macro")
                        .col(pk_uuid("id"))
                        .col(string_len_uniq("name", 100))
                        .col(text("body"))
                        .col(uuid("created_by"))
                        .foreign_key(&mut fk("reply_macro", "created_by", "staff")),
                )
                .to_owned(),
            )
            .await?;
        create_indexes(manager, vec![index("ticket_event", "ticket_id_created_at", &["ticket_id", "created_at"])]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["reply_macro", "ticket_event"]).await
    }
}
