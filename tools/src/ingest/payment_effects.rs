//! What a claim payment does to ward's claim, in the transaction that records it.
//!
//! - Its paid amount moves by CLP04: a reversal's is negative, so a reversal and its
//!   correction undo and redo the payment, never double it (both stay on record).
//! - A denial is derived from the adjustments, not from CLP02: each CO, OA or PI adjustment
//!   for a reason other than pricing ([`PRICING_REASONS`]) becomes a denial the ops queue
//!   works, dated the day the payer paid, its appeal deadline the payer's first-level window
//!   from then, its remark the first RARC of its line (or of the claim).
//! - A reversal withdraws the denials its negated adjustments match, unless an escalation
//!   already works one (then it stays, and the run's report says so).
//! - Its status: `denied` when a denial came and nothing was paid, `partially_paid` when
//!   something was, `paid` otherwise; `submitted` again after a reversal alone (its
//!   correction is to come). A claim under appeal or written off keeps its status.
//! - Its appeal deadline is derived again, as every change to its denials does.

use crate::kit::ApiResult;
use crate::ops::claim_service::claim_deadline;
use crate::ops::workflow::first_appeal_deadline;
use chrono::{NaiveDate, Utc};
use entities::claim::{self, ClaimStatus};
use entities::{denial, escalation, payer};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;
use x12::remittance::ClaimPayment;

/// CARCs that price a claim rather than deny it: the fee schedule (45), sequestration (253),
/// more than was charged (94), multiple-procedure rules (59), another payer's adjudication
/// (23). Patient responsibility (PR) is never a denial ward works.
pub const PRICING_REASONS: &[&str] = &["23", "45", "59", "94", "253"];

/// Whether an adjustment is a denial the ops queue works (the sign aside).
pub fn is_denial(group: &str, reason: &str) -> bool {
    matches!(group, "CO" | "OA" | "PI") && !PRICING_REASONS.contains(&reason)
}

/// One adjustment as stored, with what the payment said around it.
pub struct StoredAdjustment<'a> {
    pub id: Uuid,
    pub group: &'a str,
    pub reason: &'a str,
    pub cents: i64,
    /// The first remark code of its service line, or of the claim.
    pub remark: Option<&'a str>,
}

/// Applies `payment` to `claim`; returns the claim as it now stands and any note for the
/// report.
pub async fn apply(
    db: &impl ConnectionTrait,
    claim: claim::Model,
    payer: Option<&payer::Model>,
    payment: &ClaimPayment,
    adjustments: &[StoredAdjustment<'_>],
    paid_on: NaiveDate,
) -> ApiResult<(claim::Model, Vec<String>)> {
    let mut notes = Vec::new();
    let mut denials = Vec::new();
    let denied_at = paid_on.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    for adjustment in adjustments.iter().filter(|a| is_denial(a.group, a.reason)) {
        if adjustment.cents > 0 {
            let deadline = payer.map_or(paid_on + chrono::Duration::days(180), |p| first_appeal_deadline(p, paid_on));
            denials.push(denial::ActiveModel {
                id: Set(Uuid::now_v7()),
                claim_id: Set(claim.id),
                carc_group: Set(adjustment.group.to_owned()),
                carc_code: Set(adjustment.reason.to_owned()),
                rarc_code: Set(adjustment.remark.map(str::to_owned)),
                denied_cents: Set(adjustment.cents),
                denied_at: Set(denied_at),
                appeal_deadline: Set(deadline),
                created_at: Set(Utc::now()),
                claim_adjustment_id: Set(Some(adjustment.id)),
            });
        } else if adjustment.cents < 0 && !withdraw(db, claim.id, adjustment).await? {
            notes.push(format!(
                "segment {}: the reversal of {}-{} leaves its denial, which an escalation works",
                payment.segment, adjustment.group, adjustment.reason
            ));
        }
    }
    let denied = !denials.is_empty();
    if denied {
        denial::Entity::insert_many(denials).exec_without_returning(db).await?;
    }
    let status = match claim.status {
        ClaimStatus::Appealed | ClaimStatus::WrittenOff => claim.status,
        _ if payment.is_reversal() => ClaimStatus::Submitted,
        _ if denied && payment.paid_cents > 0 => ClaimStatus::PartiallyPaid,
        _ if denied => ClaimStatus::Denied,
        _ => ClaimStatus::Paid,
    };
    let deadline = claim_deadline(db, claim.id).await?;
    let (paid, version) = (claim.paid_cents + payment.paid_cents, claim.version + 1);
    let mut changed: claim::ActiveModel = claim.into();
    changed.paid_cents = Set(paid);
    changed.status = Set(status);
    changed.appeal_deadline = Set(deadline);
    changed.version = Set(version);
    changed.updated_at = Set(Utc::now());
    Ok((changed.update(db).await?, notes))
}

/// Withdraws the denial a reversal's negated adjustment undoes: one derived from a
/// remittance, with the same reason and amount, that no escalation works. False when the
/// only match is escalated.
async fn withdraw(db: &impl ConnectionTrait, claim_id: Uuid, reversed: &StoredAdjustment<'_>) -> ApiResult<bool> {
    let candidates = denial::Entity::find()
        .filter(denial::Column::ClaimId.eq(claim_id))
        .filter(denial::Column::CarcGroup.eq(reversed.group))
        .filter(denial::Column::CarcCode.eq(reversed.reason))
        .filter(denial::Column::DeniedCents.eq(-reversed.cents))
        .filter(denial::Column::ClaimAdjustmentId.is_not_null())
        .all(db)
        .await?;
    if candidates.is_empty() {
        return Ok(true);
    }
    for candidate in candidates {
        let worked = escalation::Entity::find().filter(escalation::Column::DenialId.eq(candidate.id)).one(db).await?;
        if worked.is_none() {
            denial::Entity::delete_by_id(candidate.id).exec(db).await?;
            return Ok(true);
        }
    }
    Ok(false)
}
