//! A patient's authorizations on file (45 CFR 164.508): the signed permission that alone opens
//! a class no role holds (psychotherapy notes) to the teams and for the purposes it names,
//! within its period. One rule of "in force" and "names", used by the access check, the
//! access report and compliance's own list.

use crate::access::{Access, Via};
use crate::dates;
use crate::records::listed;
use crate::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entities::patient_authorization;
use policies::{Action, PhiClass, Resource, Role, SecurityLabel, UsePurpose};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// The most authorizations one patient's list answers (a patient signs a handful in years).
pub const MAX_PER_PATIENT: u64 = 50;

/// The patient's authorizations, revoked and lapsed ones too, newest first.
pub async fn of_patient(db: &impl ConnectionTrait, patient: Uuid) -> ApiResult<Vec<patient_authorization::Model>> {
    Ok(patient_authorization::Entity::find()
        .filter(patient_authorization::Column::PatientId.eq(patient))
        .order_by_desc(patient_authorization::Column::RecordedAt)
        .order_by_desc(patient_authorization::Column::Id)
        .limit(MAX_PER_PATIENT)
        .all(db)
        .await?)
}

/// The first instant after its last day (`None` at the calendar's end: it never lapses).
pub fn ends_at(authorization: &patient_authorization::Model) -> Option<DateTime<Utc>> {
    dates::end_of(authorization.valid_until, "validUntil").ok()
}

/// Whether it opens anything at `now`: not revoked, and `now` within its days.
pub fn is_in_force(authorization: &patient_authorization::Model, now: DateTime<Utc>) -> bool {
    authorization.revoked_at.is_none()
        && dates::start_of(authorization.valid_from) <= now
        && ends_at(authorization).is_none_or(|end| now < end)
}

/// Whether it opens `class` to a member of `team` reading for `purpose`.
pub fn opens(authorization: &patient_authorization::Model, class: PhiClass, team: Role, purpose: UsePurpose) -> bool {
    listed(&authorization.covers).any(|c| c == class.as_str())
        && listed(&authorization.teams).any(|t| t == team.as_str())
        && listed(&authorization.purposes).any(|p| p == purpose.as_str())
}

/// The authorization that opens `class` of `patient` to the caller, or `FORBIDDEN` with the
/// class's label, recorded: the caller must read care records by role, the request must state a purpose about this patient (what the
/// authorization names is a purpose, so none stated opens nothing), and an authorization in
/// force must name one of the caller's teams and that purpose. Nobody reads under one they
/// recorded themselves: recording it is not also the reason to read.
pub async fn authorized(
    access: &Access,
    db: &impl ConnectionTrait,
    patient: Uuid,
    resource: Resource,
    class: PhiClass,
) -> ApiResult<Via> {
    let refuse = |why: String| {
        let label = class.label().unwrap_or(SecurityLabel::Restricted);
        let message = format!("restricted: {}. {why}", words(label));
        access.refuse(resource, class.action(), Some(patient), ApiError::Restricted { label, message })
    };
    // An authorization opens the note to a team that reads care records: break-glass reaches
    // a record in an emergency, never the note (and the access report lists the same people).
    if !access.allows(Resource::CareRecord, Action::Read) {
        return Err(refuse(
            "It opens only under the patient's authorization, to a member whose team reads care records; emergency access does not open it".into(),
        ));
    }
    let Some(purpose) = access.purpose() else {
        return Err(refuse(
            "It opens only under the patient's authorization on file, for the purpose this request states (x-ward-purpose); none is stated".into(),
        ));
    };
    if purpose.patient != Some(patient) {
        return Err(refuse(format!("This request states the purpose {purpose}, which is not about this patient")));
    }
    let use_of = purpose.use_of();
    let now = Utc::now();
    let principal = access.principal();
    let naming: Vec<patient_authorization::Model> = of_patient(db, patient)
        .await?
        .into_iter()
        .filter(|a| is_in_force(a, now) && principal.roles.iter().any(|team| opens(a, class, *team, use_of)))
        .collect();
    if let Some(found) = naming.iter().find(|a| a.recorded_by != principal.staff_id) {
        return Ok(Via::Authorization { id: found.id });
    }
    if !naming.is_empty() {
        return Err(refuse(
            "The only authorization naming you was recorded by you: nobody reads under an authorization they recorded"
                .into(),
        ));
    }
    Err(refuse(format!(
        "No authorization of the patient in force names your team and the purpose {use_of} (what {purpose} amounts to)"
    )))
}

/// A label as the refusal says it.
fn words(label: SecurityLabel) -> &'static str {
    match label {
        SecurityLabel::PsychotherapyNote => "psychotherapy note",
        SecurityLabel::SudPart2 => "substance-use disorder record (42 CFR Part 2)",
        SecurityLabel::Restricted => "restricted at the patient's request",
    }
}
