//! "Who can see this patient?": every staff member who could read each PHI class of one
//! patient right now, by role, by an active break-glass grant, (psychotherapy notes) by the
//! patient's authorization on file, or (Part 2 records) by their consent on file, each entry
//! naming the label of the records it reaches.

use super::break_glass_service::requester_may_ask;
use super::labels_service::LABELLED;
use crate::directory::lookup_service::find_patient;
use crate::kit::on_file::{self, Kind};
use crate::kit::parse_id;
use crate::kit::purpose::Purpose;
use crate::kit::records::in_force;
use crate::kit::{Allow, ApiError, Gql, access, db};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{break_glass_grant, staff};
use policies::{Action, PhiClass, Resource, Role, SecurityLabel, UsePurpose};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum AccessVia {
    Role,
    BreakGlass,
    /// The patient's authorization on file, for the purposes it names.
    Authorization,
    /// The patient's Part 2 consent on file, for the purposes it names.
    Consent,
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
    /// The role that grants it (for `ROLE`), or the team the authorization or consent names
    /// (for `AUTHORIZATION` and `CONSENT`; `null` when a consent names the member by name).
    pub role: Option<String>,
    /// When the grant, authorization or consent ends (for `BREAK_GLASS`, `AUTHORIZATION`, `CONSENT`).
    pub expires_at: Option<DateTime<Utc>>,
    /// The authorization that opens it (for `AUTHORIZATION`), and the purposes it allows
    /// (for `AUTHORIZATION` and `CONSENT`).
    pub authorization: Option<ID>,
    pub purposes: Vec<String>,
    /// The consent that opens it (for `CONSENT`).
    pub consent: Option<ID>,
    /// The security label of the records this entry reaches (`psychotherapy_note`,
    /// `sud_part2`); `null` for the patient's unlabelled records.
    pub label: Option<String>,
}

/// One class of the patient's `restricted` records that a restriction in force keeps from
/// a member (by their team or by name), or from every reader for some purposes.
#[derive(SimpleObject)]
pub struct RestrictedEntry {
    pub phi_class: PhiClassName,
    pub resource: String,
    /// The member it keeps them from (`null`: whoever reads for `purposes`).
    pub sub: Option<String>,
    pub display_name: Option<String>,
    /// The purposes it keeps them from, whoever reads (empty: every purpose, for `sub`).
    pub purposes: Vec<String>,
    pub restriction: ID,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(SimpleObject)]
pub struct AccessReport {
    pub patient_id: ID,
    pub policy_version: String,
    pub generated_at: DateTime<Utc>,
    pub entries: Vec<AccessEntry>,
    /// What the patient's restrictions keep from whom (values of records labelled `restricted`).
    pub restricted_from: Vec<RestrictedEntry>,
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
                        consent: None,
                        label: None,
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
            // An emergency opens what break-glass reaches; to medical personnel (a member whose
            // team reads care records), a Part 2 record's too (42 CFR 2.51).
            let medical = policy.decide_for(&member.sub, Resource::CareRecord, Action::Read).permission.is_some();
            let labels = [None, Some(SecurityLabel::SudPart2)];
            for (class, resource) in disclosures().filter(|(c, _)| c.opened_by_break_glass()) {
                for label in labels.iter().filter(|l| l.is_none() || (medical && LABELLED.contains(&resource))) {
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
                        consent: None,
                        label: label.map(|l| l.as_str().to_owned()),
                    });
                }
            }
        }
        for kind in [Kind::Authorization, Kind::Part2Consent] {
            entries.extend(on_file_entries(db, policy, patient_id, &active_staff, kind, now).await?);
        }
        let restricted_from = restricted_from(db, policy, patient_id, &active_staff, now).await?;
        Ok(AccessReport {
            patient_id: ID(patient_id.to_string()),
            policy_version: policy.version().to_owned(),
            generated_at: now,
            entries,
            restricted_from,
        })
    }
}

