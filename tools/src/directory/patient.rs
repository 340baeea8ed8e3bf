//! The `Patient` type and the patient queries. Contact and identity fields are PHI: each is
//! checked on its own, so a caller sees exactly the classes their roles (or a break-glass
//! grant) open, and `null` with a `FORBIDDEN` error for the rest.

use super::lookup_service as service;
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::{Access, Allow, ApiResult, Gql, access, db, phi_field};
use crate::patient::Patient;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entities::patient;
use policies::{Action, Labels, PhiClass, Resource};

/// The directory's fields of `Patient` (the whole type, with what other tools add, is
/// `crate::patient::Patient`).
pub struct PatientFields(patient::Model);

impl PatientFields {
    /// Only through [`crate::patient::Patient::visible`]: the caller must be allowed to read patients.
    pub(crate) fn visible(access: &Access, model: patient::Model) -> ApiResult<Self> {
        access.require(Resource::Patient, Action::Read)?;
        Ok(PatientFields(model))
    }

    /// Checks one PHI class of this patient: the value, or `null` and `FORBIDDEN` at the field.
    async fn phi<T>(&self, ctx: &Context<'_>, class: PhiClass, value: impl FnOnce(&patient::Model) -> T) -> Option<T> {
        phi_field(ctx, self.0.id, (Resource::Patient, self.0.id, Labels::NONE), class).await.map(|_| value(&self.0))
    }
}

#[Object]
impl PatientFields {
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
        let id = crate::kit::parse_id(&id, "patient")?;
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
        let rows = rows.into_iter().map(|p| Patient::visible(access, p)).collect::<ApiResult<Vec<_>>>()?;
        let page = page.into_page(rows, |p| p.id().to_string(), |p| p);
        if let Some(term) = search.as_deref() {
            let found: Vec<_> = page.edges.iter().map(|edge| (edge.node.id(), edge.node.id(), Labels::NONE)).collect();
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
