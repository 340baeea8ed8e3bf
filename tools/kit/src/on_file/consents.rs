//! Part 2 consents (42 CFR 2.31): what opens the values of a `sud_part2` record, to the
//! recipients (teams, named staff) and for the purposes a consent names, within its period.
//! Since the 2024 rule one consent may cover treatment, payment and health-care operations.
//! A medical emergency (42 CFR 2.51) opens them without one: a break-glass grant.

use super::{Kind, Wanted, permitting};
use crate::ApiResult;
use crate::access::Access;
use policies::{PhiClass, Resource, SecurityLabel};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// The redisclosure notice every response carrying a Part 2 value carries: the short form
/// 42 CFR 2.32(a)(2) allows.
pub const REDISCLOSURE_NOTICE: &str = "42 CFR part 2 prohibits unauthorized use or disclosure of these records.";

/// The consent that opens `class` of `patient`'s `sud_part2` record to the caller, or
/// `FORBIDDEN` with the label `sud_part2`, recorded. A consent covers the label (every
/// value of the patient's Part 2 records) or one class of them (`billing` for a payer).
pub async fn consented(
    access: &Access,
    db: &impl ConnectionTrait,
    patient: Uuid,
    resource: Resource,
    class: PhiClass,
) -> ApiResult<Uuid> {
    let label = SecurityLabel::SudPart2;
    let covers = [label.as_str(), class.as_str()];
    let wanted = Wanted { kind: Kind::Part2Consent, covers: &covers, label, resource, action: class.action() };
    permitting(access, db, patient, wanted).await
}
