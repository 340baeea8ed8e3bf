//! ward's tables as SeaORM entities: one module per table, data only.

pub mod appeal;
pub mod appointment;
pub mod audit_event;
pub mod break_glass_grant;
pub mod care_record;
pub mod care_record_revision;
pub mod care_review;
pub mod claim;
pub mod console_session;
pub mod denial;
pub mod escalation;
pub mod escalation_event;
pub mod patient;
pub mod payer;
pub mod pending_approval;
pub mod policy_rule;
pub mod prelude;
pub mod provider;
pub mod reply_macro;
pub mod staff;
pub mod ticket;
pub mod ticket_comment;
pub mod ticket_event;
