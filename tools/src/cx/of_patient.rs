//! What the CX tool adds to `Patient`: their tickets.

use super::Ticket;
use crate::kit::null_on_error;
use crate::kit::pagination::Page;
use async_graphql::{Context, Object};
use uuid::Uuid;

/// `Patient.tickets`, for the patient with this id.
pub struct TicketsOfPatient(pub Uuid);

#[Object]
impl TicketsOfPatient {
    /// The patient's tickets, soonest SLA first. Requires `ticket · read`.
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn tickets(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Option<Page<Ticket>> {
        null_on_error(ctx, super::ticket::tickets_of_patient(ctx, self.0, first, after).await)
    }
}
