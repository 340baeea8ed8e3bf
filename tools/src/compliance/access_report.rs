//! "Who can see this patient?": every staff member who could read each PHI class of one
//! patient right now, by role, by an active break-glass grant, or (psychotherapy notes) by
//! the patient's authorization on file.

use super::break_glass_service::requester_may_ask;
use crate::directory::lookup_service::find_patient;
use crate::kit::parse_id;
use crate::kit::purpose::Purpose;
use crate::kit::records::in_force;
use crate::kit::{Allow, ApiError, Gql, access, authorizations, db};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{break_glass_grant, staff};
use policies::{Action, PhiClass, Resource, Role, UsePurpose};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum AccessVia {
    Role,
    BreakGlass,
    /// The patient's authorization on file, for the purposes it names.
    Authorization,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum PhiClassName {
    Contact,
    Identity,
    Clinical,
    Billing,
    Correspondence,
    PsychotherapyNotes,
}

impl From<PhiClass> for PhiClassName {
    fn from(class: PhiClass) -> Self {
        match class {
            PhiClass::Contact => PhiClassName::Contact,
            PhiClass::Identity => PhiClassName::Identity,
            PhiClass::Clinical => PhiClassName::Clinical,
            PhiClass::Billing => PhiClassName::Billing,
            PhiClass::Correspondence => PhiClassName::Correspondence,
            PhiClass::PsychotherapyNotes => PhiClassName::PsychotherapyNotes,
        }
    }
}

/// One person able to read one PHI class of the patient, and why.
#[derive(SimpleObject)]
pub struct AccessEntry {
    pub phi_class: PhiClassName,
    /// Where the class is read: `patient`, `care_record`, `claim`.
    pub resource: String,
    pub sub: String,
    pub display_name: String,
    pub via: AccessVia,
    /// The role that grants it (for `ROLE`), or the team the authorization names (for
    /// `AUTHORIZATION`).
    pub role: Option<String>,
    /// When the grant or authorization ends (for `BREAK_GLASS` and `AUTHORIZATION`).
    pub expires_at: Option<DateTime<Utc>>,
    /// The authorization that opens it (for `AUTHORIZATION`), and the purposes it allows.
    pub authorization: Option<ID>,
    pub purposes: Vec<String>,
}

#[derive(SimpleObject)]
pub struct AccessReport {
    pub patient_id: ID,
    pub policy_version: String,
    pub generated_at: DateTime<Utc>,
    pub entries: Vec<AccessEntry>,
}

/// Where each PHI class is disclosed: every (class, resource) pair of the vocabulary.
fn disclosures() -> impl Iterator<Item = (PhiClass, Resource)> {
    PhiClass::ALL.iter().flat_map(|class| class.resources().iter().map(move |resource| (*class, *resource)))
}

#[derive(Default)]
pub struct AccessReportQuery;

#[Object]
impl AccessReportQuery {
    /// Who can read each PHI class of this patient now (active staff by role, and active
    /// break-glass grants). Compliance only.
    #[graphql(
        guard = "Allow(Resource::Audit, Action::Read)",
        complexity = "crate::kit::pagination::REPORT_COMPLEXITY + child_complexity"
    )]
    async fn access_report(&self, ctx: &Context<'_>, patient_id: ID) -> Gql<AccessReport> {
        let db = db(ctx)?;
        let policy = access(ctx)?.policy();
        let patient_id = parse_id(&patient_id, "patient")?;
        // The report says the patient exists and who holds emergency access to them until
        // when: reading it is on the record like reading the trail (a probe of a wrong id too).
        access(ctx)?.record_read("audit.access_report", Resource::Audit, Some(patient_id));
        if find_patient(db, patient_id).await?.is_none() {
            return Err(ApiError::NotFound(format!("patient {patient_id}")).into());
        }
        let now = Utc::now();
        let active_staff = staff::Entity::find().filter(staff::Column::Active.eq(true)).all(db).await?;
        let mut entries = Vec::new();
        for (class, resource) in disclosures() {
            for member in &active_staff {
                if let Some(permission) = policy.decide_for(&member.sub, resource, class.action()).permission {
                    entries.push(AccessEntry {
                        phi_class: class.into(),
                        resource: resource.as_str().into(),
                        sub: member.sub.clone(),
                        display_name: member.display_name.clone(),
                        via: AccessVia::Role,
                        role: Some(permission.role.as_str().into()),
                        expires_at: None,
                        authorization: None,
                        purposes: Vec::new(),
                    });
                }
            }
        }
        let grants = in_force(break_glass_grant::Entity::find(), now)
            .filter(break_glass_grant::Column::PatientId.eq(patient_id))
            .all(db)
            .await?;
        for grant in grants {
            // In force only while its requester is active and may still ask for one.
            let Some(member) = active_staff.iter().find(|m| m.id == grant.staff_id) else {
                continue;
            };
            if !requester_may_ask(policy, member) {
                continue;
            }
            for (class, resource) in disclosures().filter(|(c, _)| c.opened_by_break_glass()) {
                entries.push(AccessEntry {
                    phi_class: class.into(),
                    resource: resource.as_str().into(),
                    sub: member.sub.clone(),
                    display_name: member.display_name.clone(),
                    via: AccessVia::BreakGlass,
                    role: None,
                    expires_at: Some(grant.expires_at),
                    authorization: None,
                    purposes: Vec::new(),
                });
            }
        }
        entries.extend(by_authorization(db, policy, patient_id, &active_staff, now).await?);
        Ok(AccessReport {
            patient_id: ID(patient_id.to_string()),
            policy_version: policy.version().to_owned(),
            generated_at: now,
            entries,
        })
    }
}

