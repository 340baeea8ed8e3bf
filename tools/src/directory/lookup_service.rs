//! Directory reads, on a plain connection: no GraphQL here.

use crate::kit::ApiError;
use crate::kit::ApiResult;
use crate::kit::pagination::PageRequest;
use crate::kit::text_search::{contains, starts_with};
use entities::{patient, provider};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

#[tracing::instrument(skip(db))]
pub async fn find_patient(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<patient::Model>> {
    Ok(patient::Entity::find_by_id(id).one(db).await?)
}

#[tracing::instrument(skip(db))]
pub async fn find_provider(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<provider::Model>> {
    Ok(provider::Entity::find_by_id(id).one(db).await?)
}

/// One page of patients in id (creation) order, optionally narrowed by a search.
#[tracing::instrument(skip(db, search))]
pub async fn list_patients(
    db: &impl ConnectionTrait,
    search: Option<&str>,
    page: &PageRequest,
) -> ApiResult<Vec<patient::Model>> {
    let mut query = patient::Entity::find().order_by_asc(patient::Column::Id);
    if let Some(search) = search {
        query = query.filter(search_condition(search)?);
    }
    if let Some(after) = page.after_id()? {
        query = query.filter(patient::Column::Id.gt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

/// Every word must start a first or last name, or the whole text must be part of the email.
fn search_condition(search: &str) -> ApiResult<Condition> {
    let search = search.trim();
    let length = search.chars().count();
    if !(2..=100).contains(&length) {
        return Err(ApiError::BadUserInput("`search` must be 2 to 100 characters".into()));
    }
    let mut names = Condition::all();
    for word in search.split_whitespace() {
        names = names.add(
            Condition::any()
                .add(starts_with(patient::Column::FirstName, word))
                .add(starts_with(patient::Column::LastName, word)),
        );
    }
    Ok(Condition::any().add(names).add(contains(patient::Column::Email, search)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_shorter_than_two_characters_is_refused() {
        assert!(search_condition(" a ").is_err());
        assert!(search_condition(&"x".repeat(101)).is_err());
        assert!(search_condition("ma").is_ok());
    }
}
