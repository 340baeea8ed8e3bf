//! The CX tool's loaders: a ticket's comments and history, a patient's tickets (first pages,
//! batched across every parent asking at the same depth).

use entities::{ticket, ticket_comment, ticket_event};

kit::first_page!(
    /// A ticket's first comments, oldest first.
    TicketComments, ticket_comment, ticket_id, "ticket_id", "t.id ASC"
);

kit::first_page!(
    /// A ticket's first history entries, oldest first.
    TicketHistory, ticket_event, ticket_id, "ticket_id", "t.id ASC"
);

kit::first_page!(
    /// A patient's first tickets, soonest SLA first.
    PatientTickets, ticket, patient_id, "patient_id", "t.sla_due_at ASC, t.id ASC"
);