/// Who reads the patient's psychotherapy notes under an authorization in force: each active
/// member of a team it names who reaches care records by role, except the member who
/// recorded it, for the purposes it names that the member can state (by the rule of
/// [`authorizations::authorized`]).
async fn by_authorization(
    db: &impl sea_orm::ConnectionTrait,
    policy: &policies::PolicySnapshot,
    patient: uuid::Uuid,
    active_staff: &[staff::Model],
    now: DateTime<Utc>,
) -> Result<Vec<AccessEntry>, ApiError> {
    let mut entries = Vec::new();
    for authorization in authorizations::of_patient(db, patient).await? {
        if !authorizations::is_in_force(&authorization, now) {
            continue;
        }
        for member in active_staff.iter().filter(|m| m.id != authorization.recorded_by) {
            if policy.decide_for(&member.sub, Resource::CareRecord, Action::Read).permission.is_none() {
                continue;
            }
            let teams = crate::kit::records::listed(&authorization.teams);
            let Some(team) =
                teams.filter_map(|t| t.parse::<Role>().ok()).find(|t| policy.roles_of(&member.sub).contains(t))
            else {
                continue;
            };
            // Only the purposes the member can state (each names a record they may read).
            let roles = policy.roles_of(&member.sub);
            let purposes: Vec<String> = crate::kit::records::listed(&authorization.purposes)
                .filter_map(|p| p.parse::<UsePurpose>().ok())
                .filter(|p| Purpose::may_state(policy, roles, *p))
                .map(|p| p.as_str().to_owned())
                .collect();
            if purposes.is_empty() {
                continue;
            }
            for class in PhiClass::ALL.iter().filter(|c| c.by_authorization_only()) {
                if !crate::kit::records::listed(&authorization.covers).any(|c| c == class.as_str()) {
                    continue;
                }
                entries.push(AccessEntry {
                    phi_class: (*class).into(),
                    resource: Resource::CareRecord.as_str().into(),
                    sub: member.sub.clone(),
                    display_name: member.display_name.clone(),
                    via: AccessVia::Authorization,
                    role: Some(team.as_str().into()),
                    expires_at: authorizations::ends_at(&authorization),
                    authorization: Some(ID(authorization.id.to_string())),
                    purposes: purposes.clone(),
                });
            }
        }
    }
    Ok(entries)
}
