//! The `Claim` and `Denial` types. A claim's diagnosis codes are clinical PHI; its procedure
//! codes, amounts and payment status are billing PHI: one class, because the amounts follow
//! from the procedure codes (fee schedules price by code), so no field a role may read
//! determines one it may not.

use super::claim_service::{self as service, ClaimFilter, DenialFilter};
use super::loaders::DenialsOf;
use crate::directory::{Patient, Provider};
use crate::kit::access::ReadCheck;
use crate::kit::codes::{CARC, RARC};
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::loaders::{load_error, loaders};
use crate::kit::pagination::{CountedPage, Page, PageRequest, wants_total};
use crate::kit::parse_id;
use crate::kit::{Access, Allow, ApiError, ApiResult, Gql, access, db, null_on_error, phi_field};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entities::claim::{self, ClaimStatus as Status};
use entities::denial;
use policies::{Action, Labels, PhiClass, Resource};

mirror_enum!(
    /// Where a claim stands with the payer.
    ClaimStatus = Status { Submitted, Paid, PartiallyPaid, Denied, Appealed, WrittenOff }
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

    /// The claim's appeal deadline for a caller who may read denials (it says whether one is
    /// open); otherwise `null` and `FORBIDDEN` at the field.
    fn deadline(&self, ctx: &Context<'_>) -> Option<NaiveDate> {
        let readable = access(ctx).and_then(|a| a.require(Resource::Denial, Action::Read));
        null_on_error(ctx, readable.map(|_| self.0.appeal_deadline)).flatten()
    }

    /// A PHI value of this claim: the value, or `null` and `FORBIDDEN` at the field.
    async fn phi<T>(&self, ctx: &Context<'_>, class: PhiClass, value: impl FnOnce(&claim::Model) -> T) -> Option<T> {
        let record = (Resource::Claim, self.0.id, Labels::parse(&self.0.security_labels));
        phi_field(ctx, self.0.patient_id, record, class).await.map(|_| value(&self.0))
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

    /// Its security labels: `SUD_PART2` values open only under the patient's consent,
    /// `PSYCHOTHERAPY_NOTE` values under their authorization, `RESTRICTED` values are kept from
    /// whom their restrictions name.
    async fn security_labels(&self) -> Vec<crate::compliance::labels::SecurityLabelName> {
        crate::compliance::labels::names(&self.0.security_labels)
    }

    /// The payer's own number for the claim (its claim control number), from the latest
    /// remittance that paid or denied it; `null` until a remittance names one. It reads a
    /// remittance line, so a list of claims pays for it row by row.
    #[graphql(complexity = "5 * child_complexity")]
    async fn payer_claim_number(&self, ctx: &Context<'_>) -> Gql<Option<String>> {
        Ok(service::payer_claim_number(db(ctx)?, self.0.id).await?)
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
        self.phi(ctx, PhiClass::Clinical, |c| crate::kit::records::split_codes(&c.diagnosis_codes)).await
    }

    /// CPT codes billed. PHI: billing.
    async fn procedure_codes(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        self.phi(ctx, PhiClass::Billing, |c| crate::kit::records::split_codes(&c.procedure_codes)).await
    }

    /// The soonest appeal deadline among its open denials (at the escalation's deadline
    /// where one works the denial); null when nothing is left to appeal. Requires
    /// `denial · read`.
    async fn appeal_deadline(&self, ctx: &Context<'_>) -> Option<NaiveDate> {
        self.deadline(ctx)
    }

    /// Days until `appealDeadline`, negative once it passed (computed, never stored).
    /// Requires `denial · read`.
    async fn days_left(&self, ctx: &Context<'_>) -> Option<i64> {
        self.deadline(ctx).map(days_left)
    }

    /// The payer's denials of this claim (at most [`service::MAX_DENIALS_PER_CLAIM`], oldest
    /// first). Requires `denial · read`.
    #[graphql(complexity = "crate::kit::pagination::list_complexity(service::MAX_DENIALS_PER_CLAIM, child_complexity)")]
    async fn denials(&self, ctx: &Context<'_>) -> Option<Vec<Denial>> {
        let denials = async {
            access(ctx)?.require(Resource::Denial, Action::Read)?;
            let rows = loaders(ctx)?.load_one(DenialsOf(self.0.id)).await.map_err(load_error)?.unwrap_or_default();
            let rows = rows.into_iter().take(service::MAX_DENIALS_PER_CLAIM);
            Ok(rows.map(|model| Denial { model, claim: self.0.clone() }).collect())
        };
        null_on_error(ctx, denials.await)
    }

    /// The patient, checked like `patient(id)`.
    async fn patient(&self, ctx: &Context<'_>) -> Option<Patient> {
        null_on_error(ctx, crate::directory::patient_of(ctx, self.0.patient_id).await)
    }

    /// The rendering provider, checked like `provider(id)`. For a claim labelled `sud_part2`
    /// or `restricted`, clinical as well (the provider says what the care was), with the labels.
    async fn provider(&self, ctx: &Context<'_>) -> Option<Provider> {
        let record = (Resource::Claim, self.0.id, Labels::parse(&self.0.security_labels));
        crate::kit::labelled_field(ctx, self.0.patient_id, record, PhiClass::Clinical).await?;
        null_on_error(ctx, crate::directory::provider_of(ctx, self.0.provider_id).await)
    }
}

/// A payer's denial: X12 claim adjustment group and reason code, optional remark code.
/// Reaching one requires `denial · read`.
pub struct Denial {
    model: denial::Model,
    /// The denied claim: its patient owns the billing class of the amounts.
    claim: claim::Model,
}

impl Denial {
    pub fn visible(access: &Access, model: denial::Model, claim: claim::Model) -> ApiResult<Self> {
        access.require(Resource::Denial, Action::Read)?;
        Ok(Denial { model, claim })
    }

    /// A billing value of the denied claim: the value, or `null` and `FORBIDDEN` at the field.
    async fn billing<T>(&self, ctx: &Context<'_>, value: impl FnOnce(&Self) -> T) -> Option<T> {
        let record = (Resource::Claim, self.claim.id, Labels::parse(&self.claim.security_labels));
        phi_field(ctx, self.claim.patient_id, record, PhiClass::Billing).await.map(|_| value(self))
    }
}

/// Days from today to `deadline` (negative once it passed).
pub fn days_left(deadline: NaiveDate) -> i64 {
    (deadline - Utc::now().date_naive()).num_days()
}

#[Object]
impl Denial {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// CO (contractual obligation), PR (patient responsibility), OA (other adjustment) or PI
    /// (payer initiated).
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
        self.billing(ctx, |d| d.model.denied_cents).await
    }

    /// What the payer allowed on the claim, if it adjudicated an amount. PHI: billing.
    async fn allowed_cents(&self, ctx: &Context<'_>) -> Option<i64> {
        self.billing(ctx, |d| d.claim.allowed_cents).await.flatten()
    }

    /// The payer that denied the claim.
    async fn payer(&self) -> &str {
        &self.claim.payer
    }

    async fn denied_at(&self) -> DateTime<Utc> {
        self.model.denied_at
    }

    /// The last day to file the first appeal: the payer's level-1 window from the day the
    /// denial arrived (fixed when the denial is recorded).
    async fn appeal_deadline(&self) -> NaiveDate {
        self.model.appeal_deadline
    }

    /// Days until the appeal deadline, negative once it passed (computed, never stored).
    async fn days_left(&self) -> i64 {
        days_left(self.model.appeal_deadline)
    }

    /// The denied claim, checked like `claim(id)`.
    async fn claim(&self, ctx: &Context<'_>) -> Option<Claim> {
        let claim = async { Claim::visible(access(ctx)?, self.claim.clone()) };
        null_on_error(ctx, claim.await)
    }

    /// The escalation working this denial (the latest), checked like `escalation(id)`.
    async fn escalation(&self, ctx: &Context<'_>) -> Option<super::Escalation> {
        let found = async {
            access(ctx)?.require(Resource::Escalation, Action::Read)?;
            super::escalation::of_denial(ctx, &self.model, &self.claim).await
        };
        null_on_error(ctx, found.await).flatten()
    }
}

