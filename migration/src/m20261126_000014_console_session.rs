//! Console sessions: a signed-in staff member's browser, by the SHA-256 of its cookie's
//! token (the token itself is never stored), with the CSRF token its forms carry and when it
//! was last used (idle sessions end).

use crate::columns::{create_indexes, drop_tables, fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("console_session")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(uuid("staff_id"))
                    .col(string_len("csrf_token", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .foreign_key(&mut fk("console_session", "staff_id", "staff"))
                    .to_owned(),
            )
            .await?;
        create_indexes(manager, vec![index("console_session", "staff_id", &["staff_id"])]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["console_session"]).await
    }
}
