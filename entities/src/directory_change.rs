//! One change an import made to a directory record (a patient, provider or appointment):
//! the fields it changed, what they said before, and the version it made. What a patient's
//! fields said is PHI of the classes those fields are.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_change")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `patient`, `provider`, `appointment`.
    pub record_type: String,
    pub record_id: Uuid,
    /// The version the change made.
    pub version: i32,
    pub import_file_id: Uuid,
    /// The changed fields' names, comma-separated, as the import names them (`email,phone`).
    pub fields: String,
    /// JSON: what those fields said before.
    #[sea_orm(column_type = "Text")]
    pub previous: String,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
