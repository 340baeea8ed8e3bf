//! Strings no database can store: PostgreSQL's text refuses the NUL character (and SQLite would
//! keep it, so the two would disagree). A NUL anywhere in a document's arguments or in its
//! variables is the caller's mistake, refused before anything runs.

use async_graphql::Variables;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql_value::{ConstValue, Value};

/// Whether any variable (or object key in one) holds a NUL.
pub fn variables_hold_nul(variables: &Variables) -> bool {
    variables.iter().any(|(name, value)| name.contains('\0') || const_holds_nul(value))
}

/// Whether any string argument or default (or object key) of the document holds a NUL.
pub fn document_holds_nul(document: &ExecutableDocument) -> bool {
    let in_operations = document.operations.iter().any(|(_, operation)| {
        let defaults = operation.node.variable_definitions.iter().filter_map(|d| d.node.default_value.as_ref());
        defaults.into_iter().any(|v| const_holds_nul(&v.node)) || set_holds_nul(&operation.node.selection_set.node)
    });
    // Each fragment once, where it is defined: no expansion.
    let in_fragments = document.fragments.values().any(|f| set_holds_nul(&f.node.selection_set.node));
    in_operations || in_fragments
}

fn set_holds_nul(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => {
            field.node.arguments.iter().any(|(_, value)| value_holds_nul(&value.node))
                || field.node.directives.iter().any(|d| d.node.arguments.iter().any(|(_, v)| value_holds_nul(&v.node)))
                || set_holds_nul(&field.node.selection_set.node)
        }
        Selection::FragmentSpread(_) => false,
        Selection::InlineFragment(inline) => set_holds_nul(&inline.node.selection_set.node),
    })
}

fn value_holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::List(items) => items.iter().any(value_holds_nul),
        Value::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || value_holds_nul(v)),
        _ => false,
    }
}

fn const_holds_nul(value: &ConstValue) -> bool {
    match value {
        ConstValue::String(text) => text.contains('\0'),
        ConstValue::List(items) => items.iter().any(const_holds_nul),
        ConstValue::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || const_holds_nul(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str, variables: serde_json::Value) -> bool {
        let document = async_graphql::parser::parse_query(query).unwrap();
        document_holds_nul(&document) || variables_hold_nul(&Variables::from_json(variables))
    }

    #[test]
    fn a_nul_anywhere_is_found_and_plain_text_is_not() {
        assert!(check("{ a(s: \"x\\u0000y\") }", serde_json::json!({})));
        assert!(check("query($v: I) { a(s: $v) }", serde_json::json!({ "v": { "deep": ["ok", "n\u{0}l"] } })));
        assert!(check("{ ...F } fragment F on Q { a(o: { k: \"\\u0000\" }) }", serde_json::json!({})));
        assert!(!check("query($v: I) { a(s: \"plain\", t: $v) }", serde_json::json!({ "v": "also plain" })));
    }
}
