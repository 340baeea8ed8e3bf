//! A staff member as a tool shows them beside its records (assignee, author, actor): who,
//! not what they may do.

use super::loaders::{StaffId, load_error, loaders};
use super::{ApiResult, Gql};
use async_graphql::{Context, SimpleObject};
use entities::staff;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde_json::Value;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct Agent {
    pub sub: String,
    pub display_name: String,
}

impl From<staff::Model> for Agent {
    fn from(member: staff::Model) -> Self {
        Agent { sub: member.sub, display_name: member.display_name }
    }
}

/// The staff member `id` (batched per request), if any.
pub async fn agent(ctx: &Context<'_>, id: Option<Uuid>) -> Gql<Option<Agent>> {
    let Some(id) = id else { return Ok(None) };
    Ok(agent_of(ctx, id).await?)
}

/// [`agent`] inside a resolver that answers `ApiResult`.
pub async fn agent_of(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<Agent>> {
    let member = loaders(ctx)?.load_one(StaffId(id)).await.map_err(load_error)?;
    Ok(member.map(Agent::from))
}

/// A queue's "whose" filter (`me`, `unassigned`, or a staff member's `sub`) as the staff id to
/// match: `None` no filter, `Some(None)` nobody's yet. `field` names the argument in errors.
pub async fn whose(ctx: &Context<'_>, field: &str, value: Option<&str>) -> ApiResult<Option<Option<Uuid>>> {
    Ok(match value {
        None => None,
        Some("unassigned") => Some(None),
        Some("me") => Some(Some(super::access(ctx)?.principal().staff_id)),
        Some(sub) => {
            let member = crate::records::find_staff(super::db(ctx)?, sub).await?;
            let member = member
                .ok_or_else(|| super::ApiError::BadUserInput(format!("`{field}` {sub:?} is not a staff member")))?;
            Some(Some(member.id))
        }
    })
}

/// The staff a history entry's changes name, each once, in the order named: an
/// assignment's earlier and new assignee (`assignee: [old, new]`, each a `sub`; entries
/// written before that named the earlier one by staff id) and an approval's requester
/// (`approval.requestedBy`, a staff id).
pub fn named_in(changes: &Value) -> Vec<String> {
    let mut named: Vec<String> = Vec::new();
    let assignees = changes.get("assignee").and_then(Value::as_array).into_iter().flatten();
    let requester = changes.get("approval").and_then(|a| a.get("requestedBy"));
    for reference in assignees.chain(requester).filter_map(Value::as_str) {
        if !named.iter().any(|n| n == reference) {
            named.push(reference.to_owned());
        }
    }
    named
}

/// The staff members `references` name (each a `sub` or a staff id), in one statement,
/// keyed by the reference. A reference to nobody is left out.
pub async fn named(ctx: &Context<'_>, references: &[String]) -> ApiResult<HashMap<String, Agent>> {
    if references.is_empty() {
        return Ok(HashMap::new());
    }
    // A reference that reads as a UUID may be either: some identity providers issue UUID subs.
    let ids: Vec<Uuid> = references.iter().filter_map(|r| Uuid::parse_str(r).ok()).collect();
    let subs = references.iter().map(String::as_str);
    let condition = Condition::any().add(staff::Column::Id.is_in(ids)).add(staff::Column::Sub.is_in(subs));
    let members = staff::Entity::find().filter(condition).all(super::db(ctx)?).await?;
    let mut by_reference = HashMap::new();
    for member in members {
        let id = member.id.to_string();
        let agent = Agent::from(member);
        by_reference.insert(id, agent.clone());
        by_reference.insert(agent.sub.clone(), agent);
    }
    Ok(by_reference)
}

/// A page of history entries' changes with the staff they name: each staff id among them
/// (an approval's requester, an older entry's assignee) rewritten to its `sub`, and each
/// entry's people, in the order named.
pub async fn with_people(ctx: &Context<'_>, changes: Vec<Value>) -> ApiResult<Vec<(Value, Vec<Agent>)>> {
    let mut references: Vec<String> = changes.iter().flat_map(named_in).collect();
    references.sort();
    references.dedup();
    let by_reference = named(ctx, &references).await?;
    let mut out = Vec::with_capacity(changes.len());
    for mut change in changes {
        let mut people: Vec<Agent> = Vec::new();
        for agent in named_in(&change).iter().filter_map(|r| by_reference.get(r)) {
            if !people.contains(agent) {
                people.push(agent.clone());
            }
        }
        let assignees = change.get_mut("assignee").and_then(Value::as_array_mut).into_iter().flatten();
        for reference in assignees {
            by_sub(reference, &by_reference);
        }
        if let Some(requester) = change.get_mut("approval").and_then(|a| a.get_mut("requestedBy")) {
            by_sub(requester, &by_reference);
        }
        out.push((change, people));
    }
    Ok(out)
}

/// `reference` as its staff member's `sub`, when it names one by id.
fn by_sub(reference: &mut Value, by_reference: &HashMap<String, Agent>) {
    if let Some(agent) = reference.as_str().and_then(|r| by_reference.get(r)) {
        *reference = Value::String(agent.sub.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::named_in;
    use serde_json::json;

    #[test]
    fn an_entry_names_its_assignees_and_its_approvals_requester_once_each() {
        let changes = json!({ "assignee": ["owen", "olga"], "approval": { "id": "a", "requestedBy": "owen" } });
        assert_eq!(named_in(&changes), ["owen", "olga"]);
        assert_eq!(named_in(&json!({ "assignee": [null, "owen"] })), ["owen"]);
        assert!(named_in(&json!({ "status": ["open", "pending"], "note": "owen" })).is_empty());
    }
}
