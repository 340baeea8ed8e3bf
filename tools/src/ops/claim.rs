//! The `Claim` and `Denial` types. A claim's diagnosis codes are clinical PHI; its procedure
//! codes, amounts and payment status are billing PHI: one class, because the amounts follow
//! from the procedure codes (fee schedules price by code), so no field a role may read
//! determines one it may not.

use super::service;
use crate::directory::service::parse_id;
use crate::directory::{Patient, Provider};
use crate::kit::access::ReadCheck;
use crate::kit::codes::{CARC, RARC};
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::loaders::{DenialsOf, load_error, loaders};
use crate::kit::{Access, ApiError, ApiResult, Gql, access, db, null_on_error, phi_field};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entities::claim::{self, ClaimStatus as Status};
use entities::denial;
use policies::{Action, PhiClass, Resource};

mirror_enum!(
    /// Where a claim stands with the payer.
    ClaimStatus = Status { Submitted, Paid, PartiallyPaid, Denied }
);

/// An insurance claim. Reaching one requires `claim · read`.
pub struct Claim(claim::Model);

impl Claim {
    pub fn visible(access: &Access, model: claim::Model) -> ApiResult<Self> {
        access.require(Resource::Claim, Action::Read)?;
        Ok(Claim(model))
    }

    /// The claim's id (its page cursor).
    pub fn key(&self) -> uuid::Uuid {
        self.0.id
    }

    /// A claim of the patient `check` was made for (a patient's list).
    pub fn read(check: &ReadCheck, model: claim::Model) -> ApiResult<Self> {
        check.covers(model.patient_id, Resource::Claim)?;
        Ok(Claim(model))
    }

    /// A PHI value of this claim: the value, or `null` and `FORBIDDEN` at the field.
    async fn phi<T>(&self, ctx: &Context<'_>, class: PhiClass, value: impl FnOnce(&claim::Model) -> T) -> Option<T> {
        phi_field(ctx, self.0.patient_id, Resource::Claim, self.0.id, class).await.map(|_| value(&self.0))
    }
}

#[Object]
impl Claim {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn claim_number(&self) -> &str {
        &self.0.claim_number
    }

    /// Payment status. PHI: billing.
    async fn status(&self, ctx: &Context<'_>) -> Option<ClaimStatus> {
        self.phi(ctx, PhiClass::Billing, |c| c.status.into()).await
    }

    async fn payer(&self) -> &str {
        &self.0.payer
    }

    async fn service_date(&self) -> NaiveDate {
        self.0.service_date
    }

    /// PHI: billing.
    async fn billed_cents(&self, ctx: &Context<'_>) -> Option<i64> {
        self.phi(ctx, PhiClass::Billing, |c| c.billed_cents).await
    }

    /// What the payer allowed, once adjudicated. PHI: billing.
    async fn allowed_cents(&self, ctx: &Context<'_>) -> Option<i64> {
        self.phi(ctx, PhiClass::Billing, |c| c.allowed_cents).await.flatten()
    }

    /// PHI: billing.
    async fn paid_cents(&self, ctx: &Context<'_>) -> Option<i64> {
        self.phi(ctx, PhiClass::Billing, |c| c.paid_cents).await
    }

    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }

    /// ICD-10 codes billed. PHI: clinical.
    async fn diagnosis_codes(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        self.phi(ctx, PhiClass::Clinical, |c| crate::medical::split_codes(&c.diagnosis_codes)).await
    }

    /// CPT codes billed. PHI: billing.
    async fn procedure_codes(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        self.phi(ctx, PhiClass::Billing, |c| crate::medical::split_codes(&c.procedure_codes)).await
    }

    /// The payer's denials of this claim (at most [`service::MAX_DENIALS_PER_CLAIM`], oldest
    /// first). Requires `denial · read`.
    #[graphql(complexity = "crate::kit::pagination::list_complexity(service::MAX_DENIALS_PER_CLAIM, child_complexity)")]
    async fn denials(&self, ctx: &Context<'_>) -> Option<Vec<Denial>> {
        let denials = async {
            access(ctx)?.require(Resource::Denial, Action::Read)?;
            let rows = loaders(ctx)?.load_one(DenialsOf(self.0.id)).await.map_err(load_error)?.unwrap_or_default();
            let rows = rows.into_iter().take(service::MAX_DENIALS_PER_CLAIM);
            Ok(rows.map(|model| Denial { model, patient_id: self.0.patient_id }).collect())
        };
        null_on_error(ctx, denials.await)
    }

    /// The patient, checked like `patient(id)`.
    async fn patient(&self, ctx: &Context<'_>) -> Option<Patient> {
        null_on_error(ctx, crate::directory::patient_of(ctx, self.0.patient_id).await)
    }

    /// The rendering provider, checked like `provider(id)`.
    async fn provider(&self, ctx: &Context<'_>) -> Option<Provider> {
        null_on_error(ctx, crate::directory::provider_of(ctx, self.0.provider_id).await)
    }
}

/// A payer's denial: X12 claim adjustment group and reason code, optional remark code.
pub struct Denial {
    model: denial::Model,
    /// The claim's patient, whose billing class the denied amount belongs to.
    patient_id: uuid::Uuid,
}

#[Object]
impl Denial {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// CO (contractual), PR (patient responsibility) or OA (other).
    async fn carc_group(&self) -> &str {
        &self.model.carc_group
    }

    async fn carc_code(&self) -> &str {
        &self.model.carc_code
    }

    /// What the reason code means.
    async fn carc_description(&self) -> Option<&'static str> {
        CARC.iter().find(|c| c.code == self.model.carc_code).map(|c| c.description)
    }

    async fn rarc_code(&self) -> Option<&str> {
        self.model.rarc_code.as_deref()
    }

    async fn rarc_description(&self) -> Option<&'static str> {
        let code = self.model.rarc_code.as_deref()?;
        RARC.iter().find(|c| c.code == code).map(|c| c.description)
    }

    /// PHI: billing (of the claim).
    async fn denied_cents(&self, ctx: &Context<'_>) -> Option<i64> {
        let (patient, claim) = (self.patient_id, self.model.claim_id);
        phi_field(ctx, patient, Resource::Claim, claim, PhiClass::Billing).await.map(|_| self.model.denied_cents)
    }

    async fn denied_at(&self) -> DateTime<Utc> {
        self.model.denied_at
    }

    async fn appeal_deadline(&self) -> NaiveDate {
        self.model.appeal_deadline
    }
}

#[derive(Default)]
pub struct ClaimQuery;

#[Object]
impl ClaimQuery {
    /// One claim by id. Requires `claim · read`; a refusal is recorded against its patient.
    async fn claim(&self, ctx: &Context<'_>, id: ID) -> Gql<Claim> {
        let id = parse_id(&id, "claim")?;
        let access = access(ctx)?;
        let found = service::find_claim(db(ctx)?, id).await?;
        access.require_about(Resource::Claim, Action::Read, found.as_ref().map(|c| c.patient_id))?;
        Ok(Claim::visible(access, found.ok_or_else(|| ApiError::NotFound(format!("claim {id}")))?)?)
    }
}
