//! One appeal of an escalation, as it was sent to the payer: which level, what, and when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appeal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub escalation_id: Uuid,
    pub level: AppealLevel,
    #[sea_orm(column_type = "Text")]
    pub sent: String,
    pub sent_on: Date,
    pub filed_by: Uuid,
    pub created_at: DateTimeUtc,
}

/// How far an appeal has gone: the payer's first and second internal levels, then an
/// independent external review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "snake_case")]
pub enum AppealLevel {
    Level1,
    Level2,
    External,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::escalation::Entity",
        from = "Column::EscalationId",
        to = "super::escalation::Column::Id"
    )]
    Escalation,
}

impl Related<super::escalation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Escalation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
