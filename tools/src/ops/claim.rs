//! The `Claim` and `Denial` types. A claim's diagnosis and procedure codes are clinical PHI.

use super::service;
use crate::directory::service::parse_id;
use crate::directory::{Patient, Provider};
use crate::kit::codes::{CARC, RARC};
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::{Access, Allow, ApiError, ApiResult, Gql, access, db, null_on_error, phi_field};
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

    /// For rows the caller's `claim · read` was checked for already.
    pub(crate) fn checked(model: claim::Model) -> Self {
        Claim(model)
    }

    /// A clinical value of this claim: the value, or `null` and `FORBIDDEN` at the field.
    async fn clinical<T>(&self, ctx: &Context<'_>, value: impl FnOnce(&claim::Model) -> T) -> Option<T> {
        phi_field(ctx, self.0.patient_id, Resource::Claim, self.0.id, PhiClass::Clinical).await.map(|_| value(&self.0))
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

    async fn status(&self) -> ClaimStatus {
        self.0.status.into()
    }

    async fn payer(&self) -> &str {
        &self.0.payer
    }

    async fn service_date(&self) -> NaiveDate {
        self.0.service_date
    }

    async fn billed_cents(&self) -> i64 {
        self.0.billed_cents
    }

    async fn allowed_cents(&self) -> Option<i64> {
        self.0.allowed_cents
    }

    async fn paid_cents(&self) -> i64 {
        self.0.paid_cents
    }

    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }

    /// ICD-10 codes billed. PHI: clinical.
    async fn diagnosis_codes(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        self.clinical(ctx, |c| crate::medical::split_codes(&c.diagnosis_codes)).await
    }

    /// CPT codes billed. PHI: clinical.
    async fn procedure_codes(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        self.clinical(ctx, |c| crate::medical::split_codes(&c.procedure_codes)).await
    }

    /// The payer's denials of this claim. Requires `denial · read`.
    async fn denials(&self, ctx: &Context<'_>) -> Option<Vec<Denial>> {
        let denials = async {
            access(ctx)?.require(Resource::Denial, Action::Read)?;
            let rows = service::denials_of(db(ctx)?, self.0.id).await?;
            Ok(rows.into_iter().map(Denial).collect())
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
pub struct Denial(denial::Model);

#[Object]
impl Denial {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// CO (contractual), PR (patient responsibility) or OA (other).
    async fn carc_group(&self) -> &str {
        &self.0.carc_group
    }

    async fn carc_code(&self) -> &str {
        &self.0.carc_code
    }

    /// What the reason code means.
    async fn carc_description(&self) -> Option<&'static str> {
        CARC.iter().find(|c| c.code == self.0.carc_code).map(|c| c.description)
    }

    async fn rarc_code(&self) -> Option<&str> {
        self.0.rarc_code.as_deref()
    }

    async fn rarc_description(&self) -> Option<&'static str> {
        let code = self.0.rarc_code.as_deref()?;
        RARC.iter().find(|c| c.code == code).map(|c| c.description)
    }

    async fn denied_cents(&self) -> i64 {
        self.0.denied_cents
    }

    async fn denied_at(&self) -> DateTime<Utc> {
        self.0.denied_at
    }

    async fn appeal_deadline(&self) -> NaiveDate {
        self.0.appeal_deadline
    }
}

#[derive(Default)]
pub struct ClaimQuery;

#[Object]
impl ClaimQuery {
    /// One claim by id.
    #[graphql(guard = "Allow(Resource::Claim, Action::Read)")]
    async fn claim(&self, ctx: &Context<'_>, id: ID) -> Gql<Claim> {
        let id = parse_id(&id, "claim")?;
        let found = service::find_claim(db(ctx)?, id).await?;
        Ok(Claim::visible(access(ctx)?, found.ok_or_else(|| ApiError::NotFound(format!("claim {id}")))?)?)
    }
}
