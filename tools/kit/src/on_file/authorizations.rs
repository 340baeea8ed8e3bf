//! Authorizations (45 CFR 164.508): the signed permission that alone opens a class no role
//! holds (psychotherapy notes) to the teams and for the purposes it names, within its period.

use super::{Kind, Wanted, permitting};
use crate::access::{Access, Via};
use crate::{ApiError, ApiResult};
use policies::{Action, PhiClass, Resource, SecurityLabel};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// The authorization that opens `class` of `patient` to the caller, or `FORBIDDEN` with the
/// class's label, recorded: the caller must read care records by role (break-glass reaches a
/// record in an emergency, never the note, and the access report lists the same people),
/// and an authorization must open it to them ([`permitting`]).
pub async fn authorized(
    access: &Access,
    db: &impl ConnectionTrait,
    patient: Uuid,
    resource: Resource,
    class: PhiClass,
) -> ApiResult<Via> {
    let label = class.label().unwrap_or(SecurityLabel::Restricted);
    if !access.allows(Resource::CareRecord, Action::Read) {
        let message = format!(
            "restricted: {}. It opens only under the patient's authorization, to a member whose team reads care records; emergency access does not open it",
            super::words(label)
        );
        return Err(access.refuse(resource, class.action(), Some(patient), ApiError::Restricted { label, message }));
    }
    let wanted =
        Wanted { kind: Kind::Authorization, covers: &[class.as_str()], label, resource, action: class.action() };
    let id = permitting(access, db, patient, wanted).await?;
    Ok(Via::Authorization { id })
}
