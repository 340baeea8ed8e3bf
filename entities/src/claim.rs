//! An insurance claim. Diagnosis and procedure codes are `clinical` PHI.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "claim")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub claim_number: String,
    pub patient_id: Uuid,
    pub provider_id: Uuid,
    pub appointment_id: Option<Uuid>,
    pub payer: String,
    pub service_date: Date,
    pub billed_cents: i64,
    pub allowed_cents: Option<i64>,
    pub paid_cents: i64,
    pub status: ClaimStatus,
    pub diagnosis_codes: String,
    pub procedure_codes: String,
    /// The soonest appeal deadline among its open denials (a denial's own, or the deadline
    /// of the escalation working it); none when nothing is left to appeal. Derived from the
    /// denials and escalations, so the claims list can sort by it: whatever changes those
    /// sets it from `tools::ops::claim_service::claim_deadline` in the same transaction.
    pub appeal_deadline: Option<Date>,
    pub submitted_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// Its security labels (`psychotherapy_note`, `sud_part2`, `restricted`), comma-separated;
    /// read with `policies::Labels::parse`.
    pub security_labels: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))", rename_all = "snake_case")]
pub enum ClaimStatus {
    Submitted,
    Paid,
    PartiallyPaid,
    Denied,
    /// A denial of it is under appeal.
    Appealed,
    /// Its denied amount was written off.
    WrittenOff,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::patient::Entity", from = "Column::PatientId", to = "super::patient::Column::Id")]
    Patient,
    #[sea_orm(has_many = "super::denial::Entity")]
    Denial,
}

impl Related<super::patient::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Patient.def()
    }
}

impl Related<super::denial::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Denial.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
