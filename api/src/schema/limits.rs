//! Depth and complexity limits, and codes for the errors async-graphql raises before execution.
//!
//! async-graphql's own limit errors carry no code; this extension checks the measured depth
//! and complexity itself so both answer `LIMIT_EXCEEDED`, and marks parse errors
//! `BAD_USER_INPUT`. All of it happens before any resolver, so before any SQL.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};
use std::sync::Arc;
use tools::kit::code;

#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[async_trait::async_trait]
impl Extension for QueryLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|err| {
            // The parser's own nesting guard: a query this deep is over the depth limit too.
            let code = if err.message.contains("recursion") { code::LIMIT_EXCEEDED } else { code::BAD_USER_INPUT };
            with_code(err, code)
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if result.depth > self.max_depth {
            return Err(vec![limit_exceeded(format!(
                "the query is nested {} levels deep; the limit is {}",
                result.depth, self.max_depth
            ))]);
        }
        if result.complexity > self.max_complexity {
            return Err(vec![limit_exceeded(format!(
                "the query's complexity is {}; the limit is {} (every field and alias counts, lists by page size)",
                result.complexity, self.max_complexity
            ))]);
        }
        Ok(result)
    }
}

fn limit_exceeded(message: String) -> ServerError {
    with_code(ServerError::new(message, None), code::LIMIT_EXCEEDED)
}

fn with_code(mut err: ServerError, code: &'static str) -> ServerError {
    default_code(&mut err, code);
    err
}

/// Sets `extensions.code` on an error that has none, and returns the code it now has.
pub fn default_code(err: &mut ServerError, code: &'static str) -> String {
    let extensions = err.extensions.get_or_insert_with(Default::default);
    match extensions.get("code") {
        Some(async_graphql::Value::String(existing)) => existing.clone(),
        _ => {
            extensions.set("code", code);
            code.to_owned()
        }
    }
}
