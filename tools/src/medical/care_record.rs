//! The `CareRecord` type: a session note. Body and diagnosis codes are clinical PHI.

use super::service;
use crate::directory::service::parse_id;
use crate::directory::{Patient, Provider};
use crate::kit::access::ReadCheck;
use crate::kit::{ApiError, ApiResult, Gql, access, db, null_on_error, phi_field};
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entities::care_record;
use policies::{Action, PhiClass, Resource};

/// A care record. Reaching one requires `care_record · read` for its patient (by role or
/// break-glass); its body and codes need `care_record · clinical` as well.
pub struct CareRecord(care_record::Model);

impl CareRecord {
    /// The record's id (its page cursor).
    pub fn key(&self) -> uuid::Uuid {
        self.0.id
    }

    /// A record of the patient `check` was made for (a patient's list).
    pub fn read(check: &ReadCheck, model: care_record::Model) -> ApiResult<Self> {
        check.covers(model.patient_id, Resource::CareRecord)?;
        Ok(CareRecord(model))
    }

    /// A clinical value of this record: the value, or `null` and `FORBIDDEN` at the field.
    async fn clinical<T>(&self, ctx: &Context<'_>, value: impl FnOnce(&care_record::Model) -> T) -> Option<T> {
        phi_field(ctx, self.0.patient_id, Resource::CareRecord, self.0.id, PhiClass::Clinical)
            .await
            .map(|_| value(&self.0))
    }
}

#[Object]
impl CareRecord {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// e.g. `progress_note`, `intake_assessment`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Optimistic-concurrency version: name it as `expectedVersion` when editing.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The note itself. PHI: clinical.
    async fn body(&self, ctx: &Context<'_>) -> Option<String> {
        self.clinical(ctx, |r| r.body.clone()).await
    }

    /// ICD-10 codes. PHI: clinical.
    async fn diagnosis_codes(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        self.clinical(ctx, |r| split_codes(&r.diagnosis_codes)).await
    }

    /// The patient, checked like `patient(id)`.
    async fn patient(&self, ctx: &Context<'_>) -> Option<Patient> {
        null_on_error(ctx, crate::directory::patient_of(ctx, self.0.patient_id).await)
    }

    /// The provider who wrote it, checked like `provider(id)`.
    async fn provider(&self, ctx: &Context<'_>) -> Option<Provider> {
        null_on_error(ctx, crate::directory::provider_of(ctx, self.0.provider_id).await)
    }
}

/// Comma-separated codes as a list.
pub fn split_codes(codes: &str) -> Vec<String> {
    codes.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect()
}

#[derive(Default)]
pub struct CareRecordQuery;

#[Object]
impl CareRecordQuery {
    /// One care record by id: `care_record · read` by role, or break-glass for its patient.
    /// A refusal is recorded against the record's patient.
    async fn care_record(&self, ctx: &Context<'_>, id: ID) -> Gql<CareRecord> {
        let access = access(ctx)?;
        let db = db(ctx)?;
        let id = parse_id(&id, "care record")?;
        if !access.may_for_some_patient(db, Resource::CareRecord, Action::Read).await? {
            // Nothing of the record is answered; its patient is read for the record only.
            let patient = service::find_care_record(db, id).await?.map(|r| r.patient_id);
            access.require_about(Resource::CareRecord, Action::Read, patient)?;
        }
        let record =
            service::find_care_record(db, id).await?.ok_or_else(|| ApiError::NotFound(format!("care record {id}")))?;
        access.require_for_patient(db, record.patient_id, Resource::CareRecord, Action::Read).await?;
        Ok(CareRecord(record))
    }
}
