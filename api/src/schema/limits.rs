//! Depth, field and complexity limits, and codes for the errors async-graphql raises before
//! execution.
//!
//! Right after parsing, the document's expanded size (fields and depth) is measured without
//! expanding its fragments ([`super::cost`]) and refused over the limits, so validation, which
//! does expand them, only ever sees a bounded document. async-graphql's own limit errors carry
//! no code; this extension checks depth and complexity itself so both answer `LIMIT_EXCEEDED`,
//! and marks parse errors `BAD_USER_INPUT`. All of it happens before any resolver, so before
//! any SQL.

use super::{cost, text};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError, ServerResult, ValidationResult, Variables};
use std::sync::Arc;
use tools::kit::code;

#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_fields: usize,
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[async_trait::async_trait]
impl Extension for QueryLimits {
    /// Parses the document once, here, and refuses it before async-graphql walks it: its own
    /// recursion check and its validation both follow every fragment spread, which costs
    /// time exponential in a hostile document's size.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let nul_in_variables = text::variables_hold_nul(&request.variables);
        let document = request.parsed_query().map_err(|err| {
            // The parser's own nesting guard: a query this deep is over the depth limit too.
            let code = if err.message.contains("recursion") { code::LIMIT_EXCEEDED } else { code::BAD_USER_INPUT };
            with_code(err, code)
        })?;
        if nul_in_variables || text::document_holds_nul(document) {
            let message = "text must not contain the NUL character (\\u0000)";
            return Err(with_code(ServerError::new(message, None), code::BAD_USER_INPUT));
        }
        let cost = cost::measure(document).map_err(|cost::CostError::Cycle(name)| {
            with_code(ServerError::new(format!("fragment {name:?} spreads itself"), None), code::BAD_USER_INPUT)
        })?;
        if cost.depth > self.max_depth as u64 {
            return Err(limit_exceeded(format!(
                "the query is nested {} levels deep; the limit is {}",
                cost.depth, self.max_depth
            )));
        }
        if cost.fields > self.max_fields as u64 {
            return Err(limit_exceeded(format!(
                "the query selects {} fields and fragments once its fragments are expanded; the limit is {}",
                cost.fields, self.max_fields
            )));
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|err| {
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
