//! What a document would cost once its fragments are expanded, measured without expanding it.
//!
//! A 2 KB document whose fragments each spread two others doubles per level: 40 levels are
//! 2^40 fields. async-graphql's validation expands every spread, so it would run for hours
//! (and no timeout can interrupt synchronous work). Here each fragment is measured once and
//! its figures reused wherever it is spread, so any document is measured in time linear in
//! its size, and one over the limits is refused before validation expands anything.

use async_graphql::Name;
use async_graphql::Positioned;
use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet};
use std::collections::HashMap;

/// The expanded size of a selection: how many selections (fields and aliases, and the
/// fragment spreads and inline fragments that bring them) and how deep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub fields: u64,
    pub depth: u64,
}

impl Cost {
    fn alongside(self, other: Cost) -> Cost {
        Cost { fields: self.fields.saturating_add(other.fields), depth: self.depth.max(other.depth) }
    }
}

/// Why a document cannot be measured.
#[derive(Debug, PartialEq, Eq)]
pub enum CostError {
    /// A fragment spreads itself, directly or through others.
    Cycle(String),
}

/// The largest cost among the document's operations.
pub fn measure(document: &ExecutableDocument) -> Result<Cost, CostError> {
    let mut measurer = Measurer { fragments: &document.fragments, known: HashMap::new(), open: Vec::new() };
    let mut worst = Cost::default();
    for (_, operation) in document.operations.iter() {
        let cost = measurer.selection_set(&operation.node.selection_set.node)?;
        worst = Cost { fields: worst.fields.max(cost.fields), depth: worst.depth.max(cost.depth) };
    }
    Ok(worst)
}

struct Measurer<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// Each fragment's cost, once measured.
    known: HashMap<&'a str, Cost>,
    /// Fragments being measured now, to detect a cycle.
    open: Vec<&'a str>,
}

impl<'a> Measurer<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> Result<Cost, CostError> {
        let mut cost = Cost::default();
        for item in &set.items {
            let item_cost = match &item.node {
                Selection::Field(field) => {
                    let children = self.selection_set(&field.node.selection_set.node)?;
                    Cost { fields: children.fields.saturating_add(1), depth: children.depth.saturating_add(1) }
                }
                // A spread or inline fragment is a node to walk too (a chain of fragments that
                // only spread one another still costs every step).
                Selection::FragmentSpread(spread) => {
                    let inner = self.fragment(spread.node.fragment_name.node.as_str())?;
                    Cost { fields: inner.fields.saturating_add(1), depth: inner.depth }
                }
                Selection::InlineFragment(inline) => {
                    let inner = self.selection_set(&inline.node.selection_set.node)?;
                    Cost { fields: inner.fields.saturating_add(1), depth: inner.depth }
                }
            };
            cost = cost.alongside(item_cost);
        }
        Ok(cost)
    }

    fn fragment(&mut self, name: &'a str) -> Result<Cost, CostError> {
        if let Some(cost) = self.known.get(name) {
            return Ok(*cost);
        }
        if self.open.contains(&name) {
            return Err(CostError::Cycle(name.to_owned()));
        }
        // An unknown fragment costs nothing here; validation names it.
        let Some(definition) = self.fragments.get(name) else { return Ok(Cost::default()) };
        self.open.push(name);
        let cost = self.selection_set(&definition.node.selection_set.node);
        self.open.pop();
        let cost = cost?;
        self.known.insert(name, cost);
        Ok(cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(query: &str) -> Result<Cost, CostError> {
        measure(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn fields_and_aliases_count_and_depth_is_the_deepest_branch() {
        assert_eq!(cost("{ a: me { sub } b: me { sub roles } }"), Ok(Cost { fields: 5, depth: 2 }));
        assert_eq!(cost("{ ...F } fragment F on Q { me { sub } }"), Ok(Cost { fields: 3, depth: 2 }));
    }

    #[test]
    fn fragments_count_once_per_spread_without_being_expanded() {
        let mut query = String::from("{ ...F60 } fragment F0 on Q { me { sub } }");
        for i in 1..=60 {
            query.push_str(&format!(" fragment F{i} on Q {{ ...F{p} ... on Q {{ ...F{p} }} }}", p = i - 1));
        }
        let measured = cost(&query).unwrap();
        assert!(measured.fields > 2u64.pow(61), "counted, not expanded: {measured:?}");
        assert_eq!(measured.depth, 2);
    }

    #[test]
    fn a_fragment_cycle_is_refused() {
        assert_eq!(
            cost("{ ...A } fragment A on Q { ...B } fragment B on Q { ...A }"),
            Err(CostError::Cycle("A".into()))
        );
    }
}
