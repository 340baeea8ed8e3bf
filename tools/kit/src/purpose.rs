//! Purpose of use: why a request reads PHI (`x-ward-purpose: ticket:<id>`, `claim:`,
//! `escalation:`, `care_review:`, `care_record:`, `break_glass:`), recorded with
//! every disclosure of that request. A purpose must name a record the caller may read, and it
//! opens only the PHI of the patient that record is about: any other patient's PHI in the
//! same request is refused (see `Access::require_for_patient`). Each amounts to one of HIPAA's
//! purposes ([`Purpose::use_of`]), which is what a patient's authorization names.

use super::access::Access;
use super::error::{ApiError, ApiResult};
use entities::{break_glass_grant, care_record, care_review, claim, denial, escalation, ticket};
use policies::{Action, PolicySnapshot, Resource, Role, UsePurpose};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::fmt;
use uuid::Uuid;

pub const HEADER: &str = "x-ward-purpose";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PurposeKind {
    Ticket,
    Claim,
    Escalation,
    CareReview,
    /// Reading the patient's care records for their care.
    CareRecord,
    BreakGlass,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Purpose {
    pub kind: PurposeKind,
    pub id: Uuid,
    /// The patient the named record is about (none for a ticket about a provider only);
    /// known once [`Purpose::check`] has read the record.
    pub patient: Option<Uuid>,
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            PurposeKind::Ticket => "ticket",
            PurposeKind::Claim => "claim",
            PurposeKind::Escalation => "escalation",
            PurposeKind::CareReview => "care_review",
            PurposeKind::CareRecord => "care_record",
            PurposeKind::BreakGlass => "break_glass",
        };
        write!(f, "{kind}:{}", self.id)
    }
}

fn invalid() -> ApiError {
    ApiError::BadUserInput(format!(
        "{HEADER} must be ticket:<id>, claim:<id>, escalation:<id>, care_review:<id>, care_record:<id> or break_glass:<id>, naming a record you may read"
    ))
}

impl Purpose {
    pub fn parse(value: &str) -> ApiResult<Self> {
        let (kind, id) = value.trim().split_once(':').ok_or_else(invalid)?;
        let kind = match kind {
            "ticket" => PurposeKind::Ticket,
            "claim" => PurposeKind::Claim,
            "escalation" => PurposeKind::Escalation,
            "care_review" => PurposeKind::CareReview,
            "care_record" => PurposeKind::CareRecord,
            "break_glass" => PurposeKind::BreakGlass,
            _ => return Err(invalid()),
        };
        let id = Uuid::parse_str(id).map_err(|_| invalid())?;
        Ok(Purpose { kind, id, patient: None })
    }

    /// The named record exists and the caller may read it; returns the purpose with the
    /// patient it is about. Both failures give the same answer, so a purpose cannot probe
    /// for records.
    pub async fn check(mut self, access: &Access, db: &impl ConnectionTrait) -> ApiResult<Self> {
        // `None`: not readable; `Some(patient)`: readable, about `patient` (if any).
        let about: Option<Option<Uuid>> = match self.kind {
            PurposeKind::Ticket if access.allows(Resource::Ticket, Action::Read) => {
                ticket::Entity::find_by_id(self.id).one(db).await?.map(|t| t.patient_id)
            }
            PurposeKind::Claim if access.allows(Resource::Claim, Action::Read) => {
                claim::Entity::find_by_id(self.id).one(db).await?.map(|c| Some(c.patient_id))
            }
            PurposeKind::Escalation if access.allows(Resource::Escalation, Action::Read) => {
                match escalation::Entity::find_by_id(self.id).one(db).await? {
                    Some(e) => match denial::Entity::find_by_id(e.denial_id).one(db).await? {
                        Some(d) => claim::Entity::find_by_id(d.claim_id).one(db).await?.map(|c| Some(c.patient_id)),
                        None => None,
                    },
                    None => None,
                }
            }
            PurposeKind::CareReview if access.allows(Resource::CareReview, Action::Read) => {
                match care_review::Entity::find_by_id(self.id).one(db).await? {
                    Some(review) => care_record::Entity::find_by_id(review.care_record_id)
                        .one(db)
                        .await?
                        .map(|r| Some(r.patient_id)),
                    None => None,
                }
            }
            PurposeKind::CareRecord if access.allows(Resource::CareRecord, Action::Read) => {
                care_record::Entity::find_by_id(self.id).one(db).await?.map(|r| Some(r.patient_id))
            }
            // The caller's own grant, in force: an ended one is no reason to read.
            PurposeKind::BreakGlass => break_glass_grant::Entity::find_by_id(self.id)
                .one(db)
                .await?
                .filter(|g| g.staff_id == access.principal().staff_id)
                .filter(|g| super::records::is_in_force(g, chrono::Utc::now()))
                .map(|g| Some(g.patient_id)),
            _ => None,
        };
        let about = about.ok_or_else(invalid)?;
        self.patient = about;
        Ok(self)
    }

    /// Whether a member holding `roles` can state a purpose that amounts to `use_of`: a
    /// purpose must name a record they may read (a care record for treatment; a claim or
    /// escalation for payment; a ticket or care review for operations). Emergency access is
    /// left out: what an authorization opens, it opens to readers of care records by role.
    pub fn may_state(policy: &PolicySnapshot, roles: &[Role], use_of: UsePurpose) -> bool {
        let reads = |resource| policy.decide(roles, resource, Action::Read).permission.is_some();
        match use_of {
            UsePurpose::Treatment => reads(Resource::CareRecord),
            UsePurpose::Payment => reads(Resource::Claim) || reads(Resource::Escalation),
            UsePurpose::Operations => reads(Resource::Ticket) || reads(Resource::CareReview),
        }
    }

    /// What the stated work amounts to in HIPAA's terms: caring for the patient (their
    /// records, an emergency) is treatment; a claim or its appeal is payment; a ticket or a
    /// care-quality review is health-care operations.
    pub fn use_of(&self) -> UsePurpose {
        match self.kind {
            PurposeKind::CareRecord | PurposeKind::BreakGlass => UsePurpose::Treatment,
            PurposeKind::Claim | PurposeKind::Escalation => UsePurpose::Payment,
            PurposeKind::Ticket | PurposeKind::CareReview => UsePurpose::Operations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_parse_and_print_back() {
        let text = "claim:0193a1b2-0000-7000-8000-000000000001";
        assert_eq!(Purpose::parse(text).unwrap().to_string(), text);
        for bad in
            ["", "claim", "claim:", "claim:42", "invoice:0193a1b2-0000-7000-8000-000000000001", "ticket:' OR 1=1"]
        {
            assert!(Purpose::parse(bad).is_err(), "{bad}");
        }
    }
}
