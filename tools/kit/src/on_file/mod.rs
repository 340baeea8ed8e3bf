//! What a patient signed that opens records no role opens, or closes what a role opens, as
//! the access check reads it: an authorization (45 CFR 164.508: the only key to
//! psychotherapy notes), a 42 CFR Part 2 consent (the only key to the values of `sud_part2`
//! records, beside a medical emergency), or a restriction the patient asked for (45 CFR
//! 164.522: it refuses `restricted` values to whom it names).
//! One rule of "in force" and "names the reader", used by the check, the access report and
//! compliance's lists; the papers of a patient are read once per request.

pub mod authorizations;
pub mod consents;
pub mod restrictions;

use crate::access::Access;
use crate::dates;
use crate::records::listed;
use crate::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entities::patient_permission;
use policies::{Action, Resource, Role, SecurityLabel, UsePurpose};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// The most permissions of one kind one patient's list answers, newest first, and the most
/// that may stand at once (in force or yet to start): a patient signs a handful in years.
/// Older, ended ones stay on file and on the trail.
pub const MAX_PER_PATIENT: u64 = 20;

/// What a patient signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A HIPAA authorization: opens psychotherapy notes.
    Authorization,
    /// A 42 CFR Part 2 consent: opens `sud_part2` values.
    Part2Consent,
    /// A restriction the patient asked for (45 CFR 164.522): refuses `restricted` values.
    Restriction,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Authorization => "authorization",
            Kind::Part2Consent => "part2_consent",
            Kind::Restriction => "restriction",
        }
    }

    /// How a message names one: "authorization", "consent".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Authorization => "authorization",
            Kind::Part2Consent => "consent",
            Kind::Restriction => "restriction",
        }
    }
}

/// The patient's permissions of `kind`, revoked and lapsed ones too, newest first.
pub async fn of_patient(
    db: &impl ConnectionTrait,
    patient: Uuid,
    kind: Kind,
) -> ApiResult<Vec<patient_permission::Model>> {
    Ok(patient_permission::Entity::find()
        .filter(patient_permission::Column::PatientId.eq(patient))
        .filter(patient_permission::Column::Kind.eq(kind.as_str()))
        .order_by_desc(patient_permission::Column::RecordedAt)
        .order_by_desc(patient_permission::Column::Id)
        .limit(MAX_PER_PATIENT)
        .all(db)
        .await?)
}

/// The first instant after its last day (`None` at the calendar's end: it never lapses).
pub fn ends_at(permission: &patient_permission::Model) -> Option<DateTime<Utc>> {
    dates::end_of(permission.valid_until, "validUntil").ok()
}

/// Whether it opens anything at `now`: not revoked, and `now` within its days.
pub fn is_in_force(permission: &patient_permission::Model, now: DateTime<Utc>) -> bool {
    permission.revoked_at.is_none()
        && dates::start_of(permission.valid_from) <= now
        && ends_at(permission).is_none_or(|end| now < end)
}

/// Whether it covers any of `what` (class or label names).
pub fn covers(permission: &patient_permission::Model, what: &[&str]) -> bool {
    listed(&permission.covers).any(|c| what.contains(&c))
}

/// Whether it names the member `staff` of `teams` as a recipient for `purpose`: by one of
/// their teams, or by name (a consent may name a person).
pub fn names(permission: &patient_permission::Model, staff: Uuid, teams: &[Role], purpose: UsePurpose) -> bool {
    let by_team = listed(&permission.teams).any(|t| teams.iter().any(|team| team.as_str() == t));
    let by_name = listed(&permission.staff).any(|s| s == staff.to_string());
    (by_team || by_name) && listed(&permission.purposes).any(|p| p == purpose.as_str())
}

/// Whether a restriction keeps its values from the member `staff` of `teams`: it names one
/// of their teams, them, or a purpose their work serves (`serves`: one they may state, as
/// [`crate::purpose::Purpose::may_state`] says). Not the purpose a request happens to state:
/// what the patient asked never depends on the reason a reader gives, or leaves out.
pub fn restricts(
    restriction: &patient_permission::Model,
    staff: Uuid,
    teams: &[Role],
    serves: impl Fn(UsePurpose) -> bool,
) -> bool {
    let by_team = listed(&restriction.teams).any(|t| teams.iter().any(|team| team.as_str() == t));
    let by_name = listed(&restriction.staff).any(|s| s == staff.to_string());
    let by_purpose = listed(&restriction.purposes).filter_map(|p| p.parse::<UsePurpose>().ok()).any(serves);
    by_team || by_name || by_purpose
}

/// The patients' permissions in force this request has read: each patient's once, however
/// many values of theirs the response carries. A revocation is seen by the next request.
#[derive(Default)]
pub struct Papers(tokio::sync::Mutex<HashMap<Uuid, Arc<Vec<patient_permission::Model>>>>);

