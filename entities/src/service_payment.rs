//! One SVC of a claim payment: a service line as the payer adjudicated it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_payment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub claim_payment_id: Uuid,
    /// Its place among the claim's lines, from 1.
    pub line: i32,
    /// SVC01-1: `HC` for CPT/HCPCS.
    pub qualifier: String,
    pub procedure_code: String,
    /// Comma-separated.
    pub modifiers: String,
    pub charge_cents: i64,
    pub paid_cents: i64,
    pub units: Option<String>,
    pub service_date: Option<Date>,
    /// LQ*HE remark codes (RARC), comma-separated.
    pub remarks: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
