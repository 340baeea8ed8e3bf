//! Every entity under its table's name.

pub use crate::appeal::Entity as Appeal;
pub use crate::appointment::Entity as Appointment;
pub use crate::audit_event::Entity as AuditEvent;
pub use crate::break_glass_grant::Entity as BreakGlassGrant;
pub use crate::care_record::Entity as CareRecord;
pub use crate::care_record_revision::Entity as CareRecordRevision;
pub use crate::care_review::Entity as CareReview;
pub use crate::claim::Entity as Claim;
pub use crate::console_session::Entity as ConsoleSession;
pub use crate::denial::Entity as Denial;
pub use crate::escalation::Entity as Escalation;
pub use crate::escalation_event::Entity as EscalationEvent;
pub use crate::patient::Entity as Patient;
pub use crate::payer::Entity as Payer;
pub use crate::pending_approval::Entity as PendingApproval;
pub use crate::policy_rule::Entity as PolicyRule;
pub use crate::provider::Entity as Provider;
pub use crate::reply_macro::Entity as ReplyMacro;
pub use crate::staff::Entity as Staff;
pub use crate::ticket::Entity as Ticket;
pub use crate::ticket_comment::Entity as TicketComment;
pub use crate::ticket_event::Entity as TicketEvent;
