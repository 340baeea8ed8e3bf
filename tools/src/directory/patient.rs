//! The `Patient` type and the patient queries.

use super::service;
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::{ApiError, db, principal};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entities::patient;

/// A patient of the practice.
pub struct Patient(pub patient::Model);

#[Object]
impl Patient {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// US state of residence (two letters).
    async fn state(&self) -> &str {
        &self.0.state
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Default)]
pub struct PatientQuery;

#[Object]
impl PatientQuery {
    /// One patient by id.
    async fn patient(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Patient> {
        principal(ctx)?;
        let id = service::parse_id(&id, "patient")?;
        let found = service::find_patient(db(ctx)?, id).await?;
        Ok(found
            .map(Patient)
            .ok_or_else(|| ApiError::NotFound(format!("patient {id}")))?)
    }

    /// Patients, oldest first; `search` matches name words or email (2 to 100 characters).
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn patients(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Patient>> {
        principal(ctx)?;
        let page = PageRequest::new(ctx, first, after)?;
        let rows = service::list_patients(db(ctx)?, search.as_deref(), &page).await?;
        Ok(page.into_page(rows, |p| p.id.to_string(), Patient))
    }
}
