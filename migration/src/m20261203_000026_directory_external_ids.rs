//! The directory and care records from the practice-management system.
//!
//! - `external_id` on `patient`, `provider`, `appointment` and `care_record`: the key the
//!   practice-management system gives each record, unique where set (rows ward made itself,
//!   like the demo's, have none). An import upserts by it.
//! - `directory_change`: the history of a directory record an import changed: which fields,
//!   what they said before (JSON, PHI for a patient: never shown to a role without it), the
//!   version the change made, and the run that made it.
//! - `care_record_revision.import_file_id`: a care record's text changed by an import is kept
//!   as a revision like an edit's; its editor is the sending service account, or nobody when
//!   the command line imported it, so `editor_id` may now be null (SQLite cannot drop a NOT
//!   NULL, so there the table is rebuilt with its rows and indexes).

use crate::columns::{create_indexes, fk, index};
use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KEYED: [&str; 4] = ["patient", "provider", "appointment", "care_record"];

/// Every column of `care_record_revision` before this migration, in order.
const REVISION_COLUMNS: &str =
    "id, care_record_id, replaced_version, editor_id, reason, old_body, old_diagnosis_codes, created_at, approved_by";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: a rebuild stopped half-way would leave its copy behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in KEYED {
            manager
                .alter_table(Table::alter().table(table).add_column(string_len_null("external_id", 64)).to_owned())
                .await?;
            let mut unique = index(table, "external_id", &["external_id"]);
            manager.create_index(unique.unique().to_owned()).await?;
        }
        manager.create_table(directory_change()).await?;
        create_indexes(manager, vec![index("directory_change", "record", &["record_type", "record_id", "version"])])
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            rebuild_revisions_on_sqlite(manager, Shape::Imported).await
        } else {
            let db = manager.get_connection();
            db.execute_unprepared("ALTER TABLE care_record_revision ALTER COLUMN editor_id DROP NOT NULL").await?;
            manager
                .alter_table(
                    Table::alter()
                        .table("care_record_revision")
                        .add_column(uuid_null("import_file_id"))
                        .add_foreign_key(
                            TableForeignKey::new()
                                .name("fk_care_record_revision_import_file_id")
                                .from_tbl("care_record_revision")
                                .from_col("import_file_id")
                                .to_tbl("import_file")
                                .to_col("id")
                                .on_delete(ForeignKeyAction::Restrict)
                                .on_update(ForeignKeyAction::Cascade),
                        )
                        .to_owned(),
                )
                .await
        }
    }

    /// Refused while a revision has no editor (an import from the command line made it):
    /// going down would lose who changed the record.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            rebuild_revisions_on_sqlite(manager, Shape::Edited).await?;
        } else {
            let db = manager.get_connection();
            db.execute_unprepared("ALTER TABLE care_record_revision DROP COLUMN import_file_id").await?;
            db.execute_unprepared("ALTER TABLE care_record_revision ALTER COLUMN editor_id SET NOT NULL").await?;
        }
        manager.drop_table(Table::drop().table("directory_change").to_owned()).await?;
        for table in KEYED {
            let name = format!("idx_{table}_external_id");
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
            manager.alter_table(Table::alter().table(table).drop_column("external_id").to_owned()).await?;
        }
        Ok(())
    }
}

fn directory_change() -> TableCreateStatement {
    Table::create()
        .table("directory_change")
        .col(pk_uuid("id"))
        // `patient`, `provider`, `appointment`.
        .col(string_len("record_type", 16))
        .col(uuid("record_id"))
        // The version the change made.
        .col(integer("version"))
        .col(uuid("import_file_id"))
        // The names of the fields that changed, comma-separated (`email,phone`).
        .col(string_len("fields", 400))
        // JSON: what those fields said before.
        .col(text("previous"))
        .col(timestamp_with_time_zone("changed_at"))
        .foreign_key(&mut fk("directory_change", "import_file_id", "import_file"))
        .to_owned()
}

/// The shapes of `care_record_revision`: before this migration, and after.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Edited,
    Imported,
}

/// `care_record_revision` again in `shape`, with its rows and indexes.
async fn rebuild_revisions_on_sqlite(manager: &SchemaManager<'_>, shape: Shape) -> Result<(), DbErr> {
    let key = |column: &'static str, target: &'static str| {
        ForeignKey::create()
            .name(format!("fk_care_record_revision_{column}"))
            .from("care_record_revision_next", column)
            .to(target, "id")
            .on_delete(ForeignKeyAction::Restrict)
            .on_update(ForeignKeyAction::Cascade)
            .to_owned()
    };
    let mut next = Table::create();
    next.table("care_record_revision_next")
        .col(pk_uuid("id"))
        .col(uuid("care_record_id"))
        .col(integer("replaced_version"))
        .col(if shape == Shape::Imported { uuid_null("editor_id") } else { uuid("editor_id") })
        .col(text("reason"))
        .col(text("old_body"))
        .col(string_len("old_diagnosis_codes", 200))
        .col(timestamp_with_time_zone("created_at"))
        .col(uuid_null("approved_by"))
        .foreign_key(&mut key("care_record_id", "care_record"))
        .foreign_key(&mut key("editor_id", "staff"));
    if shape == Shape::Imported {
        next.col(uuid_null("import_file_id")).foreign_key(&mut key("import_file_id", "import_file"));
    }
    manager.create_table(next).await?;
    let db = manager.get_connection();
    db.execute_unprepared(&format!(
        "INSERT INTO care_record_revision_next ({REVISION_COLUMNS}) SELECT {REVISION_COLUMNS} FROM care_record_revision"
    ))
    .await?;
    db.execute_unprepared("DROP TABLE care_record_revision").await?;
    db.execute_unprepared("ALTER TABLE care_record_revision_next RENAME TO care_record_revision").await?;
    let mut per_version =
        index("care_record_revision", "care_record_id_replaced_version", &["care_record_id", "replaced_version"]);
    create_indexes(
        manager,
        vec![per_version.unique().to_owned(), index("care_record_revision", "editor_id", &["editor_id"])],
    )
    .await
}
