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
use crate::ops::claim_service::claim_deadline_sql;
use crate::ops::workflow::first_appeal_deadline;
use chrono::{NaiveDate, Utc};
use entities::claim::{self, ClaimStatus};
use entities::{denial, escalation, payer};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, Query};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Set, Statement};
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

/// What payments did to a chunk's claims, to be written at once: the claims as they now
/// stand (in memory), the new denials, which claims' deadlines to derive again, and notes.
#[derive(Default)]
pub struct Effects {
    pub claims: Vec<claim::Model>,
    pub denials: Vec<denial::ActiveModel>,
    pub deadlines: Vec<Uuid>,
    pub notes: Vec<String>,
}

/// Works out what `payment` does to `claim` (changing it in memory), adding to `effects`.
/// Only a reversal's withdrawal of a denial touches the database here.
pub async fn plan(
    db: &impl ConnectionTrait,
    claim: &mut claim::Model,
    payer: Option<&payer::Model>,
    payment: &ClaimPayment,
    adjustments: &[StoredAdjustment<'_>],
    paid_on: NaiveDate,
    effects: &mut Effects,
) -> ApiResult<()> {
    let denied_at = paid_on.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let mut denied = false;
    let mut withdrew = false;
    for adjustment in adjustments.iter().filter(|a| is_denial(a.group, a.reason)) {
        if adjustment.cents > 0 {
            let deadline = payer.map_or(paid_on + chrono::Duration::days(180), |p| first_appeal_deadline(p, paid_on));
            effects.denials.push(denial::ActiveModel {
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
            denied = true;
        } else if adjustment.cents < 0 {
            withdrew = true;
            if !withdraw(db, claim.id, adjustment).await? {
                effects.notes.push(format!(
                    "segment {}: the reversal of {}-{} leaves its denial, which an escalation works",
                    payment.segment, adjustment.group, adjustment.reason
                ));
            }
        }
    }
    claim.status = match claim.status {
        ClaimStatus::Appealed | ClaimStatus::WrittenOff => claim.status,
        _ if payment.is_reversal() => ClaimStatus::Submitted,
        _ if denied && payment.paid_cents > 0 => ClaimStatus::PartiallyPaid,
        _ if denied => ClaimStatus::Denied,
        _ => ClaimStatus::Paid,
    };
    claim.paid_cents += payment.paid_cents;
    if (denied || withdrew) && !effects.deadlines.contains(&claim.id) {
        effects.deadlines.push(claim.id);
    }
    match effects.claims.iter_mut().find(|c| c.id == claim.id) {
        Some(planned) => *planned = claim.clone(),
        None => effects.claims.push(claim.clone()),
    }
    Ok(())
}

/// Writes a chunk's effects: its denials in one insert, its claims' paid amounts and statuses
/// in one update, and the derived deadline of the claims whose denials changed in another.
pub async fn write(db: &impl ConnectionTrait, effects: Effects) -> ApiResult<Vec<String>> {
    if !effects.denials.is_empty() {
        for chunk in effects.denials.chunks(1_000) {
            denial::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
        }
    }
    let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
    for claims in effects.claims.chunks(500) {
        if postgres {
            update_claims_postgres(db, claims, &effects.deadlines).await?;
        } else {
            update_claims(db, claims).await?;
        }
    }
    // PostgreSQL derived them in the update of the claims.
    if !postgres {
        for ids in effects.deadlines.chunks(500) {
            let update = Query::update()
                .table(claim::Entity)
                .value(claim::Column::AppealDeadline, Expr::cust(claim_deadline_sql()))
                .and_where(Expr::col((claim::Entity, claim::Column::Id)).is_in(ids.iter().copied()))
                .to_owned();
            db.execute(&update).await?;
        }
    }
    Ok(effects.notes)
}

/// PostgreSQL: sets each claim's paid amount and status, moves its version, and derives
/// again the appeal deadline of those in `derive` (their denials changed), in one statement
/// for all: the claims join a list of values (a CASE per row would compare every row with
/// every arm), and each claim gets one new row version, not two.
async fn update_claims_postgres(db: &impl ConnectionTrait, claims: &[claim::Model], derive: &[Uuid]) -> ApiResult<()> {
    let derive: std::collections::HashSet<&Uuid> = derive.iter().collect();
    let mut values: Vec<sea_orm::Value> = vec![Utc::now().into()];
    let mut rows = Vec::with_capacity(claims.len());
    for c in claims {
        let n = values.len();
        rows.push(format!("(${}::uuid, ${}::bigint, ${}::text, ${}::boolean)", n + 1, n + 2, n + 3, n + 4));
        values.extend([c.id.into(), c.paid_cents.into(), c.status.to_value().into(), derive.contains(&c.id).into()]);
    }
    let sql = format!(
        "UPDATE claim SET paid_cents = v.paid, status = v.status, version = claim.version + 1, updated_at = $1, \
         appeal_deadline = CASE WHEN v.derive THEN {} ELSE claim.appeal_deadline END \
         FROM (VALUES {}) AS v(id, paid, status, derive) WHERE claim.id = v.id",
        claim_deadline_sql(),
        rows.join(", ")
    );
    db.execute_raw(Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values)).await?;
    Ok(())
}

/// SQLite: sets each claim's paid amount and status, and moves its version, in one
/// statement (SQLite writes from one connection at a time anyway, and takes the CASE).
async fn update_claims(db: &impl ConnectionTrait, claims: &[claim::Model]) -> ApiResult<()> {
    let now = Utc::now();
    let id = || Expr::col((claim::Entity, claim::Column::Id));
    let mut paid = CaseStatement::new();
    let mut status = CaseStatement::new();
    for c in claims {
        paid = paid.case(id().eq(c.id), Expr::val(c.paid_cents));
        status = status.case(id().eq(c.id), Expr::val(c.status.to_value()));
    }
    let update = Query::update()
        .table(claim::Entity)
        .value(claim::Column::PaidCents, paid.finally(Expr::col(claim::Column::PaidCents)))
        .value(claim::Column::Status, status.finally(Expr::col(claim::Column::Status)))
        .value(claim::Column::Version, Expr::col(claim::Column::Version).add(1))
        .value(claim::Column::UpdatedAt, Expr::val(now))
        .and_where(id().is_in(claims.iter().map(|c| c.id)))
        .to_owned();
    db.execute(&update).await?;
    Ok(())
}

/// Applies one `payment` to `claim` at once (a line matched by hand); returns the claim as
/// it now stands and any note.
pub async fn apply(
    db: &impl ConnectionTrait,
    mut claim: claim::Model,
    payer: Option<&payer::Model>,
    payment: &ClaimPayment,
    adjustments: &[StoredAdjustment<'_>],
    paid_on: NaiveDate,
) -> ApiResult<(claim::Model, Vec<String>)> {
    let mut effects = Effects::default();
    plan(db, &mut claim, payer, payment, adjustments, paid_on, &mut effects).await?;
    let notes = write(db, effects).await?;
    let claim = claim::Entity::find_by_id(claim.id).one(db).await?.unwrap_or(claim);
    Ok((claim, notes))
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