/// Who reads what the patient's permissions of `kind` in force open: each active member it
/// names (by a team they hold, or by name) except the member who recorded it, for the
/// purposes it names that the member can state, by the rules of
/// [`on_file::authorizations::authorized`] and [`on_file::consents::consented`] (both
/// through [`on_file::names`]). An authorization opens psychotherapy notes to a member who
/// reads care records by role; a consent opens a Part 2 record's values of a class to a
/// member whose role reads that class.
async fn on_file_entries(
    db: &impl sea_orm::ConnectionTrait,
    policy: &policies::PolicySnapshot,
    patient: uuid::Uuid,
    active_staff: &[staff::Model],
    kind: Kind,
    now: DateTime<Utc>,
) -> Result<Vec<AccessEntry>, ApiError> {
    let (label, via) = match kind {
        Kind::Authorization => (SecurityLabel::PsychotherapyNote, AccessVia::Authorization),
        Kind::Part2Consent => (SecurityLabel::SudPart2, AccessVia::Consent),
        // A restriction opens nothing: [`restricted_from`] lists whom it keeps values from.
        Kind::Restriction => return Ok(Vec::new()),
    };
    let opened: Vec<(PhiClass, Resource)> = if kind == Kind::Authorization {
        disclosures().filter(|(c, _)| c.by_authorization_only()).collect()
    } else {
        disclosures().filter(|(c, r)| !c.by_authorization_only() && LABELLED.contains(r)).collect()
    };
    let mut entries = Vec::new();
    for permission in on_file::of_patient(db, patient, kind).await? {
        if !on_file::is_in_force(&permission, now) {
            continue;
        }
        for member in active_staff.iter().filter(|m| m.id != permission.recorded_by) {
            let roles = policy.roles_of(&member.sub);
            // Only the purposes it names that the member can state (each names a record they may read).
            let purposes: Vec<String> = UsePurpose::ALL
                .iter()
                .filter(|p| on_file::names(&permission, member.id, roles, **p))
                .filter(|p| Purpose::may_state(policy, roles, **p))
                .map(|p| p.as_str().to_owned())
                .collect();
            if purposes.is_empty() {
                continue;
            }
            let team = crate::kit::records::listed(&permission.teams)
                .filter_map(|t| t.parse::<Role>().ok())
                .find(|t| roles.contains(t));
            for (class, resource) in &opened {
                if !on_file::covers(&permission, &[class.as_str(), label.as_str()]) {
                    continue;
                }
                let (reads, action) = if kind == Kind::Authorization {
                    (Resource::CareRecord, Action::Read)
                } else {
                    (*resource, class.action())
                };
                if policy.decide_for(&member.sub, reads, action).permission.is_none() {
                    continue;
                }
                let id = Some(ID(permission.id.to_string()));
                entries.push(AccessEntry {
                    phi_class: (*class).into(),
                    resource: resource.as_str().into(),
                    sub: member.sub.clone(),
                    display_name: member.display_name.clone(),
                    via,
                    role: team.map(|t| t.as_str().into()),
                    expires_at: on_file::ends_at(&permission),
                    authorization: if kind == Kind::Authorization { id.clone() } else { None },
                    purposes: purposes.clone(),
                    consent: if kind == Kind::Part2Consent { id } else { None },
                    label: Some(label.as_str().into()),
                });
            }
        }
    }
    Ok(entries)
}

/// What the patient's restrictions in force keep from whom: for each class of a labelled
/// resource a restriction covers, every active member whose role reads it and whom it names
/// (by team, by name, or by a purpose their work serves), and the purposes it names (by the
/// rule of [`on_file::restrictions::unrestricted`], through [`on_file::restricts`]).
async fn restricted_from(
    db: &impl sea_orm::ConnectionTrait,
    policy: &policies::PolicySnapshot,
    patient: uuid::Uuid,
    active_staff: &[staff::Model],
    now: DateTime<Utc>,
) -> Result<Vec<RestrictedEntry>, ApiError> {
    let label = SecurityLabel::Restricted.as_str();
    let mut entries = Vec::new();
    for restriction in on_file::of_patient(db, patient, Kind::Restriction).await? {
        if !on_file::is_in_force(&restriction, now) {
            continue;
        }
        let id = ID(restriction.id.to_string());
        let expires_at = on_file::ends_at(&restriction);
        let purposes: Vec<String> = crate::kit::records::listed(&restriction.purposes).map(str::to_owned).collect();
        let covered =
            disclosures().filter(|(c, r)| LABELLED.contains(r) && on_file::covers(&restriction, &[label, c.as_str()]));
        for (class, resource) in covered {
            if !purposes.is_empty() {
                entries.push(RestrictedEntry {
                    phi_class: class.into(),
                    resource: resource.as_str().into(),
                    sub: None,
                    display_name: None,
                    purposes: purposes.clone(),
                    restriction: id.clone(),
                    expires_at,
                });
            }
            for member in active_staff {
                let roles = policy.roles_of(&member.sub);
                let serves = |purpose| Purpose::may_state(policy, roles, purpose);
                let named = on_file::restricts(&restriction, member.id, roles, serves);
                if named && policy.decide_for(&member.sub, resource, class.action()).permission.is_some() {
                    entries.push(RestrictedEntry {
                        phi_class: class.into(),
                        resource: resource.as_str().into(),
                        sub: Some(member.sub.clone()),
                        display_name: Some(member.display_name.clone()),
                        purposes: Vec::new(),
                        restriction: id.clone(),
                        expires_at,
                    });
                }
            }
        }
    }
    Ok(entries)
}
