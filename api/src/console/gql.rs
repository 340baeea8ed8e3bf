//! The console's one access path: every value a page shows comes from ward's GraphQL schema,
//! executed in-process as the signed-in staff member by the same function that answers
//! `POST /graphql`, so access checks, masking, purpose and the audit trail are exactly the
//! API's (and a failed audit write shows the page nothing).

use crate::http::AppState;
use async_graphql::{BatchRequest, Request, Variables};
use serde_json::Value;
use std::sync::Arc;
use tokio::time::Instant;
use tools::kit::purpose::Purpose;
use tools::kit::{Access, ApiError, Code, Principal};

/// One error of an answer, as a page shows it.
#[derive(Clone, Debug)]
pub struct GqlError {
    pub message: String,
    pub code: Code,
    pub path: Vec<String>,
}

/// What a query or mutation answered: its data and its errors.
#[derive(Debug)]
pub struct Answer {
    pub data: Value,
    pub errors: Vec<GqlError>,
}

impl Answer {
    /// The value at `path` (`null` when absent); a number steps into a list.
    pub fn at(&self, path: &[&str]) -> &Value {
        path.iter().fold(&self.data, |value, step| match (value, step.parse::<usize>()) {
            (Value::Array(items), Ok(index)) => items.get(index).unwrap_or(&Value::Null),
            _ => &value[*step],
        })
    }

    /// Whether the value at `path` (or a parent) was refused.
    pub fn refused(&self, path: &[&str]) -> bool {
        self.errors.iter().any(|e| e.code == Code::Forbidden && !e.path.is_empty() && path_starts_with(path, &e.path))
    }

    /// The first error, for a page whose whole answer failed.
    pub fn failure(&self) -> Option<&GqlError> {
        if self.data.is_null() { self.errors.first() } else { None }
    }
}

fn path_starts_with(path: &[&str], prefix: &[String]) -> bool {
    prefix.len() <= path.len() && prefix.iter().zip(path).all(|(p, q)| p == q)
}

/// The staff member a page runs as, with the request's id.
pub struct Caller {
    pub principal: Principal,
    pub request_id: String,
}

/// Runs `document` with `variables` as `caller`, stating `purpose` when the page is about a
/// record (its purpose of use, recorded with every disclosure).
pub async fn run(
    state: &AppState,
    caller: &Caller,
    document: &str,
    variables: Value,
    purpose: Option<&str>,
) -> Result<Answer, ApiError> {
    let policy = state.policy.authorizer().snapshot();
    let access = Arc::new(Access::new(caller.principal.clone(), policy, caller.request_id.clone()));
    if let Some(purpose) = purpose {
        let purpose = Purpose::parse(purpose)?.check(&access, &state.db).await?;
        access.set_purpose(purpose);
    }
    let request = Request::new(document).variables(Variables::from_json(variables));
    let deadline = Instant::now() + *state.limits.request_timeout;
    let bytes = crate::http::execute(state, &access, BatchRequest::Single(request), deadline, &caller.request_id)
        .await
        .map_err(|(err, _)| err)?
        .json;
    let body: Value =
        serde_json::from_slice(&bytes).map_err(|err| ApiError::internal("reading an answer", anyhow::anyhow!(err)))?;
    let errors = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| GqlError {
                    message: e["message"].as_str().unwrap_or_default().to_owned(),
                    code: Code::parse(e["extensions"]["code"].as_str().unwrap_or_default()),
                    path: e["path"]
                        .as_array()
                        .map(|p| p.iter().map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned)).collect())
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Answer { data: body["data"].clone(), errors })
}

/// An API error in words a person who is not an engineer understands.
pub fn in_words(code: Code, message: &str) -> String {
    let lead = match code {
        Code::Forbidden => "You do not have access to this.",
        Code::NotFound => "This record does not exist (or was removed).",
        Code::BadUserInput => "Please check what you entered:",
        Code::Conflict => "Someone changed this record while you were working on it.",
        Code::LimitExceeded => "That was too much to do at once:",
        Code::Unavailable => {
            "ward cannot reach its database right now; nothing was changed. Please try again in a minute."
        }
        Code::Unauthenticated => "Your session ended; please sign in again.",
        Code::Internal => {
            "Something went wrong on our side; nothing was changed. The reference below helps support find it."
        }
    };
    match code {
        Code::Unavailable | Code::Unauthenticated => lead.to_owned(),
        _ => format!("{lead} {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_step_into_lists_and_refusals_match_exactly() {
        let answer = Answer {
            data: json!({ "list": { "edges": [{ "node": { "a": 1 } }, { "node": { "a": null } }] } }),
            errors: vec![GqlError {
                message: String::new(),
                code: Code::Forbidden,
                path: vec!["list".into(), "edges".into(), "1".into(), "node".into(), "a".into()],
            }],
        };
        assert_eq!(answer.at(&["list", "edges", "0", "node", "a"]), &json!(1));
        assert!(answer.refused(&["list", "edges", "1", "node", "a"]));
        assert!(!answer.refused(&["list", "edges", "0", "node", "a"]), "another row's refusal is not this row's");
    }
}
