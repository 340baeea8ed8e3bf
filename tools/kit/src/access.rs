//! Access checks. Every resolver names its resource and action here, either as a guard
//! (`#[graphql(guard = "Allow(Resource::Claim, Action::Read)")]`) or, for a value that belongs
//! to one patient, through [`Access::require_for_patient`], which also honours break-glass.

use super::audit::{Entry, NewEvent, Recorder, recorder::EventBase};
use super::context::Principal;
use super::error::{ApiError, ApiResult};
use super::on_file::{Papers, authorizations, consents, restrictions};
use super::purpose::Purpose;
use async_graphql::{Context, Guard};
use chrono::{DateTime, Utc};
use entities::break_glass_grant;
use policies::{Action, Labels, Permission, PhiClass, PolicySnapshot, Resource, SecurityLabel};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// Why an access was allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// A permission of one of the caller's roles.
    Role(Permission),
    /// The caller's emergency access to this patient.
    BreakGlass { grant_id: Uuid },
    /// The patient's authorization on file (a class no role holds: psychotherapy notes).
    Authorization { id: Uuid },
}

/// Why a labelled value opened, beyond its class: the papers on file it needed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Opened {
    /// The authorization a `psychotherapy_note` label needed.
    pub authorization: Option<Uuid>,
    /// The consent a `sud_part2` label needed.
    pub consent: Option<Uuid>,
    /// A `sud_part2` value opened in a medical emergency (42 CFR 2.51: a care-record reader's
    /// break-glass grant).
    pub emergency: bool,
    /// A `restricted` value opened in an emergency (45 CFR 164.522(a)(1)(iii): break-glass).
    pub emergency_restricted: bool,
}

/// An active break-glass grant of the caller.
#[derive(Clone, Copy, Debug)]
pub struct ActiveGrant {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// One value a response discloses: `class` of `patient`, from record `resource_id`.
struct DisclosureOf {
    patient: Uuid,
    resource: Resource,
    resource_id: Uuid,
    class: PhiClass,
}

/// Proof that the caller may read `resource` records of one patient (by role or by a
/// break-glass grant). Only [`Access::check_read`] makes one, so a value that carries PHI and
/// is built from it (a patient's care records, their claims) was checked for that patient.
#[derive(Debug)]
pub struct ReadCheck {
    patient: Uuid,
    resource: Resource,
}

impl ReadCheck {
    /// `INTERNAL` unless this check was made for `patient`'s `resource` records: building a
    /// value from the wrong proof is a bug, never a disclosure.
    pub fn covers(&self, patient: Uuid, resource: Resource) -> ApiResult<()> {
        if self.patient == patient && self.resource == resource {
            return Ok(());
        }
        Err(ApiError::internal(
            "building a checked value",
            anyhow::anyhow!("a read check of {} for another patient was used", self.resource),
        ))
    }
}

/// Who is asking and under which policy version: one per request, shared by its resolvers.
pub struct Access {
    principal: Principal,
    policy: Arc<PolicySnapshot>,
    break_glass: OnceCell<Vec<ActiveGrant>>,
    request_id: String,
    client_request_id: Option<String>,
    purpose: std::sync::OnceLock<Purpose>,
    recorder: Recorder,
    papers: Papers,
    part2: AtomicBool,
}

impl Access {
    pub fn new(principal: Principal, policy: Arc<PolicySnapshot>, request_id: impl Into<String>) -> Self {
        Access {
            principal,
            policy,
            break_glass: OnceCell::new(),
            request_id: request_id.into(),
            client_request_id: None,
            purpose: std::sync::OnceLock::new(),
            recorder: Recorder::default(),
            papers: Papers::default(),
            part2: AtomicBool::new(false),
        }
    }

    /// Keeps the `x-request-id` the client sent, apart from the server's own id.
    pub fn with_client_request_id(mut self, id: Option<String>) -> Self {
        self.client_request_id = id;
        self
    }

    /// States the request's (checked) purpose of use.
    pub fn set_purpose(&self, purpose: Purpose) {
        let _ = self.purpose.set(purpose);
    }

