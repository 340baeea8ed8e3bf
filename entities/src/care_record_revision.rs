//! What a care record said before an edit, who changed it, when and why.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_record_revision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub care_record_id: Uuid,
    pub replaced_version: i32,
    /// The staff member (or service account) who made the change; none for an import run
    /// from the command line.
    pub editor_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub old_body: String,
    pub old_diagnosis_codes: String,
    /// The second medical member who approved an amendment of a signed-off record.
    pub approved_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// The import run that changed the record, when an import did.
    pub import_file_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::care_record::Entity",
        from = "Column::CareRecordId",
        to = "super::care_record::Column::Id"
    )]
    CareRecord,
}

impl Related<super::care_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CareRecord.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
