//! The CX ticket desk: tickets from patients and providers, their comments and history,
//! SLA by priority, and saved replies (macros) rendered on ward's access rules.

mod macros;
pub mod service;
mod ticket;
pub mod workflow;

pub use macros::{MacroMutation, MacroQuery};
pub use ticket::{Ticket, TicketMutation, TicketQuery, tickets_of_patient};
pub use workflow::SlaHours;

#[derive(async_graphql::MergedObject, Default)]
pub struct CxQuery(TicketQuery, MacroQuery);

#[derive(async_graphql::MergedObject, Default)]
pub struct CxMutation(TicketMutation, MacroMutation);
