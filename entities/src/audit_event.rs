//! One audit event: a link of the hash chain. Written once, never changed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub occurred_at: DateTimeUtc,
    pub actor: String,
    pub actor_roles: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub patient_id: Option<Uuid>,
    pub phi_classes: String,
    pub outcome: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub purpose: Option<String>,
    pub policy_version: String,
    pub request_id: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
