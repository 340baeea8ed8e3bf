//! Directory reads, on a plain connection: no GraphQL here.

use crate::kit::ApiError;
use crate::kit::ApiResult;
use crate::kit::pagination::PageRequest;
use entities::{patient, provider};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Parses a GraphQL id; anything but a UUID is `BAD_USER_INPUT` naming what was expected.
pub fn parse_id(id: &str, what: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| ApiError::BadUserInput(format!("{id:?} is not a {what} id")))
}

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
    let search = search.trim().to_lowercase();
    let length = search.chars().count();
    if !(2..=100).contains(&length) {
        return Err(ApiError::BadUserInput("`search` must be 2 to 100 characters".into()));
    }
    let mut names = Condition::all();
    for word in search.split_whitespace() {
        let prefix = format!("{}%", escape_like(word));
        names = names.add(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(patient::Column::FirstName))).like(like(&prefix)))
                .add(Expr::expr(Func::lower(Expr::col(patient::Column::LastName))).like(like(&prefix))),
        );
    }
    let email =
        Expr::expr(Func::lower(Expr::col(patient::Column::Email))).like(like(&format!("%{}%", escape_like(&search))));
    Ok(Condition::any().add(names).add(email))
}

fn like(pattern: &str) -> LikeExpr {
    LikeExpr::new(pattern).escape('\\')
}

/// Escapes LIKE's wildcards so user text matches literally.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_user_text_match_literally() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn search_shorter_than_two_characters_is_refused() {
        assert!(search_condition(" a ").is_err());
        assert!(search_condition(&"x".repeat(101)).is_err());
        assert!(search_condition("ma").is_ok());
    }
}