/// CARC groups: contractual obligation, patient responsibility, other adjustment, payer initiated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum CarcGroup {
    Co,
    Pr,
    Oa,
    Pi,
}

impl CarcGroup {
    /// As X12 (and the `denial` table) writes it.
    pub fn code(self) -> &'static str {
        match self {
            CarcGroup::Co => "CO",
            CarcGroup::Pr => "PR",
            CarcGroup::Oa => "OA",
            CarcGroup::Pi => "PI",
        }
    }
}

/// How `claims` is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum ClaimOrder {
    /// Soonest `appealDeadline` first, then the claims with nothing to appeal, newest first.
    /// It reads denials, so it needs `denial · read`.
    Deadline,
    /// Newest first.
    Newest,
}

#[derive(InputObject, Default)]
pub struct ClaimFilterInput {
    /// Payment status. Filtering on it reads billing PHI, so it needs `claim · billing`, and
    /// every claim it returns is a recorded disclosure of that class.
    pub status: Option<Vec<ClaimStatus>>,
    /// The payer's name or its start, in any case ("aet" finds Aetna).
    pub payer: Option<String>,
    pub provider_id: Option<ID>,
    pub patient_id: Option<ID>,
    /// Service on or after this day.
    pub service_from: Option<NaiveDate>,
    /// Service on or before this day.
    pub service_to: Option<NaiveDate>,
}

#[derive(InputObject, Default)]
pub struct DenialFilterInput {
    pub carc_group: Option<CarcGroup>,
    pub carc_code: Option<String>,
    /// The payer's name or its start, in any case ("aet" finds Aetna).
    pub payer: Option<String>,
    /// `true`: still to be worked (no escalation of it reached an outcome); `false`: worked.
    pub open: Option<bool>,
    /// Appeal deadline before this day.
    pub deadline_before: Option<NaiveDate>,
}

