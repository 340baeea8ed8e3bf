//! The GraphQL schema: every tool's roots merged once, with the limits of DESIGN.md.

mod limits;

use crate::config::Limits;
use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema};
use sea_orm::DatabaseConnection;
use tools::admin::AdminQuery;
use tools::directory::DirectoryQuery;

pub use limits::{QueryLimits, default_code};

#[derive(MergedObject, Default)]
pub struct QueryRoot(AdminQuery, DirectoryQuery);

pub type WardSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// The schema served over HTTP. `production` turns off introspection and suggestions.
pub fn build(db: DatabaseConnection, limits: &Limits, production: bool) -> WardSchema {
    let mut builder = Schema::build(QueryRoot::default(), EmptyMutation, EmptySubscription)
        .data(db)
        .data(limits.page)
        .extension(QueryLimits {
            max_depth: limits.max_depth,
            max_complexity: limits.max_complexity,
        })
        // Deep enough that the depth limit, not the parser, answers a deep query.
        .limit_recursive_depth(limits.max_depth.saturating_mul(4).max(32));
    if production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The schema's SDL, as exported to `api/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(QueryRoot::default(), EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}
