//! Compliance finds the patient whose accounting is asked for: by name, date of birth or
//! member id. Compliance holds no patient class of its own, so the lookup is its own field
//! under `audit · read`; every search is on the record with what was searched for, and each
//! patient it shows is a recorded disclosure of their contact and identity, the term with it.

use crate::kit::pagination::{Page, PageRequest};
use crate::kit::text_search::starts_with;
use crate::kit::{Allow, ApiError, ApiResult, Gql, access, db};
use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;
use entities::patient;
use policies::{Action, PhiClass, Resource};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// A patient as compliance's lookup shows them: enough to be sure it is the right person.
pub struct FoundPatient(patient::Model);

#[Object]
impl FoundPatient {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Full name (contact, recorded as disclosed by the lookup).
    async fn name(&self) -> String {
        format!("{} {}", self.0.first_name, self.0.last_name)
    }
    /// Identity, recorded as disclosed by the lookup.
    async fn date_of_birth(&self) -> NaiveDate {
        self.0.date_of_birth
    }
    /// Insurance member id. Identity, recorded as disclosed by the lookup.
    async fn member_id(&self) -> &str {
        &self.0.member_id
    }
    /// US state of residence.
    async fn state(&self) -> &str {
        &self.0.state
    }
}

/// A date of birth as people type it: `1984-03-02` or `03/02/1984`.
fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(text, "%m/%d/%Y")).ok()
}

/// A date of birth matches that day; otherwise every word starts the first or last name, or
/// the text starts the member id (in any case).
fn condition(search: &str) -> ApiResult<Condition> {
    let length = search.chars().count();
    if !(2..=100).contains(&length) {
        return Err(ApiError::BadUserInput("a patient search must be 2 to 100 characters".into()));
    }
    if let Some(day) = date(search) {
        return Ok(Condition::all().add(patient::Column::DateOfBirth.eq(day)));
    }
    let mut names = Condition::all();
    for word in search.split_whitespace() {
        names = names.add(
            Condition::any()
                .add(starts_with(patient::Column::FirstName, word))
                .add(starts_with(patient::Column::LastName, word)),
        );
    }
    Ok(Condition::any().add(names).add(starts_with(patient::Column::MemberId, search)))
}

/// How many results come before the page: the cursor's key, never near the end of the
/// number line (a forged cursor would overflow the numbering).
fn offset_of(page: &PageRequest) -> ApiResult<u64> {
    Ok(page.after_key(|key| key.parse::<u64>().ok().filter(|n| *n < u64::from(u32::MAX)))?.unwrap_or(0))
}

/// One page of the patients `search` finds, by last name, first name, then id.
#[tracing::instrument(skip(db, search))]
pub async fn find(db: &impl ConnectionTrait, search: &str, page: &PageRequest) -> ApiResult<Vec<patient::Model>> {
    let offset = offset_of(page)?;
    let query = patient::Entity::find()
        .filter(condition(search)?)
        .order_by_asc(patient::Column::LastName)
        .order_by_asc(patient::Column::FirstName)
        .order_by_asc(patient::Column::Id)
        .offset(offset)
        .limit(page.fetch_limit());
    Ok(query.all(db).await?)
}

#[derive(Default)]
pub struct PatientLookupQuery;

#[Object]
impl PatientLookupQuery {
    /// Compliance's patient lookup: `search` (2 to 100 characters) is a name or the start of
    /// one (each word starts a first or last name, in any case), a date of birth
    /// (`1984-03-02` or `03/02/1984`), or the start of a member id. By name, then. The search
    /// is recorded with its term, and each patient it shows as a disclosure of their contact
    /// and identity. Compliance only.
    #[graphql(
        guard = "Allow(Resource::Audit, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn patient_lookup(
        &self,
        ctx: &Context<'_>,
        search: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<FoundPatient>> {
        let access = access(ctx)?;
        let search = search.trim().to_owned();
        access.record_search("audit.patient_lookup", Resource::Audit, &search);
        let page = PageRequest::new(ctx, first, after)?;
        let offset = offset_of(&page)?;
        let rows = find(db(ctx)?, &search, &page).await?;
        let numbered = rows.into_iter().zip(offset + 1..);
        let page = page.into_page(numbered.collect(), |(_, n)| n.to_string(), |(row, _)| FoundPatient(row));
        // What the answer shows, and only that (not the row fetched to learn of a next page).
        for edge in &page.edges {
            for class in [PhiClass::Contact, PhiClass::Identity] {
                access.disclosed_to_compliance(edge.node.0.id, edge.node.0.id, class, Some(&search), None);
            }
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_of_birth_is_read_as_people_type_it() {
        assert_eq!(date("1984-03-02"), NaiveDate::from_ymd_opt(1984, 3, 2));
        assert_eq!(date("03/02/1984"), NaiveDate::from_ymd_opt(1984, 3, 2));
        assert_eq!(date("Garcia"), None);
    }

    #[test]
    fn a_search_shorter_than_two_characters_is_refused() {
        assert!(condition("a").is_err());
        assert!(condition(&"x".repeat(101)).is_err());
        assert!(condition("ga").is_ok());
    }
}