impl Papers {
    pub(crate) async fn in_force(
        &self,
        db: &impl ConnectionTrait,
        patient: Uuid,
    ) -> ApiResult<Arc<Vec<patient_permission::Model>>> {
        let mut read = self.0.lock().await;
        if let Some(papers) = read.get(&patient) {
            return Ok(papers.clone());
        }
        let now = Utc::now();
        // Every one whose days reach today, none cut off: a restriction pushed out of a
        // truncated read would open what it keeps back. (At most MAX_PER_PATIENT of a kind
        // stand at once; the day either side absorbs the boundaries, checked exactly below.)
        let rows = standing(patient_permission::Entity::find(), now)
            .filter(patient_permission::Column::PatientId.eq(patient))
            .filter(patient_permission::Column::ValidFrom.lte(now.date_naive() + chrono::Days::new(1)))
            .all(db)
            .await?;
        let papers = Arc::new(rows.into_iter().filter(|p| is_in_force(p, now)).collect::<Vec<_>>());
        read.insert(patient, papers.clone());
        Ok(papers)
    }
}

/// Permissions not revoked whose last day is not yet past at `now` (in force, or to come).
pub fn standing(
    query: sea_orm::Select<patient_permission::Entity>,
    now: DateTime<Utc>,
) -> sea_orm::Select<patient_permission::Entity> {
    query
        .filter(patient_permission::Column::RevokedAt.is_null())
        .filter(patient_permission::Column::ValidUntil.gte(now.date_naive() - chrono::Days::new(1)))
}

/// How many permissions of `kind` of `patient` stand at `now` (the cap's count).
pub async fn standing_count(
    db: &impl ConnectionTrait,
    patient: Uuid,
    kind: Kind,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(standing(patient_permission::Entity::find(), now)
        .filter(patient_permission::Column::PatientId.eq(patient))
        .filter(patient_permission::Column::Kind.eq(kind.as_str()))
        .count(db)
        .await?)
}

/// What one check asks of the papers.
pub(crate) struct Wanted<'a> {
    pub kind: Kind,
    /// The class or label names a permission must cover (any one).
    pub covers: &'a [&'a str],
    pub label: SecurityLabel,
    pub resource: Resource,
    pub action: Action,
}

/// The permission of `wanted.kind` in force that opens `patient`'s value to the caller, or
/// `FORBIDDEN` with the label, recorded: the request must state a purpose about this patient
/// (what a permission names is a purpose, so none stated opens nothing), one in force must
/// cover the value and name the caller (a team of theirs, or them) and what that purpose
/// amounts to, and nobody reads under one they recorded: recording it is not also the reason
/// to read.
pub(crate) async fn permitting(
    access: &Access,
    db: &impl ConnectionTrait,
    patient: Uuid,
    wanted: Wanted<'_>,
) -> ApiResult<Uuid> {
    let noun = wanted.kind.noun();
    let refuse = |why: String| {
        let message = format!("restricted: {}. {why}", words(wanted.label));
        let error = ApiError::Restricted { label: wanted.label, message };
        access.refuse(wanted.resource, wanted.action, Some(patient), error)
    };
    let Some(purpose) = access.purpose() else {
        return Err(refuse(format!(
            "It opens only under the patient's {noun} on file, for the purpose this request states (x-ward-purpose); none is stated"
        )));
    };
    if purpose.patient != Some(patient) {
        return Err(refuse(format!("This request states the purpose {purpose}, which is not about this patient")));
    }
    let use_of = purpose.use_of();
    let principal = access.principal();
    let papers = access.papers().in_force(db, patient).await?;
    let naming: Vec<&patient_permission::Model> = papers
        .iter()
        .filter(|p| p.kind == wanted.kind.as_str() && covers(p, wanted.covers))
        .filter(|p| names(p, principal.staff_id, &principal.roles, use_of))
        .collect();
    if let Some(found) = naming.iter().find(|p| p.recorded_by != principal.staff_id) {
        return Ok(found.id);
    }
    if !naming.is_empty() {
        return Err(refuse(format!(
            "The only {noun} naming you was recorded by you: nobody reads under a {noun} they recorded"
        )));
    }
    Err(refuse(format!(
        "No {noun} of the patient in force names you or your team and the purpose {use_of} (what {purpose} amounts to)"
    )))
}

/// A label as a refusal says it.
pub fn words(label: SecurityLabel) -> &'static str {
    match label {
        SecurityLabel::PsychotherapyNote => "psychotherapy note",
        SecurityLabel::SudPart2 => "substance-use disorder record (42 CFR Part 2)",
        SecurityLabel::Restricted => "restricted at the patient's request",
    }
}
