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
    /// The server's own id of the request (unique per request).
    pub request_id: String,
    /// The id a client or proxy sent in `x-request-id`, kept apart: it proves nothing.
    pub client_request_id: Option<String>,
    /// Which canonical body the hash covers (1: before `client_request_id`; 2: with it).
    pub format: i16,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
