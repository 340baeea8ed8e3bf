//! Ops working one claim denial: review it, appeal it through the payer's levels, and win,
//! lose or write it off.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub denial_id: Uuid,
    pub status: EscalationStatus,
    pub opened_by: Uuid,
    pub assignee_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// The filing deadline of the step being worked: the first appeal's while open or in
    /// review, then the next level's once an appeal is lost.
    pub appeal_deadline: Date,
    /// The level of the appeal in flight, while `appealed`.
    pub appeal_level: Option<super::appeal::AppealLevel>,
    /// What a won appeal brought back.
    pub recovered_cents: Option<i64>,
    /// What a write-off gave up: all of the open balance, or part of it.
    pub written_off_cents: Option<i64>,
    /// The write-off's adjustment reason: its group (CO, PR, OA, PI) and CARC code.
    pub write_off_group: Option<String>,
    pub write_off_code: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "snake_case")]
pub enum EscalationStatus {
    Open,
    InReview,
    Appealed,
    Won,
    Lost,
    WrittenOff,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::denial::Entity", from = "Column::DenialId", to = "super::denial::Column::Id")]
    Denial,
}

impl Related<super::denial::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Denial.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
