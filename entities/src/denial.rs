//! A payer's denial of a claim: CARC group and code, optional RARC, appeal deadline.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "denial")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub claim_id: Uuid,
    pub carc_group: String,
    pub carc_code: String,
    pub rarc_code: Option<String>,
    pub denied_cents: i64,
    pub denied_at: DateTimeUtc,
    pub appeal_deadline: Date,
    pub created_at: DateTimeUtc,
    /// The remittance adjustment it was derived from (none for a denial entered otherwise).
    pub claim_adjustment_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::claim::Entity", from = "Column::ClaimId", to = "super::claim::Column::Id")]
    Claim,
    #[sea_orm(has_many = "super::escalation::Entity")]
    Escalation,
}

impl Related<super::claim::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Claim.def()
    }
}

impl Related<super::escalation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Escalation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
