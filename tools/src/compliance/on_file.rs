//! What patients signed, as compliance records, lists and revokes it: authorizations (the
//! only key to psychotherapy notes, 45 CFR 164.508(a)(2)) and Part 2 consents (the key to
//! the values of `sud_part2` records, 42 CFR 2.31), each opening what it covers to the
//! recipients and for the purposes it names, within its period.

use super::on_file_service::{self as service, NewPermission};
use crate::approvals::PendingApproval;
use crate::kit::agent::{Agent, agent};
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::on_file::{self, Kind, MAX_PER_PATIENT, of_patient};
use crate::kit::records::{listed, split_codes};
use crate::kit::{Allow, AuditAction, Audited, Event, Gql, access, db, parse_id};
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entities::patient_permission;
use policies::{Action, Resource, UsePurpose as PolicyUsePurpose};

mirror_enum!(
    /// Why PHI is used or disclosed, in HIPAA's terms. A request's stated purpose amounts to
    /// one: `care_record:` and `break_glass:` are treatment, `claim:` and `escalation:`
    /// payment, `ticket:` and `care_review:` health-care operations.
    UsePurpose = PolicyUsePurpose { Treatment, Payment, Operations }
);

/// What a patient signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum PermissionKind {
    /// A HIPAA authorization (opens psychotherapy notes).
    Authorization,
    /// A 42 CFR Part 2 consent (opens `sud_part2` values).
    #[graphql(name = "PART2_CONSENT")]
    Part2Consent,
    /// A restriction the patient asked for (refuses `restricted` values to whom it names).
    Restriction,
}

/// One permission of a patient on file: an authorization or a Part 2 consent.
pub struct PatientPermission(patient_permission::Model);

#[Object]
impl PatientPermission {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn patient_id(&self) -> ID {
        ID(self.0.patient_id.to_string())
    }

    async fn kind(&self) -> PermissionKind {
        match self.0.kind.as_str() {
            "part2_consent" => PermissionKind::Part2Consent,
            "restriction" => PermissionKind::Restriction,
            _ => PermissionKind::Authorization,
        }
    }

    /// What it opens: `psychotherapy_notes` (an authorization); `sud_part2` or classes of
    /// the Part 2 records (`clinical`, `billing`, `correspondence`) for a consent. What a
    /// restriction keeps back: `restricted` (every value of the patient's records labelled
    /// so) or classes of them.
    async fn covers(&self) -> Vec<String> {
        split_codes(&self.0.covers)
    }

    /// The teams (role names) whose members it opens them to.
    async fn teams(&self) -> Vec<String> {
        split_codes(&self.0.teams)
    }

    /// The staff it names as recipients, each by name (a consent may name a person).
    async fn staff(&self, ctx: &Context<'_>) -> Gql<Vec<Agent>> {
        let mut named = Vec::new();
        for id in listed(&self.0.staff).filter_map(|id| uuid::Uuid::parse_str(id).ok()) {
            named.extend(agent(ctx, Some(id)).await?);
        }
        Ok(named)
    }

    /// The purposes it allows: a reader's request must state a purpose that amounts to one
    /// (a restriction: the purposes it keeps its values from).
    async fn purposes(&self) -> Vec<UsePurpose> {
        listed(&self.0.purposes).filter_map(|p| p.parse::<PolicyUsePurpose>().ok()).map(Into::into).collect()
    }

    /// Its first day.
    async fn valid_from(&self) -> NaiveDate {
        self.0.valid_from
    }

    /// Its last day (included).
    async fn valid_until(&self) -> NaiveDate {
        self.0.valid_until
    }

    /// What the signed document is and where it is kept.
    async fn document(&self) -> &str {
        &self.0.document
    }

    /// Whether it opens anything now: within its days and not revoked.
    async fn in_force(&self) -> bool {
        on_file::is_in_force(&self.0, Utc::now())
    }

    /// Who recorded it. Nobody reads under a permission they recorded.
    async fn recorded_by(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, Some(self.0.recorded_by)).await
    }

    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }

    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }

    async fn revoked_by(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, self.0.revoked_by).await
    }

    async fn revoke_reason(&self) -> Option<&str> {
        self.0.revoke_reason.as_deref()
    }
}

/// An authorization as the patient signed it.
#[derive(InputObject)]
pub struct AuthorizationInput {
    pub patient_id: ID,
    /// The teams it names: `cx`, `ops`, `medical` or `compliance`.
    pub teams: Vec<String>,
    pub purposes: Vec<UsePurpose>,
    /// Its first day.
    pub valid_from: NaiveDate,
    /// Its last day (included): HIPAA requires an authorization to end.
    pub valid_until: NaiveDate,
    /// What the signed document is and where it is kept (never blank).
    pub document: String,
}

