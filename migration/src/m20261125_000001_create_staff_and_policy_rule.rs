//! Staff members (identified by their token `sub`) and the casbin policy store.

use crate::columns::{create_indexes, drop_tables, editable, index};
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
                        .table("staff")
                        .col(pk_uuid("id"))
                        .col(string_len_uniq("sub", 128))
                        .col(string_len("display_name", 200))
                        .col(string_len("email", 320))
                        .col(boolean("active").default(true)),
                )
                .to_owned(),
            )
            .await?;

        // casbin's rule layout: `p` rows are permissions, `g` rows are role grants.
        manager
            .create_table(
                Table::create()
                    .table("policy_rule")
                    .col(pk_auto("id"))
                    .col(string_len("ptype", 8))
                    .col(string_len("v0", 128).default(""))
                    .col(string_len("v1", 128).default(""))
                    .col(string_len("v2", 128).default(""))
                    .col(string_len("v3", 128).default(""))
                    .col(string_len("v4", 128).default(""))
                    .col(string_len("v5", 128).default(""))
                    .to_owned(),
            )
            .await?;
        let mut unique_rule = index("policy_rule", "unique_rule", &["ptype", "v0", "v1", "v2", "v3", "v4", "v5"]);
        create_indexes(manager, vec![unique_rule.unique().to_owned()]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["policy_rule", "staff"]).await
    }
}
