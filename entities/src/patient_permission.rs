//! What a patient signed that opens records no role opens: a HIPAA authorization (45 CFR
//! 164.508; it opens psychotherapy notes) or a 42 CFR Part 2 consent (it opens the values of
//! `sud_part2` records). Each names what it covers, its recipients (teams, named staff) and
//! purposes, and its days, from `valid_from` to `valid_until`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patient_permission")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    /// `authorization` or `part2_consent`.
    pub kind: String,
    /// What it opens, comma-separated: PHI classes (`psychotherapy_notes`) or labels (`sud_part2`).
    pub covers: String,
    /// The teams (role names) it names, comma-separated.
    pub teams: String,
    /// The staff it names (their ids), comma-separated; an authorization names none.
    #[sea_orm(column_type = "Text")]
    pub staff: String,
    /// The purposes of use it names (`treatment`, `payment`, `operations`), comma-separated.
    pub purposes: String,
    pub valid_from: Date,
    /// The last day it covers.
    pub valid_until: Date,
    #[sea_orm(column_type = "Text")]
    pub document: String,
    pub recorded_by: Uuid,
    pub recorded_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub revoke_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