/// A Part 2 consent as the patient signed it (42 CFR 2.31), or a restriction as the patient
/// asked for it (45 CFR 164.522).
#[derive(InputObject)]
pub struct PermissionInput {
    pub patient_id: ID,
    /// What it covers. A consent: `sud_part2` (every value of the patient's Part 2 records)
    /// or classes of them (`clinical`, `billing`, `correspondence`). A restriction:
    /// `restricted` (every value of the patient's records labelled so) or those classes of them.
    pub covers: Vec<String>,
    /// The teams it names (a consent opens to them, a restriction keeps from them): `cx`,
    /// `ops`, `medical` or `compliance`. May be empty when it names staff.
    #[graphql(default)]
    pub teams: Vec<String>,
    /// The staff it names, by `sub`.
    #[graphql(default)]
    pub staff: Vec<String>,
    /// The purposes it names (a consent allows them, a restriction keeps its values from
    /// whoever reads for them). A consent names at least one.
    #[graphql(default)]
    pub purposes: Vec<UsePurpose>,
    /// Its first day.
    pub valid_from: NaiveDate,
    /// Its last day (included): a Part 2 consent states when it ends.
    pub valid_until: NaiveDate,
    /// What the signed document (or the patient's request) is and where it is kept (never blank).
    pub document: String,
}

impl PermissionInput {
    fn of_kind(self, kind: Kind) -> async_graphql::Result<NewPermission> {
        Ok(NewPermission {
            kind,
            patient: parse_id(&self.patient_id, "patient")?,
            covers: self.covers,
            teams: self.teams,
            staff: self.staff,
            purposes: self.purposes.into_iter().map(Into::into).collect(),
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            document: self.document,
        })
    }
}

#[derive(Default)]
pub struct OnFileQuery;

#[Object]
impl OnFileQuery {
    /// The patient's authorizations on file, newest first, revoked and lapsed ones too.
    /// Reading them says the patient has psychotherapy notes: it is on the record.
    #[graphql(
        guard = "Allow(Resource::Authorization, Action::Read)",
        complexity = "crate::kit::pagination::list_complexity(MAX_PER_PATIENT as usize, child_complexity)"
    )]
    async fn authorizations(&self, ctx: &Context<'_>, patient_id: ID) -> Gql<Vec<PatientPermission>> {
        let patient = parse_id(&patient_id, "patient")?;
        access(ctx)?.record_read("authorization.list", Resource::Authorization, Some(patient));
        Ok(of_patient(db(ctx)?, patient, Kind::Authorization).await?.into_iter().map(PatientPermission).collect())
    }

    /// The patient's Part 2 consents on file, newest first, revoked and lapsed ones too.
    /// Reading them says the patient has Part 2 records: it is on the record.
    #[graphql(
        guard = "Allow(Resource::Consent, Action::Read)",
        complexity = "crate::kit::pagination::list_complexity(MAX_PER_PATIENT as usize, child_complexity)"
    )]
    async fn consents(&self, ctx: &Context<'_>, patient_id: ID) -> Gql<Vec<PatientPermission>> {
        let patient = parse_id(&patient_id, "patient")?;
        access(ctx)?.record_read("consent.list", Resource::Consent, Some(patient));
        Ok(of_patient(db(ctx)?, patient, Kind::Part2Consent).await?.into_iter().map(PatientPermission).collect())
    }

    /// The patient's restrictions, newest first, lifted and lapsed ones too. Compliance only;
    /// on the record.
    #[graphql(
        guard = "Allow(Resource::Restriction, Action::Read)",
        complexity = "crate::kit::pagination::list_complexity(MAX_PER_PATIENT as usize, child_complexity)"
    )]
    async fn restrictions(&self, ctx: &Context<'_>, patient_id: ID) -> Gql<Vec<PatientPermission>> {
        let patient = parse_id(&patient_id, "patient")?;
        access(ctx)?.record_read("restriction.list", Resource::Restriction, Some(patient));
        Ok(of_patient(db(ctx)?, patient, Kind::Restriction).await?.into_iter().map(PatientPermission).collect())
    }
}

#[derive(Default)]
pub struct OnFileMutation;

/// Records `new` as the caller, with its audit event, in one transaction.
async fn record(ctx: &Context<'_>, resource: Resource, new: NewPermission) -> Gql<PatientPermission> {
    let action = match new.kind {
        Kind::Authorization => AuditAction::AuthorizationRecord,
        Kind::Part2Consent => AuditAction::ConsentRecord,
        Kind::Restriction => AuditAction::RestrictionRecord,
    };
    let change = Audited::begin(ctx, Some((resource, Action::Create))).await?;
    let recorded = service::record(change.txn(), change.actor(), new).await?;
    let named = if recorded.staff.is_empty() { String::new() } else { format!(" and staff {}", recorded.staff) };
    let event = Event::new(action, recorded.id)
        .about(Some(recorded.patient_id))
        .because(format!("{} for {}{named} ({})", recorded.covers, recorded.teams, recorded.purposes));
    change.commit(event).await?;
    Ok(PatientPermission(recorded))
}

