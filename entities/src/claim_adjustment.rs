//! One CAS adjustment of a claim payment, at claim level or on one of its service lines:
//! who owes it (CO, PR, OA, PI), why (a CARC) and how much.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "claim_adjustment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub claim_payment_id: Uuid,
    pub service_payment_id: Option<Uuid>,
    pub group_code: String,
    pub reason: String,
    /// Positive takes from the payment; a reversal's are negative.
    pub cents: i64,
    pub quantity: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
