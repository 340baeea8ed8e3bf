//! The audit trail's writing side: what a request disclosed or was refused ([`Recorder`]),
//! the hash chain ([`chain`]), the group-commit writer ([`AuditWriter`]) and the verifier.

pub mod chain;
pub mod checkpoint;
pub mod recorder;
pub mod verify;
mod writer;

pub use chain::{AuditTxn, GENESIS, begin};
pub use recorder::{Entry, Recorder};
pub use writer::AuditWriter;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// How a decision went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Denied,
    /// Allowed by an emergency break-glass grant rather than a role.
    BreakGlass,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::BreakGlass => "break_glass",
        }
    }
}

/// An event before the chain gives it a sequence number and hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub actor_roles: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub patient_id: Option<Uuid>,
    /// PHI classes disclosed (or refused), comma-separated in class order.
    pub phi_classes: String,
    pub outcome: Outcome,
    pub reason: Option<String>,
    pub purpose: Option<String>,
    pub policy_version: String,
    /// The server's own id of the request.
    pub request_id: String,
    /// What the client sent as `x-request-id`, if anything (not trusted, not unique).
    pub client_request_id: Option<String>,
}

impl NewEvent {
    /// The same event with a reason (what changed, or why).
    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}
