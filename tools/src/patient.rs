//! `Patient` as the schema shows it: the directory's own fields, then what each tool adds
//! about the patient (care records, claims, tickets), each declared in that tool's folder
//! (`of_patient.rs`) and checked by that tool's rules. The directory knows none of them; a
//! new tool extends `Patient` by adding its part here.

use crate::cx::TicketsOfPatient;
use crate::directory::PatientFields;
use crate::kit::{Access, ApiResult};
use crate::medical::CareOfPatient;
use crate::ops::ClaimsOfPatient;
use async_graphql::MergedObject;
use entities::patient;
use uuid::Uuid;

/// A patient of the practice. Reaching one by any path requires `patient · read`.
#[derive(MergedObject)]
pub struct Patient(PatientFields, CareOfPatient, ClaimsOfPatient, TicketsOfPatient);

impl Patient {
    /// The only way to make a `Patient`: the caller must be allowed to read patients.
    pub fn visible(access: &Access, model: patient::Model) -> ApiResult<Self> {
        let id = model.id;
        Ok(Patient(
            PatientFields::visible(access, model)?,
            CareOfPatient(id),
            ClaimsOfPatient(id),
            TicketsOfPatient(id),
        ))
    }

    pub fn id(&self) -> Uuid {
        self.1.0
    }
}
