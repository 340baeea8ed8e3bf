//! A patient's authorization on file: the signed permission that opens their psychotherapy
//! notes to the teams and for the purposes it names, from `valid_from` to `valid_until`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patient_authorization")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The classes it opens, comma-separated.
    pub covers: String,
    /// The teams (role names) it names, comma-separated.
    pub teams: String,
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
