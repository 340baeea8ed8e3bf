//! A care record (session note). Body and diagnosis codes are `clinical` PHI.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub provider_id: Uuid,
    pub appointment_id: Option<Uuid>,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub diagnosis_codes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// The practice-management system's key for this record (unique where set).
    pub external_id: Option<String>,
    /// Its security labels (`psychotherapy_note`, `sud_part2`, `restricted`), comma-separated;
    /// read with `policies::Labels::parse`.
    pub security_labels: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::patient::Entity", from = "Column::PatientId", to = "super::patient::Column::Id")]
    Patient,
    #[sea_orm(has_many = "super::care_record_revision::Entity")]
    Revision,
    #[sea_orm(has_many = "super::care_review::Entity")]
    Review,
}

impl Related<super::patient::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Patient.def()
    }
}

impl Related<super::care_record_revision::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Revision.def()
    }
}

impl Related<super::care_review::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Review.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
