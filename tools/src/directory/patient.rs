//! The `Patient` type and the patient queries. Contact and identity fields are PHI: each is
//! checked on its own, so a caller sees exactly the classes their roles (or a break-glass
//! grant) open, and `null` with a `FORBIDDEN` error for the rest.

use super::service;
use crate::kit::loaders::{PatientCareRecords, PatientClaims, load_error, loaders};
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::{Access, Allow, ApiResult, Gql, access, db, null_on_error, phi_field};
use crate::medical::CareRecord;
use crate::ops::Claim;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entities::patient;
use policies::{Action, PhiClass, Resource};

/// A patient of the practice. Reaching one by any path requires `patient · read`.
pub struct Patient(patient::Model);

impl Patient {
    /// The only way to make a `Patient`: the caller must be allowed to read patients.
    pub fn visible(access: &Access, model: patient::Model) -> ApiResult<Self> {
        access.require(Resource::Patient, Action::Read)?;
        Ok(Patient(model))
    }

    /// Checks one PHI class of this patient: the value, or `null` and `FORBIDDEN` at the field.
    async fn phi<T>(&self, ctx: &Context<'_>, class: PhiClass, value: impl FnOnce(&patient::Model) -> T) -> Option<T> {
        phi_field(ctx, self.0.id, Resource::Patient, self.0.id, class).await.map(|_| value(&self.0))
    }
}

#[Object]
impl Patient {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// US state of residence (two letters). Not PHI at state level.
    async fn state(&self) -> &str {
        &self.0.state
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The patient's health plan (payer name). Not PHI on its own.
    async fn payer(&self) -> &str {
        &self.0.payer
    }

    /// Full name. PHI: contact.
    async fn name(&self, ctx: &Context<'_>) -> Option<String> {
        self.phi(ctx, PhiClass::Contact, |p| format!("{} {}", p.first_name, p.last_name)).await
    }

    /// PHI: contact.
    async fn first_name(&self, ctx: &Context<'_>) -> Option<String> {
        self.phi(ctx, PhiClass::Contact, |p| p.first_name.clone()).await
    }

    /// PHI: contact.
    async fn last_name(&self, ctx: &Context<'_>) -> Option<String> {
        self.phi(ctx, PhiClass::Contact, |p| p.last_name.clone()).await
    }

    /// PHI: contact.
    async fn email(&self, ctx: &Context<'_>) -> Option<String> {
        self.phi(ctx, PhiClass::Contact, |p| p.email.clone()).await
    }

    /// PHI: contact.
    async fn phone(&self, ctx: &Context<'_>) -> Option<String> {
        self.phi(ctx, PhiClass::Contact, |p| p.phone.clone()).await
    }

    /// PHI: identity.
    async fn date_of_birth(&self, ctx: &Context<'_>) -> Option<NaiveDate> {
        self.phi(ctx, PhiClass::Identity, |p| p.date_of_birth).await
    }

    /// Insurance member id. PHI: identity.
    async fn member_id(&self, ctx: &Context<'_>) -> Option<String> {
        self.phi(ctx, PhiClass::Identity, |p| p.member_id.clone()).await
    }

    /// The member id masked to its last four characters ("•••• 1234"), for confirming a
    /// caller's identity without seeing the identifier. Not PHI.
    async fn member_id_last4(&self) -> String {
        mask_last4(&self.0.member_id)
    }

    /// Year of birth only, for confirming a caller's identity. Not PHI.
    async fn birth_year(&self) -> i32 {
        self.0.date_of_birth.year()
    }

    /// The patient's care records, newest first. Requires `care_record · read` (or break-glass).
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn care_records(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Option<Page<CareRecord>> {
        let page = async {
            let db = db(ctx)?;
            let check = access(ctx)?.check_read(db, self.0.id, Resource::CareRecord).await?;
            let page = PageRequest::new(ctx, first, after)?;
            let rows = if page.is_first_page() {
                let key = PatientCareRecords { parent: self.0.id, limit: page.fetch_limit() };
                loaders(ctx)?.load_one(key).await.map_err(load_error)?.unwrap_or_default()
            } else {
                crate::medical::service::care_records_of(db, self.0.id, &page).await?
            };
            let rows = rows.into_iter().map(|r| CareRecord::read(&check, r)).collect::<ApiResult<Vec<_>>>()?;
            Ok(page.into_page(rows, |r| r.key().to_string(), |r| r))
        };
        null_on_error(ctx, page.await)
    }

    /// The patient's claims, newest service first. Requires `claim · read`.
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn claims(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Option<Page<Claim>> {
        let page = async {
            let db = db(ctx)?;
            let check = access(ctx)?.check_read(db, self.0.id, Resource::Claim).await?;
            let page = PageRequest::new(ctx, first, after)?;
            let rows = if page.is_first_page() {
                let key = PatientClaims { parent: self.0.id, limit: page.fetch_limit() };
                loaders(ctx)?.load_one(key).await.map_err(load_error)?.unwrap_or_default()
            } else {
                crate::ops::service::claims_of(db, self.0.id, &page).await?
            };
            let rows = rows.into_iter().map(|c| Claim::read(&check, c)).collect::<ApiResult<Vec<_>>>()?;
            Ok(page.into_page(rows, |c| c.key().to_string(), |c| c))
        };
        null_on_error(ctx, page.await)
    }

    /// The patient's tickets, soonest SLA first. Requires `ticket · read`.
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Option<Page<crate::cx::Ticket>> {
        null_on_error(ctx, crate::cx::tickets_of_patient(ctx, self.0.id, first, after).await)
    }
}

fn mask_last4(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let last4: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("•••• {last4}")
}

#[derive(Default)]
pub struct PatientQuery;

#[Object]
impl PatientQuery {
    /// One patient by id. Requires `patient · read` (a refusal is recorded against the id).
    async fn patient(&self, ctx: &Context<'_>, id: ID) -> Gql<Patient> {
        let id = service::parse_id(&id, "patient")?;
        Ok(super::patient_of(ctx, id).await?)
    }

    /// Patients, oldest first. `search` (2 to 100 characters) matches the start of name words
    /// or part of the email: it reads contact PHI, so it needs `patient · contact`, and every
    /// patient it returns is a recorded disclosure of their contact class, whatever fields
    /// are selected.
    #[graphql(
        guard = "Allow(Resource::Patient, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn patients(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<Patient>> {
        let access = access(ctx)?;
        let db = db(ctx)?;
        if search.is_some() {
            access.require(Resource::Patient, Action::Contact)?;
        }
        let page = PageRequest::new(ctx, first, after)?;
        let rows = service::list_patients(db, search.as_deref(), &page).await?;
        let page = page.into_page(rows, |p| p.id.to_string(), Patient);
        if let Some(term) = search.as_deref() {
            let found: Vec<_> = page.edges.iter().map(|edge| (edge.node.0.id, edge.node.0.id)).collect();
            access.disclose_matches(db, found, Resource::Patient, PhiClass::Contact, term).await?;
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn masking_keeps_only_the_last_four() {
        assert_eq!(super::mask_last4("UHC123456789"), "•••• 6789");
        assert_eq!(super::mask_last4("12"), "•••• 12");
    }
}
