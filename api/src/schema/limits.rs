//! Depth, field and complexity limits, and codes for the errors async-graphql raises before
//! execution.
//!
//! Right after parsing, the document's expanded size (fields and depth) is measured without
//! expanding its fragments ([`super::cost`]) and refused over the limits, so validation, which
//! does expand them, only ever sees a bounded document. async-graphql's own limit errors carry
//! no code; both get `LIMIT_EXCEEDED` here, and parse errors `BAD_USER_INPUT`. All of it
//! happens before any resolver, so before any SQL.

use super::{cost, text};
use async_graphql::{Request, ServerError};
use tools::kit::Code;

/// The limits a document is held to. Depth and complexity are also given to async-graphql's
/// own validation (`schema::build`); their errors get their code in [`validation_code`].
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_fields: usize,
}

impl From<&crate::config::Limits> for QueryLimits {
    fn from(limits: &crate::config::Limits) -> Self {
        QueryLimits {
            max_depth: limits.max_depth,
            max_complexity: limits.max_complexity,
            max_fields: limits.max_fields,
        }
    }
}

/// async-graphql's own messages for its depth and complexity limits.
const TOO_COMPLEX: &str = "Query is too complex.";
const TOO_DEEP: &str = "Query is nested too deep.";

impl QueryLimits {
    /// Parses the document once, here, and refuses it before async-graphql walks it: its own
    /// recursion check and its validation both follow every fragment spread, which costs
    /// time exponential in a hostile document's size. Execution reuses the parsed document.
    ///
    /// This is a plain call before execution, not an async-graphql extension: with any
    /// extension registered, async-graphql sends every field of every row through the
    /// extension chain (a registry lookup and two more futures per field).
    pub fn check(&self, request: &mut Request) -> Result<(), ServerError> {
        let nul_in_variables = text::variables_hold_nul(&request.variables);
        let document = request.parsed_query().map_err(|err| {
            // The parser's own nesting guard: a query this deep is over the depth limit too.
            let code = if err.message.contains("recursion") { Code::LimitExceeded } else { Code::BadUserInput };
            with_code(err, code)
        })?;
        if nul_in_variables || text::document_holds_nul(document) {
            let message = "text must not contain the NUL character (\\u0000)";
            return Err(with_code(ServerError::new(message, None), Code::BadUserInput));
        }
        let cost = cost::measure(document).map_err(|cost::CostError::Cycle(name)| {
            with_code(ServerError::new(format!("fragment {name:?} spreads itself"), None), Code::BadUserInput)
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
        Ok(())
    }

    /// Gives async-graphql's depth and complexity refusals (raised in validation, before any
    /// resolver) the `LIMIT_EXCEEDED` code and a message that says what the limit is.
    pub fn validation_code(&self, err: &mut ServerError) {
        let message = match err.message.as_str() {
            TOO_COMPLEX => format!(
                "the query's complexity is over the limit of {} (every field and alias counts, lists by page size)",
                self.max_complexity
            ),
            TOO_DEEP => format!("the query is nested deeper than the limit of {} levels", self.max_depth),
            _ => return,
        };
        err.message = message;
        default_code(err, Code::LimitExceeded);
    }
}

fn limit_exceeded(message: String) -> ServerError {
    with_code(ServerError::new(message, None), Code::LimitExceeded)
}

fn with_code(mut err: ServerError, code: Code) -> ServerError {
    default_code(&mut err, code);
    err
}

/// Sets `extensions.code` on an error that has none, and returns the code it now has.
pub fn default_code(err: &mut ServerError, code: Code) -> Code {
    let extensions = err.extensions.get_or_insert_with(Default::default);
    match extensions.get("code") {
        Some(async_graphql::Value::String(existing)) => Code::parse(existing),
        _ => {
            extensions.set("code", code.as_str());
            code
        }
    }
}
