//! Lookups more than one tool makes: ids from GraphQL, staff by `sub`, break-glass grants in
//! force, code lists as stored.

use crate::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entities::break_glass_grant::{self, BreakGlassReviewStatus};
use entities::staff;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

/// Parses a GraphQL id; anything but a UUID is `BAD_USER_INPUT` naming what was expected.
pub fn parse_id(id: &str, what: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| ApiError::BadUserInput(format!("{id:?} is not a {what} id")))
}

/// The staff member with this `sub`, active or not.
pub async fn find_staff(db: &impl ConnectionTrait, sub: &str) -> ApiResult<Option<staff::Model>> {
    Ok(staff::Entity::find().filter(staff::Column::Sub.eq(sub)).one(db).await?)
}

/// Grants that still open access at `now` as far as the grant itself says: unexpired, not
/// ended, not found unjustified. (Whether the requester may still ask is the caller's part.)
pub fn in_force(query: Select<break_glass_grant::Entity>, now: DateTime<Utc>) -> Select<break_glass_grant::Entity> {
    query
        .filter(break_glass_grant::Column::ExpiresAt.gt(now))
        .filter(break_glass_grant::Column::EndedAt.is_null())
        .filter(break_glass_grant::Column::ReviewStatus.ne(BreakGlassReviewStatus::Unjustified))
}

/// Whether `grant` opens access at `now`, by the same rule as [`in_force`].
pub fn is_in_force(grant: &break_glass_grant::Model, now: DateTime<Utc>) -> bool {
    grant.expires_at > now && grant.ended_at.is_none() && grant.review_status != BreakGlassReviewStatus::Unjustified
}

/// Comma-separated codes (as diagnosis and procedure codes are stored) as a list.
pub fn split_codes(codes: &str) -> Vec<String> {
    listed(codes).map(str::to_owned).collect()
}

/// The items of a comma-separated column (codes, an authorization's teams), trimmed, none
/// empty.
pub fn listed(stored: &str) -> impl Iterator<Item = &str> {
    stored.split(',').map(str::trim).filter(|item| !item.is_empty())
}

/// Records whose provider tells nothing protected: no label but, at most, a psychotherapy
/// note's (whose author medical may see). A filter by provider keeps to these: the provider of
/// a Part 2 or restricted record names the program that treated the patient.
pub fn provider_tells_nothing(labels: impl sea_orm::ColumnTrait) -> sea_orm::sea_query::SimpleExpr {
    labels.is_in(["", "psychotherapy_note"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_that_is_no_uuid_names_what_was_expected() {
        assert!(parse_id("0190c8f2-6b5e-7d4a-9c1e-0123456789ab", "patient").is_ok());
        let err = parse_id("p-1", "patient").unwrap_err();
        assert!(
            matches!(err, ApiError::BadUserInput(ref m) if m == "\"p-1\" is not a patient id"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn codes_split_on_commas_without_blanks() {
        assert_eq!(split_codes(" F32.1, ,F41.1,"), vec!["F32.1".to_owned(), "F41.1".to_owned()]);
        assert!(split_codes("").is_empty());
    }
}
