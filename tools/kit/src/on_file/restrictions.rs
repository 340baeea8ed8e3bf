//! Restrictions (45 CFR 164.522(a)): what a patient asked ward to keep from some of its
//! readers. A restriction covers the patient's records labelled `restricted` (every value of
//! them, or one class) and names whom it keeps them from: teams, staff by name, purposes
//! (payment, say, for a service paid out of pocket: then everyone whose work is payment). An emergency reaches them still
//! (164.522(a)(1)(iii)): a break-glass grant.

use super::{Kind, restricts, words};
use crate::access::Access;
use crate::{ApiError, ApiResult};
use policies::{PhiClass, Resource, SecurityLabel};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// `Ok` unless a restriction of `patient` in force covers `class` of their `restricted`
/// records and names the caller; then `FORBIDDEN` with the label `restricted`, recorded.
pub async fn unrestricted(
    access: &Access,
    db: &impl ConnectionTrait,
    patient: Uuid,
    resource: Resource,
    class: PhiClass,
) -> ApiResult<()> {
    let label = SecurityLabel::Restricted;
    let principal = access.principal();
    let serves = |purpose| crate::purpose::Purpose::may_state(access.policy(), &principal.roles, purpose);
    let papers = access.papers().in_force(db, patient).await?;
    let covering = papers.iter().filter(|p| p.kind == Kind::Restriction.as_str()).find(|p| {
        super::covers(p, &[label.as_str(), class.as_str()])
            && restricts(p, principal.staff_id, &principal.roles, serves)
    });
    match covering {
        None => Ok(()),
        Some(restriction) => {
            let message = format!(
                "{}: the patient asked that this be kept from you, your team, or the work your team does (restriction {})",
                words(label),
                restriction.id
            );
            Err(access.refuse(resource, class.action(), Some(patient), ApiError::Restricted { label, message }))
        }
    }
}
