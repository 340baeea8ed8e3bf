//! A care-quality review of one care record.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_review")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub care_record_id: Uuid,
    pub requested_by: Uuid,
    pub reviewer_id: Option<Uuid>,
    pub status: CareReviewStatus,
    pub score: Option<i16>,
    #[sea_orm(column_type = "Text", nullable)]
    pub findings: Option<String>,
    pub flags: String,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// The version of the record a completed review scored.
    pub record_version: Option<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "snake_case")]
pub enum CareReviewStatus {
    Pending,
    InReview,
    Completed,
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
