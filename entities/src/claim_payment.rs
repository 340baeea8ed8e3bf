//! One CLP of a remittance: what the payer decided on one claim. Matched to ward's claim by
//! its number (CLP01); when ward knows no such claim it stays unmatched, on the ops queue,
//! until someone matches it to a claim or dismisses it with a note.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "claim_payment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub remittance_id: Uuid,
    pub claim_id: Option<Uuid>,
    /// CLP01 as sent.
    pub claim_number: String,
    /// CLP02: `1`, `2`, `3` processed, `4` denied (patient not recognised), `22` reversal, ...
    pub status: String,
    pub charge_cents: i64,
    pub paid_cents: i64,
    pub patient_cents: i64,
    /// CLP07.
    pub payer_claim_number: Option<String>,
    /// MOA remark codes (RARC), comma-separated.
    pub remarks: String,
    /// The CLP's segment number in its file.
    pub segment: i64,
    /// `matched`, `unmatched` or `dismissed`.
    pub match_state: String,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolution_note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
