//! A provider (therapist, psychiatrist): not PHI.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provider")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub npi: String,
    pub first_name: String,
    pub last_name: String,
    pub credential: String,
    pub specialty: String,
    pub state: String,
    pub email: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// The practice-management system's key for this record (unique where set).
    pub external_id: Option<String>,
    /// A 42 CFR Part 2 program (it holds itself out as treating substance-use disorders):
    /// its care records, and its claims with a substance-use diagnosis, are labelled `sud_part2`.
    pub part2_program: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::appointment::Entity")]
    Appointment,
}

impl Related<super::appointment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Appointment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
