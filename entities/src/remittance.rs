//! One 835 transaction set's payment: who paid, how, when, the trace number. Billing PHI by
//! what its claim payments say.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "remittance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub import_id: Uuid,
    /// ST02 of its set.
    pub set_control: String,
    /// N1*PR N102.
    pub payer_name: String,
    /// TRN03.
    pub payer_id: Option<String>,
    /// TRN02: the check or EFT trace number.
    pub trace: String,
    /// BPR02.
    pub total_cents: i64,
    /// BPR16.
    pub paid_on: Date,
    /// BPR04.
    pub method: String,
    /// BPR01.
    pub handling: String,
    /// PLB adjustments as JSON `[{"reason", "reference", "cents"}]`: positive takes from the payment.
    pub provider_adjustments: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
