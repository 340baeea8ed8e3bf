//! `unmatchedRemittances`, `matchRemittance`, `dismissRemittance`: ops' queue of claim
//! payments no claim of ward's matched. A line's amounts are billing information about a
//! claim ward cannot place yet, so reading the queue takes `claim · billing` as well.

use super::unmatched_service as service;
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::{Allow, AuditAction, Audited, Event, Gql, db, parse_id};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entities::{claim_payment, remittance};
use policies::{Action, Resource};

/// A claim payment waiting to be matched to a claim (or dismissed).
pub struct UnmatchedRemittance {
    line: claim_payment::Model,
    remittance: remittance::Model,
}

#[Object]
impl UnmatchedRemittance {
    async fn id(&self) -> ID {
        ID(self.line.id.to_string())
    }

    /// CLP01 as the payer sent it.
    async fn claim_number(&self) -> &str {
        &self.line.claim_number
    }

    /// CLP02: `1`, `2`, `3` processed, `4` patient not recognised, `22` a reversal, ...
    async fn status(&self) -> &str {
        &self.line.status
    }

    async fn charge_cents(&self) -> i64 {
        self.line.charge_cents
    }

    async fn paid_cents(&self) -> i64 {
        self.line.paid_cents
    }

    async fn patient_cents(&self) -> i64 {
        self.line.patient_cents
    }

    /// CLP07, the payer's own number for the claim.
    async fn payer_claim_number(&self) -> Option<&str> {
        self.line.payer_claim_number.as_deref()
    }

    async fn payer_name(&self) -> &str {
        &self.remittance.payer_name
    }

    /// TRN02: the check or EFT trace number.
    async fn trace(&self) -> &str {
        &self.remittance.trace
    }

    async fn paid_on(&self) -> NaiveDate {
        self.remittance.paid_on
    }

    /// The import run it came in.
    async fn import_run_id(&self) -> ID {
        ID(self.remittance.import_id.to_string())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.line.created_at
    }
}

#[derive(Default)]
pub struct UnmatchedQuery;

#[Object]
impl UnmatchedQuery {
    /// Claim payments no claim matched, the longest waiting first.
    #[graphql(
        guard = "Allow(Resource::Ingest, Action::Update).and(Allow(Resource::Claim, Action::Billing))",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn unmatched_remittances(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<UnmatchedRemittance>> {
        let page = PageRequest::new(ctx, first, after)?;
        let rows = service::list(db(ctx)?, &page).await?;
        Ok(page.into_page(
            rows,
            |(line, _)| line.id.to_string(),
            |(line, remittance)| UnmatchedRemittance { line, remittance },
        ))
    }
}

#[derive(Default)]
pub struct UnmatchedMutation;

#[Object]
impl UnmatchedMutation {
    /// Matches an unmatched line to the claim it is, named by its number (what the payer
    /// garbled): its payment, adjustments and denials act on that claim now. Returns the
    /// claim's id.
    #[graphql(guard = "Allow(Resource::Ingest, Action::Update).and(Allow(Resource::Claim, Action::Billing))")]
    async fn match_remittance(&self, ctx: &Context<'_>, id: ID, claim_number: String, note: Option<String>) -> Gql<ID> {
        let id = parse_id(&id, "remittance line")?;
        let change = Audited::begin(ctx, Some((Resource::Ingest, Action::Update))).await?;
        let (_, claim) = service::match_line(change.txn(), id, claim_number.trim(), change.actor(), note).await?;
        let event = Event::new(AuditAction::RemittanceMatch, id).about(Some(claim.patient_id));
        change.commit(event.because(format!("matched to claim {}", claim.id))).await?;
        Ok(ID(claim.id.to_string()))
    }

    /// Dismisses an unmatched line (not ward's claim, a duplicate the payer sent), with a
    /// note of at least 10 characters saying why.
    #[graphql(guard = "Allow(Resource::Ingest, Action::Update)")]
    async fn dismiss_remittance(&self, ctx: &Context<'_>, id: ID, note: String) -> Gql<ID> {
        let id = parse_id(&id, "remittance line")?;
        let change = Audited::begin(ctx, Some((Resource::Ingest, Action::Update))).await?;
        let line = service::dismiss(change.txn(), id, change.actor(), &note).await?;
        change.commit(Event::new(AuditAction::RemittanceDismiss, id).because(note)).await?;
        Ok(ID(line.id.to_string()))
    }
}