/// Revokes the permission `id` of `kind` (an authorization or a consent: a restriction is
/// lifted with four eyes), saying why, with its audit event.
async fn revoke(ctx: &Context<'_>, kind: Kind, id: ID, reason: String) -> Gql<PatientPermission> {
    let (resource, action) = match kind {
        Kind::Authorization => (Resource::Authorization, AuditAction::AuthorizationRevoke),
        Kind::Part2Consent => (Resource::Consent, AuditAction::ConsentRevoke),
        Kind::Restriction => {
            let why = anyhow::anyhow!("a restriction is lifted with four eyes, never revoked alone");
            return Err(crate::kit::ApiError::internal("revoking a permission", why).into());
        }
    };
    let id = parse_id(&id, kind.noun())?;
    let change = Audited::begin(ctx, Some((resource, Action::Update))).await?;
    let revoked = service::revoke(change.txn(), change.actor(), kind, id, &reason).await?;
    let event = Event::new(action, id).about(Some(revoked.patient_id));
    change.commit(event.because(revoked.revoke_reason.clone().unwrap_or_default())).await?;
    Ok(PatientPermission(revoked))
}

#[Object]
impl OnFileMutation {
    /// Records a patient's signed authorization: it opens their psychotherapy notes to the
    /// members of the teams it names, for the purposes it names, from `validFrom` to
    /// `validUntil`. Compliance only; on the record.
    #[graphql(guard = "Allow(Resource::Authorization, Action::Create)")]
    async fn record_authorization(&self, ctx: &Context<'_>, input: AuthorizationInput) -> Gql<PatientPermission> {
        let new = NewPermission {
            kind: Kind::Authorization,
            patient: parse_id(&input.patient_id, "patient")?,
            covers: Vec::new(),
            teams: input.teams,
            staff: Vec::new(),
            purposes: input.purposes.into_iter().map(Into::into).collect(),
            valid_from: input.valid_from,
            valid_until: input.valid_until,
            document: input.document,
        };
        record(ctx, Resource::Authorization, new).await
    }

    /// Revokes an authorization, saying why: from the next request on, on every instance, it
    /// opens nothing. Compliance only; on the record.
    #[graphql(guard = "Allow(Resource::Authorization, Action::Update)")]
    async fn revoke_authorization(&self, ctx: &Context<'_>, id: ID, reason: String) -> Gql<PatientPermission> {
        revoke(ctx, Kind::Authorization, id, reason).await
    }

    /// Records a patient's signed Part 2 consent: it opens the values of their `sud_part2`
    /// records it covers to the teams and staff it names, for the purposes it names, from
    /// `validFrom` to `validUntil`. Compliance only; on the record.
    #[graphql(guard = "Allow(Resource::Consent, Action::Create)")]
    async fn record_consent(&self, ctx: &Context<'_>, input: PermissionInput) -> Gql<PatientPermission> {
        record(ctx, Resource::Consent, input.of_kind(Kind::Part2Consent)?).await
    }

    /// Revokes a Part 2 consent, saying why: from the next request on, on every instance, it
    /// opens nothing. Compliance only; on the record.
    #[graphql(guard = "Allow(Resource::Consent, Action::Update)")]
    async fn revoke_consent(&self, ctx: &Context<'_>, id: ID, reason: String) -> Gql<PatientPermission> {
        revoke(ctx, Kind::Part2Consent, id, reason).await
    }

    /// Records a restriction the patient asked for (45 CFR 164.522): from the next request
    /// on, the values of their records labelled `restricted` that it covers are refused to
    /// the teams, staff and purposes it names. In force at once (it only narrows access);
    /// compliance only; on the record.
    #[graphql(guard = "Allow(Resource::Restriction, Action::Create)")]
    async fn record_restriction(&self, ctx: &Context<'_>, input: PermissionInput) -> Gql<PatientPermission> {
        record(ctx, Resource::Restriction, input.of_kind(Kind::Restriction)?).await
    }

    /// Asks to lift a restriction, saying why: it stands until a second compliance member
    /// approves (`approve`), and lifts then. Answers the request.
    #[graphql(guard = "Allow(Resource::Restriction, Action::Update)")]
    async fn lift_restriction(&self, ctx: &Context<'_>, id: ID, reason: String) -> Gql<PendingApproval> {
        let id = parse_id(&id, "restriction")?;
        let change = Audited::begin(ctx, Some((Resource::Restriction, Action::Update))).await?;
        let request = service::request_lift(change.txn(), change.actor(), id, &reason).await?;
        let patient = request.payload.get("patientId").and_then(|p| p.as_str()).and_then(|p| p.parse().ok());
        let event = Event::new(AuditAction::RestrictionLiftRequest, id).about(patient).because(request.reason.clone());
        change.commit(event).await?;
        Ok(PendingApproval::from(request))
    }
}
