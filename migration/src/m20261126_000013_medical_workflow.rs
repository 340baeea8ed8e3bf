//! The medical workflow: one open review per care record, who approved an amendment of a
//! signed-off record, and the indexes the review queue and provider quality read by.

use crate::columns::{create_indexes, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const ONE_OPEN_REVIEW: &str = "idx_care_review_care_record_id_open";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("care_record_revision").add_column(uuid_null("approved_by")).to_owned())
            .await?;
        // A record has at most one review that is not completed.
        let mut one_open = index("care_review", "care_record_id_open", &["care_record_id"]);
        one_open.unique().and_where(Expr::col("status").ne("completed"));
        create_indexes(
            manager,
            vec![
                one_open,
                index("care_review", "completed_at", &["completed_at"]),
                index("care_record", "provider_id_created_at", &["provider_id", "created_at"]),
                index("care_record_revision", "editor_id", &["editor_id"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in [
            ("care_record_revision", "idx_care_record_revision_editor_id"),
            ("care_record", "idx_care_record_provider_id_created_at"),
            ("care_review", "idx_care_review_completed_at"),
            ("care_review", ONE_OPEN_REVIEW),
        ] {
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table("care_record_revision").drop_column("approved_by").to_owned()).await
    }
}
