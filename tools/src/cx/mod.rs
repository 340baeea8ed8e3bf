//! The CX ticket desk: tickets from patients and providers, their comments and history,
//! SLA by priority, and saved replies (macros) rendered on ward's access rules.

pub mod loaders;
mod macros;
mod of_patient;
mod ticket;
pub mod ticket_service;
pub mod workflow;

pub use macros::{MacroMutation, MacroQuery};
pub use of_patient::TicketsOfPatient;
pub use ticket::{Ticket, TicketMutation, TicketQuery};
pub use workflow::SlaHours;

#[derive(async_graphql::MergedObject, Default)]
pub struct CxQuery(TicketQuery, MacroQuery);

#[derive(async_graphql::MergedObject, Default)]
pub struct CxMutation(TicketMutation, MacroMutation);
