//! A patient's authorizations on file, as compliance records, lists and revokes them: the
//! signed permission that alone opens psychotherapy notes (45 CFR 164.508(a)(2)), to the
//! teams and for the purposes it names, within its period.

use super::authorization_service::{self as service, NewAuthorization};
use crate::kit::agent::{Agent, agent};
use crate::kit::authorizations::{self, of_patient};
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::records::{listed, split_codes};
use crate::kit::{Allow, AuditAction, Audited, Event, Gql, access, db, parse_id};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entities::patient_authorization;
use policies::{Action, Resource, UsePurpose as PolicyUsePurpose};

mirror_enum!(
    /// Why PHI is used or disclosed, in HIPAA's terms. A request's stated purpose amounts to
    /// one: `care_record:` and `break_glass:` are treatment, `claim:` and `escalation:`
    /// payment, `ticket:` and `care_review:` health-care operations.
    UsePurpose = PolicyUsePurpose { Treatment, Payment, Operations }
);

/// One authorization of a patient on file.
pub struct PatientAuthorization(patient_authorization::Model);

#[Object]
impl PatientAuthorization {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn patient_id(&self) -> ID {
        ID(self.0.patient_id.to_string())
    }

    /// The classes it opens: `psychotherapy_notes`.
    async fn covers(&self) -> Vec<String> {
        split_codes(&self.0.covers)
    }

    /// The teams (role names) whose members it opens them to.
    async fn teams(&self) -> Vec<String> {
        split_codes(&self.0.teams)
    }

    /// The purposes it allows: a reader's request must state a purpose that amounts to one.
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
        authorizations::is_in_force(&self.0, Utc::now())
    }

    /// Who recorded it. Nobody reads under an authorization they recorded.
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

#[derive(Default)]
pub struct AuthorizationQuery;

#[Object]
impl AuthorizationQuery {
    /// The patient's authorizations on file, newest first, revoked and lapsed ones too.
    /// Reading them says the patient has psychotherapy notes: it is on the record.
    #[graphql(
        guard = "Allow(Resource::Authorization, Action::Read)",
        complexity = "crate::kit::pagination::list_complexity(authorizations::MAX_PER_PATIENT as usize, child_complexity)"
    )]
    async fn authorizations(&self, ctx: &Context<'_>, patient_id: ID) -> Gql<Vec<PatientAuthorization>> {
        let patient = parse_id(&patient_id, "patient")?;
        access(ctx)?.record_read("authorization.list", Resource::Authorization, Some(patient));
        Ok(of_patient(db(ctx)?, patient).await?.into_iter().map(PatientAuthorization).collect())
    }
}

#[derive(Default)]
pub struct AuthorizationMutation;

#[Object]
impl AuthorizationMutation {
    /// Records a patient's signed authorization: it opens their psychotherapy notes to the
    /// members of the teams it names, for the purposes it names, from `validFrom` to
    /// `validUntil`. Compliance only; on the record.
    #[graphql(guard = "Allow(Resource::Authorization, Action::Create)")]
    async fn record_authorization(&self, ctx: &Context<'_>, input: AuthorizationInput) -> Gql<PatientAuthorization> {
        let new = NewAuthorization {
            patient: parse_id(&input.patient_id, "patient")?,
            teams: input.teams,
            purposes: input.purposes.into_iter().map(Into::into).collect(),
            valid_from: input.valid_from,
            valid_until: input.valid_until,
            document: input.document,
        };
        let change = Audited::begin(ctx, Some((Resource::Authorization, Action::Create))).await?;
        let recorded = service::record(change.txn(), change.actor(), new).await?;
        let event = Event::new(AuditAction::AuthorizationRecord, recorded.id)
            .about(Some(recorded.patient_id))
            .because(format!("{} for {} ({})", recorded.covers, recorded.teams, recorded.purposes));
        change.commit(event).await?;
        Ok(PatientAuthorization(recorded))
    }

    /// Revokes an authorization, saying why: from the next request on, on every instance, it
    /// opens nothing. Compliance only; on the record.
    #[graphql(guard = "Allow(Resource::Authorization, Action::Update)")]
    async fn revoke_authorization(&self, ctx: &Context<'_>, id: ID, reason: String) -> Gql<PatientAuthorization> {
        let id = parse_id(&id, "authorization")?;
        let change = Audited::begin(ctx, Some((Resource::Authorization, Action::Update))).await?;
        let revoked = service::revoke(change.txn(), change.actor(), id, &reason).await?;
        let event = Event::new(AuditAction::AuthorizationRevoke, id).about(Some(revoked.patient_id));
        change.commit(event.because(revoked.revoke_reason.clone().unwrap_or_default())).await?;
        Ok(PatientAuthorization(revoked))
    }
}