    pub fn purpose(&self) -> Option<Purpose> {
        self.purpose.get().copied()
    }

    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The one rule for a PHI value: checks `class` of `patient` (by role, or break-glass where
    /// it reaches; the stated purpose included; a class no role holds, by the patient's
    /// authorization on file), then what the record's `labels` ask beyond it (a
    /// `psychotherapy_note` label an authorization, a `sud_part2` label a consent or an
    /// emergency), and records the disclosure of record `resource_id`. A refusal is recorded
    /// by the check.
    pub async fn disclose(
        &self,
        db: &impl ConnectionTrait,
        patient: Uuid,
        record: (Resource, Uuid, Labels),
        class: PhiClass,
    ) -> ApiResult<()> {
        let (resource, resource_id, labels) = record;
        let via = if class.by_authorization_only() {
            authorizations::authorized(self, db, patient, resource, class).await?
        } else {
            self.require_for_patient(db, patient, resource, class.action()).await?
        };
        let opened = self.open_labels(db, patient, resource, class, labels).await?;
        self.disclosed(patient, resource, resource_id, class, via, opened);
        Ok(())
    }

    /// What `labels` ask beyond the class, once the class was allowed.
    async fn open_labels(
        &self,
        db: &impl ConnectionTrait,
        patient: Uuid,
        resource: Resource,
        class: PhiClass,
        labels: Labels,
    ) -> ApiResult<Opened> {
        let mut opened = Opened::default();
        if labels.contains(SecurityLabel::PsychotherapyNote) && !class.by_authorization_only() {
            // A value that quotes a note (a ticket, a claim's codes) opens as the note does.
            let note = PhiClass::PsychotherapyNotes;
            if let Via::Authorization { id } = authorizations::authorized(self, db, patient, resource, note).await? {
                opened.authorization = Some(id);
            }
        }
        // 42 CFR 2.51 and 45 CFR 164.522(a)(1)(iii): in a medical emergency, medical
        // personnel reach a Part 2 or restricted record: a member whose team reads care
        // records, holding a break-glass grant for this patient. A support queue's grant is
        // no such emergency.
        let protected = labels.contains(SecurityLabel::SudPart2) || labels.contains(SecurityLabel::Restricted);
        let emergency = protected
            && self.allows(Resource::CareRecord, Action::Read)
            && self.grant_for(db, patient).await?.is_some();
        if labels.contains(SecurityLabel::SudPart2) {
            if emergency {
                opened.emergency = true;
            } else {
                opened.consent = Some(consents::consented(self, db, patient, resource, class).await?);
            }
            self.part2.store(true, Ordering::Relaxed);
        }
        if labels.contains(SecurityLabel::Restricted) {
            if emergency {
                opened.emergency_restricted = true;
            } else {
                restrictions::unrestricted(self, db, patient, resource, class).await?;
            }
        }
        Ok(opened)
    }

    /// Whether the response carries a value of a `sud_part2` record: it must then carry the
    /// redisclosure notice (42 CFR 2.32).
    pub fn carries_part2(&self) -> bool {
        self.part2.load(Ordering::Relaxed)
    }

    /// The patients' papers on file this request has read.
    pub(crate) fn papers(&self) -> &Papers {
        &self.papers
    }

    /// Records that the response carries `class` of `patient` from record `resource_id`.
    pub fn disclosed(
        &self,
        patient: Uuid,
        resource: Resource,
        resource_id: Uuid,
        class: PhiClass,
        via: Via,
        opened: Opened,
    ) {
        self.record_disclosure(DisclosureOf { patient, resource, resource_id, class }, via, opened, None);
    }

    /// Puts a disclosure on the record, with why it opened and the search `matched` it.
    fn record_disclosure(&self, of: DisclosureOf, via: Via, opened: Opened, matched: Option<String>) {
        let DisclosureOf { patient, resource, resource_id, class } = of;
        let break_glass = matches!(via, Via::BreakGlass { .. });
        let mut why = Vec::new();
        if let Via::Authorization { id } = via {
            why.push(format!("under authorization {id}"));
        }
        if let Some(id) = opened.authorization {
            why.push(format!("under authorization {id}"));
        }
        if let Some(id) = opened.consent {
            why.push(format!("under consent {id}"));
        }
        if opened.emergency {
            why.push("a Part 2 record in a medical emergency (42 CFR 2.51)".to_owned());
        }
        if opened.emergency_restricted {
            why.push("a restricted record in an emergency (45 CFR 164.522(a)(1)(iii))".to_owned());
        }
        let why = (!why.is_empty()).then(|| why.join("; "));
        self.recorder.record(Entry::Disclosure { patient, resource, resource_id, class, break_glass, matched, why });
    }

    /// Records that compliance's own work showed `class` of `patient` (record `resource_id`):
    /// a guard on the resolver allowed it (`audit · read`), so there is no class to check,
    /// only the disclosure to put on the record, with `matched` (the term of a search that
    /// found the patient) or `why` (what the work was).
    pub fn disclosed_to_compliance(
        &self,
        patient: Uuid,
        resource_id: Uuid,
        class: PhiClass,
        matched: Option<&str>,
        why: Option<&'static str>,
    ) {
        let matched = matched.map(|term| term.trim().to_owned());
        let resource = Resource::Patient;
        self.recorder.record(Entry::Disclosure {
            patient,
            resource,
            resource_id,
            class,
            break_glass: false,
            matched,
            why: why.map(str::to_owned),
        });
    }

    /// For the records `(patient, record id, labels)` that a search or filter on `class`
    /// returned: the match discloses the class whatever fields the response selects, so each
    /// is checked for its patient (purpose and labels included; one refusal refuses the
    /// search) and recorded with `term`, what was searched for (the audit trail is itself
    /// access-controlled).
    pub async fn disclose_matches(
        &self,
        db: &impl ConnectionTrait,
        matches: impl IntoIterator<Item = (Uuid, Uuid, Labels)>,
        resource: Resource,
        class: PhiClass,
        term: &str,
    ) -> ApiResult<()> {
        for (patient, resource_id, labels) in matches {
            let via = self.require_for_patient(db, patient, resource, class.action()).await?;
            let opened = self.open_labels(db, patient, resource, class, labels).await?;
            let matched = Some(term.trim().to_owned());
            self.record_disclosure(DisclosureOf { patient, resource, resource_id, class }, via, opened, matched);
        }
        Ok(())
    }

    /// Records a read that is not PHI but belongs on the record (e.g. of the audit trail).
    pub fn record_read(&self, action: &'static str, resource: Resource, patient: Option<Uuid>) {
        self.recorder.record(Entry::Read { action, resource, patient, reason: None });
    }

    /// A read of the record itself (not of PHI), with what it was: "exported 120 events".
    pub fn record_read_because(&self, action: &'static str, resource: Resource, patient: Option<Uuid>, why: String) {
        self.recorder.record(Entry::Read { action, resource, patient, reason: Some(why) });
    }

    /// Records a search that is itself worth recording, with what was searched for (`term`:
    /// on the audit trail, which only compliance reads, never in the server's log).
    pub fn record_search(&self, action: &'static str, resource: Resource, term: &str) {
        let reason = Some(format!("searched for {:?}", term.trim()));
        self.recorder.record(Entry::Read { action, resource, patient: None, reason });
    }

    /// The request's common event fields, stamped now.
    pub fn event_base(&self) -> EventBase {
        EventBase {
            at: Utc::now(),
            actor: self.principal.sub.clone(),
            actor_roles: self.principal.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(","),
            policy_version: self.policy.version().to_owned(),
            request_id: self.request_id.clone(),
            client_request_id: self.client_request_id.clone(),
            purpose: self.purpose().map(|p| p.to_string()),
        }
    }

    /// One event of this request (for a mutation's own record).
    pub fn event(
        &self,
        action: &str,
        resource: Resource,
        resource_id: Option<String>,
        patient: Option<Uuid>,
    ) -> NewEvent {
        self.event_base().event(action, resource.as_str(), resource_id, patient)
    }

    /// The events recorded so far; the recorder is left empty.
    pub fn drain_events(&self) -> Vec<NewEvent> {
        if self.recorder.is_empty() {
            return Vec::new();
        }
        self.recorder.drain(&self.event_base())
    }

    /// Records a refusal and returns its error.
    fn deny(&self, resource: Resource, action: Action, patient: Option<Uuid>) -> ApiError {
        self.recorder.record(Entry::Denial { resource, action, patient, reason: None });
        forbidden(&self.principal, resource, action)
    }

    /// Records a refusal for a reason other than the policy (a limit, a purpose) and
    /// returns `error` unchanged.
    pub fn refuse(&self, resource: Resource, action: Action, patient: Option<Uuid>, error: ApiError) -> ApiError {
        let reason = Some(error.message());
        self.recorder.record(Entry::Denial { resource, action, patient, reason });
        error
    }

    /// `FORBIDDEN` unless a role of the caller may do `action` on `resource`; a refusal is
    /// recorded as about `patient` (a by-id read of that patient's record).
    pub fn require_about(&self, resource: Resource, action: Action, patient: Option<Uuid>) -> ApiResult<Permission> {
        self.permission(resource, action).ok_or_else(|| self.deny(resource, action, patient))
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn policy(&self) -> &PolicySnapshot {
        &self.policy
    }

    /// The role permission for `action` on `resource`, if the caller has one.
    pub fn permission(&self, resource: Resource, action: Action) -> Option<Permission> {
        self.policy.decide(&self.principal.roles, resource, action).permission
    }

    pub fn allows(&self, resource: Resource, action: Action) -> bool {
        self.permission(resource, action).is_some()
    }

    /// `FORBIDDEN` unless one of the caller's roles may do `action` on `resource`.
    pub fn require(&self, resource: Resource, action: Action) -> ApiResult<Permission> {
        self.permission(resource, action).ok_or_else(|| self.deny(resource, action, None))
    }

    /// For a value that belongs to `patient_id`: allowed by a role, or by an active break-glass
    /// grant of the caller for that patient where break-glass reaches (identity, clinical, and
    /// reading care records).
    pub async fn require_for_patient(
        &self,
        db: &impl ConnectionTrait,
        patient_id: Uuid,
        resource: Resource,
        action: Action,
    ) -> ApiResult<Via> {
        if let Some(purpose) = self.purpose()
            && purpose.patient != Some(patient_id)
        {
            let error = ApiError::Forbidden(format!(
                "this request states the purpose {purpose}, which is not about this patient: {resource} · {action} refused"
            ));
            return Err(self.refuse(resource, action, Some(patient_id), error));
        }
        if let Some(permission) = self.permission(resource, action) {
            return Ok(Via::Role(permission));
        }
        if break_glass_reaches(resource, action) {
            let now = Utc::now();
            let grants = self.active_grants(db).await?;
            if let Some(grant) = grants.iter().find(|g| g.patient_id == patient_id && g.expires_at > now) {
                return Ok(Via::BreakGlass { grant_id: grant.id });
            }
        }
        Err(self.deny(resource, action, Some(patient_id)))
    }

    /// Checks that the caller may read `resource` records of `patient` (a refusal is recorded)
    /// and returns the proof that the values built from them need.
    pub async fn check_read(
        &self,
        db: &impl ConnectionTrait,
        patient: Uuid,
        resource: Resource,
    ) -> ApiResult<ReadCheck> {
        self.require_for_patient(db, patient, resource, Action::Read).await?;
        Ok(ReadCheck { patient, resource })
    }

    /// Whether `action` on `resource` could be allowed for some patient: by a role, or by a
    /// break-glass grant the caller holds now. Lets a query refuse before it reads anything.
    pub async fn may_for_some_patient(
        &self,
        db: &impl ConnectionTrait,
        resource: Resource,
        action: Action,
    ) -> ApiResult<bool> {
        if self.allows(resource, action) {
            return Ok(true);
        }
        Ok(break_glass_reaches(resource, action) && !self.active_grants(db).await?.is_empty())
    }

    /// The caller's break-glass grant in force for `patient`, if any.
    pub async fn grant_for(&self, db: &impl ConnectionTrait, patient: Uuid) -> ApiResult<Option<ActiveGrant>> {
        let now = Utc::now();
        Ok(self.active_grants(db).await?.iter().find(|g| g.patient_id == patient && g.expires_at > now).copied())
    }

    /// The caller's break-glass grants in force, read once per request. A grant is in force
    /// while it has not expired or been ended (by its requester, compliance or an UNJUSTIFIED
    /// verdict) and its requester may still ask for one: the caller is active (or the request
    /// was refused at the door) and holds a role with `break_glass · request` now.
    pub async fn active_grants(&self, db: &impl ConnectionTrait) -> ApiResult<&[ActiveGrant]> {
        let grants = self
            .break_glass
            .get_or_try_init(|| async {
                if !self.allows(Resource::BreakGlass, Action::Request) {
                    return Ok(Vec::new());
                }
                let rows: Vec<(Uuid, Uuid, DateTime<Utc>)> =
                    crate::records::in_force(break_glass_grant::Entity::find(), Utc::now())
                        .select_only()
                        .column(break_glass_grant::Column::Id)
                        .column(break_glass_grant::Column::PatientId)
                        .column(break_glass_grant::Column::ExpiresAt)
                        .filter(break_glass_grant::Column::StaffId.eq(self.principal.staff_id))
                        .into_tuple()
                        .all(db)
                        .await?;
                Ok::<_, ApiError>(
                    rows.into_iter()
                        .map(|(id, patient_id, expires_at)| ActiveGrant { id, patient_id, expires_at })
                        .collect(),
                )
            })
            .await?;
        Ok(grants)
    }
}

/// Break-glass opens the PHI classes that say so ([`PhiClass::opened_by_break_glass`]) of one
/// patient, and reading that patient's care records (where the clinical class lives).
pub fn break_glass_reaches(resource: Resource, action: Action) -> bool {
    (resource, action) == (Resource::CareRecord, Action::Read)
        || PhiClass::ALL
            .iter()
            .any(|c| c.opened_by_break_glass() && c.action() == action && c.resources().contains(&resource))
}

fn forbidden(principal: &Principal, resource: Resource, action: Action) -> ApiError {
    let roles = if principal.roles.is_empty() {
        "no role".to_owned()
    } else {
        principal.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
    };
    ApiError::Forbidden(format!("{resource} · {action} is not allowed for {roles}"))
}

/// The request's access context; `UNAUTHENTICATED` if there is none.
pub fn access<'a>(ctx: &Context<'a>) -> ApiResult<&'a Access> {
    ctx.data_opt::<Arc<Access>>()
        .map(Arc::as_ref)
        .ok_or_else(|| ApiError::Unauthenticated("a bearer token is required".into()))
}

/// Answers a nullable field's error as `null` with the error at the field's path, as GraphQL
/// specifies. (Returning the error would make async-graphql drop the field from its parent,
/// and a parent whose every field failed would turn `null` itself.)
pub fn null_on_error<T>(ctx: &Context<'_>, result: ApiResult<T>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(err) => {
            let error = async_graphql::Error::from(err).into_server_error(ctx.item.pos);
            ctx.add_error(ctx.set_error_path(error));
            None
        }
    }
}