/// An insurer and its windows, in days.
#[derive(SimpleObject)]
pub struct Payer {
    pub name: String,
    pub level1_appeal_days: i32,
    pub level2_appeal_days: i32,
    pub external_review_days: i32,
    pub timely_filing_days: i32,
}

#[derive(Default)]
pub struct ClaimQuery;

#[Object]
impl ClaimQuery {
    /// Claims by status, payer, provider, patient and service dates: by default the soonest
    /// appeal deadline first (what ops must act on next), then the rest newest first.
    #[graphql(
        guard = "Allow(Resource::Claim, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn claims(
        &self,
        ctx: &Context<'_>,
        filter: Option<ClaimFilterInput>,
        #[graphql(default_with = "ClaimOrder::Deadline")] order_by: ClaimOrder,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<Claim>> {
        let input = filter.unwrap_or_default();
        let statuses: Vec<Status> = input.status.unwrap_or_default().into_iter().map(Into::into).collect();
        let filter = ClaimFilter {
            payer: input.payer,
            provider_id: input.provider_id.map(|id| parse_id(&id, "provider")).transpose()?,
            patient_id: input.patient_id.map(|id| parse_id(&id, "patient")).transpose()?,
            service_from: input.service_from,
            service_to: input.service_to,
            statuses,
        };
        let access = access(ctx)?;
        if !filter.statuses.is_empty() {
            access.require(Resource::Claim, Action::Billing)?;
        }
        let order = match order_by {
            ClaimOrder::Deadline => {
                // Where a claim sorts says whether it has a denial open.
                access.require(Resource::Denial, Action::Read)?;
                service::ClaimOrder::Deadline
            }
            ClaimOrder::Newest => service::ClaimOrder::Newest,
        };
        let page = PageRequest::new(ctx, first, after)?;
        let db = db(ctx)?;
        let rows = service::list_claims(db, &filter, order, &page).await?;
        if !filter.statuses.is_empty() {
            let term = format!("status: {:?}", filter.statuses).to_lowercase();
            let matched: Vec<_> = rows
                .iter()
                .take(page.first as usize)
                .map(|c| (c.patient_id, c.id, Labels::parse(&c.security_labels)))
                .collect();
            access.disclose_matches(db, matched, Resource::Claim, PhiClass::Billing, &term).await?;
        }
        let rows = rows.into_iter().map(|c| Claim::visible(access, c)).collect::<ApiResult<Vec<_>>>()?;
        let cursor = match order {
            service::ClaimOrder::Deadline => |c: &Claim| service::claim_deadline_cursor(&c.0),
            service::ClaimOrder::Newest => |c: &Claim| c.key().to_string(),
        };
        Ok(page.into_page(rows, cursor, |c| c))
    }

    /// Denials, soonest appeal deadline first, with their reason codes explained.
    #[graphql(
        guard = "Allow(Resource::Denial, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn denials(
        &self,
        ctx: &Context<'_>,
        filter: Option<DenialFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<CountedPage<Denial>> {
        let input = filter.unwrap_or_default();
        let filter = DenialFilter {
            carc_group: input.carc_group.map(|g| g.code().to_owned()),
            carc_code: input.carc_code,
            payer: input.payer,
            open: input.open,
            deadline_before: input.deadline_before,
        };
        let page = PageRequest::new(ctx, first, after)?;
        let db = db(ctx)?;
        let rows = service::list_denials(db, &filter, &page).await?;
        let total = if wants_total(ctx) { Some(service::count_denials(db, &filter).await?) } else { None };
        let access = access(ctx)?;
        let rows = rows.into_iter().map(|(d, c)| Denial::visible(access, d, c)).collect::<ApiResult<Vec<_>>>()?;
        let cursor = |d: &Denial| service::deadline_cursor(d.model.appeal_deadline, d.model.id);
        Ok(page.into_counted_page(rows, cursor, |d| d, total))
    }

    /// The payers ward knows, with their appeal windows.
    #[graphql(guard = "Allow(Resource::Denial, Action::Read)")]
    async fn payers(&self, ctx: &Context<'_>) -> Gql<Vec<Payer>> {
        let payers = service::payers(db(ctx)?).await?;
        Ok(payers
            .into_iter()
            .map(|p| Payer {
                name: p.name,
                level1_appeal_days: p.level_1_appeal_days,
                level2_appeal_days: p.level_2_appeal_days,
                external_review_days: p.external_review_days,
                timely_filing_days: p.timely_filing_days,
            })
            .collect())
    }

    /// One claim by id. Requires `claim · read`; a refusal is recorded against its patient.
    async fn claim(&self, ctx: &Context<'_>, id: ID) -> Gql<Claim> {
        let id = parse_id(&id, "claim")?;
        let access = access(ctx)?;
        let found = service::find_claim(db(ctx)?, id).await?;
        access.require_about(Resource::Claim, Action::Read, found.as_ref().map(|c| c.patient_id))?;
        Ok(Claim::visible(access, found.ok_or_else(|| ApiError::NotFound(format!("claim {id}")))?)?)
    }
}
