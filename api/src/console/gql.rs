//! The console's one access path: every value a page shows comes from ward's GraphQL schema,
//! executed in-process as the signed-in staff member by the same function that answers
//! `POST /graphql`, so access checks, masking, purpose and the audit trail are exactly the
//! API's (and a failed audit write shows the page nothing).

use crate::http::AppState;
use async_graphql::{BatchRequest, Request, Variables};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
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
    /// The security label a refusal names (`extensions.label`), if any.
    pub label: Option<String>,
}

impl GqlError {
    /// A form's input the console refuses itself, before asking the API: `message` is the
    /// sentence the person at the screen reads.
    pub fn bad_input(message: &str) -> GqlError {
        GqlError { message: message.to_owned(), code: Code::BadUserInput, path: Vec::new(), label: None }
    }
}

/// What a query or mutation answered: its data and its errors.
#[derive(Debug)]
pub struct Answer {
    data: Value,
    pub errors: Vec<GqlError>,
    /// The 42 CFR 2.32 notice the answer carried (`extensions.redisclosureNotice`): it holds
    /// a value of a Part 2 record.
    pub redisclosure_notice: Option<String>,
}

/// What a refused field's value becomes before an answer is read: no GraphQL field is named
/// `$refused`, so only [`Shown`] reads it.
const REFUSED: &str = "$refused";

impl Answer {
    /// The answer as `T`, with each field a `FORBIDDEN` error names read as [`Shown::Refused`].
    /// An answer that is not a `T` is an internal error: the page's document and `T` disagree.
    pub fn read<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let mut data = self.data.clone();
        for err in self.errors.iter().filter(|e| e.code == Code::Forbidden && !e.path.is_empty()) {
            // A refusal leaves `null`; an error beside a value is advice (`renderMacro`'s withheld
            // placeholders). No value at all: a parent is `null` or itself refused.
            let at = data.pointer_mut(&format!("/{}", err.path.join("/")));
            if let Some(value) = at.filter(|value| value.is_null()) {
                *value = json!({ REFUSED: true });
            }
        }
        serde_json::from_value(data)
            .map_err(|err| ApiError::internal("reading an answer as the page's struct", anyhow::anyhow!(err)))
    }

    /// The first error, for a page whose whole answer failed.
    pub fn failure(&self) -> Option<&GqlError> {
        if self.data.is_null() { self.errors.first() } else { None }
    }

    /// The error of a root field the answer lacks: ward answers the rest of a document when
    /// one of its root fields fails, so a page's record can be missing from an answer that is
    /// not `null`.
    pub fn missing(&self) -> Option<&GqlError> {
        self.errors.iter().find(|e| matches!(e.path.as_slice(), [root] if self.data.get(root).is_none()))
    }
}

/// A field the caller may be refused: its value, or `Refused` (a `FORBIDDEN` error's `null`),
/// which a page shows as "restricted" or, where it shows nothing of the field, as no value.
#[derive(Debug, PartialEq)]
pub enum Shown<T> {
    Value(T),
    Refused,
}

impl<T> Shown<T> {
    pub fn is_refused(&self) -> bool {
        matches!(self, Shown::Refused)
    }

    /// The value; `None` when refused.
    pub fn shown(&self) -> Option<&T> {
        match self {
            Shown::Value(value) => Some(value),
            Shown::Refused => None,
        }
    }
}

impl<T> Shown<Option<T>> {
    /// The value; `None` when absent or refused, for a page that shows both alike.
    pub fn present(&self) -> Option<&T> {
        self.shown().and_then(Option::as_ref)
    }
}

/// A field a document includes only sometimes (`@include`) reads as its empty value.
impl<T: Default> Default for Shown<T> {
    fn default() -> Self {
        Shown::Value(T::default())
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Shown<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if value.as_object().is_some_and(|o| o.len() == 1 && o.get(REFUSED) == Some(&Value::Bool(true))) {
            return Ok(Shown::Refused);
        }
        T::deserialize(value).map(Shown::Value).map_err(serde::de::Error::custom)
    }
}

/// A connection as documents select it: its nodes, and where the next page starts.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    pub edges: Vec<Edge<T>>,
    /// Absent when the document does not ask for it (a list that never pages): no next page.
    #[serde(default)]
    pub page_info: PageInfo,
    /// How many match in all, where the document asks for it (`totalCount`).
    #[serde(default)]
    pub total_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct Edge<T> {
    pub node: T,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

impl<T> Connection<T> {
    pub fn nodes(&self) -> impl Iterator<Item = &T> {
        self.edges.iter().map(|edge| &edge.node)
    }
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
                    label: e["extensions"]["label"].as_str().map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default();
    let redisclosure_notice = body["extensions"]["redisclosureNotice"].as_str().map(str::to_owned);
    Ok(Answer { data: body["data"].clone(), errors, redisclosure_notice })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Row {
        a: Shown<Option<i64>>,
    }

    #[derive(Debug, Deserialize)]
    struct List {
        list: Connection<Row>,
    }

    fn refusal(path: &[&str]) -> GqlError {
        let path = path.iter().map(|s| (*s).to_owned()).collect();
        GqlError { message: String::new(), code: Code::Forbidden, path, label: None }
    }

    #[test]
    fn a_refusal_in_a_list_marks_only_its_rows_field() {
        let answer = Answer {
            data: json!({ "list": { "edges": [{ "node": { "a": 1 } }, { "node": { "a": null } }, { "node": { "a": null } }] } }),
            // The first row's error stands beside a value: advice, not a refusal.
            errors: vec![refusal(&["list", "edges", "1", "node", "a"]), refusal(&["list", "edges", "0", "node", "a"])],
            redisclosure_notice: None,
        };
        let rows: Vec<_> = answer.read::<List>().unwrap().list.edges.into_iter().map(|e| e.node.a).collect();
        assert_eq!(
            rows,
            [Shown::Value(Some(1)), Shown::Refused, Shown::Value(None)],
            "another row's refusal is not this row's"
        );
    }

    #[test]
    fn a_refused_parent_leaves_its_fields_unmarked_and_a_plain_field_refused_is_unreadable() {
        let answer = Answer {
            data: json!({ "list": null }),
            errors: vec![refusal(&["list"]), refusal(&["list", "edges", "0", "node", "a"])],
            redisclosure_notice: None,
        };
        #[derive(Debug, Deserialize)]
        struct Parent {
            list: Shown<Option<Connection<Row>>>,
        }
        assert!(answer.read::<Parent>().unwrap().list.is_refused());
        #[derive(Debug, Deserialize)]
        struct Unshown {
            list: Option<Connection<Row>>,
        }
        let read = answer.read::<Unshown>().map(|u| u.list.is_none());
        assert!(read.is_err(), "a refusal the struct does not expect is the page's bug");
    }
}