/// The gate of every PHI field: checks `class` of `patient` (by role or break-glass) and the
/// record's labels, and records the disclosure. `None` (with `FORBIDDEN` at the field) when refused.
pub async fn phi_field(
    ctx: &Context<'_>,
    patient: Uuid,
    record: (Resource, Uuid, Labels),
    class: PhiClass,
) -> Option<()> {
    let checked = async { access(ctx)?.disclose(super::db(ctx)?, patient, record, class).await };
    null_on_error(ctx, checked.await)
}

/// For a field that is no PHI of an unlabelled record but tells what a labelled one is (the
/// provider of a Part 2 record is a substance-use program): checked as `class` of the record,
/// with its labels, when it carries `sud_part2` or `restricted`; free otherwise. (A
/// psychotherapy note's author stays visible: that the note exists, and who wrote it, is what
/// medical sees.)
pub async fn labelled_field(
    ctx: &Context<'_>,
    patient: Uuid,
    record: (Resource, Uuid, Labels),
    class: PhiClass,
) -> Option<()> {
    if record.2.without(SecurityLabel::PsychotherapyNote).is_empty() {
        return Some(());
    }
    phi_field(ctx, patient, record, class).await
}

/// A field guard: the field resolves only if a role of the caller may do `action` on `resource`.
pub struct Allow(pub Resource, pub Action);

impl Guard for Allow {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        access(ctx)?.require(self.0, self.1)?;
        Ok(())
    }
}
