//! The unmatched queue: claim payments whose claim number ward did not know when their
//! remittance came. Ops match each to the claim it is (it then acts on that claim as if it
//! had matched on arrival) or dismiss it with a note; both are recorded.

use super::payment_effects::{self, StoredAdjustment};
use crate::kit::pagination::PageRequest;
use crate::kit::{ApiError, ApiResult};
use chrono::Utc;
use entities::{claim, claim_adjustment, claim_payment, payer, remittance, service_payment};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

pub const UNMATCHED: &str = "unmatched";

/// Unmatched claim payments, oldest first (the longest waiting is worked first).
pub async fn list(
    db: &impl ConnectionTrait,
    page: &PageRequest,
) -> ApiResult<Vec<(claim_payment::Model, remittance::Model)>> {
    let mut query = claim_payment::Entity::find()
        .filter(claim_payment::Column::MatchState.eq(UNMATCHED))
        .order_by_asc(claim_payment::Column::Id);
    if let Some(after) = page.after_id()? {
        query = query.filter(claim_payment::Column::Id.gt(after));
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.remittance_id).collect();
    let remittances = remittance::Entity::find().filter(remittance::Column::Id.is_in(ids)).all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let remittance = remittances.iter().find(|r| r.id == row.remittance_id)?.clone();
            Some((row, remittance))
        })
        .collect())
}

/// The line, still unmatched, or why not.
async fn open_line(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<claim_payment::Model> {
    let line = claim_payment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("unmatched remittance {id}")))?;
    if line.match_state != UNMATCHED {
        return Err(ApiError::Conflict(format!("remittance line {id} was {} already", line.match_state)));
    }
    Ok(line)
}

/// Matches line `id` to the claim numbered `claim_number` as `by`: the payment acts on the
/// claim now. Returns the line and the claim as they stand.
pub async fn match_line(
    db: &impl ConnectionTrait,
    id: Uuid,
    claim_number: &str,
    by: Uuid,
    note: Option<String>,
) -> ApiResult<(claim_payment::Model, claim::Model)> {
    let line = open_line(db, id).await?;
    let claim = claim::Entity::find()
        .filter(claim::Column::ClaimNumber.eq(claim_number))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("claim {claim_number}")))?;
    let paid_on = remittance::Entity::find_by_id(line.remittance_id)
        .one(db)
        .await?
        .map(|r| r.paid_on)
        .ok_or_else(|| ApiError::NotFound(format!("the remittance of line {id}")))?;
    let payer = payer::Entity::find().filter(payer::Column::Name.eq(claim.payer.as_str())).one(db).await?;
    let adjustments = claim_adjustment::Entity::find()
        .filter(claim_adjustment::Column::ClaimPaymentId.eq(id))
        .order_by_asc(claim_adjustment::Column::Id)
        .all(db)
        .await?;
    let services =
        service_payment::Entity::find().filter(service_payment::Column::ClaimPaymentId.eq(id)).all(db).await?;
    let claim_remark = line.remarks.split(',').find(|r| !r.is_empty()).map(str::to_owned);
    let remarks: Vec<Option<String>> = adjustments
        .iter()
        .map(|a| {
            let line_remark = a
                .service_payment_id
                .and_then(|s| services.iter().find(|x| x.id == s))
                .and_then(|s| s.remarks.split(',').find(|r| !r.is_empty()).map(str::to_owned));
            line_remark.or_else(|| claim_remark.clone())
        })
        .collect();
    let stored: Vec<StoredAdjustment<'_>> = adjustments
        .iter()
        .zip(&remarks)
        .map(|(a, remark)| StoredAdjustment {
            id: a.id,
            group: &a.group_code,
            reason: &a.reason,
            cents: a.cents,
            remark: remark.as_deref(),
        })
        .collect();
    let payment = x12::remittance::ClaimPayment {
        segment: u64::try_from(line.segment).unwrap_or_default(),
        claim_number: line.claim_number.clone(),
        status: line.status.clone(),
        charge_cents: line.charge_cents,
        paid_cents: line.paid_cents,
        patient_cents: line.patient_cents,
        payer_claim_number: line.payer_claim_number.clone(),
        adjustments: Vec::new(),
        remarks: Vec::new(),
        services: Vec::new(),
    };
    let (claim, _) = payment_effects::apply(db, claim, payer.as_ref(), &payment, &stored, paid_on).await?;
    let mut line: claim_payment::ActiveModel = line.into();
    line.claim_id = Set(Some(claim.id));
    line.match_state = Set("matched".into());
    line.resolved_by = Set(Some(by));
    line.resolved_at = Set(Some(Utc::now()));
    line.resolution_note = Set(note);
    Ok((line.update(db).await?, claim))
}

/// Dismisses line `id` as `by`, with a note saying why (at least 10 characters).
pub async fn dismiss(db: &impl ConnectionTrait, id: Uuid, by: Uuid, note: &str) -> ApiResult<claim_payment::Model> {
    let note = note.trim();
    if note.chars().count() < 10 {
        return Err(ApiError::BadUserInput("say why it is dismissed: a note of at least 10 characters".into()));
    }
    let line = open_line(db, id).await?;
    let mut line: claim_payment::ActiveModel = line.into();
    line.match_state = Set("dismissed".into());
    line.resolved_by = Set(Some(by));
    line.resolved_at = Set(Some(Utc::now()));
    line.resolution_note = Set(Some(note.to_owned()));
    Ok(line.update(db).await?)
}
